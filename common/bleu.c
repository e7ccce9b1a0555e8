// bleu.c: see bleu.h. Introduced in issue 6 (data pipeline).
#include "bleu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vocab.h"

// An n-gram (n <= 4) as a fixed-size key; unused words are -1.
typedef struct Gram {
    int w[4];
} Gram;

static int gram_cmp(const void *a, const void *b) {
    const Gram *x = a, *y = b;
    for (int k = 0; k < 4; k++)
        if (x->w[k] != y->w[k]) return x->w[k] < y->w[k] ? -1 : 1;
    return 0;
}

// The sorted n-grams of ids; returns how many (0 when the sentence is shorter than n).
static int grams(Gram *out, const int *ids, int len, int n) {
    int count = len - n + 1;
    if (count <= 0) return 0;
    for (int i = 0; i < count; i++)
        for (int k = 0; k < 4; k++) out[i].w[k] = k < n ? ids[i + k] : -1;
    qsort(out, (size_t)count, sizeof(Gram), gram_cmp);
    return count;
}

// Clipped matches: walk both sorted lists; each distinct n-gram counts min(#hyp, #ref).
static long long clipped_matches(const Gram *h, int nh, const Gram *r, int nr) {
    long long match = 0;
    int i = 0, j = 0;
    while (i < nh && j < nr) {
        int c = gram_cmp(&h[i], &r[j]);
        if (c < 0) i++;
        else if (c > 0) j++;
        else {
            int ci = 0, cj = 0;
            Gram g = h[i];
            while (i < nh && gram_cmp(&h[i], &g) == 0) { i++; ci++; }
            while (j < nr && gram_cmp(&r[j], &g) == 0) { j++; cj++; }
            match += ci < cj ? ci : cj;
        }
    }
    return match;
}

void bleu_add_ids(BleuStats *st, const int *hyp, int hyp_n, const int *ref, int ref_n) {
    Gram *h = xmalloc(sizeof(Gram) * (size_t)(hyp_n > 0 ? hyp_n : 1));
    Gram *r = xmalloc(sizeof(Gram) * (size_t)(ref_n > 0 ? ref_n : 1));
    for (int n = 1; n <= 4; n++) {
        int nh = grams(h, hyp, hyp_n, n), nr = grams(r, ref, ref_n, n);
        st->match[n - 1] += clipped_matches(h, nh, r, nr);
        st->total[n - 1] += nh;
    }
    st->hyp_len += hyp_n;
    st->ref_len += ref_n;
    free(h);
    free(r);
}

// Give the words of one pair ids (local to the pair: n-grams are only compared within it).
// ids must hold hyp_n + ref_n ints: the hypothesis first.
static void intern_pair(const char *const *hyp, int hyp_n, const char *const *ref, int ref_n, int *ids) {
    Vocab words;
    vocab_init(&words);
    for (int i = 0; i < hyp_n; i++) ids[i] = vocab_add(&words, hyp[i]);
    for (int i = 0; i < ref_n; i++) ids[hyp_n + i] = vocab_add(&words, ref[i]);
    vocab_free(&words);
}

void bleu_add_tokens(BleuStats *st, const char *const *hyp, int hyp_n, const char *const *ref, int ref_n) {
    int *ids = xmalloc(sizeof(int) * (size_t)(hyp_n + ref_n + 1));
    intern_pair(hyp, hyp_n, ref, ref_n, ids);
    bleu_add_ids(st, ids, hyp_n, ids + hyp_n, ref_n);
    free(ids);
}

static double brevity_penalty(long long c, long long r) {
    if (c >= r) return 1.0;
    if (c == 0) return 0.0;
    return exp(1.0 - (double)r / (double)c);
}

Bleu bleu_compute(const BleuStats *st) {
    Bleu b = {0};
    b.hyp_len = st->hyp_len;
    b.ref_len = st->ref_len;
    double log_sum = 0.0;
    int any_zero = 0;
    for (int n = 0; n < 4; n++) {
        b.precision[n] = st->total[n] ? (double)st->match[n] / (double)st->total[n] : 0.0;
        if (b.precision[n] == 0.0) any_zero = 1;
        else log_sum += log(b.precision[n]);
    }
    b.bp = brevity_penalty(st->hyp_len, st->ref_len);
    b.ratio = st->ref_len ? (double)st->hyp_len / (double)st->ref_len : 0.0;
    b.bleu = any_zero ? 0.0 : b.bp * exp(log_sum / 4.0);
    return b;
}

double sentence_bleu_ids(const int *hyp, int hyp_n, const int *ref, int ref_n) {
    BleuStats st = {0};
    bleu_add_ids(&st, hyp, hyp_n, ref, ref_n);
    if (st.match[0] == 0) return 0.0;
    double log_sum = log((double)st.match[0] / (double)st.total[0]);
    for (int n = 1; n < 4; n++) log_sum += log((double)(st.match[n] + 1) / (double)(st.total[n] + 1));
    return brevity_penalty(st.hyp_len, st.ref_len) * exp(log_sum / 4.0);
}

double sentence_bleu_tokens(const char *const *hyp, int hyp_n, const char *const *ref, int ref_n) {
    int *ids = xmalloc(sizeof(int) * (size_t)(hyp_n + ref_n + 1));
    intern_pair(hyp, hyp_n, ref, ref_n, ids);
    double b = sentence_bleu_ids(ids, hyp_n, ids + hyp_n, ref_n);
    free(ids);
    return b;
}

char *bleu_format(const Bleu *b, char *buf, size_t n) {
    snprintf(buf, n, "BLEU = %.2f, %.1f/%.1f/%.1f/%.1f (BP=%.3f, ratio=%.3f, hyp_len=%lld, ref_len=%lld)",
             100.0 * b->bleu, 100.0 * b->precision[0], 100.0 * b->precision[1],
             100.0 * b->precision[2], 100.0 * b->precision[3], b->bp, b->ratio, b->hyp_len, b->ref_len);
    return buf;
}

double perplexity(double mean_cross_entropy) { return exp(mean_cross_entropy); }
