// gru_chapter.h: what chapter 05's GRU cells share (main.c: cells 1-2 and the driver;
// gru_cells.c: cells 3-4). The Seq2Seq half has its own files (cho_lesson.h).
#ifndef UNROLLED_GRU_CHAPTER_H
#define UNROLLED_GRU_CHAPTER_H

#include <time.h>

#include "adding_runs.h"
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
} Chapter;

// Seconds of wall time since start (CLOCK_MONOTONIC).
double gru05_seconds_since(const struct timespec *start);
// Write p (PNG, CSV, gnuplot script) into --out unless --no-plots, say so, and free it.
void gru05_write_plot(Chapter *ch, Plot *p);

// Cell 3: one GRU trained on the adding problem, its gates drawn as heatmaps (keeps ch->heat_run).
void gru05_cell_gates_at_work(Chapter *ch);
// Cell 4: RNN, LSTM and GRU on the adding problem as the gap grows.
void gru05_cell_lengths(Chapter *ch);

#endif
