// heatmap.c: see heatmap.h. Introduced in issue 3 (figures and CLI).
//
// The order of work: values -> colour range (heatmap_layout) -> each pixel of the matrix
// area averages the cells it covers and looks its colour up in a colormap -> colour bar,
// axes, labels, paths -> PNG. Then the same matrix goes to a CSV and a gnuplot script.
#include "heatmap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "utf8.h"
#include "util.h"

static const Rgb INK = {25, 25, 25};
static const Rgb NAN_GREY = {170, 170, 170};
enum { PAD = 16, TICK_LEN = 6, BAR_GAP = 24, BAR_W = 26, MIN_SIDE = 300, MAX_CELL = 64 };
// A title wider than the picture (and than TITLE_WRAP_MIN) is broken into lines at spaces
// rather than widening the picture: a 12-word Multi30k sentence pair would otherwise make a
// 3000-pixel-wide image around a 400-pixel matrix.
enum { TITLE_WRAP_MIN = 800, TITLE_MAX_LINES = 6, TITLE_LINE_GAP = 6, GP_TITLE_CHARS = 100 };

// ---- colormaps ---------------------------------------------------------------------------

typedef struct ColorStop {
    double t;
    Rgb c;
} ColorStop;

// Magnitudes: dark violet -> blue -> teal -> green -> yellow. Lightness rises steadily, so
// the ramp reads the same in greyscale and with red-green colour blindness (after viridis).
static const ColorStop MAGNITUDE_STOPS[] = {
    {0.000, {68, 1, 84}},    {0.125, {71, 44, 122}},  {0.250, {59, 81, 139}},
    {0.375, {44, 113, 142}}, {0.500, {33, 144, 141}}, {0.625, {39, 173, 129}},
    {0.750, {92, 200, 99}},  {0.875, {170, 220, 50}}, {1.000, {253, 231, 37}},
};
// Signed values: dark blue -> white at 0 -> dark red.
static const ColorStop SIGNED_STOPS[] = {
    {0.00, {5, 48, 97}},     {0.20, {67, 147, 195}}, {0.40, {209, 229, 240}},
    {0.50, {247, 247, 247}}, {0.60, {253, 219, 199}}, {0.80, {214, 96, 77}},
    {1.00, {103, 0, 31}},
};

static const ColorStop *stops_of(HeatmapColormap cmap, int *n) {
    if (cmap == HEATMAP_SIGNED) {
        *n = (int)(sizeof SIGNED_STOPS / sizeof SIGNED_STOPS[0]);
        return SIGNED_STOPS;
    }
    *n = (int)(sizeof MAGNITUDE_STOPS / sizeof MAGNITUDE_STOPS[0]);
    return MAGNITUDE_STOPS;
}

Rgb heatmap_color(HeatmapColormap cmap, double t) {
    int n;
    const ColorStop *s = stops_of(cmap, &n);
    if (!(t > 0)) return s[0].c;          // also NaN; callers handle NaN before
    if (t >= 1) return s[n - 1].c;
    int i = 1;
    while (s[i].t < t) i++;
    double u = (t - s[i - 1].t) / (s[i].t - s[i - 1].t);  // linear between the two stops
    Rgb a = s[i - 1].c, b = s[i].c;
    return (Rgb){(unsigned char)lround(a.r + u * (b.r - a.r)),
                 (unsigned char)lround(a.g + u * (b.g - a.g)),
                 (unsigned char)lround(a.b + u * (b.b - a.b))};
}

// ---- values to [0, 1] --------------------------------------------------------------------

void heatmap_options_init(HeatmapOptions *o) {
    memset(o, 0, sizeof *o);
    o->colormap = HEATMAP_MAGNITUDE;
    o->vmin = o->vmax = NAN;
    o->max_width = 1000;
    o->max_height = 720;
    o->text_scale = 2;
}

void heatmap_add_path(HeatmapOptions *o, const float *col, const float *row, int n, Rgb color,
                      const char *label) {
    if (o->n_paths == HEATMAP_MAX_PATHS) die("heatmap: more than %d paths", HEATMAP_MAX_PATHS);
    o->paths[o->n_paths++] = (HeatmapPath){col, row, n, color, label};
}

static int use_log(const HeatmapOptions *o) { return o->log_scale && o->colormap == HEATMAP_MAGNITUDE; }

// The value on the colour axis: log10(v) on a log scale, where v <= 0 is -inf (the bottom).
static double color_axis_value(const HeatmapOptions *o, double v) {
    if (!use_log(o) || isnan(v)) return v;
    return v > 0 ? log10(v) : -INFINITY;
}

