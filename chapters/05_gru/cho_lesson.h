// cho_lesson.h: the second half of chapter 05, Cho et al.'s encoder-decoder, as notebook cells:
// the model, training it, the --context-every-step ablation, chapter 04's LSTM against it on the
// same budget, the test set by source length, the copy-task bottleneck, and a checkpoint that
// translates. main.c runs the GRU cells (1-4) first, then these.
//
// Its options mirror chapter 04's (the same names, ranges and defaults where they mean the same)
// plus --context-every-step, --compare-context, --compare-lstm, --init-std and --part.
#ifndef UNROLLED_CHO_LESSON_H
#define UNROLLED_CHO_LESSON_H

#include "cli.h"
#include "narrate.h"
#include "plot.h"

typedef enum { CHO_PART_ALL, CHO_PART_GRU, CHO_PART_SEQ2SEQ } ChoPart;

typedef struct ChoOptions {
    int emb, hidden, layers, batch, epochs, bucket, reverse, resume, preset, part;
    int context;           // --context-every-step: the main model is Cho et al.'s (1) or the ablation (0)
    int compare_context;   // also train the other wiring, same seed
    int compare_lstm;      // also train chapter 04's LSTM, same data, budget and seed
    int train_pairs, eval_pairs, max_len, samples;
    float dropout, teacher_forcing, lr, clip, init_range, init_std;
    const char *data, *load, *translate, *save, *bottleneck, *by_length_csv;
    char resume_hint[2048];   // this command line with --resume: printed if Ctrl-C stops training
} ChoOptions;

// The defaults: the classroom recipe, or --quick's, or --preset bentrevett's when argv holds
// them (so options given explicitly still win: they are parsed afterwards).
void cho_options_init(ChoOptions *o, int argc, char **argv);
// Append the half's entries to a CliOption table at index n; returns the new count. The table
// must have room for 32 more and the caller ends it with {0}.
int cho_options_add(ChoOptions *o, CliOption *table, int n);
// After cli_parse: the checks that involve two options (one line, exit status 2 on error) and
// the resume hint. Returns 0, or the exit status to leave with.
int cho_options_finish(ChoOptions *o, const char *chapter, int argc, char **argv);

// How many cells cho_lesson_run will print (for the narrator's "[k/N]").
int cho_lesson_cells(const ChoOptions *o);
// The cells, after the GRU half.
void cho_lesson_run(const ChoOptions *o, const CliCommon *c, Narrator *nr, Gnuplot *gp);
// --load CKPT [--translate "..."]: translate one sentence, or measure the checkpoint on the test
// set of its data. Returns the exit status.
int cho_run_loaded(const ChoOptions *o, const CliCommon *c);

#endif
