// check_batch.c: the encoded dataset, padding, masks, shuffling, bucketing, resume
// (common/batch.h). Introduced in issue 6 (data pipeline).
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "toy_tasks.h"

// Three pairs with known ids. Vocabulary (min_freq 1) of the source "a a a b b c":
// <unk> <pad> <sos> <eos> a(4) b(5) c(6).
static void tiny(Corpus *c, Vocab *v, Dataset *d, int reverse) {
    corpus_init(c);
    char err[128];
    const char *src[] = {"a b c", "a", "b a"}, *tgt[] = {"a", "b c a b", "c"};
    for (int i = 0; i < 3; i++)
        ck_assert(corpus_add_pair(c, src[i], strlen(src[i]), tgt[i], strlen(tgt[i]), TOKENIZE_WORDS, 0, err, sizeof err));
    ck_assert(vocab_build(v, c, CORPUS_SRC, 1, err, sizeof err));
    dataset_encode(d, c, v, v, reverse);
}

START_TEST(test_padding_lengths_masks) {
    Corpus c;
    Vocab v;
    Dataset d;
    tiny(&c, &v, &d, 0);
    ck_assert_int_eq(dataset_src_len(&d, 0), 5);   // <sos> a b c <eos>
    Batch b;
    batch_init(&b);
    int idx[] = {0, 1, 2};
    batch_make(&b, &d, idx, 3);
    ck_assert_int_eq(b.B, 3);
    ck_assert_int_eq(b.S, 5);
    ck_assert_int_eq(b.T, 6);
    // src (S, B), time-major: row t holds step t of the 3 sequences.
    //   pair 0: 2 4 5 6 3     pair 1: 2 4 3 1 1     pair 2: 2 5 4 3 1
    int want_src[5 * 3] = {2, 2, 2,
                           4, 4, 5,
                           5, 3, 4,
                           6, 1, 3,
                           3, 1, 1};
    for (int i = 0; i < 15; i++) ck_assert_int_eq(b.src[i], want_src[i]);
    for (int i = 0; i < 15; i++) ck_assert(b.src_mask[i] == (b.src[i] != VOCAB_PAD ? 1.0f : 0.0f));
    // tgt: pair 1 is <sos> b c a b <eos>; the others end early.
    int want_tgt_col1[6] = {2, 5, 6, 4, 5, 3};
    for (int t = 0; t < 6; t++) ck_assert_int_eq(b.tgt[t * 3 + 1], want_tgt_col1[t]);
    ck_assert_int_eq(b.tgt[3 * 3 + 0], VOCAB_PAD);
    ck_assert_int_eq(b.src_len[0], 5);
    ck_assert_int_eq(b.src_len[1], 3);
    ck_assert_int_eq(b.tgt_len[1], 6);
    ck_assert(b.tgt_mask[5 * 3 + 1] == 1.0f && b.tgt_mask[5 * 3 + 0] == 0.0f);
    // a smaller batch reuses the buffers
    int one[] = {1};
    batch_make(&b, &d, one, 1);
    ck_assert_int_eq(b.S, 3);
    ck_assert_int_eq(b.src[1], 4);
    ck_assert_int_eq(b.index[0], 1);
    batch_free(&b);
    dataset_free(&d);
    vocab_free(&v);
    corpus_free(&c);

    // reversed source: <sos> c b a <eos>
    tiny(&c, &v, &d, 1);
    int want_rev[5] = {2, 6, 5, 4, 3};
    for (int t = 0; t < 5; t++) ck_assert_int_eq(d.src_ids[d.src_off[0] + (size_t)t], want_rev[t]);
    ck_assert_int_eq(d.tgt_ids[d.tgt_off[1] + 1], 5);  // the target is never reversed
    dataset_free(&d);
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

// A real dataset for the iterator tests: 1,000 reversal pairs of lengths 1..40.
static void reverse_data(Corpus *c, Vocab *v, Dataset *d) {
    ToyOptions o = {.min_len = 1, .max_len = 40};
    toy_task_generate_or_die(c, "reverse", SPLIT_TRAIN, 1, 1000, &o);
    vocab_build_or_die(v, c, CORPUS_SRC, 1);
    dataset_encode(d, c, v, v, 0);
}

// Run `batches` batches (crossing epochs), appending every index seen to out.
static int run(BatchIter *it, Batch *b, int batches, int *out) {
    int n = 0;
    for (int k = 0; k < batches;) {
        if (!batch_iter_next(it, b)) continue;
        memcpy(out + n, b->index, sizeof(int) * (size_t)b->B);
        n += b->B;
        k++;
    }
    return n;
}

START_TEST(test_epochs_cover_everything) {
    Corpus c;
    Vocab v;
    Dataset d;
    reverse_data(&c, &v, &d);
    BatchOptions opts[] = {{.batch_size = 64}, {.batch_size = 64, .shuffle = 1, .seed = 3},
                           {.batch_size = 64, .shuffle = 1, .bucket = 4, .seed = 3}, {.batch_size = 1000}};
    for (int o = 0; o < 4; o++) {
        BatchIter it;
        batch_iter_init(&it, &d, &opts[o]);
        Batch b;
        batch_init(&b);
        ck_assert_int_eq(it.n_batches, (1000 + opts[o].batch_size - 1) / opts[o].batch_size);
        for (int epoch = 0; epoch < 2; epoch++) {
            char *seen = calloc(1000, 1);
            int batches = 0, pairs = 0;
            while (batch_iter_next(&it, &b)) {
                batches++;
                pairs += b.B;
                for (int k = 0; k < b.B; k++) {
                    ck_assert(!seen[b.index[k]]);
                    seen[b.index[k]] = 1;
                    if (!opts[o].shuffle) ck_assert_int_eq(b.index[k], pairs - b.B + k);   // dataset order
                }
                // 15 full batches of 64, then the last one of 40
                ck_assert_int_eq(b.B, batches == it.n_batches ? 1000 - 64 * (it.n_batches - 1) : opts[o].batch_size);
            }
            ck_assert_int_eq(pairs, 1000);
            ck_assert_int_eq(batches, it.n_batches);
            ck_assert_int_eq(it.epoch, epoch + 1);
            free(seen);
        }
        batch_free(&b);
        batch_iter_free(&it);
    }
    dataset_free(&d);
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

START_TEST(test_shuffle_deterministic) {
    Corpus c;
    Vocab v;
    Dataset d;
    reverse_data(&c, &v, &d);
    int *x = malloc(sizeof(int) * 3000), *y = malloc(sizeof(int) * 3000), *z = malloc(sizeof(int) * 3000);
    Batch b;
    batch_init(&b);
    BatchOptions o = {.batch_size = 50, .shuffle = 1, .bucket = 2, .seed = 11};
    BatchIter it;
    batch_iter_init(&it, &d, &o);
    run(&it, &b, 60, x);            // three epochs
    batch_iter_free(&it);
    batch_iter_init(&it, &d, &o);
    run(&it, &b, 60, y);
    batch_iter_free(&it);
    o.seed = 12;
    batch_iter_init(&it, &d, &o);
    run(&it, &b, 60, z);
    batch_iter_free(&it);
    ck_assert_mem_eq(x, y, sizeof(int) * 3000);
    ck_assert(memcmp(x, z, sizeof(int) * 3000) != 0);
    ck_assert(memcmp(x, x + 1000, sizeof(int) * 1000) != 0);   // each epoch a new order
    free(x);
    free(y);
    free(z);
    batch_free(&b);
    dataset_free(&d);
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

// Padding cells (S*B minus real tokens) over an epoch.
static long epoch_padding(const Dataset *d, const BatchOptions *o) {
    BatchIter it;
    batch_iter_init(&it, d, o);
    Batch b;
    batch_init(&b);
    long pad = 0;
    while (batch_iter_next(&it, &b))
        for (int i = 0; i < b.S * b.B; i++) pad += b.src_mask[i] == 0.0f;
    batch_free(&b);
    batch_iter_free(&it);
    return pad;
}

START_TEST(test_bucketing) {
    Corpus c;
    Vocab v;
    Dataset d;
    reverse_data(&c, &v, &d);
    BatchOptions plain = {.batch_size = 32, .shuffle = 1, .seed = 5};
    BatchOptions bucketed = {.batch_size = 32, .shuffle = 1, .bucket = 8, .seed = 5};
    long p0 = epoch_padding(&d, &plain), p1 = epoch_padding(&d, &bucketed);
    // lengths 1..40 uniform: random batches pad about a third; sorted chunks of 256 far less
    ck_assert_msg(p1 * 4 < p0, "bucketing should cut padding: %ld vs %ld cells", p1, p0);
    // inside a chunk the pairs are sorted by length, so within a batch lengths are close
    BatchIter it;
    batch_iter_init(&it, &d, &bucketed);
    Batch b;
    batch_init(&b);
    while (batch_iter_next(&it, &b))
        for (int k = 1; k < b.B; k++) ck_assert_int_le(b.src_len[k - 1], b.src_len[k]);
    batch_free(&b);
    batch_iter_free(&it);
    dataset_free(&d);
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

// Save (epoch, position, order, Rng) mid-epoch; a restored iterator continues identically.
START_TEST(test_resume_exactly) {
    Corpus c;
    Vocab v;
    Dataset d;
    reverse_data(&c, &v, &d);
    BatchOptions o = {.batch_size = 64, .shuffle = 1, .bucket = 3, .seed = 9};
    BatchIter it;
    batch_iter_init(&it, &d, &o);
    Batch b;
    batch_init(&b);
    int *first = malloc(sizeof(int) * 5000), *after = malloc(sizeof(int) * 5000), *resumed = malloc(sizeof(int) * 5000);
    run(&it, &b, 23, first);   // 1.5 epochs (16 batches per epoch)
    int epoch = it.epoch, pos = it.pos;
    Rng rng = it.rng;
    int *order = malloc(sizeof(int) * 1000);
    memcpy(order, it.order, sizeof(int) * 1000);
    int n = run(&it, &b, 40, after);
    batch_iter_free(&it);

    BatchIter fresh;
    batch_iter_init(&fresh, &d, &o);   // a new run, then the saved state
    char err[256];
    ck_assert_msg(batch_iter_restore(&fresh, epoch, pos, order, 1000, &rng, err, sizeof err), "%s", err);
    ck_assert_int_eq(run(&fresh, &b, 40, resumed), n);
    ck_assert_mem_eq(after, resumed, sizeof(int) * (size_t)n);

    // a saved state that does not fit is refused, and the iterator is unchanged
    order[5] = order[6];
    ck_assert(!batch_iter_restore(&fresh, 0, 0, order, 1000, &rng, err, sizeof err));
    ck_assert_msg(strstr(err, "not a permutation"), "%s", err);
    ck_assert(!batch_iter_restore(&fresh, 0, 0, order, 999, &rng, err, sizeof err));
    ck_assert_msg(strstr(err, "999 pairs"), "%s", err);
    ck_assert(!batch_iter_restore(&fresh, 0, 17, order, 1000, &rng, err, sizeof err));
    ck_assert_msg(strstr(err, "out of range"), "%s", err);
    batch_iter_free(&fresh);
    free(first);
    free(after);
    free(resumed);
    free(order);
    batch_free(&b);
    dataset_free(&d);
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

Suite *make_batch_suite(void) {
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_padding_lengths_masks);
    tcase_add_test(tc, test_epochs_cover_everything);
    tcase_add_test(tc, test_shuffle_deterministic);
    tcase_add_test(tc, test_bucketing);
    tcase_add_test(tc, test_resume_exactly);
    suite_add_tcase(s, tc);
    return s;
}
