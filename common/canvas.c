// canvas.c: see canvas.h. Introduced in issue 3 (figures and CLI).
#include "canvas.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "font.h"
#include "util.h"

void canvas_init(Canvas *cv, int width, int height, Rgb background) {
    cv->width = width;
    cv->height = height;
    cv->rgb = xmalloc((size_t)width * (size_t)height * 3);
    canvas_clip_reset(cv);
    for (size_t i = 0; i < (size_t)width * (size_t)height; i++) {
        cv->rgb[3 * i + 0] = background.r;
        cv->rgb[3 * i + 1] = background.g;
        cv->rgb[3 * i + 2] = background.b;
    }
}

void canvas_free(Canvas *cv) {
    free(cv->rgb);
    cv->rgb = NULL;
    cv->width = cv->height = 0;
}

void canvas_clip(Canvas *cv, int x, int y, int w, int h) {
    cv->clip_x0 = x < 0 ? 0 : x;
    cv->clip_y0 = y < 0 ? 0 : y;
    cv->clip_x1 = x + w > cv->width ? cv->width : x + w;
    cv->clip_y1 = y + h > cv->height ? cv->height : y + h;
}

void canvas_clip_reset(Canvas *cv) { canvas_clip(cv, 0, 0, cv->width, cv->height); }

void canvas_set(Canvas *cv, int x, int y, Rgb color) {
    if (x < cv->clip_x0 || y < cv->clip_y0 || x >= cv->clip_x1 || y >= cv->clip_y1) return;
    unsigned char *p = cv->rgb + ((size_t)y * (size_t)cv->width + (size_t)x) * 3;
    p[0] = color.r;
    p[1] = color.g;
    p[2] = color.b;
}

Rgb canvas_get(const Canvas *cv, int x, int y) {
    if (x < 0 || y < 0 || x >= cv->width || y >= cv->height) return (Rgb){0, 0, 0};
    const unsigned char *p = cv->rgb + ((size_t)y * (size_t)cv->width + (size_t)x) * 3;
    return (Rgb){p[0], p[1], p[2]};
}

void canvas_fill_rect(Canvas *cv, int x, int y, int w, int h, Rgb color) {
    int x0 = x < cv->clip_x0 ? cv->clip_x0 : x, y0 = y < cv->clip_y0 ? cv->clip_y0 : y;
    int x1 = x + w > cv->clip_x1 ? cv->clip_x1 : x + w;
    int y1 = y + h > cv->clip_y1 ? cv->clip_y1 : y + h;
    for (int py = y0; py < y1; py++)
        for (int px = x0; px < x1; px++) canvas_set(cv, px, py, color);
}

void canvas_rect_outline(Canvas *cv, int x, int y, int w, int h, Rgb color) {
    canvas_fill_rect(cv, x, y, w, 1, color);
    canvas_fill_rect(cv, x, y + h - 1, w, 1, color);
    canvas_fill_rect(cv, x, y, 1, h, color);
    canvas_fill_rect(cv, x + w - 1, y, 1, h, color);
}

void canvas_disc(Canvas *cv, int cx, int cy, int radius, Rgb color) {
    for (int dy = -radius; dy <= radius; dy++)
        for (int dx = -radius; dx <= radius; dx++)
            if (dx * dx + dy * dy <= radius * radius + radius) canvas_set(cv, cx + dx, cy + dy, color);
}

void canvas_line(Canvas *cv, int x0, int y0, int x1, int y1, int radius, Rgb color) {
    // Bresenham: step along the longer axis, carry the error of the shorter one.
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int error = dx + dy;
    for (;;) {
        if (radius > 0) canvas_disc(cv, x0, y0, radius, color);
        else canvas_set(cv, x0, y0, color);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * error;
        if (e2 >= dy) { error += dy; x0 += sx; }
        if (e2 <= dx) { error += dx; y0 += sy; }
    }
}

int text_height_px(int scale) { return FONT_ROWS * scale; }

int text_width_px(const char *utf8, int scale) { return font_text_width(utf8) * scale; }

int canvas_text(Canvas *cv, int x, int y, const char *utf8, int scale, Rgb color, int vertical) {
    unsigned char bits[FONT_ROWS][FONT_MAX_COLS];
    int pen = 0;  // distance along the text direction, in font pixels
    for (uint32_t cp; (cp = font_next_char(&utf8)) != 0;) {
        int advance = font_glyph(cp, bits, NULL);
        for (int r = 0; r < FONT_ROWS; r++)
            for (int c = 0; c < FONT_MAX_COLS; c++) {
                if (!bits[r][c]) continue;
                // Font pixel (pen + c, r) -> canvas block; vertical text is turned 90 degrees
                // anticlockwise, so the glyph's rows go left to right and its columns go up.
                int px = vertical ? x + r * scale : x + (pen + c) * scale;
                int py = vertical ? y - (pen + c + 1) * scale : y + r * scale;
                canvas_fill_rect(cv, px, py, scale, scale, color);
            }
        pen += advance;
    }
    return pen > 0 ? (pen - 1) * scale : 0;
}

// ---- PNG files --------------------------------------------------------------------------

static void png_error_to_jmp(png_structp png, png_const_charp message) {
    char *err = png_get_error_ptr(png);
    if (err) snprintf(err, 200, "%s", message);
    png_longjmp(png, 1);
}

static void png_warning_ignore(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

int canvas_write_png(const Canvas *cv, const char *path, char *err, size_t errlen) {
    AtomicFile f;
    if (!atomic_open(&f, path, err, errlen)) return 0;
    char png_message[200] = "";
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, png_message,
                                              png_error_to_jmp, png_warning_ignore);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        atomic_abort(&f);
        if (err) snprintf(err, errlen, "cannot write %s: libpng could not start", path);
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        atomic_abort(&f);
        if (err) snprintf(err, errlen, "cannot write %s: libpng: %s", path, png_message);
        return 0;
    }
    png_init_io(png, f.fp);
    png_set_IHDR(png, info, (png_uint_32)cv->width, (png_uint_32)cv->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 9);
    png_write_info(png, info);
    for (int y = 0; y < cv->height; y++)
        png_write_row(png, cv->rgb + (size_t)y * (size_t)cv->width * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return atomic_commit(&f, err, errlen);
}

int canvas_read_png(Canvas *cv, const char *path, char *err, size_t errlen) {
    memset(cv, 0, sizeof *cv);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (err) snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return 0;
    }
    unsigned char signature[8];
    if (fread(signature, 1, 8, fp) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(fp);
        if (err) snprintf(err, errlen, "%s is not a PNG file", path);
        return 0;
    }
    char png_message[200] = "";
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, png_message,
                                             png_error_to_jmp, png_warning_ignore);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    // Written after setjmp and read after a longjmp, so volatile (C11 7.13.2.1).
    unsigned char *volatile pixels = NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        if (err) snprintf(err, errlen, "cannot read %s: libpng could not start", path);
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        free(pixels);
        if (err) snprintf(err, errlen, "cannot read %s: libpng: %s", path, png_message);
        return 0;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    // Whatever the file holds, ask libpng for plain 8-bit RGB.
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_read_update_info(png, info);
    int width = (int)png_get_image_width(png, info);
    int height = (int)png_get_image_height(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * 3) png_error(png, "unexpected row layout");
    pixels = xmalloc((size_t)width * (size_t)height * 3);
    for (int y = 0; y < height; y++) png_read_row(png, pixels + (size_t)y * (size_t)width * 3, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    cv->width = width;
    cv->height = height;
    cv->rgb = pixels;
    canvas_clip_reset(cv);
    return 1;
}
