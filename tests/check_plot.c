// check_plot.c: line plots through gnuplot (common/plot.h).
// Introduced in issue 3 (figures and CLI).
//
// What must hold: the CSV reads back as exactly the doubles that went in; the script and the
// PNG exist (the PNG has the promised size and is not blank); without gnuplot the CSV and
// the script are still written, with one warning; nothing temporary is left behind; folders
// that cannot be made and gnuplot's own errors come back as messages.
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "canvas.h"
#include "plot.h"
#include "test_files.h"

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

// Names like ".grad.csv.tmp-1234" in dir: what an interrupted atomic write leaves.
static int count_temp_files(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-")) n++;
    closedir(d);
    return n;
}

// Distinct colours among (a sample of) the pixels.
static int count_colors(const Canvas *cv, int limit) {
    unsigned seen[64];
    int n = 0;
    for (int i = 0; i < cv->width * cv->height && n < limit; i += 7) {
        const unsigned char *p = cv->rgb + 3 * (size_t)i;
        unsigned key = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
        int known = 0;
        for (int k = 0; k < n; k++) known |= seen[k] == key;
        if (!known && n < 64) seen[n++] = key;
    }
    return n;
}

// One data row of the plot CSV: series,x,y,"label".
typedef struct Row {
    int series;
    double x, y;
    char label[128];
} Row;

static int parse_rows(char *text, Row *rows, int cap) {
    char *line = strchr(text, '\n');  // skip the header
    ck_assert_ptr_nonnull(line);
    int n = 0;
    for (line++; *line && n < cap; n++) {
        char *end;
        rows[n].series = (int)strtol(line, &end, 10);
        ck_assert_int_eq(*end, ',');
        rows[n].x = strtod(end + 1, &end);
        ck_assert_int_eq(*end, ',');
        rows[n].y = strtod(end + 1, &end);
        ck_assert_int_eq(*end, ',');
        ck_assert_int_eq(end[1], '"');
        // The label: up to the closing quote, "" standing for one quote.
        char *p = end + 2;
        int k = 0;
        for (; !(p[0] == '"' && p[1] != '"'); p++) {
            if (p[0] == '"') p++;
            rows[n].label[k++] = *p;
        }
        rows[n].label[k] = '\0';
        ck_assert_int_eq(p[1], '\n');
        line = p + 2;
    }
    return n;
}

START_TEST(test_plot_csv_round_trips_and_png_renders) {
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    double x[5] = {1, 2, 3, 4, 5};
    double y[5] = {1e-300, 0.1, 1e300, 3.141592653589793, 2.2250738585072014e-308};
    double z[3] = {-1, 0, 0.5};     // <= 0 on a log axis: skipped by the script
    double bad[3] = {INFINITY, NAN, 7};
    Plot p;
    plot_init(&p, "decay", "Gradient norm (log)", "step", "|g|");
    plot_set_log_y(&p, 1);
    plot_add_series(&p, "measured, \"tanh\"", x, y, 5);
    int theory = plot_add_series(&p, "theory", NULL, z, 3);
    plot_set_style(&p, theory, PLOT_DASHED, "#ff0000");
    plot_add_series(&p, "overflow", NULL, bad, 3);
    Gnuplot gp;
    gnuplot_init(&gp);
    ck_assert_msg(plot_write(&p, dir, &gp, err, sizeof err), "plot_write: %s", err);

    char *csv = read_all(tmp_path(path, dir, "decay.csv"), NULL);
    ck_assert_msg(strncmp(csv, "series,x,y,label\n", 17) == 0, "header: %.40s", csv);
    Row rows[16];
    ck_assert_int_eq(parse_rows(csv, rows, 16), 11);
    for (int i = 0; i < 5; i++) {  // exact: %.17g round-trips every double
        ck_assert_int_eq(rows[i].series, 0);
        ck_assert_msg(rows[i].x == x[i] && rows[i].y == y[i], "row %d: %.17g,%.17g", i, rows[i].x, rows[i].y);
        ck_assert_str_eq(rows[i].label, "measured, \"tanh\"");
    }
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(rows[5 + i].series, 1);
        ck_assert(rows[5 + i].x == i && rows[5 + i].y == z[i]);
    }
    ck_assert(isnan(rows[8].y) && isnan(rows[9].y) && rows[10].y == 7);  // inf and NaN -> NaN
    free(csv);

    char *script = read_all(tmp_path(path, dir, "decay.gp"), NULL);
    ck_assert_ptr_nonnull(strstr(script, "data = 'decay.csv'"));  // relative: runs from its folder
    ck_assert_ptr_nonnull(strstr(script, "set logscale y"));
    ck_assert_ptr_nonnull(strstr(script, "column(3) > 0"));
    ck_assert_ptr_nonnull(strstr(script, "#ff0000"));
    free(script);

    if (gnuplot_available(&gp)) {
        Canvas cv;
        ck_assert_msg(canvas_read_png(&cv, tmp_path(path, dir, "decay.png"), err, sizeof err), "%s", err);
        ck_assert_int_eq(cv.width, 1280);
        ck_assert_int_eq(cv.height, 800);
        ck_assert_int_ge(count_colors(&cv, 10), 4);  // white, black, and the series colours
        canvas_free(&cv);
    }
    ck_assert_int_eq(count_temp_files(dir), 0);
    plot_free(&p);
    remove_tmp_dir(dir);
}
END_TEST

