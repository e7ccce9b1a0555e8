// plot.c: see plot.h. Introduced in issue 3 (figures and CLI).
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

// ---- running gnuplot ---------------------------------------------------------------------

void gnuplot_init(Gnuplot *gp) {
    memset(gp, 0, sizeof *gp);
    gp->warn_to = stderr;
    gp->timeout_s = 120;
}

// Search PATH the way execvp would, so we know before forking whether gnuplot exists.
static void find_gnuplot(Gnuplot *gp) {
    gp->probed = 1;
    gp->exe[0] = '\0';
    const char *path = getenv("PATH");
    if (!path) return;
    const char *start = path;
    for (;;) {
        const char *end = strchr(start, ':');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        char candidate[sizeof gp->exe];
        // An empty PATH entry means the current folder.
        snprintf(candidate, sizeof candidate, "%.*s/gnuplot", len ? (int)len : 1, len ? start : ".");
        struct stat st;
        if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0) {
            snprintf(gp->exe, sizeof gp->exe, "%s", candidate);
            return;
        }
        if (!end) return;
        start = end + 1;
    }
}

int gnuplot_available(Gnuplot *gp) {
    if (!gp->probed) find_gnuplot(gp);
    if (gp->exe[0]) return 1;
    if (!gp->warned) {
        gp->warned = 1;
        fprintf(gp->warn_to ? gp->warn_to : stderr,
                "%s: warning: gnuplot is not on PATH, so figures are written as .csv and .gp "
                "files without PNGs (install gnuplot, or run `make deps`)\n", program_name());
    }
    return 0;
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// gnuplot's stderr, read until it closes (gnuplot exited) or the time limit passes; the
// first cap bytes are kept with newlines folded into " | ". Returns 0 on a timeout.
static int read_child_messages(int fd, char *buf, size_t cap, double timeout_s) {
    size_t used = 0;
    char chunk[512];
    double deadline = seconds_now() + timeout_s;
    int finished = 1;
    for (;;) {
        double left = deadline - seconds_now();
        if (left <= 0) { finished = 0; break; }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n && used + 4 < cap; i++) {
            char c = chunk[i];
            if (c == '\n') {
                if (used > 0 && buf[used - 1] != ' ') { memcpy(buf + used, " | ", 3); used += 3; }
            } else if (c != '\r') {
                buf[used++] = c;
            }
        }
    }
    while (used > 0 && (buf[used - 1] == ' ' || buf[used - 1] == '|')) used--;
    buf[used] = '\0';
    return finished;
}

int gnuplot_render(Gnuplot *gp, const char *dir, const char *script_name, const char *png_name,
                   char *err, size_t errlen) {
    if (!gnuplot_available(gp)) return 0;
    // The same temporary-name pattern as fileio.c, so an interrupted run leaves a file that
    // is obviously temporary (and tests can look for leftovers).
    char tmp_name[512], tmp_path[4096], png_path[4096], outfile_arg[600];
    snprintf(tmp_name, sizeof tmp_name, ".%s.tmp-%ld", png_name, (long)getpid());
    path_join(tmp_path, sizeof tmp_path, dir, tmp_name);
    path_join(png_path, sizeof png_path, dir, png_name);
    snprintf(outfile_arg, sizeof outfile_arg, "outfile='%s'", tmp_name);

    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) {
        snprintf(err, errlen, "cannot run gnuplot: pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);  // the child must not flush our buffered output a second time
    pid_t pid = fork();
    if (pid < 0) {
        close(pipe_fd[0]);
        close(pipe_fd[1]);
        snprintf(err, errlen, "cannot run gnuplot: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec (the parent may run OpenMP threads).
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);   // gnuplot must not eat the terminal's input
            dup2(devnull, STDOUT_FILENO);
        }
        dup2(pipe_fd[1], STDERR_FILENO);
        close(pipe_fd[0]);
        if (chdir(dir) != 0) {
            static const char msg[] = "cannot enter the output folder";
            if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) _exit(126);
            _exit(126);
        }
        char *argv[] = {"gnuplot", "-e", outfile_arg, (char *)script_name, NULL};
        execv(gp->exe, argv);
        static const char msg[] = "exec of gnuplot failed";
        if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) _exit(127);
        _exit(127);
    }
    close(pipe_fd[1]);
    char messages[1024];
    // Some settings make gnuplot loop for ever (a huge tic increment on a log axis, say);
    // a figure is not worth a hung chapter.
    int finished = read_child_messages(pipe_fd[0], messages, sizeof messages, gp->timeout_s);
    close(pipe_fd[0]);
    if (!finished) {
        kill(pid, SIGKILL);
        snprintf(messages, sizeof messages, "still running after %g s, stopped", gp->timeout_s);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) { status = -1; break; }
    }
    struct stat st;
    int ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             stat(tmp_path, &st) == 0 && st.st_size > 0;
    if (ok && rename(tmp_path, png_path) != 0) {
        snprintf(err, errlen, "cannot rename into %s: %s", png_path, strerror(errno));
        remove(tmp_path);
        return -1;
    }
    if (!ok) {
        remove(tmp_path);
        snprintf(err, errlen, "gnuplot failed on %s/%s: %s", dir, script_name,
                 messages[0] ? messages : "no PNG was written");
        return -1;
    }
    return 1;
}

