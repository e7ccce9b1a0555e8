// seq2seq_chapter.h: the parts of a Seq2Seq chapter program that are the same in chapters
// 04-07 whatever the model: one experiment trained, reloaded at its best epoch and measured,
// the tables of examples and of quality by source length, the "translate a sentence of your
// own" cell, and --load (translate or measure a saved model). Introduced in chapter 04; each chapter keeps its lesson, its cells and figures.
#ifndef UNROLLED_SEQ2SEQ_CHAPTER_H
#define UNROLLED_SEQ2SEQ_CHAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "narrate.h"
#include "plot.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_model.h"
#include "seq2seq_train.h"

// ---- one experiment: train (or resume), reload the best epoch, measure the test set ----------

typedef struct Seq2SeqExperiment {
    // set by the caller
    const char *model;        // the model's name in checkpoints
    Seq2SeqBuilder build;
    char label[96];           // how tables and figures name it
    char ckpt[1200];          // checkpoint NAME (NAME.safetensors, NAME.train..., NAME.best...),
                              // or "": no checkpoints, the final weights are tested
    int train_only;           // 1: no test evaluation (a short run whose losses are all it is for)
    int resume_if_saved;      // 1: --resume continues it only if its checkpoint exists, else it
                              // starts afresh (a comparison run the interrupted one had not reached)
    // filled in
    char *config;             // the config JSON saved with it
    Seq2SeqModel *m;          // after the run: the best validation epoch's weights
    Seq2SeqRun run;
    Seq2SeqEval test;
} Seq2SeqExperiment;

// Build x->model from r->model (vocabulary sizes from d) with weights from seed, train it on d
// with r->train (how: `how` — narrator, quiet, samples, max_len, resume, resume_hint; its
// other fields are ignored; see resume_if_saved),
// then load x->ckpt.best and evaluate it on d's test split (unless
// x->train_only).
// A diverged run is fatal with the step and the reason; an interrupted one (Ctrl-C, saved)
// exits 128 + signal, as a shell reports it.
void seq2seq_experiment_run(Seq2SeqExperiment *x, const Seq2SeqData *d, const Seq2SeqRecipe *r, uint64_t seed,
                            const Seq2SeqRun *how);
void seq2seq_experiment_free(Seq2SeqExperiment *x);

// ---- tables and cells ------------------------------------------------------------------------

// Every parameter: name, shape, count (the model cell of each chapter).
void seq2seq_param_table(Narrator *nr, const Seq2SeqModel *m);
// n test sentences spread over the test set: source, greedy translation, reference, exact.
void seq2seq_examples_table(Narrator *nr, const Seq2SeqEval *ev, const Seq2SeqData *d, int n);
// One row per source-length bucket (the evaluations share d's buckets): sentences, then exact
// match and BLEU of each of the n evaluations, headed by their labels.
void seq2seq_length_table(Narrator *nr, const Seq2SeqEval *const *evs, const char *const *labels, int n);
// Load NAME.best and translate a sentence of one's own (a dates or Multi30k example, else the
// first test source), showing what the encoder read and the shell command that does the same.
void seq2seq_translate_demo(Narrator *nr, const char *model, Seq2SeqBuilder build, const char *ckpt,
                            const Seq2SeqData *d, int max_len, const char *program);

// The two loss curves of one run on plot p, in colour ("#rrggbb"): "LABEL: train (teacher forcing
// F)" dashed and "LABEL: validation (own predictions fed back)" with markers, against the epoch.
void seq2seq_plot_losses(Plot *p, const Seq2SeqRun *r, const char *label, const char *colour);

// ---- --load ----------------------------------------------------------------------------------

typedef struct Seq2SeqLoadOptions {
    const char *load;         // the checkpoint NAME
    const char *translate;    // a sentence to translate, or NULL: measure on the test set
    const char *data;         // --data as given: another data set to measure on, or "dates" (the default)
    int eval_pairs, batch, max_len;   // max_len <= 0: 25 for Multi30k, else the longest target + 3
    const char *by_length_csv;        // --by-length-csv: also write the length table there, or NULL
} Seq2SeqLoadOptions;

// The --by-length-csv option of every Seq2Seq chapter (for its option table).
#define SEQ2SEQ_BY_LENGTH_CSV_HELP \
    "with --load: also write the test set's by-length table to this file (the format chapter 07 reads)"

// The options that act on a --load checkpoint, checked together: --translate and --by-length-csv
// need --load, and --by-length-csv measures the test set, which --translate skips. 0, or 1 after
// one line on stderr naming the option (a usage error: exit status 2, as cli_parse's).
int seq2seq_load_options_misused(const char *program, const char *load, const char *translate,
                                 const char *by_length_csv);

// --load: print the translation (stdout, "read as: ..." first unless quiet), or the test
// loss, perplexity, exact match, BLEU, examples and the length table (also written to
// o->by_length_csv when given). Returns the exit status.
int seq2seq_run_loaded(const char *model, Seq2SeqBuilder build, const Seq2SeqLoadOptions *o, const CliCommon *c);

#endif
