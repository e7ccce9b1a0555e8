// adding_figures.c: see adding_figures.h. Introduced in chapter 03.
#include "adding_figures.h"

#include <stdio.h>

#include "adding_task.h"
#include "rng.h"

void adding_pick_example(int T, float *x, float *y, int *first, int *second) {
    Rng rng;
    rng_seed(&rng, 2024);
    for (int tries = 0; tries < 1000; tries++) {
        adding_batch(&rng, T, 1, x, y, first, second);
        if (*first < T / 4 && *second >= T - T / 4) return;
    }
}

int adding_units_heatmap(const char *out_dir, const char *name, const char *title, const char *value_label,
                         const float *values, int H, int T, HeatmapColormap cmap, double lo, double hi,
                         const char *const *col_labels, const int marks[2], Gnuplot *gp, char *err, size_t errlen) {
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.title = title;
    o.x_label = "time step t";
    o.y_label = "unit";
    o.value_label = value_label;
    o.colormap = cmap;
    o.vmin = lo, o.vmax = hi;
    o.col_labels = col_labels;
    float mark_col[2][2], mark_row[2] = {-0.5f, (float)H - 0.5f};
    Rgb line = cmap == HEATMAP_SIGNED ? (Rgb){0, 0, 0} : (Rgb){255, 60, 60};
    char legend[2][64];
    for (int k = 0; k < 2; k++) {   // on the left edge of the marked column, so the column shows
        snprintf(legend[k], sizeof legend[k], "%s mark, t = %d (right of the line)", k ? "second" : "first", marks[k]);
        mark_col[k][0] = mark_col[k][1] = (float)marks[k] - 0.5f;
        heatmap_add_path(&o, mark_col[k], mark_row, 2, line, legend[k]);
    }
    return heatmap_write(out_dir, name, values, H, T, &o, gp, err, errlen);
}