void gnuplot_quote(FILE *fp, const char *s) {
    fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '\'') fputs("''", fp);
        else if (*s == '\n' || *s == '\r') fputc(' ', fp);
        else fputc(*s, fp);
    }
    fputc('\'', fp);
}

// ---- line plots --------------------------------------------------------------------------

// Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies, and
// dark enough on a white projector screen.
static const char *const PALETTE[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000"};
enum { PALETTE_SIZE = sizeof PALETTE / sizeof PALETTE[0] };

int figure_name_ok(const char *name) {
    if (!name[0] || name[0] == '.' || strlen(name) > 60) return 0;
    for (const char *c = name; *c; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 *c == '_' || *c == '-' || *c == '.';
        if (!ok) return 0;
    }
    return 1;
}

void plot_init(Plot *p, const char *name, const char *title, const char *xlabel, const char *ylabel) {
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->title, sizeof p->title, "%s", title ? title : "");
    snprintf(p->xlabel, sizeof p->xlabel, "%s", xlabel ? xlabel : "");
    snprintf(p->ylabel, sizeof p->ylabel, "%s", ylabel ? ylabel : "");
    p->xmin = p->xmax = p->ymin = p->ymax = NAN;
    snprintf(p->key, sizeof p->key, "below");
    p->width = 1280;
    p->height = 800;
}

void plot_free(Plot *p) {
    for (int i = 0; i < p->n_series; i++) {
        free(p->series[i].x);
        free(p->series[i].y);
    }
    free(p->series);
    p->series = NULL;
    p->n_series = p->cap_series = 0;
}

void plot_set_log_x(Plot *p, int on) { p->log_x = on; }
void plot_set_log_y(Plot *p, int on) { p->log_y = on; }
void plot_set_xrange(Plot *p, double lo, double hi) { p->xmin = lo; p->xmax = hi; }
void plot_set_xtic_step(Plot *p, double step) { p->xtic_step = step > 0 ? step : 0; }
void plot_set_yrange(Plot *p, double lo, double hi) { p->ymin = lo; p->ymax = hi; }

static PlotSeries *new_series(Plot *p, const char *label, int n) {
    if (n < 0) die("plot %s: series \"%s\" has a negative length %d", p->name, label, n);
    if (p->n_series == p->cap_series) {
        p->cap_series = p->cap_series ? 2 * p->cap_series : 8;
        p->series = xrealloc(p->series, (size_t)p->cap_series * sizeof *p->series);
    }
    PlotSeries *s = &p->series[p->n_series++];
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", label ? label : "");
    s->n = n;
    s->x = xmalloc((size_t)n * sizeof(double));
    s->y = xmalloc((size_t)n * sizeof(double));
    s->style = PLOT_LINES;
    return s;
}

int plot_add_series(Plot *p, const char *label, const double *x, const double *y, int n) {
    PlotSeries *s = new_series(p, label, n);
    for (int i = 0; i < n; i++) {
        s->x[i] = x ? x[i] : (double)i;
        s->y[i] = y[i];
    }
    return p->n_series - 1;
}

int plot_add_series_f(Plot *p, const char *label, const float *x, const float *y, int n) {
    PlotSeries *s = new_series(p, label, n);
    for (int i = 0; i < n; i++) {
        s->x[i] = x ? (double)x[i] : (double)i;
        s->y[i] = (double)y[i];
    }
    return p->n_series - 1;
}

void plot_set_style(Plot *p, int index, PlotStyle style, const char *color) {
    if (index < 0 || index >= p->n_series)
        die("plot %s: plot_set_style on series %d, but it has %d series", p->name, index, p->n_series);
    p->series[index].style = style;
    if (color) snprintf(p->series[index].color, sizeof p->series[index].color, "%s", color);
}

// A number as CSV text: %.17g round-trips every double; inf and NaN become NaN.
static void write_number(FILE *fp, double v) {
    if (isfinite(v)) fprintf(fp, "%.17g", v);
    else fputs("NaN", fp);
}

