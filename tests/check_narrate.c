// check_narrate.c: cell headers, --quiet, tables, number formats and progress lines.
// Introduced in issue 3 (figures and CLI).
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "narrate.h"
#include "progress.h"

// Everything a function printed, via a memory stream.
typedef struct Capture {
    char *text;
    size_t len;
    FILE *fp;
} Capture;

static void capture_start(Capture *c) {
    c->text = NULL;
    c->fp = open_memstream(&c->text, &c->len);
    ck_assert_ptr_nonnull(c->fp);
}

static const char *capture_end(Capture *c) {
    fclose(c->fp);
    return c->text;
}

START_TEST(test_narrator_cells_and_quiet) {
    for (int quiet = 0; quiet <= 1; quiet++) {
        Capture cap;
        capture_start(&cap);
        Narrator n;
        narrate_init(&n, 3, quiet, 1);
        n.out = cap.fp;
        n.interactive = 0;   // --pause must not wait when stdin is not a terminal
        narrate_cell(&n, "Forward pass");
        narrate_text(&n, "h_t = tanh(W x_t + U h_{t-1})");
        narrate_cell(&n, "Über BPTT");
        narrate_result(&n, "loss %.2f", 1.25);
        narrate_summary(&n, "gradients vanish", (const char *const[]){"Try T = 50.", NULL});
        const char *want = quiet ? "\n[1/3] Forward pass\n------------------\n"
                                   "\n[2/3] Über BPTT\n---------------\n  => loss 1.25\n"
                                   "\nSummary: gradients vanish\n"
                                 : "\n[1/3] Forward pass\n------------------\n"
                                   "h_t = tanh(W x_t + U h_{t-1})\n"
                                   "\n[2/3] Über BPTT\n---------------\n  => loss 1.25\n"
                                   "\nSummary: gradients vanish\n\nExercises:\n  1. Try T = 50.\n";
        ck_assert_str_eq(capture_end(&cap), want);
        free(cap.text);
    }
}
END_TEST

START_TEST(test_table_alignment) {
    Capture cap;
    capture_start(&cap);
    Table t;
    table_init(&t, 3, "T", "max |g|", "regime");
    table_int(&t, 10);
    table_num(&t, 0.123456);
    table_str(&t, "fine");
    table_int(&t, 1000);
    table_num(&t, 2.5e-30);
    table_str(&t, "vanishing");
    table_print(&t, cap.fp);
    table_free(&t);
    const char *want = "     T    max |g|  regime\n"
                       "  --------------------------\n"
                       "    10     0.1235  fine\n"
                       "  1000  2.500e-30  vanishing\n";
    ck_assert_str_eq(capture_end(&cap), want);
    free(cap.text);
}
END_TEST

START_TEST(test_format_number) {
    char buf[32];
    ck_assert_str_eq(format_number(buf, sizeof buf, 0.0), "0");
    ck_assert_str_eq(format_number(buf, sizeof buf, 123.456), "123.5");
    ck_assert_str_eq(format_number(buf, sizeof buf, 12345.6), "12346");
    ck_assert_str_eq(format_number(buf, sizeof buf, 0.0012346), "0.001235");
    ck_assert_str_eq(format_number(buf, sizeof buf, -1e-9), "-1.000e-09");
    ck_assert_str_eq(format_number(buf, sizeof buf, 3e12), "3.000e+12");
    ck_assert_str_eq(format_number(buf, sizeof buf, NAN), "nan");
    ck_assert_str_eq(format_number(buf, sizeof buf, -INFINITY), "-inf");
}
END_TEST

// Plain (non-terminal) progress: a line at each 10%, by step count only, so the output is
// the same on every run; quiet prints nothing; an early stop says so.
START_TEST(test_progress_plain_lines) {
    Capture cap;
    capture_start(&cap);
    Progress p;
    progress_start_on(&p, cap.fp, 0, "epoch 1", 50, 0);
    for (int i = 0; i < 50; i++) progress_update(&p, i + 1, 10.0 / (i + 1));
    progress_end(&p);
    const char *text = capture_end(&cap);
    int lines = 0;
    for (const char *c = text; *c; c++) lines += *c == '\n';
    ck_assert_int_eq(lines, 10);
    ck_assert_ptr_nonnull(strstr(text, "epoch 1: 5/50 (10%)  loss 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "epoch 1: 50/50 (100%)  loss 0.2\n"));
    ck_assert_ptr_null(strchr(text, '\r'));
    free(cap.text);

    capture_start(&cap);
    progress_start_on(&p, cap.fp, 0, "epoch 2", 1000, 0);
    progress_update(&p, 450, NAN);   // jumps past four marks at once: one line
    progress_end(&p);
    ck_assert_str_eq(capture_end(&cap), "epoch 2: 450/1000 (40%)  loss nan\nepoch 2: stopped at 450/1000\n");
    free(cap.text);

    capture_start(&cap);
    progress_start_on(&p, cap.fp, 1, "quiet", 10, 1);
    for (int i = 0; i < 10; i++) progress_update(&p, i + 1, 1.0);
    progress_end(&p);
    ck_assert_str_eq(capture_end(&cap), "");
    free(cap.text);

    capture_start(&cap);   // a terminal: redrawn with \r, finished with a newline
    progress_start_on(&p, cap.fp, 1, "tty", 10, 0);
    for (int i = 0; i < 10; i++) progress_update(&p, i + 1, 1.0);
    progress_end(&p);
    text = capture_end(&cap);
    ck_assert_ptr_nonnull(strstr(text, "\rtty [####################] 10/10  loss 1"));
    ck_assert_int_eq(text[strlen(text) - 1], '\n');
    free(cap.text);
}
END_TEST

Suite *make_narrate_suite(void) {
    Suite *s = suite_create("narrate");
    TCase *tc = tcase_create("narrate");
    tcase_add_test(tc, test_narrator_cells_and_quiet);
    tcase_add_test(tc, test_table_alignment);
    tcase_add_test(tc, test_format_number);
    tcase_add_test(tc, test_progress_plain_lines);
    suite_add_tcase(s, tc);
    return s;
}
