// check_heatmap.c: libpng heatmaps, the bitmap font, and the heatmap CSV / gnuplot files.
// Introduced in issue 3 (figures and CLI).
//
// The PNGs are read back with libpng and checked pixel by pixel where the layout says a
// cell, a path or a label must be.
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "canvas.h"
#include "font.h"
#include "heatmap.h"
#include "rng.h"
#include "test_files.h"

static int same(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

#define ck_assert_rgb_eq(got, want)                                                       \
    do {                                                                                  \
        Rgb g_ = (got), w_ = (want);                                                      \
        ck_assert_msg(same(g_, w_), "colour (%d,%d,%d), expected (%d,%d,%d)", g_.r, g_.g, \
                      g_.b, w_.r, w_.g, w_.b);                                            \
    } while (0)

// The pixel at the centre of cell (r, c), from the layout (row 0 at the top).
static Rgb cell_color(const Canvas *cv, const HeatmapLayout *lay, int rows, int cols, int r, int c) {
    int x = lay->mat_x + (int)((c + 0.5) * lay->mat_w / cols);
    int y = lay->mat_y + (int)((r + 0.5) * lay->mat_h / rows);
    return canvas_get(cv, x, y);
}

static int count_colors(const Canvas *cv) {
    unsigned seen[256];
    int n = 0;
    for (int i = 0; i < cv->width * cv->height && n < 256; i += 3) {
        const unsigned char *p = cv->rgb + 3 * (size_t)i;
        unsigned key = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
        int known = 0;
        for (int k = 0; k < n && !known; k++) known = seen[k] == key;
        if (!known) seen[n++] = key;
    }
    return n;
}

static int no_temp_files(const char *dir) {
    DIR *d = opendir(dir);
    int clean = d != NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-")) clean = 0;
    if (d) closedir(d);
    return clean;
}

static const char *const ROWS[6] = {"a", "man", "rides", "a", "bike", "."};
static const char *const COLS[7] = {"ein", "mann", "fährt", "fahrrad", ".", "über", "straße"};

// 6 x 7 values in [0, 1) with a single maximum 10 at (2, 3) and minimum -1 at (5, 0).
static void test_matrix(float *m) {
    for (int i = 0; i < 42; i++) m[i] = (float)(i % 5) / 5.0f;
    m[2 * 7 + 3] = 10.0f;
    m[5 * 7 + 0] = -1.0f;
}

START_TEST(test_heatmap_png_size_and_colors) {
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    float m[42];
    test_matrix(m);
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.title = "test";
    tmp_path(path, dir, "plain.png");
    ck_assert_msg(heatmap_write_png(path, m, 6, 7, &o, err, sizeof err), "%s", err);
    HeatmapLayout lay;
    heatmap_layout(&lay, m, 6, 7, &o);
    Canvas cv;
    ck_assert_msg(canvas_read_png(&cv, path, err, sizeof err), "%s", err);
    ck_assert_int_eq(cv.width, lay.width);
    ck_assert_int_eq(cv.height, lay.height);
    ck_assert_int_eq(lay.mat_w, 7 * 64);  // square 64-pixel cells fit in 1000 x 720
    ck_assert_int_eq(lay.mat_h, 6 * 64);
    ck_assert_int_ge(count_colors(&cv), 8);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 6, 7, 2, 3), heatmap_color(HEATMAP_MAGNITUDE, 1.0));
    ck_assert_rgb_eq(cell_color(&cv, &lay, 6, 7, 5, 0), heatmap_color(HEATMAP_MAGNITUDE, 0.0));
    // A value in between: (0, 1) holds 0.2, so t = (0.2 + 1) / 11.
    ck_assert_rgb_eq(cell_color(&cv, &lay, 6, 7, 0, 1), heatmap_color(HEATMAP_MAGNITUDE, 1.2 / 11));
    // The colour bar: top and bottom colours.
    ck_assert_rgb_eq(canvas_get(&cv, lay.bar_x + lay.bar_w / 2, lay.bar_y),
                     heatmap_color(HEATMAP_MAGNITUDE, 1));
    ck_assert_rgb_eq(canvas_get(&cv, lay.bar_x + lay.bar_w / 2, lay.bar_y + lay.bar_h - 1),
                     heatmap_color(HEATMAP_MAGNITUDE, 0));
    canvas_free(&cv);
    ck_assert(no_temp_files(dir));
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_heatmap_labels_are_drawn) {
    float m[42];
    test_matrix(m);
    HeatmapOptions o;
    heatmap_options_init(&o);
    Canvas bare, labelled;
    heatmap_render(&bare, m, 6, 7, &o);
    o.row_labels = ROWS;
    o.col_labels = COLS;
    o.x_label = "source";
    o.y_label = "target";
    heatmap_render(&labelled, m, 6, 7, &o);
    HeatmapLayout lay;
    heatmap_layout(&lay, m, 6, 7, &o);
    ck_assert_int_eq(labelled.width, lay.width);
    ck_assert_msg(lay.col_labels_vertical, "\"fahrrad\" is wider than a 64-pixel cell: upright labels");
    ck_assert(bare.width != labelled.width || bare.height != labelled.height ||
              memcmp(bare.rgb, labelled.rgb, (size_t)bare.width * bare.height * 3) != 0);
    // Ink in the row-label band, level with row 2 ("rides").
    int y = lay.mat_y + (int)(2.5 * lay.mat_h / 6), ink = 0;
    for (int x = 0; x < lay.mat_x - 8; x++)
        for (int dy = -12; dy <= 12; dy++) ink += canvas_get(&labelled, x, y + dy).r < 100;
    ck_assert_int_gt(ink, 40);
    // Same matrix, same cells: the labels do not move the colours.
    HeatmapLayout bare_lay;
    o.row_labels = o.col_labels = NULL;
    o.x_label = o.y_label = NULL;
    heatmap_layout(&bare_lay, m, 6, 7, &o);
    ck_assert_rgb_eq(cell_color(&labelled, &lay, 6, 7, 2, 3), cell_color(&bare, &bare_lay, 6, 7, 2, 3));
    canvas_free(&bare);
    canvas_free(&labelled);
    // Forced horizontal labels really are horizontal.
    o.col_labels = COLS;
    o.col_label_direction = LABELS_HORIZONTAL;
    heatmap_layout(&lay, m, 6, 7, &o);
    ck_assert(!lay.col_labels_vertical);
}
END_TEST

