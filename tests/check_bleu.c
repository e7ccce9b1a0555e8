// check_bleu.c: BLEU by hand, against multi-bleu.perl, and the bin/bleu tool
// (common/bleu.h, tools/bleu.c). Introduced in issue 6 (data pipeline).
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bleu.h"
#include "test_files.h"

// Split s at spaces into words (s is modified); returns the count.
static int words(char *s, const char **out) {
    int n = 0;
    for (char *w = strtok(s, " "); w; w = strtok(NULL, " ")) out[n++] = w;
    return n;
}

static void add(BleuStats *st, const char *hyp, const char *ref) {
    char h[256], r[256];
    const char *hw[64], *rw[64];
    snprintf(h, sizeof h, "%s", hyp);
    snprintf(r, sizeof r, "%s", ref);
    int hn = words(h, hw), rn = words(r, rw);
    bleu_add_tokens(st, hw, hn, rw, rn);
}

// Papineni et al. 2002, section 2.1, Example 2: "the" seven times against "the cat is on the
// mat". Plain unigram precision would be 7/7; clipped, "the" counts at most twice: 2/7.
START_TEST(test_papineni_clipping) {
    BleuStats st = {0};
    add(&st, "the the the the the the the", "the cat is on the mat");
    ck_assert_int_eq(st.match[0], 2);
    ck_assert_int_eq(st.total[0], 7);
    Bleu b = bleu_compute(&st);
    ck_assert_double_eq_tol(b.precision[0], 2.0 / 7.0, 1e-15);
    ck_assert_double_eq(b.bleu, 0.0);   // no bigram matches: corpus BLEU is 0
}
END_TEST

// hyp "the cat on the mat" (c = 5), ref "the cat sat on the mat" (r = 6).
//   1-grams: the the cat on mat, all in the ref (the twice there too)      5/5
//   2-grams: the-cat, cat-on, on-the, the-mat; cat-on is not in the ref    3/4
//   3-grams: the-cat-on, cat-on-the, on-the-mat; only on-the-mat           1/3
//   4-grams: the-cat-on-the, cat-on-the-mat; neither                       0/2
// Corpus BLEU: p4 = 0, so 0. Sentence BLEU, add-one for n > 1:
//   p = 1, 4/5, 2/4, 1/3;  (1 * 0.8 * 0.5 * 1/3)^(1/4) = 0.13333^(1/4) = 0.604275
//   BP = exp(1 - 6/5) = exp(-0.2) = 0.818731;  0.604275 * 0.818731 = 0.494739
START_TEST(test_hand_computed_sentence) {
    BleuStats st = {0};
    add(&st, "the cat on the mat", "the cat sat on the mat");
    long long want_match[4] = {5, 3, 1, 0}, want_total[4] = {5, 4, 3, 2};
    for (int n = 0; n < 4; n++) {
        ck_assert_int_eq(st.match[n], want_match[n]);
        ck_assert_int_eq(st.total[n], want_total[n]);
    }
    ck_assert_double_eq(bleu_compute(&st).bleu, 0.0);
    int hyp[] = {1, 2, 4, 1, 5}, ref[] = {1, 2, 3, 4, 1, 5};   // the same sentence as ids
    ck_assert_double_eq_tol(sentence_bleu_ids(hyp, 5, ref, 6), 0.49473859088183864, 1e-12);
    ck_assert_double_eq_tol(sentence_bleu_ids(ref, 6, ref, 6), 1.0, 1e-15);
    const char *hw[] = {"the", "cat", "on", "the", "mat"}, *rw[] = {"the", "cat", "sat", "on", "the", "mat"};
    ck_assert_double_eq_tol(sentence_bleu_tokens(hw, 5, rw, 6), 0.49473859088183864, 1e-12);
    int none[] = {9, 9};
    ck_assert_double_eq(sentence_bleu_ids(none, 2, ref, 6), 0.0);
    ck_assert_double_eq(sentence_bleu_ids(none, 0, ref, 6), 0.0);
}
END_TEST

