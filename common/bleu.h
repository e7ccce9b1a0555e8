// bleu.h: BLEU (Papineni et al. 2002) as multi-bleu.perl computes it, and perplexity.
// Introduced in issue 6 (data pipeline).
//
// Corpus BLEU-4. For n = 1..4, over the whole test set:
//     p_n = sum over sentences of clipped matches / sum over sentences of hypothesis n-grams
// where a hypothesis n-gram is matched at most as often as it occurs in the reference
// ("the the the" against "the cat" matches the once). Then
//     BLEU = BP * exp((log p1 + log p2 + log p3 + log p4) / 4)
//     BP   = 1 if c >= r, else exp(1 - r/c)       (c, r: total hypothesis, reference length)
// and BLEU = 0 when any p_n is 0. One reference per sentence.
//
//     BleuStats st = {0};
//     for each test pair: bleu_add_tokens(&st, hyp, hyp_n, ref, ref_n);
//     Bleu b = bleu_compute(&st);
//     char line[160];  puts(bleu_format(&b, line, sizeof line));
//     // BLEU = 25.31, 61.2/34.1/19.0/11.2 (BP=0.974, ratio=0.974, hyp_len=12113, ref_len=12437)
//
// Compare strings, not ids: with ids, an <unk> in the output would match an <unk> in a
// reference encoded with the same vocabulary, and real BLEU never credits that. Use the
// reference's words (the Corpus tokens) and the output's decoded words.
//
// Sentence BLEU has the same formula on one sentence, with add-one smoothing for n > 1
// (Lin and Och 2004, "smoothing 2"): p_n = (matches + 1) / (n-grams + 1) for n = 2..4, so one
// missing 4-gram does not zero the score. p_1 is not smoothed (no word right: BLEU 0).
#ifndef UNROLLED_BLEU_H
#define UNROLLED_BLEU_H

#include <stddef.h>

typedef struct BleuStats {
    long long match[4];    // clipped n-gram matches, n = 1..4
    long long total[4];    // hypothesis n-grams
    long long hyp_len, ref_len;
} BleuStats;

typedef struct Bleu {
    double bleu;           // in [0, 1] (multi-bleu prints 100 times this)
    double precision[4];   // p_1 .. p_4 in [0, 1]
    double bp, ratio;      // brevity penalty, hyp_len / ref_len
    long long hyp_len, ref_len;
} Bleu;

// Add one (hypothesis, reference) pair given as ids, or as strings.
void bleu_add_ids(BleuStats *st, const int *hyp, int hyp_n, const int *ref, int ref_n);
void bleu_add_tokens(BleuStats *st, const char *const *hyp, int hyp_n, const char *const *ref, int ref_n);
Bleu bleu_compute(const BleuStats *st);
double sentence_bleu_ids(const int *hyp, int hyp_n, const int *ref, int ref_n);
double sentence_bleu_tokens(const char *const *hyp, int hyp_n, const char *const *ref, int ref_n);
// multi-bleu.perl's line (without the newline) into buf.
char *bleu_format(const Bleu *b, char *buf, size_t n);

// exp(mean cross-entropy in nats per token): the number of equally likely words the model is
// as unsure as. exp(log V) = V for a uniform guess over V words.
double perplexity(double mean_cross_entropy);

#endif