// Ink (dark pixels) in the rectangle [x0, x1) x [y0, y1).
static int ink_in(const Canvas *cv, int x0, int x1, int y0, int y1) {
    int ink = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) ink += canvas_get(cv, x, y).r < 100;
    return ink;
}

// A title wider than the picture is broken into lines instead of widening it (a Multi30k
// sentence pair over a 7 x 6 matrix), and the colour bar's name stays beside the bar.
START_TEST(test_heatmap_long_title_wraps) {
    float m[42];
    test_matrix(m);
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.value_label = "attention weight";
    o.title = "short";
    HeatmapLayout one, many;
    heatmap_layout(&one, m, 6, 7, &o);
    ck_assert_int_eq(one.title_lines, 1);
    int width = one.width;
    o.title = "\"fünf leute in winterjacken und mit helmen stehen im schnee mit schneemobilen im hintergrund .\" -> "
              "\"five people in winter jackets and helmets and standing in snow with with in in the background .\"";
    heatmap_layout(&many, m, 6, 7, &o);
    ck_assert_int_ge(many.title_lines, 3);
    ck_assert_int_le(many.width, width > 800 ? width : 800);   // not widened past the wrap width
    ck_assert_int_eq(many.mat_x, one.mat_x);                  // the matrix only moves down
    ck_assert_int_eq(many.mat_y - one.mat_y, (many.title_lines - 1) * (text_height_px(3) + 6));
    ck_assert_int_eq(many.value_label_x, one.value_label_x);
    Canvas cv;
    heatmap_render(&cv, m, 6, 7, &o);
    ck_assert_int_eq(cv.width, many.width);
    ck_assert_int_eq(cv.height, many.height);
    // Every title line has ink; the band right of the colour bar's name has none.
    for (int i = 0; i < many.title_lines; i++) {
        int y = 16 + i * (text_height_px(3) + 6);
        ck_assert_msg(ink_in(&cv, 0, cv.width, y, y + text_height_px(3)) > 50, "title line %d is blank", i + 1);
    }
    int label_ink = ink_in(&cv, many.value_label_x, many.value_label_x + 12 + text_height_px(2), many.bar_y,
                           many.bar_y + many.bar_h);
    ck_assert_int_gt(label_ink, 100);
    ck_assert_int_eq(ink_in(&cv, many.value_label_x + 12 + text_height_px(2) + 4, cv.width, many.bar_y,
                            many.bar_y + many.bar_h), 0);
    canvas_free(&cv);
    // A single word wider than the wrap width gets its own line, whole, and widens the picture.
    static char word[200];
    memset(word, 'w', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    o.title = word;
    heatmap_layout(&many, m, 6, 7, &o);
    ck_assert_int_eq(many.title_lines, 1);
    ck_assert_int_eq(many.width, text_width_px(word, 3) + 32);
}
END_TEST

// 32 units x 1000 steps of noise over 30 decades: a readable shape, under 300 KB.
START_TEST(test_heatmap_long_matrix_is_small) {
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    enum { H = 32, T = 1000 };
    float *g = malloc(sizeof(float) * H * T);
    Rng rng;
    rng_seed(&rng, 3);
    for (int i = 0; i < H * T; i++) g[i] = powf(10.0f, -30.0f * (float)rng_uniform01(&rng));
    g[7] = 0.0f;
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.log_scale = 1;
    o.title = "|dL/dh_t|";
    o.x_label = "time step";
    o.y_label = "unit";
    o.value_label = "magnitude";
    tmp_path(path, dir, "grads.png");
    ck_assert_msg(heatmap_write_png(path, g, H, T, &o, err, sizeof err), "%s", err);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_msg(st.st_size < 300 * 1024, "%ld bytes", (long)st.st_size);
    HeatmapLayout lay;
    heatmap_layout(&lay, g, H, T, &o);
    ck_assert_int_eq(lay.mat_w, 1000);
    ck_assert_int_ge(lay.mat_h, 300);       // stretched: not a 32-pixel sliver
    ck_assert_int_le(lay.width, 1400);
    Canvas cv;
    ck_assert(canvas_read_png(&cv, path, err, sizeof err));
    ck_assert_int_eq(cv.height, lay.height);
    ck_assert_rgb_eq(cell_color(&cv, &lay, H, T, 0, 7), heatmap_color(HEATMAP_MAGNITUDE, 0));  // zero: bottom
    canvas_free(&cv);
    // Wider than the maximum: averaged down to it.
    float *wide = calloc(4000, sizeof(float));
    o.log_scale = 0;
    heatmap_layout(&lay, wide, 1, 4000, &o);
    ck_assert_int_eq(lay.mat_w, 1000);
    free(wide);
    free(g);
    remove_tmp_dir(dir);
}
END_TEST

// A tall sliver with named columns (chapter 06's 1024 encoder units x 13 source tokens): the
// columns are widened until every token has room for its upright label, and every one is drawn.
START_TEST(test_heatmap_sliver_names_every_column) {
    enum { R = 1024, C = 13 };
    float *m = calloc((size_t)R * C, sizeof(float));
    static const char *tokens[C] = {"<sos>", "ein", "mann", "mit", "einem", "<unk>", "hut",
                                    ",", "der", "etwas", "<unk>", ".", "<eos>"};
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.col_labels = tokens;
    HeatmapLayout lay;
    heatmap_layout(&lay, m, R, C, &o);
    ck_assert(lay.col_labels_vertical);
    ck_assert_int_ge(lay.mat_w, C * (text_height_px(o.text_scale) + 2));
    Canvas cv;
    heatmap_render(&cv, m, R, C, &o);
    for (int j = 0; j < C; j++) {   // ink under the middle of each column, in the label band
        int x = lay.mat_x + (int)((j + 0.5) * lay.mat_w / C);
        int ink = ink_in(&cv, x - 6, x + 7, lay.mat_y + lay.mat_h + 8, lay.mat_y + lay.mat_h + 60);
        ck_assert_msg(ink > 5, "column %d (\"%s\") has no label (%d dark pixels)", j, tokens[j], ink);
    }
    canvas_free(&cv);
    // Without names the same matrix keeps its plain sliver width.
    o.col_labels = NULL;
    heatmap_layout(&lay, m, R, C, &o);
    ck_assert_int_lt(lay.mat_w, C * (text_height_px(o.text_scale) + 2));
    free(m);
}
END_TEST

// Unit labels of two halves (chapter 06: 2H encoder units): with row_label_step = H/8 both
// halves are ticked from their own unit 0 ("bwd 0", not "bwd 12"), in the PNG and the script.
START_TEST(test_heatmap_label_step) {
    enum { H = 128, C = 8 };
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    float *m = calloc((size_t)2 * H * C, sizeof(float));
    char(*names)[16] = malloc(sizeof *names * 2 * H);
    const char *rows[2 * H];
    for (int j = 0; j < 2 * H; j++) {
        snprintf(names[j], sizeof names[j], "%s %d", j < H ? "fwd" : "bwd", j % H);
        rows[j] = names[j];
    }
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.row_labels = rows;
    HeatmapLayout lay;
    heatmap_layout(&lay, m, 2 * H, C, &o);
    int free_every = lay.row_label_every;
    ck_assert_int_gt(free_every, 1);   // 256 rows cannot all be named: every k-th
    o.row_label_step = H / 8;
    heatmap_layout(&lay, m, 2 * H, C, &o);
    ck_assert_int_eq(lay.row_label_every % (H / 8), 0);   // H/8 times a power of two
    ck_assert_int_ge(lay.row_label_every, free_every);   // never denser than fits
    ck_assert_int_eq(H % lay.row_label_every, 0);        // so "bwd 0" is a tick
    ck_assert_msg(heatmap_write(dir, "units", m, 2 * H, C, &o, NULL, err, sizeof err), "%s", err);
    char *script = read_all(tmp_path(path, dir, "units.gp"), NULL);
    ck_assert_msg(strstr(script, "'bwd 0' 128") && strstr(script, "'fwd 16' 16"), "%.300s", strstr(script, "ytics"));
    free(script);
    free(names);
    free(m);
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_heatmap_special_values) {
    // Log scale: <= 0 bottom, +inf top, NaN grey; signed: white at exactly 0.
    float m[6] = {1e-20f, 1.0f, 0.0f, -3.0f, INFINITY, NAN};
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.log_scale = 1;
    Canvas cv;
    heatmap_render(&cv, m, 1, 6, &o);
    HeatmapLayout lay;
    heatmap_layout(&lay, m, 1, 6, &o);
    ck_assert(fabs(lay.lo - (-20)) < 1e-4 && fabs(lay.hi) < 1e-6);  // log10 units
    Rgb bottom = heatmap_color(HEATMAP_MAGNITUDE, 0), top = heatmap_color(HEATMAP_MAGNITUDE, 1);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 6, 0, 0), bottom);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 6, 0, 1), top);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 6, 0, 2), bottom);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 6, 0, 3), bottom);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 6, 0, 4), top);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 6, 0, 5), ((Rgb){170, 170, 170}));
    canvas_free(&cv);

    float s[3] = {-2.0f, 0.0f, 0.5f};
    heatmap_options_init(&o);
    o.colormap = HEATMAP_SIGNED;
    heatmap_render(&cv, s, 1, 3, &o);
    heatmap_layout(&lay, s, 1, 3, &o);
    ck_assert(lay.lo == -2 && lay.hi == 2);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 3, 0, 1), ((Rgb){247, 247, 247}));
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 3, 0, 0), heatmap_color(HEATMAP_SIGNED, 0));
    canvas_free(&cv);

    // A fixed range clamps: everything above vmax is the top colour.
    float f[2] = {0.5f, 9.0f};
    heatmap_options_init(&o);
    o.vmin = 0;
    o.vmax = 1;
    heatmap_render(&cv, f, 1, 2, &o);
    heatmap_layout(&lay, f, 1, 2, &o);
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 2, 0, 0), heatmap_color(HEATMAP_MAGNITUDE, 0.5));
    ck_assert_rgb_eq(cell_color(&cv, &lay, 1, 2, 0, 1), top);
    canvas_free(&cv);
}
END_TEST