// Two sentences: the one above plus a perfect "a b c d e". Counts add up over the corpus:
//   p1 = (5+5)/(5+5) = 1, p2 = (3+4)/(4+4) = 7/8, p3 = (1+3)/(3+3) = 2/3, p4 = (0+2)/(2+2) = 1/2
//   geometric mean (1 * 0.875 * 0.6667 * 0.5)^(1/4) = 0.29167^(1/4) = 0.734889
//   c = 10, r = 11: BP = exp(1 - 11/10) = 0.904837;  BLEU = 0.664955
// multi-bleu.perl on the same two lines prints exactly the line checked below.
START_TEST(test_hand_computed_corpus) {
    BleuStats st = {0};
    add(&st, "the cat on the mat", "the cat sat on the mat");
    add(&st, "a b c d e", "a b c d e");
    Bleu b = bleu_compute(&st);
    ck_assert_double_eq_tol(b.precision[1], 7.0 / 8.0, 1e-15);
    ck_assert_double_eq_tol(b.precision[2], 2.0 / 3.0, 1e-15);
    ck_assert_double_eq_tol(b.bp, exp(-0.1), 1e-15);
    ck_assert_double_eq_tol(b.bleu, 0.6649549929951771, 1e-12);
    char line[256];
    ck_assert_str_eq(bleu_format(&b, line, sizeof line),
                     "BLEU = 66.50, 100.0/87.5/66.7/50.0 (BP=0.905, ratio=0.909, hyp_len=10, ref_len=11)");
    // a longer hypothesis has no brevity penalty
    BleuStats longer = {0};
    add(&longer, "a b c d e f", "a b c d e");
    ck_assert_double_eq(bleu_compute(&longer).bp, 1.0);
}
END_TEST

START_TEST(test_perplexity) {
    ck_assert_double_eq_tol(perplexity(log(5893.0)), 5893.0, 1e-9);
    ck_assert_double_eq(perplexity(0.0), 1.0);
}
END_TEST

// Run a command; returns its exit status and puts stdout/stderr into the given buffers.
static int run_tool(const char *dir, const char *args, char *out, char *err) {
    char cmd[16384], p_out[4096], p_err[4096];
    tmp_path(p_out, dir, "stdout");
    tmp_path(p_err, dir, "stderr");
    snprintf(cmd, sizeof cmd, "./bin/bleu %s >%s 2>%s", args, p_out, p_err);
    int status = system(cmd);
    char *o = read_all(p_out, NULL), *e = read_all(p_err, NULL);
    snprintf(out, 1024, "%s", o);
    snprintf(err, 1024, "%s", e);
    free(o);
    free(e);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

START_TEST(test_tool) {
    char dir[64], out[1024], err[1024], a[4096], b[4096], args[8192];
    make_tmp_dir(dir);
    // tests/data/bleu_{ref,hyp}.txt: 8 sentences, one hypothesis empty. multi-bleu.perl prints:
    ck_assert_int_eq(run_tool(dir, "tests/data/bleu_ref.txt tests/data/bleu_hyp.txt", out, err), 0);
    ck_assert_str_eq(out, "BLEU = 34.10, 75.7/49.3/31.7/20.8 (BP=0.862, ratio=0.871, hyp_len=74, ref_len=85)\n");

    ck_assert_int_eq(run_tool(dir, "tests/data/bleu_ref.txt", out, err), 2);
    ck_assert_err_has(err, "usage: bleu REFERENCE HYPOTHESIS");
    ck_assert_int_eq(run_tool(dir, "tests/data/bleu_ref.txt /nonexistent/hyp.txt", out, err), 1);
    ck_assert_err_has(err, "bleu: cannot open /nonexistent/hyp.txt");

    write_text(tmp_path(a, dir, "ref"), "a b\nc d\n");
    write_text(tmp_path(b, dir, "hyp"), "a b\n");
    snprintf(args, sizeof args, "%s %s", a, b);
    ck_assert_int_eq(run_tool(dir, args, out, err), 1);
    ck_assert_err_has(err, "line counts differ", a, b);
    ck_assert_str_eq(out, "");

    write_text(b, "a b\nc \xff\n");
    ck_assert_int_eq(run_tool(dir, args, out, err), 1);
    ck_assert_err_has(err, b, ":2: invalid UTF-8");
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
    remove_tmp_dir(dir);
}
END_TEST

Suite *make_bleu_suite(void) {
    Suite *s = suite_create("bleu");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_papineni_clipping);
    tcase_add_test(tc, test_hand_computed_sentence);
    tcase_add_test(tc, test_hand_computed_corpus);
    tcase_add_test(tc, test_perplexity);
    tcase_add_test(tc, test_tool);
    suite_add_tcase(s, tc);
    return s;
}