static void color_range(const float *values, int rows, int cols, const HeatmapOptions *o,
                        double *lo_out, double *hi_out) {
    double lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < (long)rows * cols; i++) {
        double a = color_axis_value(o, values[i]);
        if (!isfinite(a)) continue;
        if (a < lo) lo = a;
        if (a > hi) hi = a;
    }
    if (lo > hi) { lo = use_log(o) ? -1 : 0; hi = use_log(o) ? 0 : 1; }  // nothing finite
    // A fixed end replaces the data's (on a log scale only a positive one can).
    if (!isnan(o->vmin) && (!use_log(o) || o->vmin > 0)) lo = color_axis_value(o, o->vmin);
    if (!isnan(o->vmax) && (!use_log(o) || o->vmax > 0)) hi = color_axis_value(o, o->vmax);
    if (o->colormap == HEATMAP_SIGNED) {  // symmetric, so that white is exactly 0
        double m = fmax(fabs(lo), fabs(hi));
        if (m == 0) m = 1;
        lo = -m;
        hi = m;
    }
    if (!(hi > lo)) {  // one value everywhere: give it room on both sides
        double half = use_log(o) ? 0.5 : fmax(0.5 * fabs(lo), 0.5);
        lo -= half;
        hi += half;
    }
    *lo_out = lo;
    *hi_out = hi;
}

// Position of a value on the colour bar, in [0, 1]; NaN stays NaN.
static double normalized(const HeatmapLayout *lay, const HeatmapOptions *o, float v) {
    double a = color_axis_value(o, v);
    if (isnan(a)) return NAN;
    double t = (a - lay->lo) / (lay->hi - lay->lo);
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

// ---- ticks -------------------------------------------------------------------------------

#define MAX_TICKS 64

typedef struct Tick {
    double pos;         // index coordinate (matrix axes) or colour-axis value (bar)
    char text[96];      // longer labels are cut
} Tick;

// Turn "1e+05" into "1e5" and "1e-05" into "1e-5", and "-0" into "0".
static void tidy_number(char *s) {
    char *e = strchr(s, 'e');
    if (e) {
        char *src = e + 1, *dst = e + 1;
        if (*src == '+') src++;
        if (*src == '-') *dst++ = *src++;
        while (*src == '0' && src[1]) src++;
        memmove(dst, src, strlen(src) + 1);
    }
    if (strcmp(s, "-0") == 0) strcpy(s, "0");
}

static void format_tick(char *buf, size_t n, double v, double step) {
    if (fabs(v) < 1e-12 * step) v = 0;
    if (fabs(v) >= 1e5 || step < 1e-4) snprintf(buf, n, "%.3g", v);
    else {
        int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, n, "%.*f", decimals, v);
    }
    tidy_number(buf);
}

// "Nice" steps 1, 2, 5 x 10^k: at most max_ticks ticks between lo and hi.
static double nice_step(double span, int max_ticks) {
    if (max_ticks < 1) max_ticks = 1;
    double raw = span / max_ticks;
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static int linear_ticks(double lo, double hi, int max_ticks, double min_step, Tick *t) {
    if (hi == lo) {  // e.g. the one row of a 1 x N matrix
        t[0].pos = lo;
        format_tick(t[0].text, sizeof t[0].text, lo, 1);
        return 1;
    }
    if (!(hi > lo)) return 0;
    double step = fmax(nice_step(hi - lo, max_ticks), min_step);
    int n = 0;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step && n < MAX_TICKS; v += step) {
        t[n].pos = v;
        format_tick(t[n].text, sizeof t[n].text, v, step);
        n++;
    }
    return n;
}

// Colour bar ticks on a log scale: whole decades, labelled 0.01 .. 1000 or 1e-30.
static int decade_ticks(double lo, double hi, int max_ticks, Tick *t) {
    double step = fmax(1, nice_step(hi - lo, max_ticks));
    int n = 0;
    for (double k = ceil(lo / step - 1e-9) * step; k <= hi + 1e-9 && n < MAX_TICKS; k += step) {
        t[n].pos = k;
        int e = (int)lround(k);
        if (e >= -2 && e <= 3) snprintf(t[n].text, sizeof t[n].text, "%g", pow(10, e));
        else snprintf(t[n].text, sizeof t[n].text, "1e%d", e);
        n++;
    }
    if (n < 2) {  // less than two decades: label the two ends with their values
        n = 0;
        double ends[2] = {lo, hi};
        for (int i = 0; i < 2; i++) {
            t[n].pos = ends[i];
            snprintf(t[n].text, sizeof t[n].text, "%.3g", pow(10, ends[i]));
            tidy_number(t[n].text);
            n++;
        }
    }
    return n;
}

// Every k-th of n labels, k at least min_every and few enough ticks for max_ticks: any k when
// step < 1, else the first of step, 2 step, 4 step, ... (so that k divides what step divides
// by a power of two: 2H units, step H/8, keep a tick at unit H).
static int label_every(int n, int step, int min_every, int max_ticks) {
    if (step < 1) {
        int every = min_every < 1 ? 1 : min_every;
        while (n / every >= max_ticks) every++;
        return every;
    }
    int every = step;
    while (every < min_every || n / every >= max_ticks) every *= 2;
    return every;
}