START_TEST(test_heatmap_paths) {
    float m[100];
    for (int i = 0; i < 100; i++) m[i] = (float)i;
    float col[3] = {1, 5, 8}, row[3] = {1, 5, 2};
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.rows_bottom_up = 1;
    heatmap_add_path(&o, col, row, 3, (Rgb){255, 0, 255}, "SGD");
    Canvas cv;
    heatmap_render(&cv, m, 10, 10, &o);
    HeatmapLayout lay;
    heatmap_layout(&lay, m, 10, 10, &o);
    // Start marker at cell (col 1, row 1), drawn from the bottom.
    int x = lay.mat_x + (int)(1.5 * lay.mat_w / 10), y = lay.mat_y + lay.mat_h - (int)(1.5 * lay.mat_h / 10);
    ck_assert_rgb_eq(canvas_get(&cv, x, y), ((Rgb){255, 0, 255}));
    // Halfway along the first segment, (3, 3).
    x = lay.mat_x + (int)(3.5 * lay.mat_w / 10);
    y = lay.mat_y + lay.mat_h - (int)(3.5 * lay.mat_h / 10);
    ck_assert_rgb_eq(canvas_get(&cv, x, y), ((Rgb){255, 0, 255}));
    canvas_free(&cv);
}
END_TEST

