// canvas.h: an RGB pixel buffer to draw figures into, saved as PNG with libpng.
// Introduced in issue 3 (figures and CLI). heatmap.c draws with it; tests read PNGs back.
//
//     Canvas cv;  canvas_init(&cv, 640, 480, RGB_WHITE);
//     canvas_fill_rect(&cv, 10, 10, 100, 50, (Rgb){200, 0, 0});
//     canvas_text(&cv, 10, 70, "fährt", 2, RGB_BLACK, 0);     // 2x the font's pixels
//     canvas_write_png(&cv, "figures/02/demo.png", err, sizeof err);   // atomic write
//     canvas_free(&cv);
//
// Coordinates are pixels, x to the right and y downwards from the top-left corner. Every
// drawing call clips to the canvas, so a label that runs off the edge is cut, not a crash.
#ifndef UNROLLED_CANVAS_H
#define UNROLLED_CANVAS_H

#include <stddef.h>

typedef struct Rgb {
    unsigned char r, g, b;
} Rgb;

#define RGB_WHITE ((Rgb){255, 255, 255})
#define RGB_BLACK ((Rgb){0, 0, 0})

typedef struct Canvas {
    int width, height;
    unsigned char *rgb;   // (height, width, 3) bytes, row-major, top row first
    int clip_x0, clip_y0, clip_x1, clip_y1;  // drawing lands only in [x0, x1) x [y0, y1)
} Canvas;

void canvas_init(Canvas *cv, int width, int height, Rgb background);
void canvas_free(Canvas *cv);
// Restrict drawing to a rectangle (e.g. paths over a matrix); canvas_clip_reset undoes it.
void canvas_clip(Canvas *cv, int x, int y, int w, int h);
void canvas_clip_reset(Canvas *cv);

void canvas_set(Canvas *cv, int x, int y, Rgb color);
Rgb canvas_get(const Canvas *cv, int x, int y);      // (0,0,0) outside the canvas
void canvas_fill_rect(Canvas *cv, int x, int y, int w, int h, Rgb color);
void canvas_rect_outline(Canvas *cv, int x, int y, int w, int h, Rgb color);
void canvas_disc(Canvas *cv, int cx, int cy, int radius, Rgb color);
// A straight line (Bresenham) stamped with a disc of the given radius (0: one pixel wide).
void canvas_line(Canvas *cv, int x0, int y0, int x1, int y1, int radius, Rgb color);

// Text in unrolled's bitmap font (font.h), each font pixel drawn as scale x scale pixels.
// Horizontal text: (x, y) is the top-left corner of the text's line box.
// Vertical text (vertical = 1) reads from bottom to top: (x, y) is the bottom-left corner of
// the rotated box, which extends up by the text width and right by FONT_ROWS * scale.
// Returns the text width in pixels.
int canvas_text(Canvas *cv, int x, int y, const char *utf8, int scale, Rgb color, int vertical);
int text_width_px(const char *utf8, int scale);     // same as canvas_text's return value
int text_height_px(int scale);                      // FONT_ROWS * scale

// Write an 8-bit RGB PNG through an atomic temporary file (fileio.h). 1 on success; on
// failure 0 and a one-line reason in err.
int canvas_write_png(const Canvas *cv, const char *path, char *err, size_t errlen);
// Read any PNG (palette, grey, 16-bit, alpha: all converted to 8-bit RGB, alpha dropped)
// into a new canvas. 1 on success; 0 and a reason otherwise. Used by the tests.
int canvas_read_png(Canvas *cv, const char *path, char *err, size_t errlen);

#endif