// Ticks along a matrix axis of n cells: labels when given (every k-th, k from the room per
// cell and the requested step), else numbers: indices, or data units when the options give
// an extent.
static int axis_ticks(int n, const char *const *labels, int label_step, int room_per_label, double cell_px,
                      int has_extent, double first, double last, int max_ticks, Tick *t, int *every_out) {
    int count = 0;
    *every_out = 0;
    if (labels) {
        int every = label_every(n, label_step, (int)ceil(room_per_label / fmax(cell_px, 1e-9)), MAX_TICKS);
        *every_out = every;
        for (int i = 0; i < n; i += every) {
            t[count].pos = i;
            snprintf(t[count].text, sizeof t[count].text, "%s", labels[i] ? labels[i] : "");
            count++;
        }
        return count;
    }
    if (has_extent && n > 1 && last != first) {
        double lo = fmin(first, last), hi = fmax(first, last);
        count = linear_ticks(lo, hi, max_ticks, 0, t);
        for (int i = 0; i < count; i++) t[i].pos = (t[i].pos - first) / (last - first) * (n - 1);
        return count;
    }
    return linear_ticks(0, n - 1, max_ticks, 1, t);
}

// The widest tick text in pixels (for the margins).
static int widest(const Tick *t, int n, int scale) {
    int w = 0;
    for (int i = 0; i < n; i++) {
        int tw = text_width_px(t[i].text, scale);
        if (tw > w) w = tw;
    }
    return w;
}

// ---- layout ------------------------------------------------------------------------------

typedef struct Axes {   // the ticks, computed once for layout and drawing
    Tick row[MAX_TICKS], col[MAX_TICKS], bar[MAX_TICKS];
    int n_row, n_col, n_bar;
} Axes;

static void compute_axes(Axes *ax, HeatmapLayout *lay, int rows, int cols, const HeatmapOptions *o) {
    int s = o->text_scale, th = text_height_px(s);
    double cell_w = (double)lay->mat_w / cols, cell_h = (double)lay->mat_h / rows;
    ax->n_row = axis_ticks(rows, o->row_labels, o->row_label_step, th + 2, cell_h, o->has_extent, o->y_first,
                           o->y_last, lay->mat_h / (2 * th) + 1, ax->row, &lay->row_label_every);
    // Column labels: horizontal if each fits over its cell, otherwise turned upright.
    int widest_col = 0;
    for (int i = 0; o->col_labels && i < cols; i++) {
        int w = o->col_labels[i] ? text_width_px(o->col_labels[i], s) : 0;
        if (w > widest_col) widest_col = w;
    }
    lay->col_labels_vertical = o->col_labels &&
        (o->col_label_direction == LABELS_VERTICAL ||
         (o->col_label_direction == LABELS_AUTO && widest_col + 16 > cell_w));
    int room = lay->col_labels_vertical ? th + 2 : widest_col + 16;
    ax->n_col = axis_ticks(cols, o->col_labels, o->col_label_step, room, cell_w, o->has_extent, o->x_first,
                           o->x_last, lay->mat_w / 110 + 1, ax->col, &lay->col_label_every);
    int bar_ticks = lay->bar_h / (2 * th) + 1;
    ax->n_bar = use_log(o) ? decade_ticks(lay->lo, lay->hi, bar_ticks, ax->bar)
                           : linear_ticks(lay->lo, lay->hi, bar_ticks, 0, ax->bar);
}

// Matrix area size: square cells when they fit, a sliver stretched to MIN_SIDE pixels,
// anything over the maximum averaged down to it.
static void matrix_size(int rows, int cols, const HeatmapOptions *o, int *w, int *h) {
    int max_w = o->max_width > 0 ? o->max_width : 1000;
    int max_h = o->max_height > 0 ? o->max_height : 720;
    int cell = o->cell_px;
    if (cell <= 0) {
        cell = max_w / cols < max_h / rows ? max_w / cols : max_h / rows;
        if (cell > MAX_CELL) cell = MAX_CELL;
        if (cell < 1) cell = 1;
    }
    long mw = (long)cols * cell, mh = (long)rows * cell;
    if (mw > max_w) mw = max_w;
    if (mh > max_h) mh = max_h;
    if (o->cell_px <= 0 && cell < 16) {  // tiny cells: a sliver, e.g. 32 units x 1000 steps
        long per_row = (MIN_SIDE + rows - 1) / rows, per_col = (MIN_SIDE + cols - 1) / cols;
        // A labelled side gets room for every label (upright: a text height each) when it fits,
        // so that 13 tokens beside 1024 units are all named, not every other one.
        long label_room = text_height_px(o->text_scale > 0 ? o->text_scale : 1) + 2;
        if (o->row_labels && per_row < label_room && rows * label_room <= max_h) per_row = label_room;
        if (o->col_labels && per_col < label_room && cols * label_room <= max_w) per_col = label_room;
        if (mh < rows * per_row && rows * per_row <= max_h) mh = rows * per_row;
        if (mw < cols * per_col && cols * per_col <= max_w) mw = cols * per_col;
    }
    *w = (int)mw;
    *h = (int)mh;
}

// ---- the title, on as many lines as it needs ------------------------------------------------

typedef struct TitleLines {
    char text[TITLE_MAX_LINES][1024];
    int n;
} TitleLines;

typedef int (*TextWidth)(const char *utf8, int scale);

// Break title at spaces into lines at most max_w wide, as width measures them (a word wider
// than that gets a line of its own); past TITLE_MAX_LINES the rest stays on the last line. A
// title that fits is one line, unchanged.

