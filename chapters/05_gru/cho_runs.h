// cho_runs.h: chapter 05's Seq2Seq experiments: one trained model (Cho et al.'s GRU, its
// no-context ablation, or chapter 04's LSTM), the tables that compare them and the figures.
// Training, checkpoints and measuring are common/seq2seq_train.h's; this file only arranges
// the runs the lesson (cho_lesson.c) needs, so the tests can run them the same way.
#ifndef UNROLLED_CHO_RUNS_H
#define UNROLLED_CHO_RUNS_H

#include "cli.h"
#include "narrate.h"
#include "plot.h"
#include "seq2seq_chapter.h"
#include "seq2seq_data.h"
#include "seq2seq_model.h"
#include "seq2seq_report.h"
#include "seq2seq_train.h"

// One model to train on one data set, and what was measured on it.
typedef struct ChoExperiment {
    Seq2SeqExperiment s;         // label, model name, builder, checkpoint; then model, run, test
                                 // (common/seq2seq_chapter.h)
    const char *colour;          // "#rrggbb" in the figures
    Seq2SeqRecipe r;             // sizes, initialisation, variant, training, budget (r.train.seed
                                 // seeds the weights; the vocabularies come from the data)
    size_t n_params;
} ChoExperiment;

// Build the model (seeded with tc.seed, so every experiment of a run starts from the same
// draws), train it (or resume it when resume is set and a checkpoint exists), reload the best
// validation epoch and measure it on the test set. Narrates the epochs when nr is given.
// An interrupted run exits as the shell reports the signal (130, 143); a diverged one dies
// with the update and the reason.
void cho_experiment_run(ChoExperiment *x, const Seq2SeqData *d, Narrator *nr, int quiet, int resume, int max_len,
                        int n_samples, const char *resume_hint);
void cho_experiment_free(ChoExperiment *x);

// s per epoch measured in this process, or NAN when every epoch came from a checkpoint.
double cho_seconds_per_epoch(const ChoExperiment *x);

// The comparison table: parameters, s/epoch, best validation loss (epoch), the validation
// loss after `at_epoch`, test exact match, BLEU and perplexity. One row per experiment.
void cho_compare_table(Narrator *nr, const ChoExperiment *const *xs, int n, int at_epoch);
// Exact match and BLEU by source length, one column pair per experiment (they share buckets).
void cho_length_table(Narrator *nr, const ChoExperiment *const *xs, int n);

// The figures (into c->out; nothing with --no-plots):
//   seq2seq_loss_curves   validation (solid) and training (dashed) loss per epoch, every model
//   seq2seq_by_length     exact match (BLEU for Multi30k) against source length, every model
//   bottleneck_by_length  the copy task: exact match and BLEU against length, this chapter's
//                         model and, when given, chapter 04's LSTM read from its CSV
// and copy_by_length.csv (seq2seq_report.h) for chapter 07, when copy is given.
void cho_write_figures(const ChoExperiment *const *xs, int n, const ChoExperiment *copy,
                       const Seq2SeqByLength *ch04, const Seq2SeqData *d, const CliCommon *c, Gnuplot *gp,
                       Narrator *nr);

#endif
