// check_chapters.c: every chapter program, run as a student runs it.
//  * `--quick` exits 0 and writes its figures' CSVs;
//  * run twice with the same seed and thread count, every CSV and every checkpoint is byte-identical (the
//    reproducibility promise of the README);
//  * bad options are refused with one line naming the option and exit status 2.
// The programs are found as bin/NN_name (the Makefile builds them before the tests).
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_env.h"
#include "test_files.h"

#define MAX_CHAPTERS 32

// The chapter programs present in bin/ (names like "01_rnn_gradients"), sorted.
static int list_chapters(char names[][64]) {
    int n = 0;
    DIR *d = opendir(test_bin_dir());
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_CHAPTERS)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && e->d_name[1] >= '0' && e->d_name[1] <= '9' &&
            strlen(e->d_name) < 64)
            snprintf(names[n++], 64, "%s", e->d_name);
    closedir(d);
    for (int i = 1; i < n; i++)   // insertion sort: a handful of names
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char tmp[64];
            memcpy(tmp, names[j], 64), memcpy(names[j], names[j - 1], 64), memcpy(names[j - 1], tmp, 64);
        }
    return n;
}

// Run a shell command, return its exit status (or -1).
static int run(const char *cmd) {
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

static int files_equal(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

START_TEST(test_quick_runs_are_bit_identical) {
    char names[MAX_CHAPTERS][64];
    int n = list_chapters(names);
    ck_assert_msg(n >= 2, "expected the chapter programs in %s (run the tests with `make test`)", test_bin_dir());
    for (int c = 0; c < n; c++) {
        char dir_a[256], dir_b[256], cmd[4096];
        snprintf(dir_a, sizeof dir_a, "%.150s/%.63s-a", test_scratch_dir(), names[c]);
        snprintf(dir_b, sizeof dir_b, "%.150s/%.63s-b", test_scratch_dir(), names[c]);
        for (int k = 0; k < 2; k++) {
            snprintf(cmd, sizeof cmd, "mkdir -p %s && rm -rf %s && %s/%s --quick --quiet --seed 7 --threads 2 --out %s > %s.log 2>&1",
                     test_scratch_dir(), k ? dir_b : dir_a, test_bin_dir(), names[c], k ? dir_b : dir_a, k ? dir_b : dir_a);
            ck_assert_msg(run(cmd) == 0, "%s --quick failed (see %s.log)", names[c], k ? dir_b : dir_a);
        }
        DIR *d = opendir(dir_a);
        ck_assert_msg(d != NULL, "%s wrote no output folder", names[c]);
        int csvs = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            int is_csv = len >= 5 && strcmp(e->d_name + len - 4, ".csv") == 0;
            int is_checkpoint = len >= 13 && strcmp(e->d_name + len - 12, ".safetensors") == 0;
            if (!is_csv && !is_checkpoint) continue;
            char fa[1024], fb[1024];  // dir (< 256) + a file name (< 256)
            snprintf(fa, sizeof fa, "%s/%s", dir_a, e->d_name);
            snprintf(fb, sizeof fb, "%s/%s", dir_b, e->d_name);
            ck_assert_msg(files_equal(fa, fb), "%s: %s differs between two runs with the same seed", names[c], e->d_name);
            csvs += is_csv;
        }
        closedir(d);
        ck_assert_msg(csvs > 0, "%s --quick wrote no CSV", names[c]);
    }
}
END_TEST

// Bad options: exit 2 and one line on stderr that names the option.
static const struct {
    const char *args, *must_mention;
} bad_options[] = {
    {"--no-such-option", "--no-such-option"},
    {"--seed abc", "--seed"},
    {"--threads 0", "--threads"},
    {"--threads 99999999999999999999", "--threads"},
    {"--out ''", "--out"},
    {"--seed -5", "--seed"},
};

START_TEST(test_bad_options_are_refused) {
    char names[MAX_CHAPTERS][64];
    int n = list_chapters(names);
    ck_assert_int_ge(n, 1);
    for (int c = 0; c < n; c++)
        for (size_t i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
            char cmd[4096], log[256];
            snprintf(log, sizeof log, "%.150s/%.63s-bad.log", test_scratch_dir(), names[c]);
            snprintf(cmd, sizeof cmd, "mkdir -p %s && %s/%s %s --out %s/never > %s 2>&1", test_scratch_dir(),
                     test_bin_dir(), names[c], bad_options[i].args, test_scratch_dir(), log);
            int status = run(cmd);
            ck_assert_msg(status == 2, "%s %s: exit status %d, expected 2", names[c], bad_options[i].args, status);
            size_t text_len = 0;
            char *text = read_all(log, &text_len);
            ck_assert_msg(text && strstr(text, bad_options[i].must_mention), "%s %s: message does not name %s: %s",
                          names[c], bad_options[i].args, bad_options[i].must_mention, text ? text : "(none)");
            int lines = 0;
            for (char *p = text; *p; p++) lines += *p == '\n';
            ck_assert_msg(lines == 1, "%s %s: %d lines on stderr, expected one", names[c], bad_options[i].args, lines);
            free(text);
        }
}
END_TEST

Suite *make_chapters_suite(void) {
    Suite *s = suite_create("chapters");
    TCase *tc = tcase_create("programs");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_quick_runs_are_bit_identical);
    tcase_add_test(tc, test_bad_options_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
