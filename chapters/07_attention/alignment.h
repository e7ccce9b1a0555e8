// alignment.h: reading what attention learned. Introduced in chapter 07.
//
//   * attn07_trace_pairs: greedy translations of test pairs WITH every step's weights
//     (the batches of seq2seq_evaluate, so a model without the mask sees the same padding);
//   * attn07_date_positions: where in a dates source the year, the month and the day are, so
//     the weights can be checked against an alignment we know ("dienstag, 3. märz 1998":
//     the year is "1998", the month "märz", the day "3");
//   * attn07_measure_dates: how much weight the ISO output's year, month and day tokens put on
//     those source tokens;
//   * attn07_map_*: one sentence's weights as a token-labelled heatmap (PNG + CSV).
#ifndef UNROLLED_CH07_ALIGNMENT_H
#define UNROLLED_CH07_ALIGNMENT_H

#include <stddef.h>

#include "bahdanau.h"
#include "heatmap.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"

// The greedy translations of pairs 0 .. n-1 of ds in batches of `batch` (in order), and for each
// sentence i its weights alpha_i (max_len, S_b) over its batch's S_b positions (its own
// S_i = src_len real ones first, then the batch's padding) plus, in pad_weight[i], the weight its steps put on padding summed over
// those steps, and steps[i], the steps it ran (its words + 1 for <eos>, at most max_len).
typedef struct AttnTraces {
    int n, max_len;
    int *hyp, *hyp_len;     // (n, max_len), (n) as seq2seq_translate_pairs
    int *src_len;           // (n) S_i, <sos> and <eos> included
    int *steps;             // (n)
    float **alpha;          // n arrays (max_len, batch_S[i]), row t = decoder step t
    double *pad_weight;     // (n) summed over the steps
    int *batch_S;           // (n) the padded length of sentence i's batch
} AttnTraces;

void attn07_trace_pairs(AttnTraces *tr, const Bahdanau *m, const Dataset *ds, int n, int batch, int max_len);
void attn07_traces_free(AttnTraces *tr);

// The mean weight a decoder step puts on padding, over every step of every sentence whose
// batch had padding for it (the padded rows), and how many such rows there were.
double attn07_mean_pad_weight(const AttnTraces *tr, long *rows);

// Dates: the word index (0-based, in the written order) of the year, the month and the day in
// a source of n tokens; -1 where not found. Every format of common/toy_tasks.c ends with the
// year; the month is a name (English or German, full or short) or, in the all-numbers formats,
// the first number after "/"-style US order ("03/04/98": month 03) or the second in the
// "."-style German order ("04.03.98": month 03); the day is the other number.
void attn07_date_positions(const char *const *tok, int n, int pos[3]);

// The weight each ISO output token (step 0 the year, step 2 the month, step 4 the day) puts on
// the source token holding it: mean weight, the share of sentences whose largest weight is on
// it, and the weight a uniform spread would give (mean 1 / S_i), over the sentences counted.
typedef struct DateAlignment {
    int n;                  // sentences counted (all three found, at least 5 output steps)
    double weight[3];       // year, month, day
    double argmax_hit[3];
    double uniform;         // mean 1 / S_i
    double weight_neighbour[3];   // on the token or its immediate neighbours (the bidirectional
                                  // encoder mixes neighbours into each h_j)
} DateAlignment;

// Source positions in tr are those the encoder read: <sos> at 0, word k at k + 1 (the model
// reads in order; with reverse the positions are mirrored).
void attn07_measure_dates(DateAlignment *al, const AttnTraces *tr, const Corpus *text, int reverse);

// One sentence's map: rows = the decoder steps (output tokens, "<eos>" last), columns = the
// source ids as the encoder read them (and, with include_padding, the <pad> columns of its
// batch). Labels are copied into *map; values (rows, cols).
typedef struct AttnMap {
    int rows, cols;
    float *values;          // (rows, cols)
    char **row_labels, **col_labels;
    char title[256];
} AttnMap;

void attn07_map_from_trace(AttnMap *map, const AttnTraces *tr, int i, const Dataset *ds, const Vocab *src_vocab,
                           const Vocab *tgt_vocab, int include_padding);
void attn07_map_free(AttnMap *map);
void attn07_map_options(HeatmapOptions *o, const AttnMap *map);

// Translate a sentence typed by a person (as seq2seq_translate_text) and build its map.
// 0 with a one-line reason (invalid UTF-8, no words).
int attn07_map_from_text(AttnMap *map, const Seq2SeqLoaded *s, const char *text, int max_len, char *output,
                         size_t output_len, char *err, size_t errlen);

#endif
