// check_toy_tasks.c: the generated datasets (common/toy_tasks.h).
// Introduced in issue 6 (data pipeline).
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toy_tasks.h"
#include "vocab.h"

// One side of pair i as a string, tokens joined by spaces.
static const char *side_text(const Corpus *c, CorpusSide s, int i, char *buf, size_t n) {
    buf[0] = '\0';
    for (int k = 0; k < corpus_len(c, s, i); k++) {
        if (k) strncat(buf, " ", n - strlen(buf) - 1);
        strncat(buf, corpus_token(c, s, i, k), n - strlen(buf) - 1);
    }
    return buf;
}

static void generate(Corpus *c, const char *task, Split split, uint64_t seed, int n, const ToyOptions *o) {
    char err[256];
    ck_assert_msg(toy_task_generate(c, task, split, seed, n, o, err, sizeof err), "%s", err);
}

START_TEST(test_same_seed_same_data) {
    const char *tasks[] = {"copy", "reverse", "sort", "dates", "dates_chars"};
    for (int t = 0; t < 5; t++) {
        Corpus a, b, c;
        generate(&a, tasks[t], SPLIT_TRAIN, 7, 500, NULL);
        generate(&b, tasks[t], SPLIT_TRAIN, 7, 500, NULL);
        generate(&c, tasks[t], SPLIT_TRAIN, 8, 500, NULL);
        ck_assert_int_eq(a.n, 500);
        int differ = 0;
        char x[512], y[512];
        for (int i = 0; i < a.n; i++) {
            for (int s = 0; s < 2; s++)
                ck_assert_str_eq(side_text(&a, (CorpusSide)s, i, x, sizeof x), side_text(&b, (CorpusSide)s, i, y, sizeof y));
            differ += strcmp(side_text(&a, CORPUS_SRC, i, x, sizeof x), side_text(&c, CORPUS_SRC, i, y, sizeof y)) != 0;
        }
        ck_assert_msg(differ > 400, "%s: seeds 7 and 8 give nearly the same data", tasks[t]);
        corpus_free(&a);
        corpus_free(&b);
        corpus_free(&c);
    }
}
END_TEST

START_TEST(test_default_sizes) {
    ck_assert_int_eq(toy_task_default_size(SPLIT_TRAIN), 20000);
    ck_assert_int_eq(toy_task_default_size(SPLIT_VAL), 1000);
    ck_assert_int_eq(toy_task_default_size(SPLIT_TEST), 1000);
    Corpus c;
    generate(&c, "reverse", SPLIT_VAL, TOY_DEFAULT_SEED, 0, NULL);
    ck_assert_int_eq(c.n, 1000);
    corpus_free(&c);
}
END_TEST

START_TEST(test_symbol_tasks_are_right) {
    Corpus c;
    ToyOptions o = {.min_len = 5, .max_len = 12, .alphabet = 4};
    const char *tasks[] = {"copy", "reverse", "sort"};
    for (int t = 0; t < 3; t++) {
        generate(&c, tasks[t], SPLIT_TRAIN, 3, 300, &o);
        for (int i = 0; i < c.n; i++) {
            int n = corpus_len(&c, CORPUS_SRC, i);
            ck_assert_int_eq(corpus_len(&c, CORPUS_TGT, i), n);
            ck_assert(n >= 5 && n <= 12);
            for (int k = 0; k < n; k++) {
                const char *s = corpus_token(&c, CORPUS_SRC, i, k);
                ck_assert(strlen(s) == 1 && s[0] >= 'a' && s[0] <= 'd');
                const char *want = t == 1 ? corpus_token(&c, CORPUS_SRC, i, n - 1 - k) : s;
                if (t < 2) ck_assert_str_eq(corpus_token(&c, CORPUS_TGT, i, k), want);
                if (t == 2 && k > 0)
                    ck_assert(strcmp(corpus_token(&c, CORPUS_TGT, i, k - 1), corpus_token(&c, CORPUS_TGT, i, k)) <= 0);
            }
        }
        corpus_free(&c);
    }
    // the length sweep: exactly length 60
    ToyOptions sweep = {.min_len = 60, .max_len = 60};
    generate(&c, "reverse", SPLIT_TEST, 1, 50, &sweep);
    for (int i = 0; i < c.n; i++) ck_assert_int_eq(corpus_len(&c, CORPUS_SRC, i), 60);
    corpus_free(&c);
}
END_TEST