START_TEST(test_font_glyphs) {
    unsigned char a[FONT_ROWS][FONT_MAX_COLS], b[FONT_ROWS][FONT_MAX_COLS];
    int known;
    int wa = font_glyph('a', a, &known);
    ck_assert(known);
    int wb = font_glyph(0x00E4, b, &known);  // ä: an a with two dots
    ck_assert(known && wa == wb);
    ck_assert(memcmp(a, b, sizeof a) != 0);
    ck_assert(memcmp(a[4], b[4], sizeof a - 4 * FONT_MAX_COLS) == 0);  // same body from row 4
    font_glyph(0x00DF, b, &known);  // ß has its own glyph
    ck_assert(known);
    font_glyph(0x4E2D, b, &known);  // 中: no glyph, a visible box
    ck_assert(!known);
    int ink = 0;
    for (int r = 0; r < FONT_ROWS; r++)
        for (int c = 0; c < FONT_MAX_COLS; c++) ink += b[r][c];
    ck_assert_int_gt(ink, 10);
    // Widths count characters, not bytes; a malformed byte is one box.
    ck_assert_int_eq(font_text_width("fährt"), font_text_width("fahrt"));
    ck_assert_int_eq(font_text_width("\xff"), 5);
    ck_assert_int_eq(text_width_px("ab", 3), 3 * font_text_width("ab"));
    // Drawn text leaves ink; ä and a differ on the canvas too.
    Canvas c1, c2;
    canvas_init(&c1, 40, 30, RGB_WHITE);
    canvas_init(&c2, 40, 30, RGB_WHITE);
    canvas_text(&c1, 2, 2, "a", 2, RGB_BLACK, 0);
    canvas_text(&c2, 2, 2, "ä", 2, RGB_BLACK, 0);
    ck_assert(memcmp(c1.rgb, c2.rgb, 40 * 30 * 3) != 0);
    canvas_free(&c1);
    canvas_free(&c2);
}
END_TEST

