// heatmap.h: matrices as pictures (attention weights, gradient magnitudes over time, loss
// surfaces), drawn pixel by pixel with libpng and, optionally, again by gnuplot.
// Introduced in issue 3 (figures and CLI).
//
//     HeatmapOptions o;  heatmap_options_init(&o);
//     o.title = "Attention";  o.x_label = "source";  o.y_label = "target";
//     o.row_labels = tgt_tokens;  o.col_labels = src_tokens;      // UTF-8, "fährt" is fine
//     heatmap_write(common.out, "attention", weights, T, S, &o, &gp, err, sizeof err);
//
// writes, each file atomically, into the folder (created if missing):
//   NAME.png     the libpng rendering: always, gnuplot or not
//   NAME.csv     the matrix: a header row `"",<col label 0>,...` then one row per matrix row
//                `<row label>,v,v,...` (indices when no labels are given), %.9g numbers
//                (floats round-trip), inf and NaN as NaN
//   NAME.gp      a gnuplot script drawing NAME.csv as NAME_gp.png (cd there; gnuplot NAME.gp)
//   NAME_gp.png  that rendering, when gp != NULL and gnuplot is installed
//
// Matrix row 0 is drawn at the top (like a printed matrix: target step 0 first), unless
// rows_bottom_up is set (loss surfaces: y grows upwards). Cells keep their aspect when they
// can; long matrices (32 units x 1000 steps) are stretched to a readable shape and, past
// max_width / max_height pixels, averaged down (in log10 space for a log scale).
//
// Colours. HEATMAP_MAGNITUDE is a perceptual dark-violet -> green -> yellow ramp for values
// with one sign; log_scale maps log10(value) instead, for values spanning many decades
// (gradient magnitudes 1e-30 .. 1), and values <= 0 get the bottom colour. HEATMAP_SIGNED is
// blue - white - red with white exactly at 0, the range symmetric (+-max |value|).
// Non-finite cells: +inf the top colour, -inf the bottom one, NaN grey.
#ifndef UNROLLED_HEATMAP_H
#define UNROLLED_HEATMAP_H

#include <stddef.h>

#include "canvas.h"
#include "plot.h"

typedef enum { HEATMAP_MAGNITUDE, HEATMAP_SIGNED } HeatmapColormap;
typedef enum { LABELS_AUTO, LABELS_HORIZONTAL, LABELS_VERTICAL } HeatmapLabelDirection;

#define HEATMAP_MAX_PATHS 4

// A polyline over the matrix, in matrix coordinates: (col, row) = (0, 0) is the centre of
// the first cell, fractions lie in between. The first point gets a round marker (the start),
// the last a square one. Used for optimisation paths over a loss surface.
typedef struct HeatmapPath {
    const float *col, *row;   // (n) positions
    int n;
    Rgb color;
    const char *label;        // legend text, or NULL
} HeatmapPath;

typedef struct HeatmapOptions {
    HeatmapColormap colormap;          // HEATMAP_MAGNITUDE (default) or HEATMAP_SIGNED
    int log_scale;                     // colour by log10(value) (magnitude colormap only)
    double vmin, vmax;                 // colour range; NAN (default) = from the data
    int cell_px;                       // pixels per cell; 0 (default) = automatic
    int max_width, max_height;         // largest matrix area in pixels (default 1000 x 720)
    int text_scale;                    // font pixel size (default 2: ~26 px lines)
    const char *title, *x_label, *y_label, *value_label;  // value_label names the colour bar
    const char *const *row_labels;     // (rows) UTF-8 strings, or NULL for index numbers
    const char *const *col_labels;     // (cols) likewise
    HeatmapLabelDirection col_label_direction;  // LABELS_AUTO: vertical if they would collide
    // Label every k-th row / column, k = step x 1, 2, 4, ..., the first that fits (0, the
    // default: any k that fits), e.g. H/8 for 2H units so that both halves are ticked at 0, H/8, ...
    int row_label_step, col_label_step;
    int rows_bottom_up;                // 1: row 0 at the bottom
    // Axis numbers in data units instead of indices: value at the centre of the first and
    // the last column / row (used when has_extent = 1; labels above take precedence).
    int has_extent;
    double x_first, x_last, y_first, y_last;
    HeatmapPath paths[HEATMAP_MAX_PATHS];
    int n_paths;
} HeatmapOptions;

void heatmap_options_init(HeatmapOptions *o);
// Add an overlay path (the arrays are used, not copied, until the heatmap is written).
void heatmap_add_path(HeatmapOptions *o, const float *col, const float *row, int n, Rgb color,
                      const char *label);

// Where everything goes in the picture; heatmap_layout is what the PNG writer uses, so the
// tests can predict the image size.
typedef struct HeatmapLayout {
    int width, height;                 // the whole PNG
    int mat_x, mat_y, mat_w, mat_h;    // the matrix area
    int bar_x, bar_y, bar_w, bar_h;    // the colour bar
    int col_labels_vertical;
    int row_label_every, col_label_every;  // every k-th label drawn (0: numbers, no labels)
    int value_label_x;                 // left edge of the colour bar's name (read upwards)
    int title_lines, title_wrap_px;    // the title's lines, broken to fit this many pixels
    double lo, hi;                     // the colour range actually used (log10 units if log)
} HeatmapLayout;

void heatmap_layout(HeatmapLayout *lay, const float *values, int rows, int cols,
                    const HeatmapOptions *o);

// The colour of t in [0, 1] (clamped) under a colormap: t = 1 is the top of the bar.
Rgb heatmap_color(HeatmapColormap cmap, double t);

// Draw the heatmap into a new canvas (caller frees it).
void heatmap_render(Canvas *cv, const float *values, int rows, int cols, const HeatmapOptions *o);

// Only the libpng picture, at `path`. 1 on success, 0 with a one-line message in err.
int heatmap_write_png(const char *path, const float *values, int rows, int cols,
                      const HeatmapOptions *o, char *err, size_t errlen);
// Only the CSV described above.
int heatmap_write_csv(const char *path, const float *values, int rows, int cols,
                      const HeatmapOptions *o, char *err, size_t errlen);
// NAME.gp for out_dir/NAME.csv, rendered as NAME_gp.png when gp != NULL.
int heatmap_write_gnuplot(const char *out_dir, const char *name, const float *values, int rows,
                          int cols, const HeatmapOptions *o, Gnuplot *gp, char *err, size_t errlen);
// All four files (see the top of this header).
int heatmap_write(const char *out_dir, const char *name, const float *values, int rows, int cols,
                  const HeatmapOptions *o, Gnuplot *gp, char *err, size_t errlen);

#endif