// RFC 4180 quoting: the field in double quotes, with inner quotes doubled.
static void write_csv_string(FILE *fp, const char *s) {
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static int write_plot_csv(const Plot *p, const char *path, char *err, size_t errlen) {
    AtomicFile f;
    if (!atomic_open(&f, path, err, errlen)) return 0;
    fputs("series,x,y,label\n", f.fp);
    for (int k = 0; k < p->n_series; k++) {
        const PlotSeries *s = &p->series[k];
        for (int i = 0; i < s->n; i++) {
            fprintf(f.fp, "%d,", k);
            write_number(f.fp, s->x[i]);
            fputc(',', f.fp);
            write_number(f.fp, s->y[i]);
            fputc(',', f.fp);
            write_csv_string(f.fp, s->label);
            fputc('\n', f.fp);
        }
    }
    return atomic_commit(&f, err, errlen);
}

// Can point i of s be drawn on p's axes? (finite, and positive on a log axis)
static int point_drawable(const Plot *p, const PlotSeries *s, int i) {
    double x = s->x[i], y = s->y[i];
    return isfinite(x) && isfinite(y) && (!p->log_x || x > 0) && (!p->log_y || y > 0);
}

// How many decades the drawable points span on a log axis. Tick labels are powers of ten
// from two decades on, plain numbers below (a narrow log axis has ticks at 2, 5, ... too).
static double log_axis_decades(const Plot *p, int axis_is_y) {
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < p->n_series; k++)
        for (int i = 0; i < p->series[k].n; i++) {
            if (!point_drawable(p, &p->series[k], i)) continue;
            double v = axis_is_y ? p->series[k].y[i] : p->series[k].x[i];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    return lo < hi ? log10(hi) - log10(lo) : 0.0;
}

static void write_range(FILE *fp, const char *axis, double lo, double hi) {
    if (isnan(lo) && isnan(hi)) return;
    fprintf(fp, "set %srange [", axis);
    if (isnan(lo)) fputc('*', fp); else fprintf(fp, "%.17g", lo);
    fputc(':', fp);
    if (isnan(hi)) fputc('*', fp); else fprintf(fp, "%.17g", hi);
    fputs("]\n", fp);
}

static void write_label(FILE *fp, const char *command, const char *text, int enhanced) {
    if (!text[0]) return;
    fprintf(fp, "set %s ", command);
    gnuplot_quote(fp, text);
    fputs(enhanced ? "\n" : " noenhanced\n", fp);
}

static int write_plot_script(const Plot *p, const char *path, char *err, size_t errlen) {
    AtomicFile f;
    if (!atomic_open(&f, path, err, errlen)) return 0;
    FILE *fp = f.fp;
    fprintf(fp, "# %s.gp: written by unrolled (%s). Redraw it from this folder with\n", p->name,
            program_name());
    fprintf(fp, "#     gnuplot %s.gp\n", p->name);
    fprintf(fp, "# The data is %s.csv, one row per point: series,x,y,label (series numbered from 0).\n",
            p->name);
    fprintf(fp, "# Edit freely; the chapter overwrites this file when it runs again.\n\n");
    fprintf(fp, "if (!exists(\"outfile\")) outfile = '%s.png'\n", p->name);
    fprintf(fp, "data = '%s.csv'\n", p->name);
    fprintf(fp, "set terminal pngcairo size %d,%d enhanced font 'Sans,16' linewidth 1.5\n",
            p->width, p->height);
    fputs("set output outfile\n"
          "set encoding utf8\n"
          "set datafile separator comma\n"
          "set key opaque box\n", fp);
    if (strcmp(p->key, "below") == 0) {
        // Under the plot, never over the data. gnuplot does not leave room for the key and
        // the x label together, so the bottom margin is sized for the entries: two columns,
        // or one when a label is too long for two to fit side by side at 16 pt.
        size_t longest = 0;
        for (int i = 0; i < p->n_series; i++)
            if (strlen(p->series[i].label) > longest) longest = strlen(p->series[i].label);
        int cols = longest > 36 ? 1 : 2;
        int key_rows = (p->n_series + cols - 1) / cols;
        fprintf(fp, "set key below maxcols %d\nset bmargin %.1f\n", cols, 4.5 + key_rows);
    } else {
        fprintf(fp, "set key %s\n", p->key);
    }
    fputs("set grid lc rgb '#d9d9d9' lw 1\n"
          "set border lw 1.2\n"
          "set title font ',20'\n", fp);
    write_label(fp, "title", p->title, p->enhanced);
    write_label(fp, "xlabel", p->xlabel, p->enhanced);
    write_label(fp, "ylabel", p->ylabel, p->enhanced);
    for (int axis_is_y = 0; axis_is_y <= 1; axis_is_y++) {
        if (!(axis_is_y ? p->log_y : p->log_x)) continue;
        char axis = axis_is_y ? 'y' : 'x';
        double decades = log_axis_decades(p, axis_is_y);
        fprintf(fp, "set logscale %c\nset format %c '%s'\n", axis, axis,
                decades >= 2 ? "10^{%L}" : "%g");
        // Over many decades gnuplot labels every 10th or so, and its minor tics pile up
        // into black blobs next to each label.
        if (decades > 12) fprintf(fp, "unset m%ctics\n", axis);
    }

    // Which series have anything to draw? gnuplot stops with an error when nothing at all
    // can be drawn, so that case gets fixed ranges and an empty plot with a legend.
    int any_drawable = 0;
    int *drawable = xcalloc((size_t)(p->n_series ? p->n_series : 1), sizeof(int));
    for (int k = 0; k < p->n_series; k++)
        for (int i = 0; i < p->series[k].n && !drawable[k]; i++)
            drawable[k] = point_drawable(p, &p->series[k], i);
    for (int k = 0; k < p->n_series; k++) any_drawable |= drawable[k];
    if (!any_drawable) {
        write_range(fp, "x", isnan(p->xmin) ? 1 : p->xmin, isnan(p->xmax) ? 10 : p->xmax);
        write_range(fp, "y", isnan(p->ymin) ? 1 : p->ymin, isnan(p->ymax) ? 10 : p->ymax);
    } else {
        write_range(fp, "x", p->xmin, p->xmax);
        write_range(fp, "y", p->ymin, p->ymax);
    }
    if (p->xtic_step > 0) fprintf(fp, "set xtics %.17g\n", p->xtic_step);

    fputs("\n# A row belongs to series k and can be drawn on these axes when:\n", fp);
    fprintf(fp, "keep(k) = column(1) == k%s%s\n", p->log_x ? " && column(2) > 0" : "",
            p->log_y ? " && column(3) > 0" : "");
    fputs("plot \\\n", fp);
    int first = 1;
    if (!any_drawable) {
        fputs("    NaN notitle", fp);
        first = 0;
    }
    for (int k = 0; k < p->n_series; k++) {
        const PlotSeries *s = &p->series[k];
        const char *color = s->color[0] ? s->color : PALETTE[k % PALETTE_SIZE];
        const char *with;
        switch (s->style) {
        case PLOT_DASHED: with = "lines lw 3 dt (12,8)"; break;
        case PLOT_POINTS: with = "points pt 7 ps 1.4"; break;
        case PLOT_LINESPOINTS: with = "linespoints lw 2.5 pt 7 ps 1.2"; break;
        default: with = "lines lw 3"; break;
        }
        fputs(first ? "    " : ", \\\n    ", fp);
        first = 0;
        if (drawable[k]) fprintf(fp, "data skip 1 using 2:(keep(%d) ? $3 : NaN) with %s", k, with);
        else fprintf(fp, "keyentry with %s", with);  // no finite point: legend entry only
        fprintf(fp, " lc rgb '%s' title ", color);
        if (drawable[k]) gnuplot_quote(fp, s->label);
        else {
            char note[160];
            snprintf(note, sizeof note, "%s (no finite values)", s->label);
            gnuplot_quote(fp, note);
        }
        fputs(p->enhanced ? "" : " noenhanced", fp);
    }
    fputs(first ? "    NaN notitle\n" : "\n", fp);
    fputs("set output\n", fp);
    free(drawable);
    return atomic_commit(&f, err, errlen);
}

int plot_write(const Plot *p, const char *out_dir, Gnuplot *gp, char *err, size_t errlen) {
    if (!figure_name_ok(p->name)) {
        snprintf(err, errlen, "plot name \"%s\" is not a usable file name (letters, digits, _ - .)",
                 p->name);
        return 0;
    }
    if (!make_dirs(out_dir, err, errlen)) return 0;
    char file[512], path[4096];
    snprintf(file, sizeof file, "%s.csv", p->name);
    if (!write_plot_csv(p, path_join(path, sizeof path, out_dir, file), err, errlen)) return 0;
    snprintf(file, sizeof file, "%s.gp", p->name);
    if (!write_plot_script(p, path_join(path, sizeof path, out_dir, file), err, errlen)) return 0;
    if (!gp) return 1;
    char png[512];
    snprintf(png, sizeof png, "%s.png", p->name);
    return gnuplot_render(gp, out_dir, file, png, err, errlen) >= 0;
}
