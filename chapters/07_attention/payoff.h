// payoff.h: chapters 04-07 on one figure, the bottleneck experiment's exact match and BLEU
// against source length (Bahdanau et al.'s Figure 2). Introduced in chapter 07.
//
// Each Seq2Seq chapter runs the same copy experiment and leaves its buckets in
// <dir>/<chapter>/copy_by_length.csv (common/seq2seq_report.h); trained on Multi30k, each leaves
// multi30k_by_length.csv the same way. This file reads whichever of chapters 04, 05, 06 exist for
// one task, prints them beside this chapter's model as a table and draws them. A missing or
// malformed file is reported in one line and that chapter is left out.
#ifndef UNROLLED_CH07_PAYOFF_H
#define UNROLLED_CH07_PAYOFF_H

#include "narrate.h"
#include "plot.h"
#include "seq2seq_report.h"

#define ATTN07_N_COMPARED 3   // chapters 04, 05, 06

typedef struct Attn07Payoff {
    Seq2SeqByLength theirs[ATTN07_N_COMPARED];
    int have[ATTN07_N_COMPARED];   // 1: that chapter's file was read
    char why[ATTN07_N_COMPARED][600];   // else the one-line reason
} Attn07Payoff;

// ev's buckets as a Seq2SeqByLength (percentages), named model.
void attn07_by_length_from_eval(Seq2SeqByLength *r, const char *model, const Seq2SeqEval *ev);

// Read <compare_dir>/{04_seq2seq_lstm,05_gru,06_bidirectional}/<task>_by_length.csv, task "copy"
// or "multi30k". Returns how many were found.
int attn07_payoff_read(Attn07Payoff *p, const char *compare_dir, const char *task);

// The table: one row per bucket of mine, exact match and BLEU of the four models ("-" where a
// chapter is missing or BLEU-4 is undefined, i.e. strings shorter than 4 symbols).
void attn07_payoff_table(Narrator *nr, const Attn07Payoff *p, const Seq2SeqByLength *mine);

// payoff_by_length.{csv,gp,png} (task "copy": exact match and BLEU) or
// payoff_multi30k_by_length.{csv,gp,png} (task "multi30k": BLEU; nothing is ever exact there)
// in out_dir. 1, or 0 with a one-line reason.
int attn07_payoff_figure(const Attn07Payoff *p, const Seq2SeqByLength *mine, const char *task, const char *out_dir,
                         Gnuplot *gp, char *err, size_t errlen);

#endif
