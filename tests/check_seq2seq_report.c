// check_seq2seq_report.c: the by-length files chapters 04-07 leave for chapter 07, written and
// read back exactly, and every malformed file refused with a line naming it.
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "seq2seq_report.h"
#include "test_files.h"

START_TEST(test_round_trip) {
    Seq2SeqEval ev;
    memset(&ev, 0, sizeof ev);
    ev.n_buckets = 3;
    int lo[3] = {1, 4, 7}, hi[3] = {3, 6, 9}, n[3] = {10, 0, 7};
    double acc[3] = {0.9, NAN, 0.25}, bleu[3] = {NAN, 0.5, 0.123456};
    for (int k = 0; k < 3; k++) {
        ev.bucket_lo[k] = lo[k], ev.bucket_hi[k] = hi[k], ev.bucket_n[k] = n[k];
        ev.bucket_accuracy[k] = acc[k], ev.bucket_bleu[k] = bleu[k];
    }
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    tmp_path(path, dir, "by_length.csv");
    ck_assert_msg(seq2seq_write_by_length(path, "seq2seq_gru_cho", &ev, err, sizeof err), "%s", err);
    Seq2SeqByLength r;
    ck_assert_msg(seq2seq_read_by_length(path, &r, err, sizeof err), "%s", err);
    ck_assert_str_eq(r.model, "seq2seq_gru_cho");
    ck_assert_int_eq(r.n_buckets, 3);
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(r.lo[k], lo[k]);
        ck_assert_int_eq(r.hi[k], hi[k]);
        ck_assert_int_eq(r.n[k], n[k]);
        if (isnan(acc[k])) ck_assert(isnan(r.exact_match[k]));
        else ck_assert_double_eq_tol(r.exact_match[k], 100.0 * acc[k], 1e-4);
        if (isnan(bleu[k])) ck_assert(isnan(r.bleu[k]));
        else ck_assert_double_eq_tol(r.bleu[k], 100.0 * bleu[k], 1e-4);
    }
    ck_assert(!seq2seq_write_by_length(path, "a,b", &ev, err, sizeof err));
    ck_assert_err_has(err, path, "comma");
}
END_TEST

START_TEST(test_malformed_refused) {
    static const char *const bad[][2] = {
        {"", "header"},
        {"model,lo,hi,n\n", "header"},
        {"model,lo,hi,n,exact_match,bleu\n", "no buckets"},
        {"model,lo,hi,n,exact_match,bleu\nm,1,3,4,50\n", "line 2"},
        {"model,lo,hi,n,exact_match,bleu\nm,5,3,4,50,1\n", "line 2"},
        {"model,lo,hi,n,exact_match,bleu\nm,1,3,4,50,x1\n", "not a number"},
        {"model,lo,hi,n,exact_match,bleu\nm,1,3,4,50,1\nother,4,6,1,0,0\n", "line 3"},
    };
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    tmp_path(path, dir, "bad.csv");
    Seq2SeqByLength r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(path, bad[i][0]);
        ck_assert_msg(!seq2seq_read_by_length(path, &r, err, sizeof err), "case %zu accepted", i);
        ck_assert_err_has(err, path, bad[i][1]);
        ck_assert_ptr_null(strchr(err, '\n'));
    }
    tmp_path(path, dir, "missing.csv");
    ck_assert(!seq2seq_read_by_length(path, &r, err, sizeof err));
    ck_assert_err_has(err, path, "No such file");
}
END_TEST

// The sentence chapters 05 and 06 print about chapter 04's table: every non-empty bucket up to
// the trailing run of 0% ones, which collapses into "0% from LO on".
START_TEST(test_summary_sentence) {
    Seq2SeqByLength r = {.n_buckets = 7,
                         .lo = {1, 4, 7, 10, 13, 16, 19},
                         .hi = {3, 6, 9, 12, 15, 18, 21},
                         .n = {12, 51, 0, 42, 59, 60, 0},
                         .exact_match = {75.0, 88.235, 0.0, 9.5238, 0.0, 0.0, 0.0}};
    char buf[256];
    seq2seq_by_length_summary(&r, "symbols", buf, sizeof buf);
    ck_assert_str_eq(buf, "75.0% at 1-3 symbols, 88.2% at 4-6, 9.5% at 10-12, 0% from 13 on");
    r.exact_match[4] = 1.6949;   // a non-zero bucket after a zero one: both listed, then the run
    r.exact_match[2] = 0.0, r.n[2] = 40;
    seq2seq_by_length_summary(&r, "symbols", buf, sizeof buf);
    ck_assert_str_eq(buf, "75.0% at 1-3 symbols, 88.2% at 4-6, 0.0% at 7-9, 9.5% at 10-12, 1.7% at 13-15, "
                          "0% from 16 on");
    for (int k = 0; k < r.n_buckets; k++) r.exact_match[k] = 0.0;   // nothing right anywhere
    seq2seq_by_length_summary(&r, "words", buf, sizeof buf);
    ck_assert_str_eq(buf, "0% at every length");
    r.n_buckets = 2, r.exact_match[0] = 100.0, r.exact_match[1] = 50.0;   // no zero run at all
    seq2seq_by_length_summary(&r, "words", buf, sizeof buf);
    ck_assert_str_eq(buf, "100.0% at 1-3 words, 50.0% at 4-6");
}
END_TEST

Suite *make_seq2seq_report_suite(void) {
    Suite *s = suite_create("seq2seq_report");
    TCase *tc = tcase_create("files");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_malformed_refused);
    tcase_add_test(tc, test_summary_sentence);
    suite_add_tcase(s, tc);
    return s;
}
