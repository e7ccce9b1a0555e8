// batch.c: see batch.h. Introduced in issue 6 (data pipeline).
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

_Static_assert(sizeof(int) == 4, "batch ids are stored as int and must be 32 bits");

// ---- the encoded dataset ------------------------------------------------------------------

void dataset_encode(Dataset *d, const Corpus *c, const Vocab *src_vocab, const Vocab *tgt_vocab,
                    int reverse_src) {
    memset(d, 0, sizeof *d);
    d->n = c->n;
    // Every sentence grows by <sos> and <eos>.
    size_t n_src = (size_t)c->toks[CORPUS_SRC].n + 2 * (size_t)c->n;
    size_t n_tgt = (size_t)c->toks[CORPUS_TGT].n + 2 * (size_t)c->n;
    d->src_ids = xmalloc(sizeof(int) * n_src);
    d->tgt_ids = xmalloc(sizeof(int) * n_tgt);
    d->src_off = xmalloc(sizeof(size_t) * (size_t)(c->n + 1));
    d->tgt_off = xmalloc(sizeof(size_t) * (size_t)(c->n + 1));
    d->src_off[0] = d->tgt_off[0] = 0;
    for (int i = 0; i < c->n; i++) {
        int ns = vocab_encode(src_vocab, c, CORPUS_SRC, i, reverse_src, d->src_ids + d->src_off[i]);
        int nt = vocab_encode(tgt_vocab, c, CORPUS_TGT, i, 0, d->tgt_ids + d->tgt_off[i]);
        d->src_off[i + 1] = d->src_off[i] + (size_t)ns;
        d->tgt_off[i + 1] = d->tgt_off[i] + (size_t)nt;
    }
}

void dataset_free(Dataset *d) {
    free(d->src_ids);
    free(d->tgt_ids);
    free(d->src_off);
    free(d->tgt_off);
    memset(d, 0, sizeof *d);
}

// ---- one batch ----------------------------------------------------------------------------

void batch_init(Batch *b) { memset(b, 0, sizeof *b); }

void batch_free(Batch *b) {
    free(b->src);
    free(b->tgt);
    free(b->src_mask);
    free(b->tgt_mask);
    free(b->src_len);
    free(b->tgt_len);
    free(b->index);
    memset(b, 0, sizeof *b);
}

// Copy `len` ids into column `col` of a (L, B) time-major matrix and pad the rest.
static void fill_column(int *m, float *mask, int L, int B, int col, const int *ids, int len) {
    for (int t = 0; t < L; t++) {
        m[t * B + col] = t < len ? ids[t] : VOCAB_PAD;
        mask[t * B + col] = t < len ? 1.0f : 0.0f;
    }
}

void batch_make(Batch *b, const Dataset *d, const int *indices, int B) {
    int S = 0, T = 0;
    for (int k = 0; k < B; k++) {
        if (dataset_src_len(d, indices[k]) > S) S = dataset_src_len(d, indices[k]);
        if (dataset_tgt_len(d, indices[k]) > T) T = dataset_tgt_len(d, indices[k]);
    }
    if ((size_t)B > b->cap_b) {
        b->cap_b = (size_t)B;
        b->src_len = xrealloc(b->src_len, sizeof(int) * b->cap_b);
        b->tgt_len = xrealloc(b->tgt_len, sizeof(int) * b->cap_b);
        b->index = xrealloc(b->index, sizeof(int) * b->cap_b);
    }
    if ((size_t)S * B > b->cap_src) {
        b->cap_src = (size_t)S * B;
        b->src = xrealloc(b->src, sizeof(int) * b->cap_src);
        b->src_mask = xrealloc(b->src_mask, sizeof(float) * b->cap_src);
    }
    if ((size_t)T * B > b->cap_tgt) {
        b->cap_tgt = (size_t)T * B;
        b->tgt = xrealloc(b->tgt, sizeof(int) * b->cap_tgt);
        b->tgt_mask = xrealloc(b->tgt_mask, sizeof(float) * b->cap_tgt);
    }
    b->B = B;
    b->S = S;
    b->T = T;
    for (int k = 0; k < B; k++) {
        int i = indices[k];
        b->index[k] = i;
        b->src_len[k] = dataset_src_len(d, i);
        b->tgt_len[k] = dataset_tgt_len(d, i);
        fill_column(b->src, b->src_mask, S, B, k, d->src_ids + d->src_off[i], b->src_len[k]);
        fill_column(b->tgt, b->tgt_mask, T, B, k, d->tgt_ids + d->tgt_off[i], b->tgt_len[k]);
    }
}

