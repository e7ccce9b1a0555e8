// gru_chapter.h: what chapter 05's GRU cells share (main.c: cells 1-2 and the driver;
// gru_cells.c: cells 3-4). The Seq2Seq half has its own files (cho_lesson.h).
#ifndef UNROLLED_GRU_CHAPTER_H
#define UNROLLED_GRU_CHAPTER_H

#include <time.h>

#include "adding_train.h"
#include "cho_lesson.h"
#include "cli.h"
#include "narrate.h"
#include "plot.h"


// Everything a cell needs: options, output, and the trained GRU that cell 3 hands to cell 4.
typedef struct Chapter {
    CliCommon common;
    Narrator nr;
    Gnuplot gp;
    int steps, hidden;      // --steps, --adding-hidden of the training runs (cells 3 and 4)
    CliFloatList lengths;   // --lengths (cell 4)
    int heat_length;        // --heat-length: the example shown in cell 3
    float update_bias;      // --update-bias: cell 2's extra GRU curve
    AddingRun heat_run;     // cell 3's GRU run (kept for cell 4's table)
    ChoOptions cho;         // cells 5+: Cho et al.'s encoder-decoder (cho_lesson.h)
    // cells 3-4's checkpoints: a run is saved as BASE-gru-T50 etc. (BASE: runs/05_gru/adding,
    // OUT/adding with --out, or adding beside --save's NAME); --resume and the resume hint are
    // the second half's (cho.resume, cho.resume_hint)
    char base[1100];
    char heat_ckpt[1200];   // cell 3's run's NAME
    int adding_trained;     // 1: a run of cells 3-4 trained in this process (not only loaded)
} Chapter;

// Seconds of wall time since start (CLOCK_MONOTONIC).
double gru05_seconds_since(const struct timespec *start);
// Write p (PNG, CSV, gnuplot script) into --out unless --no-plots, say so, and free it.
void gru05_write_plot(Chapter *ch, Plot *p);

// BASE for cells 3-4's checkpoints, its folder created; with --resume cell 3's run's file must
// exist (one line and exit 1 if not).
void gru05_prepare_checkpoints(Chapter *ch);
// Cell 3: one GRU trained on the adding problem, its gates drawn as heatmaps (keeps ch->heat_run).
void gru05_cell_gates_at_work(Chapter *ch);
// Cell 4: RNN, LSTM and GRU on the adding problem as the gap grows.
void gru05_cell_lengths(Chapter *ch);

#endif