static void wrap_words(TitleLines *tl, const char *title, TextWidth width, int scale, int max_w) {
    tl->n = 0;
    if (!title) return;
    tl->n = 1;
    tl->text[0][0] = '\0';
    const char *p = title;
    while (*p) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *line = tl->text[tl->n - 1];
        size_t have = strlen(line);
        char trial[1024];
        snprintf(trial, sizeof trial, "%s%s%.*s", line, have ? " " : "", (int)len, p);
        if (have && width(trial, scale) > max_w && tl->n < TITLE_MAX_LINES) {
            tl->n++;   // this word starts the next line
            snprintf(tl->text[tl->n - 1], sizeof tl->text[0], "%.*s", (int)len, p);
        } else {
            snprintf(line, sizeof tl->text[0], "%s", trial);
        }
        p += len;
        while (*p == ' ') p++;
    }
}

static void title_lines(TitleLines *tl, const char *title, int scale, int max_w) {
    wrap_words(tl, title, text_width_px, scale, max_w);
}

// Characters, not bytes: gnuplot's titles are wrapped by length (its fonts are not ours).
static int utf8_chars(const char *utf8, int scale) {
    (void)scale;
    return utf8_count(utf8);
}

static int title_lines_width(const TitleLines *tl, int scale) {
    int w = 0;
    for (int i = 0; i < tl->n; i++) {
        int lw = text_width_px(tl->text[i], scale);
        if (lw > w) w = lw;
    }
    return w;
}

static int title_lines_height(const TitleLines *tl, int scale) {
    return tl->n ? tl->n * text_height_px(scale) + (tl->n - 1) * TITLE_LINE_GAP + 12 : 0;
}

static void layout_with_axes(HeatmapLayout *lay, Axes *ax, const float *values, int rows, int cols,
                             const HeatmapOptions *o) {
    memset(lay, 0, sizeof *lay);
    int s = o->text_scale > 0 ? o->text_scale : 1, th = text_height_px(s);
    color_range(values, rows, cols, o, &lay->lo, &lay->hi);
    matrix_size(rows, cols, o, &lay->mat_w, &lay->mat_h);
    lay->bar_w = BAR_W;
    lay->bar_h = lay->mat_h > 200 ? lay->mat_h : 200;
    compute_axes(ax, lay, rows, cols, o);

    int legend_h = o->n_paths > 0 ? th + 14 : 0;
    int ylabel_w = o->y_label ? th + 10 : 0;
    int row_band = widest(ax->row, ax->n_row, s) + TICK_LEN + 6;
    int col_band = (lay->col_labels_vertical ? widest(ax->col, ax->n_col, s) : th) + TICK_LEN + 8;
    int xlabel_h = o->x_label ? th + 10 : 0;
    int bar_text = widest(ax->bar, ax->n_bar, s) + TICK_LEN + 6;
    int value_label_w = o->value_label ? th + 12 : 0;

    // Left to right first: the width decides how the title is broken, the title its height.
    lay->mat_x = PAD + ylabel_w + row_band;
    lay->bar_x = lay->mat_x + lay->mat_w + BAR_GAP;
    lay->value_label_x = lay->bar_x + BAR_W + bar_text;   // beside the colour bar's numbers
    lay->width = lay->value_label_x + value_label_w + PAD;
    int legend_w = 2 * PAD;
    for (int i = 0; i < o->n_paths; i++)
        legend_w += 60 + (o->paths[i].label ? text_width_px(o->paths[i].label, s) : 0) + 30;
    if (legend_w > lay->width) lay->width = legend_w;
    lay->title_wrap_px = (lay->width > TITLE_WRAP_MIN ? lay->width : TITLE_WRAP_MIN) - 2 * PAD;
    TitleLines tl;
    title_lines(&tl, o->title, s + 1, lay->title_wrap_px);
    lay->title_lines = tl.n;
    int title_w = tl.n ? title_lines_width(&tl, s + 1) + 2 * PAD : 0;
    if (title_w > lay->width) lay->width = title_w;

    lay->mat_y = PAD + title_lines_height(&tl, s + 1) + legend_h + th / 2;  // + the top row label's room
    lay->bar_y = lay->mat_y;
    // The last column label (horizontal) may reach past the matrix by half its width.
    int below = lay->mat_y + lay->mat_h + col_band + xlabel_h;
    int right_of_bar = lay->bar_y + lay->bar_h + th / 2;
    lay->height = (below > right_of_bar ? below : right_of_bar) + PAD;
}

void heatmap_layout(HeatmapLayout *lay, const float *values, int rows, int cols,
                    const HeatmapOptions *o) {
    Axes *ax = xmalloc(sizeof *ax);
    layout_with_axes(lay, ax, values, rows, cols, o);
    free(ax);
}

// ---- drawing -----------------------------------------------------------------------------

// Pixel coordinate of a (fractional) cell index along an axis of n cells drawn over len px.
static double cell_to_px(double i, int n, int len) { return (i + 0.5) * len / n; }

static int col_px(const HeatmapLayout *lay, int cols, double c) {
    return lay->mat_x + (int)floor(cell_to_px(c, cols, lay->mat_w));
}

