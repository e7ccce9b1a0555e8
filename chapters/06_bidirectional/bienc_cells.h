// bienc_cells.h: chapter 06's notebook: the cells main.c runs, in order, and --load.
#ifndef UNROLLED_CH06_BIENC_CELLS_H
#define UNROLLED_CH06_BIENC_CELLS_H

#include "cli.h"
#include "narrate.h"
#include "plot.h"

#define CH06_CHAPTER "06_bidirectional"
#define CH06_DEFAULT_OUT "figures/" CH06_CHAPTER

typedef struct Ch06Options {
    int emb, hidden, layers, batch, epochs, bucket, reverse, compare, compare_reversed, resume, preset;
    int unidirectional_only;   // train only the comparison encoder(s): a second process, a second core
    int train_pairs, eval_pairs, max_len, samples, trap_pairs, trap_epochs;
    float dropout, teacher_forcing, lr, clip, init_range, init_std;
    const char *data, *load, *translate, *save, *bottleneck, *by_length_csv;
    char resume_hint[2048];   // this command line with --resume: printed if Ctrl-C stops training
} Ch06Options;

typedef struct Chapter06 {
    const Ch06Options *o;
    const CliCommon *c;
    Gnuplot gp;
    Narrator nr;
} Chapter06;

// The notebook (cells 1-10) and --load (a checkpoint: translate a sentence, or test it).
// Each returns the process's exit status.
int ch06_run_notebook(Chapter06 *ch);
int ch06_run_loaded(Chapter06 *ch);

#endif