START_TEST(test_heatmap_csv_and_gnuplot) {
    char dir[64], path[4096], err[512];
    make_tmp_dir(dir);
    float m[42];
    test_matrix(m);
    m[0] = NAN;
    static const char *const odd_cols[7] = {"ein", "a,b", "say \"hi\"", "fährt", ".", "ü", "ß"};
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.row_labels = ROWS;
    o.col_labels = odd_cols;
    o.title = "Attention";
    Gnuplot gp;
    gnuplot_init(&gp);
    ck_assert_msg(heatmap_write(dir, "att", m, 6, 7, &o, &gp, err, sizeof err), "%s", err);
    char *csv = read_all(tmp_path(path, dir, "att.csv"), NULL);
    const char *header = "\"\",\"ein\",\"a,b\",\"say \"\"hi\"\"\",\"fährt\",\".\",\"ü\",\"ß\"\n";
    ck_assert_msg(strncmp(csv, header, strlen(header)) == 0, "header: %.80s", csv);
    const char *row2 = strstr(csv, "\n\"rides\",");
    ck_assert_ptr_nonnull(row2);
    char *end;
    float v[7];
    const char *p = row2 + strlen("\n\"rides\",");
    for (int c = 0; c < 7; c++) {
        v[c] = strtof(p, &end);
        p = end + 1;
    }
    for (int c = 0; c < 7; c++) ck_assert_msg(v[c] == m[2 * 7 + c], "cell (2,%d): %g", c, (double)v[c]);
    ck_assert_ptr_nonnull(strstr(csv, "\n\"a\",NaN,"));
    free(csv);
    char *script = read_all(tmp_path(path, dir, "att.gp"), NULL);
    ck_assert_ptr_nonnull(strstr(script, "'att.csv' matrix"));
    ck_assert_ptr_nonnull(strstr(script, "'fährt' 3"));
    ck_assert_ptr_nonnull(strstr(script, "'a,b' 1"));
    ck_assert_ptr_nonnull(strstr(script, "set title 'Attention' noenhanced\n"));
    free(script);
    // A long title: gnuplot gets it in lines of at most 100 characters, 'a'."\n".'b'.
    o.title = "\"ein boston terrier läuft über saftig-grünes gras vor einem weißen zaun .\" -> \"an athlete's "
              "running through grass grass in front of a white fence .\"";
    ck_assert_msg(heatmap_write(dir, "long", m, 6, 7, &o, NULL, err, sizeof err), "%s", err);
    script = read_all(tmp_path(path, dir, "long.gp"), NULL);
    // (99 characters, with "through" 107: the break falls there)
    ck_assert_ptr_nonnull(strstr(script, "set title '\"ein boston terrier läuft über saftig-grünes gras vor einem weißen "
                                         "zaun .\" -> \"an athlete''s running'.\"\\n\".'through grass grass in front "
                                         "of a white fence .\"' noenhanced\n"));
    free(script);
    Canvas cv;
    ck_assert(canvas_read_png(&cv, tmp_path(path, dir, "att.png"), err, sizeof err));
    canvas_free(&cv);
    if (gnuplot_available(&gp)) {
        ck_assert_msg(canvas_read_png(&cv, tmp_path(path, dir, "att_gp.png"), err, sizeof err), "%s", err);
        ck_assert_int_eq(cv.width, 1280);
        ck_assert_int_ge(count_colors(&cv), 8);
        canvas_free(&cv);
    }
    ck_assert(no_temp_files(dir));
    // Nowhere to write: a message, no crash.
    ck_assert(!heatmap_write("/proc/unrolled-no-such/x", "att", m, 6, 7, &o, NULL, err, sizeof err));
    ck_assert_err_has(err, "/proc/unrolled-no-such");
    remove_tmp_dir(dir);
}
END_TEST

Suite *make_heatmap_suite(void) {
    Suite *s = suite_create("heatmap");
    TCase *tc = tcase_create("heatmap");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_heatmap_png_size_and_colors);
    tcase_add_test(tc, test_heatmap_labels_are_drawn);
    tcase_add_test(tc, test_heatmap_long_title_wraps);
    tcase_add_test(tc, test_heatmap_long_matrix_is_small);
    tcase_add_test(tc, test_heatmap_sliver_names_every_column);
    tcase_add_test(tc, test_heatmap_label_step);
    tcase_add_test(tc, test_heatmap_special_values);
    tcase_add_test(tc, test_heatmap_paths);
    tcase_add_test(tc, test_font_glyphs);
    tcase_add_test(tc, test_heatmap_csv_and_gnuplot);
    suite_add_tcase(s, tc);
    return s;
}