static int row_px(const HeatmapLayout *lay, int rows, double r, int bottom_up) {
    double y = cell_to_px(r, rows, lay->mat_h);
    return lay->mat_y + (int)floor(bottom_up ? lay->mat_h - y : y);
}

static void draw_cells(Canvas *cv, const HeatmapLayout *lay, const float *values, int rows,
                       int cols, const HeatmapOptions *o) {
    // Cells covered by pixel column px: [c0[px], c1[px]); the same for rows.
    int *c0 = xmalloc((size_t)lay->mat_w * 2 * sizeof(int)), *c1 = c0 + lay->mat_w;
    int *r0 = xmalloc((size_t)lay->mat_h * 2 * sizeof(int)), *r1 = r0 + lay->mat_h;
    for (int px = 0; px < lay->mat_w; px++) {
        c0[px] = (int)((int64_t)px * cols / lay->mat_w);
        c1[px] = (int)((int64_t)(px + 1) * cols / lay->mat_w);
        if (c1[px] <= c0[px]) c1[px] = c0[px] + 1;
    }
    for (int py = 0; py < lay->mat_h; py++) {
        r0[py] = (int)((int64_t)py * rows / lay->mat_h);
        r1[py] = (int)((int64_t)(py + 1) * rows / lay->mat_h);
        if (r1[py] <= r0[py]) r1[py] = r0[py] + 1;
    }
    for (int py = 0; py < lay->mat_h; py++)
        for (int px = 0; px < lay->mat_w; px++) {
            double sum = 0;
            int count = 0;
            for (int r = r0[py]; r < r1[py]; r++) {
                int row = o->rows_bottom_up ? rows - 1 - r : r;
                for (int c = c0[px]; c < c1[px]; c++) {
                    double t = normalized(lay, o, values[(size_t)row * cols + c]);
                    if (!isnan(t)) { sum += t; count++; }
                }
            }
            Rgb color = count ? heatmap_color(o->colormap, sum / count) : NAN_GREY;
            canvas_set(cv, lay->mat_x + px, lay->mat_y + py, color);
        }
    free(c0);
    free(r0);
}

static void draw_color_bar(Canvas *cv, const HeatmapLayout *lay, const Axes *ax,
                           const HeatmapOptions *o) {
    int s = o->text_scale, th = text_height_px(s);
    for (int py = 0; py < lay->bar_h; py++) {
        double t = 1.0 - (double)py / (lay->bar_h - 1);
        canvas_fill_rect(cv, lay->bar_x, lay->bar_y + py, lay->bar_w, 1, heatmap_color(o->colormap, t));
    }
    canvas_rect_outline(cv, lay->bar_x - 1, lay->bar_y - 1, lay->bar_w + 2, lay->bar_h + 2, INK);
    int label_x = lay->bar_x + lay->bar_w + TICK_LEN + 6;
    for (int i = 0; i < ax->n_bar; i++) {
        double t = (ax->bar[i].pos - lay->lo) / (lay->hi - lay->lo);
        int y = lay->bar_y + (int)lround((1.0 - t) * (lay->bar_h - 1));
        canvas_fill_rect(cv, lay->bar_x + lay->bar_w, y, TICK_LEN, 2, INK);
        canvas_text(cv, label_x, y - th / 2, ax->bar[i].text, s, INK, 0);
    }
    if (o->value_label) {
        int w = text_width_px(o->value_label, s);
        canvas_text(cv, lay->value_label_x + 12, lay->bar_y + lay->bar_h / 2 + w / 2, o->value_label, s, INK, 1);
    }
}

static void draw_axes(Canvas *cv, const HeatmapLayout *lay, const Axes *ax, int rows, int cols,
                      const HeatmapOptions *o) {
    int s = o->text_scale, th = text_height_px(s);
    canvas_rect_outline(cv, lay->mat_x - 1, lay->mat_y - 1, lay->mat_w + 2, lay->mat_h + 2, INK);
    for (int i = 0; i < ax->n_row; i++) {
        int y = row_px(lay, rows, ax->row[i].pos, o->rows_bottom_up);
        canvas_fill_rect(cv, lay->mat_x - 1 - TICK_LEN, y, TICK_LEN, 2, INK);
        int w = text_width_px(ax->row[i].text, s);
        canvas_text(cv, lay->mat_x - TICK_LEN - 6 - w, y - th / 2, ax->row[i].text, s, INK, 0);
    }
    int base = lay->mat_y + lay->mat_h + 1;
    for (int i = 0; i < ax->n_col; i++) {
        int x = col_px(lay, cols, ax->col[i].pos);
        canvas_fill_rect(cv, x, base, 2, TICK_LEN, INK);
        int w = text_width_px(ax->col[i].text, s);
        if (lay->col_labels_vertical)  // reads upwards, ending just under the tick
            canvas_text(cv, x - th / 2, base + TICK_LEN + 4 + w, ax->col[i].text, s, INK, 1);
        else
            canvas_text(cv, x - w / 2, base + TICK_LEN + 4, ax->col[i].text, s, INK, 0);
    }
    int col_band = (lay->col_labels_vertical ? widest(ax->col, ax->n_col, s) : th) + TICK_LEN + 8;
    if (o->x_label) {
        int w = text_width_px(o->x_label, s);
        canvas_text(cv, lay->mat_x + lay->mat_w / 2 - w / 2, base + col_band, o->x_label, s, INK, 0);
    }
    if (o->y_label) {
        int w = text_width_px(o->y_label, s);
        canvas_text(cv, PAD, lay->mat_y + lay->mat_h / 2 + w / 2, o->y_label, s, INK, 1);
    }
    TitleLines tl;   // broken as the layout broke it
    title_lines(&tl, o->title, s + 1, lay->title_wrap_px);
    for (int i = 0, y = PAD; i < tl.n; i++, y += text_height_px(s + 1) + TITLE_LINE_GAP) {
        int w = text_width_px(tl.text[i], s + 1);
        canvas_text(cv, (lay->width - w) / 2, y, tl.text[i], s + 1, INK, 0);
    }
}