// ---- the epoch order ----------------------------------------------------------------------

typedef struct Keyed {
    int src_len, tgt_len, pos, index;
} Keyed;

// By source length, then target length, then position: a total order, so the sort is
// the same on every C library.
static int keyed_cmp(const void *a, const void *b) {
    const Keyed *x = a, *y = b;
    if (x->src_len != y->src_len) return x->src_len - y->src_len;
    if (x->tgt_len != y->tgt_len) return x->tgt_len - y->tgt_len;
    return x->pos - y->pos;
}

static void new_epoch_order(BatchIter *it) {
    const Dataset *d = it->data;
    int n = d->n, B = it->opt.batch_size;
    for (int i = 0; i < n; i++) it->order[i] = i;
    if (it->opt.shuffle) rng_shuffle(&it->rng, it->order, n);
    if (it->opt.bucket > 0) {
        int chunk = it->opt.bucket * B;
        Keyed *keys = xmalloc(sizeof(Keyed) * (size_t)(chunk < n ? chunk : (n ? n : 1)));
        for (int c0 = 0; c0 < n; c0 += chunk) {
            int m = n - c0 < chunk ? n - c0 : chunk;
            for (int k = 0; k < m; k++) {
                int i = it->order[c0 + k];
                keys[k] = (Keyed){dataset_src_len(d, i), dataset_tgt_len(d, i), k, i};
            }
            qsort(keys, (size_t)m, sizeof *keys, keyed_cmp);
            for (int k = 0; k < m; k++) it->order[c0 + k] = keys[k].index;
        }
        free(keys);
        if (it->opt.shuffle) {
            // Shuffle whole batches; a smaller last batch stays last.
            int full = n / B;
            int *perm = xmalloc(sizeof(int) * (size_t)(full ? full : 1));
            int *copy = xmalloc(sizeof(int) * (size_t)(n ? n : 1));
            for (int k = 0; k < full; k++) perm[k] = k;
            rng_shuffle(&it->rng, perm, full);
            memcpy(copy, it->order, sizeof(int) * (size_t)n);
            for (int k = 0; k < full; k++)
                memcpy(it->order + k * B, copy + perm[k] * B, sizeof(int) * (size_t)B);
            free(perm);
            free(copy);
        }
    }
    it->pos = 0;
}

void batch_iter_init(BatchIter *it, const Dataset *d, const BatchOptions *opt) {
    memset(it, 0, sizeof *it);
    if (opt->batch_size < 1) die("batch_iter_init: batch size %d, expected at least 1", opt->batch_size);
    if (d->n < 1) die("batch_iter_init: the dataset is empty");
    it->data = d;
    it->opt = *opt;
    if (it->opt.bucket < 0) it->opt.bucket = 0;
    rng_seed(&it->rng, opt->seed);
    it->n_batches = (d->n + opt->batch_size - 1) / opt->batch_size;
    it->order = xmalloc(sizeof(int) * (size_t)d->n);
    new_epoch_order(it);
}

void batch_iter_free(BatchIter *it) {
    free(it->order);
    memset(it, 0, sizeof *it);
}

int batch_iter_next(BatchIter *it, Batch *b) {
    if (it->pos >= it->n_batches) {
        it->epoch++;
        new_epoch_order(it);
        return 0;
    }
    int B = it->opt.batch_size, start = it->pos * B;
    int count = it->data->n - start < B ? it->data->n - start : B;
    batch_make(b, it->data, it->order + start, count);
    it->pos++;
    return 1;
}

int batch_iter_restore(BatchIter *it, int epoch, int pos, const int *order, int n, const Rng *rng,
                       char *err, size_t errlen) {
    if (n != it->data->n) {
        snprintf(err, errlen, "the saved batch order has %d pairs but the dataset has %d", n, it->data->n);
        return 0;
    }
    if (epoch < 0 || pos < 0 || pos > it->n_batches) {
        snprintf(err, errlen, "saved iterator position (epoch %d, batch %d) is out of range (%d batches)",
                 epoch, pos, it->n_batches);
        return 0;
    }
    char *seen = xcalloc((size_t)n, 1);
    for (int k = 0; k < n; k++) {
        if (order[k] < 0 || order[k] >= n || seen[order[k]]) {
            snprintf(err, errlen, "the saved batch order is not a permutation (entry %d is %d)", k, order[k]);
            free(seen);
            return 0;
        }
        seen[order[k]] = 1;
    }
    free(seen);
    memcpy(it->order, order, sizeof(int) * (size_t)n);
    it->epoch = epoch;
    it->pos = pos;
    it->rng = *rng;
    return 1;
}
