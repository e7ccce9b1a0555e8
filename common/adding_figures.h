// adding_figures.h: what chapters 03 and 05 draw of the adding problem (adding_task.h): one
// example whose two marks lie far apart, and a units x time heatmap of a gate or a state over
// it, with a line just left of each marked step. Introduced in chapter 03 (the LSTM's gates);
// chapter 05 draws the GRU's with it.
#ifndef UNROLLED_ADDING_FIGURES_H
#define UNROLLED_ADDING_FIGURES_H

#include <stddef.h>

#include "heatmap.h"
#include "plot.h"

// The first example (Rng seed 2024) whose first mark is in the first quarter of the T steps
// and whose second is in the last quarter: the longest gap a reader can see at a glance.
// x (T, 1, 2), y (1), the marks' steps into *first and *second.
void adding_pick_example(int T, float *x, float *y, int *first, int *second);

// values (H, T) as out_dir/NAME.png (+ .csv, .gp): rows are units, columns time steps, colour
// scale [lo, hi] with `cmap`, column labels (T, or NULL), a line just left of marks[0] and
// marks[1]. 0 with a one-line reason.
int adding_units_heatmap(const char *out_dir, const char *name, const char *title, const char *value_label,
                         const float *values, int H, int T, HeatmapColormap cmap, double lo, double hi,
                         const char *const *col_labels, const int marks[2], Gnuplot *gp, char *err, size_t errlen);

#endif