// A path: a dark outline under a coloured line, a round start and a square end marker.
static void draw_path_line(Canvas *cv, const int *xs, const int *ys, int n, Rgb color) {
    for (int pass = 0; pass < 2; pass++)
        for (int i = 1; i < n; i++)
            canvas_line(cv, xs[i - 1], ys[i - 1], xs[i], ys[i], pass == 0 ? 3 : 2,
                        pass == 0 ? INK : color);
}

static void draw_start_marker(Canvas *cv, int x, int y, Rgb color) {
    canvas_disc(cv, x, y, 8, INK);
    canvas_disc(cv, x, y, 6, color);
}

static void draw_end_marker(Canvas *cv, int x, int y, Rgb color) {
    canvas_fill_rect(cv, x - 7, y - 7, 15, 15, INK);
    canvas_fill_rect(cv, x - 5, y - 5, 11, 11, color);
}

static void draw_paths(Canvas *cv, const HeatmapLayout *lay, int rows, int cols, const HeatmapOptions *o) {
    int s = o->text_scale, th = text_height_px(s);
    canvas_clip(cv, lay->mat_x, lay->mat_y, lay->mat_w, lay->mat_h);
    for (int k = 0; k < o->n_paths; k++) {
        const HeatmapPath *p = &o->paths[k];
        if (p->n <= 0) continue;
        int *xs = xmalloc((size_t)p->n * 2 * sizeof(int)), *ys = xs + p->n;
        int m = 0;  // points with finite coordinates (a diverged optimiser leaves NaNs)
        for (int i = 0; i < p->n; i++) {
            if (!isfinite(p->col[i]) || !isfinite(p->row[i])) continue;
            double cx = fmax(-1e6, fmin(1e6, p->col[i])), cy = fmax(-1e6, fmin(1e6, p->row[i]));
            xs[m] = col_px(lay, cols, cx);
            ys[m] = row_px(lay, rows, cy, o->rows_bottom_up);
            m++;
        }
        draw_path_line(cv, xs, ys, m, p->color);
        if (m > 0) {
            draw_end_marker(cv, xs[m - 1], ys[m - 1], p->color);
            draw_start_marker(cv, xs[0], ys[0], p->color);
        }
        free(xs);
    }
    canvas_clip_reset(cv);
    // Legend: one row under the title.
    TitleLines tl;
    title_lines(&tl, o->title, s + 1, lay->title_wrap_px);
    int x = PAD, y = PAD + title_lines_height(&tl, s + 1);
    for (int k = 0; k < o->n_paths; k++) {
        const HeatmapPath *p = &o->paths[k];
        int xs[2] = {x + 8, x + 48}, ys[2] = {y + th / 2, y + th / 2};
        draw_path_line(cv, xs, ys, 2, p->color);
        draw_start_marker(cv, xs[0], ys[0], p->color);
        x += 60;
        if (p->label) x += canvas_text(cv, x, y, p->label, s, INK, 0);
        x += 30;
    }
}

void heatmap_render(Canvas *cv, const float *values, int rows, int cols, const HeatmapOptions *o) {
    if (rows < 1 || cols < 1) die("heatmap: empty matrix (%d x %d)", rows, cols);
    HeatmapLayout lay;
    Axes *ax = xmalloc(sizeof *ax);
    layout_with_axes(&lay, ax, values, rows, cols, o);
    canvas_init(cv, lay.width, lay.height, RGB_WHITE);
    draw_cells(cv, &lay, values, rows, cols, o);
    draw_axes(cv, &lay, ax, rows, cols, o);
    draw_color_bar(cv, &lay, ax, o);
    if (o->n_paths) draw_paths(cv, &lay, rows, cols, o);
    free(ax);
}

int heatmap_write_png(const char *path, const float *values, int rows, int cols,
                      const HeatmapOptions *o, char *err, size_t errlen) {
    if (rows < 1 || cols < 1) {
        snprintf(err, errlen, "heatmap %s: empty matrix (%d x %d)", path, rows, cols);
        return 0;
    }
    Canvas cv;
    heatmap_render(&cv, values, rows, cols, o);
    int ok = canvas_write_png(&cv, path, err, errlen);
    canvas_free(&cv);
    return ok;
}