// Test strings never occur in training (lengths with >= 1000 possible strings).
START_TEST(test_splits_disjoint) {
    Corpus train, test;
    ToyOptions o = {.min_len = 3, .max_len = 8};
    generate(&train, "reverse", SPLIT_TRAIN, 1, 20000, &o);
    generate(&test, "reverse", SPLIT_TEST, 1, 1000, &o);
    Vocab seen;
    vocab_init(&seen);
    char buf[512];
    for (int i = 0; i < train.n; i++) vocab_add(&seen, side_text(&train, CORPUS_SRC, i, buf, sizeof buf));
    for (int i = 0; i < test.n; i++)
        ck_assert_msg(vocab_find(&seen, side_text(&test, CORPUS_SRC, i, buf, sizeof buf)) < 0,
                      "test string '%s' is in the training set", buf);
    vocab_free(&seen);
    corpus_free(&train);
    corpus_free(&test);

    // dates: no test date (the target) is a training date
    generate(&train, "dates", SPLIT_TRAIN, 1, 20000, NULL);
    generate(&test, "dates", SPLIT_TEST, 2, 1000, NULL);
    vocab_init(&seen);
    for (int i = 0; i < train.n; i++) vocab_add(&seen, side_text(&train, CORPUS_TGT, i, buf, sizeof buf));
    for (int i = 0; i < test.n; i++)
        ck_assert_msg(vocab_find(&seen, side_text(&test, CORPUS_TGT, i, buf, sizeof buf)) < 0,
                      "test date '%s' is in the training set", buf);
    vocab_free(&seen);
    corpus_free(&train);
    corpus_free(&test);
}
END_TEST

// Zeller's congruence, independently of the generator: 0 = Monday.
static int weekday(int y, int m, int d) {
    if (m < 3) {
        m += 12;
        y -= 1;
    }
    int h = (d + 13 * (m + 1) / 5 + y + y / 4 - y / 100 + y / 400) % 7;  // 0 = Saturday
    return (h + 5) % 7;
}

START_TEST(test_dates_are_right) {
    static const char *const days[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    static const char *const months[12] = {"january", "february", "march", "april", "may", "june", "july",
                                           "august", "september", "october", "november", "december"};
    Corpus c;
    generate(&c, "dates", SPLIT_TRAIN, 5, 3000, NULL);
    int with_weekday = 0, us_style = 0;
    for (int i = 0; i < c.n; i++) {
        // the target: YYYY - MM - DD
        ck_assert_int_eq(corpus_len(&c, CORPUS_TGT, i), 5);
        int y = atoi(corpus_token(&c, CORPUS_TGT, i, 0)), m = atoi(corpus_token(&c, CORPUS_TGT, i, 2)),
            d = atoi(corpus_token(&c, CORPUS_TGT, i, 4));
        ck_assert(y >= 1950 && y <= 2049 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
        const char *w0 = corpus_token(&c, CORPUS_SRC, i, 0);
        for (int k = 0; k < 7; k++)
            if (strcmp(w0, days[k]) == 0) {
                ck_assert_msg(k == weekday(y, m, d), "%s is not a %s", corpus_token(&c, CORPUS_TGT, i, 0), w0);
                with_weekday++;
            }
        // "MM / DD / YY": the US order, and the two-digit year
        if (corpus_len(&c, CORPUS_SRC, i) == 5 && strcmp(corpus_token(&c, CORPUS_SRC, i, 1), "/") == 0) {
            ck_assert_int_eq(atoi(corpus_token(&c, CORPUS_SRC, i, 0)), m);
            ck_assert_int_eq(atoi(corpus_token(&c, CORPUS_SRC, i, 2)), d);
            ck_assert_int_eq(atoi(corpus_token(&c, CORPUS_SRC, i, 4)) % 100, y % 100);
            us_style++;
        }
        // an English month name anywhere names the target's month
        for (int k = 0; k < corpus_len(&c, CORPUS_SRC, i); k++)
            for (int mm = 0; mm < 12; mm++)
                if (strcmp(corpus_token(&c, CORPUS_SRC, i, k), months[mm]) == 0) ck_assert_int_eq(mm + 1, m);
    }
    ck_assert_int_gt(with_weekday, 100);
    ck_assert_int_gt(us_style, 100);
    corpus_free(&c);
}
END_TEST

START_TEST(test_errors) {
    Corpus c;
    char err[256];
    ck_assert(!toy_task_generate(&c, "translate", SPLIT_TRAIN, 1, 10, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "unknown toy task 'translate'") && strstr(err, "reverse"), "%s", err);
    ToyOptions o = {.min_len = 5, .max_len = 2000};
    ck_assert(!toy_task_generate(&c, "reverse", SPLIT_TRAIN, 1, 10, &o, err, sizeof err));
    ck_assert_msg(strstr(err, "max_len <= 1000"), "%s", err);
    ToyOptions a = {.alphabet = 30};
    ck_assert(!toy_task_generate(&c, "sort", SPLIT_TRAIN, 1, 10, &a, err, sizeof err));
    ck_assert_msg(strstr(err, "alphabet 30"), "%s", err);
    ck_assert(!toy_task_generate(&c, "copy", SPLIT_TRAIN, 1, -5, NULL, err, sizeof err));
}
END_TEST

Suite *make_toy_tasks_suite(void) {
    Suite *s = suite_create("toy_tasks");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_same_seed_same_data);
    tcase_add_test(tc, test_default_sizes);
    tcase_add_test(tc, test_symbol_tasks_are_right);
    tcase_add_test(tc, test_splits_disjoint);
    tcase_add_test(tc, test_dates_are_right);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}