// float series, the x = 0..n-1 default, and a plot where nothing at all can be drawn.
START_TEST(test_plot_float_series_and_empty_plot) {
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    float y[4] = {0.5f, 0.25f, 0.125f, 0.0625f};
    Plot p;
    plot_init(&p, "halving", "halving", "step", "value");
    plot_add_series_f(&p, "half", NULL, y, 4);
    Gnuplot gp;
    gnuplot_init(&gp);
    ck_assert_msg(plot_write(&p, dir, &gp, err, sizeof err), "%s", err);
    char *csv = read_all(tmp_path(path, dir, "halving.csv"), NULL);
    ck_assert_ptr_nonnull(strstr(csv, "\n0,3,0.0625,\"half\"\n"));
    free(csv);
    plot_free(&p);

    double nothing[2] = {0, -5};
    plot_init(&p, "empty", "nothing positive", "x", "y");
    plot_set_log_y(&p, 1);
    plot_add_series(&p, "all <= 0", NULL, nothing, 2);
    ck_assert_msg(plot_write(&p, dir, &gp, err, sizeof err), "gnuplot must not fail: %s", err);
    ck_assert_int_eq(file_exists(tmp_path(path, dir, "empty.png")), gnuplot_available(&gp));
    plot_free(&p);
    remove_tmp_dir(dir);
}
END_TEST

// PATH without gnuplot: CSV and script, no PNG, success, and exactly one warning for two
// plots. Runs in a child process so the changed PATH cannot leak into other tests.
START_TEST(test_plot_without_gnuplot) {
    char dir[64], empty_bin[4096], path[4096];
    make_tmp_dir(dir);
    tmp_path(empty_bin, dir, "bin");
    ck_assert_int_eq(mkdir(empty_bin, 0700), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setenv("PATH", empty_bin, 1);
        char warn_path[4096], err[512];
        FILE *warnings = fopen(tmp_path(warn_path, dir, "warnings.txt"), "w");
        Gnuplot gp;
        gnuplot_init(&gp);
        gp.warn_to = warnings;
        double y[3] = {1, 2, 3};
        int ok = 1;
        const char *names[2] = {"first", "second"};
        for (int i = 0; i < 2; i++) {
            Plot p;
            plot_init(&p, names[i], "t", "x", "y");
            plot_add_series(&p, "s", NULL, y, 3);
            ok &= plot_write(&p, dir, &gp, err, sizeof err);
            plot_free(&p);
        }
        fclose(warnings);
        _exit(ok ? 0 : 3);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "plot_write failed without gnuplot");
    ck_assert(file_exists(tmp_path(path, dir, "first.csv")));
    ck_assert(file_exists(tmp_path(path, dir, "first.gp")));
    ck_assert(!file_exists(tmp_path(path, dir, "first.png")));
    ck_assert(file_exists(tmp_path(path, dir, "second.gp")));
    char *warnings = read_all(tmp_path(path, dir, "warnings.txt"), NULL);
    int lines = 0;
    for (char *c = warnings; *c; c++) lines += *c == '\n';
    ck_assert_msg(lines == 1, "expected one warning line, got %d: %s", lines, warnings);
    ck_assert_ptr_nonnull(strstr(warnings, "gnuplot"));
    free(warnings);
    ck_assert_int_eq(count_temp_files(dir), 0);
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_plot_unwritable_folders) {
    char dir[64], path[4096], err[512] = "";
    make_tmp_dir(dir);
    double y[2] = {1, 2};
    Plot p;
    plot_init(&p, "x", "t", "x", "y");
    plot_add_series(&p, "s", NULL, y, 2);
    ck_assert(!plot_write(&p, "/proc/unrolled-cannot-exist/figs", NULL, err, sizeof err));
    ck_assert_err_has(err, "/proc/unrolled-cannot-exist");
    // A parent that is a regular file.
    write_text(tmp_path(path, dir, "plain"), "not a folder\n");
    char below[4200];
    snprintf(below, sizeof below, "%s/sub", path);
    err[0] = '\0';
    ck_assert(!plot_write(&p, below, NULL, err, sizeof err));
    ck_assert_err_has(err, "plain");
    // A name that would escape the folder.
    snprintf(p.name, sizeof p.name, "../escape");
    ck_assert(!plot_write(&p, dir, NULL, err, sizeof err));
    ck_assert_err_has(err, "../escape");
    plot_free(&p);
    remove_tmp_dir(dir);
}
END_TEST

// gnuplot's own error (here: a bad key option) comes back in err, and no temporary PNG stays.
START_TEST(test_plot_reports_gnuplot_errors) {
    char dir[64], path[4096], err[512] = "";
    make_tmp_dir(dir);
    Gnuplot gp;
    gnuplot_init(&gp);
    if (!gnuplot_available(&gp)) {
        remove_tmp_dir(dir);
        return;
    }
    double y[2] = {1, 2};
    Plot p;
    plot_init(&p, "broken", "t", "x", "y");
    snprintf(p.key, sizeof p.key, "sideways-please");
    plot_add_series(&p, "s", NULL, y, 2);
    ck_assert(!plot_write(&p, dir, &gp, err, sizeof err));
    ck_assert_err_has(err, "gnuplot failed", "broken.gp", "key");
    ck_assert(!file_exists(tmp_path(path, dir, "broken.png")));
    ck_assert(file_exists(tmp_path(path, dir, "broken.csv")));  // the data is still there
    ck_assert_int_eq(count_temp_files(dir), 0);
    plot_free(&p);
    remove_tmp_dir(dir);
}
END_TEST

Suite *make_plot_suite(void) {
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("plot");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plot_csv_round_trips_and_png_renders);
    tcase_add_test(tc, test_plot_float_series_and_empty_plot);
    tcase_add_test(tc, test_plot_without_gnuplot);
    tcase_add_test(tc, test_plot_unwritable_folders);
    tcase_add_test(tc, test_plot_reports_gnuplot_errors);
    suite_add_tcase(s, tc);
    return s;
}