// ---- the same matrix as CSV and as a gnuplot script ----------------------------------------

static void csv_field(FILE *fp, const char *s) {
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

int heatmap_write_csv(const char *path, const float *values, int rows, int cols,
                      const HeatmapOptions *o, char *err, size_t errlen) {
    AtomicFile f;
    if (!atomic_open(&f, path, err, errlen)) return 0;
    fputs("\"\"", f.fp);
    for (int c = 0; c < cols; c++) {
        fputc(',', f.fp);
        if (o->col_labels) csv_field(f.fp, o->col_labels[c] ? o->col_labels[c] : "");
        else fprintf(f.fp, "%d", c);
    }
    fputc('\n', f.fp);
    for (int r = 0; r < rows; r++) {
        if (o->row_labels) csv_field(f.fp, o->row_labels[r] ? o->row_labels[r] : "");
        else fprintf(f.fp, "%d", r);
        for (int c = 0; c < cols; c++) {
            float v = values[(size_t)r * cols + c];
            if (isfinite(v)) fprintf(f.fp, ",%.9g", (double)v);
            else fputs(",NaN", f.fp);
        }
        fputc('\n', f.fp);
    }
    return atomic_commit(&f, err, errlen);
}

static void write_label(FILE *fp, const char *command, const char *text) {
    if (!text[0]) return;
    fprintf(fp, "set %s ", command);
    gnuplot_quote(fp, text);
    fputs(" noenhanced\n", fp);
}

// Explicit tic labels: ('ein' 0, 'mann' 1, ...), every k-th (a multiple of step) so that at
// most ~40 show.
static void write_tic_labels(FILE *fp, const char *axis, const char *const *labels, int n, int step,
                             const char *extra) {
    int every = label_every(n, step, (n + 39) / 40, n + 1);
    fprintf(fp, "set %stics (", axis);
    for (int i = 0; i < n; i += every) {
        if (i) fputs(", ", fp);
        gnuplot_quote(fp, labels[i] ? labels[i] : "");
        fprintf(fp, " %d", i);
    }
    fprintf(fp, ")%s noenhanced\n", extra);
}

static void write_palette(FILE *fp, HeatmapColormap cmap) {
    int n;
    const ColorStop *s = stops_of(cmap, &n);
    fputs("set palette defined (", fp);
    for (int i = 0; i < n; i++)
        fprintf(fp, "%s%g '#%02x%02x%02x'", i ? ", " : "", s[i].t, s[i].c.r, s[i].c.g, s[i].c.b);
    fputs(")\n", fp);
}

int heatmap_write_gnuplot(const char *out_dir, const char *name, const float *values, int rows,
                          int cols, const HeatmapOptions *o, Gnuplot *gp, char *err, size_t errlen) {
    HeatmapLayout lay;
    heatmap_layout(&lay, values, rows, cols, o);
    char file[512], path[4096];
    snprintf(file, sizeof file, "%s.gp", name);
    AtomicFile f;
    if (!atomic_open(&f, path_join(path, sizeof path, out_dir, file), err, errlen)) return 0;
    FILE *fp = f.fp;
    // Axis coordinates: cell indices, or data units x = x0 + col * dx when there is an extent.
    int extent = o->has_extent && !o->col_labels && !o->row_labels && rows > 1 && cols > 1;
    double x0 = extent ? o->x_first : 0, dx = extent ? (o->x_last - o->x_first) / (cols - 1) : 1;
    double y0 = extent ? o->y_first : 0, dy = extent ? (o->y_last - o->y_first) / (rows - 1) : 1;
    double ratio = (double)lay.mat_h / lay.mat_w;
    int height = (int)(240 + 960 * ratio);
    height = height < 480 ? 480 : height > 1200 ? 1200 : height;

    fprintf(fp, "# %s.gp: written by unrolled (%s). Redraw it from this folder with\n", name,
            program_name());
    fprintf(fp, "#     gnuplot %s.gp\n", name);
    fprintf(fp, "# The data is %s.csv: a header row of column labels, then one row per matrix row\n"
                "# starting with its label. %s.png is the same matrix drawn by unrolled itself.\n\n",
            name, name);
    fprintf(fp, "if (!exists(\"outfile\")) outfile = '%s_gp.png'\n", name);
    fprintf(fp, "set terminal pngcairo size 1280,%d enhanced font 'Sans,16'\n", height);
    fputs("set output outfile\nset encoding utf8\nset datafile separator comma\n", fp);
    if (o->title && o->title[0]) {   // 'line 1'."\n".'line 2': about 100 characters fit across
        TitleLines tl;
        wrap_words(&tl, o->title, utf8_chars, 0, GP_TITLE_CHARS);
        fputs("set title ", fp);
        for (int i = 0; i < tl.n; i++) {
            if (i) fputs(".\"\\n\".", fp);
            gnuplot_quote(fp, tl.text[i]);
        }
        fputs(" noenhanced\n", fp);
    }
    write_label(fp, "xlabel", o->x_label ? o->x_label : "");
    write_label(fp, "ylabel", o->y_label ? o->y_label : "");
    write_label(fp, "cblabel", o->value_label ? o->value_label : "");
    if (o->value_label) fputs("set cblabel offset 2,0\n", fp);  // clear of the tic labels
    write_palette(fp, o->colormap);
    if (use_log(o)) {
        fprintf(fp, "set logscale cb\nset cbrange [%.9g:%.9g]\nset format cb '%s'\n",
                pow(10, lay.lo), pow(10, lay.hi), lay.hi - lay.lo >= 2 ? "10^{%L}" : "%g");
        if (lay.hi - lay.lo > 12) fputs("unset mcbtics\n", fp);  // they pile up into blobs
        // Values <= 0 have no logarithm: draw them in the bottom colour, as the PNG does.
        fprintf(fp, "shade(v) = v != v ? NaN : (v > %.9g ? v : %.9g)\n", pow(10, lay.lo), pow(10, lay.lo));
    } else {
        fprintf(fp, "set cbrange [%.9g:%.9g]\nset format cb '%%g'\nshade(v) = v\n", lay.lo, lay.hi);
    }
    fprintf(fp, "set size ratio %.4f\n", ratio);
    fputs("set tics out nomirror\nset cbtics out\n", fp);
    fprintf(fp, "set xrange [%.9g:%.9g]\n", x0 - dx / 2, x0 + dx * (cols - 0.5));
    double y_lo = y0 - dy / 2, y_hi = y0 + dy * (rows - 0.5);
    if (o->rows_bottom_up) fprintf(fp, "set yrange [%.9g:%.9g]\n", y_lo, y_hi);
    else fprintf(fp, "set yrange [%.9g:%.9g]\n", y_hi, y_lo);  // row 0 at the top
    if (o->col_labels) {
        int vertical = lay.col_labels_vertical;
        write_tic_labels(fp, "x", o->col_labels, cols, o->col_label_step, vertical ? " rotate by 90 right" : "");
    }
    if (o->row_labels) write_tic_labels(fp, "y", o->row_labels, rows, o->row_label_step, "");
    fputs(o->n_paths ? "set key outside top center horizontal noenhanced\n" : "unset key\n", fp);

    // Paths as inline data blocks, in the same coordinates as the image.
    for (int k = 0; k < o->n_paths; k++) {
        fprintf(fp, "$path%d << EOD\n", k);
        for (int i = 0; i < o->paths[k].n; i++)
            if (isfinite(o->paths[k].col[i]) && isfinite(o->paths[k].row[i]))
                fprintf(fp, "%.9g,%.9g\n", x0 + dx * o->paths[k].col[i], y0 + dy * o->paths[k].row[i]);
        fputs("EOD\n", fp);
    }
    // `every ::1:1` skips the label row and column; gnuplot warns about the label strings
    // ("matrix contains missing or undefined values"), which is harmless.
    fprintf(fp, "plot '%s.csv' matrix every ::1:1 \\\n"
                "    using (%.9g + ($1 - 1) * %.9g):(%.9g + ($2 - 1) * %.9g):(shade($3)) with image notitle",
            name, x0, dx, y0, dy);
    for (int k = 0; k < o->n_paths; k++) {
        const HeatmapPath *p = &o->paths[k];
        fprintf(fp, ", \\\n    $path%d using 1:2 with lines lw 4 lc rgb '#%02x%02x%02x' title ", k,
                p->color.r, p->color.g, p->color.b);
        gnuplot_quote(fp, p->label ? p->label : "");
        fprintf(fp, ", \\\n    $path%d every ::0::0 using 1:2 with points pt 7 ps 2.5 lc rgb "
                    "'#%02x%02x%02x' notitle", k, p->color.r, p->color.g, p->color.b);
    }
    fputs("\nset output\n", fp);
    if (!atomic_commit(&f, err, errlen)) return 0;
    if (!gp) return 1;
    char png[512];
    snprintf(png, sizeof png, "%s_gp.png", name);
    return gnuplot_render(gp, out_dir, file, png, err, errlen) >= 0;
}

int heatmap_write(const char *out_dir, const char *name, const float *values, int rows, int cols,
                  const HeatmapOptions *o, Gnuplot *gp, char *err, size_t errlen) {
    if (!figure_name_ok(name)) {
        snprintf(err, errlen, "heatmap name \"%s\" is not a usable file name (letters, digits, _ - .)", name);
        return 0;
    }
    if (rows < 1 || cols < 1) {
        snprintf(err, errlen, "heatmap %s: empty matrix (%d x %d)", name, rows, cols);
        return 0;
    }
    if (!make_dirs(out_dir, err, errlen)) return 0;
    char file[512], path[4096];
    snprintf(file, sizeof file, "%s.png", name);
    if (!heatmap_write_png(path_join(path, sizeof path, out_dir, file), values, rows, cols, o, err, errlen))
        return 0;
    snprintf(file, sizeof file, "%s.csv", name);
    if (!heatmap_write_csv(path_join(path, sizeof path, out_dir, file), values, rows, cols, o, err, errlen))
        return 0;
    return heatmap_write_gnuplot(out_dir, name, values, rows, cols, o, gp, err, errlen);
}
