// seq2seq_report.h: the by-source-length measurements each Seq2Seq chapter leaves for the next.
// Introduced in chapter 04 (the bottleneck experiment on the copy task); chapters 05-07 run the
// same experiment with their models and chapter 07 reads all four files to draw the payoff
// figure (exact match and BLEU against source length, Bahdanau et al.'s Figure 2).
//
// The file, one line per source-length bucket (Seq2SeqEval's buckets):
//     model,lo,hi,n,exact_match,bleu
//     seq2seq_lstm,1,3,42,100,97.31
//     ...
// exact_match and bleu are percentages; bleu is "nan" where no translation has 4 words.
#ifndef UNROLLED_SEQ2SEQ_REPORT_H
#define UNROLLED_SEQ2SEQ_REPORT_H

#include <stddef.h>

#include "seq2seq_train.h"

// Where chapter 04's classroom run leaves its file; chapters 05 and 06 print it beside theirs.
#define CH04_COPY_BY_LENGTH_CSV "figures/04_seq2seq_lstm/copy_by_length.csv"

typedef struct Seq2SeqByLength {
    char model[64];
    int n_buckets;
    int lo[SEQ2SEQ_MAX_BUCKETS], hi[SEQ2SEQ_MAX_BUCKETS], n[SEQ2SEQ_MAX_BUCKETS];
    double exact_match[SEQ2SEQ_MAX_BUCKETS];   // %
    double bleu[SEQ2SEQ_MAX_BUCKETS];          // %, NaN where undefined
} Seq2SeqByLength;

// Write ev's buckets (atomically) under the name model. 0 with a one-line reason.
int seq2seq_write_by_length(const char *path, const char *model, const Seq2SeqEval *ev, char *err, size_t errlen);
// The file a run leaves for chapter 07, task "copy" or "multi30k": DIR/TASK_by_length.csv.
// seq2seq_save_by_length writes ev's buckets there, or dies with a one-line reason; the path
// goes to path (len bytes) for the narration.
void seq2seq_by_length_path(char *path, size_t len, const char *dir, const char *task);
void seq2seq_save_by_length(const char *dir, const char *task, const char *model, const Seq2SeqEval *ev,
                            char *path, size_t len);
// Read such a file back. 0 with a one-line reason naming the file (missing, malformed).
int seq2seq_read_by_length(const char *path, Seq2SeqByLength *out, char *err, size_t errlen);

// One sentence of r's exact matches for a lesson to print, e.g. "75.0% at 1-3 symbols, 88.2% at
// 4-6, 48.3% at 7-9, 9.5% at 10-12, 1.7% at 13-15, 0% from 16 on" (unit: "symbols", "words").
// Empty buckets are skipped; the trailing run of 0% buckets becomes "0% from LO on" (or
// "0% at every length" when nothing else is left).
void seq2seq_by_length_summary(const Seq2SeqByLength *r, const char *unit, char *buf, size_t len);

#endif
