// font.h: a small bitmap font, for text drawn straight into PNG figures.
// Introduced in issue 3 (figures and CLI). Used by canvas.c (and so by heatmap.c).
//
// gnuplot draws the text of line plots, but the libpng heatmaps are raw pixels, so their
// titles and token labels ("ein mann fährt fahrrad .") need a font of our own. This one is
// designed for unrolled: every glyph is drawn as ASCII art in font.c, '#' for ink.
//
// Metrics (one glyph cell, before scaling; a figure usually draws it at scale 2):
//
//     row 0-1   accents over capitals (Ä)         FONT_ROWS = 13 rows in all
//     row 2     top of capitals, digits, b d f h k l
//     row 4     top of lower-case letters (x-height 6)
//     row 9     baseline: the last row of ink for most letters
//     row 10-11 descenders (g j p q y) and the cedilla
//     row 12    empty: the gap to the next line
//
// The font is proportional: a glyph advances by its ink width plus one column of space
// (a space advances 4). Covered: printable ASCII, the German letters ä ö ü ß Ä Ö Ü, and the
// common accented Latin-1 letters (é è ê à â ç ñ ô ...), which are built from a base letter and
// an accent mark. Any other code point draws as an empty box, so a missing glyph is visible
// rather than silently dropped.
#ifndef UNROLLED_FONT_H
#define UNROLLED_FONT_H

#include <stdint.h>

#define FONT_ROWS 13     // rows in a glyph cell (the line height)
#define FONT_MAX_COLS 8  // no glyph is wider than this

// Rasterise code point `cp`: bits[row][col] = 1 where there is ink, columns from 0.
// Returns the advance in (unscaled) pixels. *known (when given) is 1 for a real glyph and 0
// when the box for an unknown code point was drawn.
int font_glyph(uint32_t cp, unsigned char bits[FONT_ROWS][FONT_MAX_COLS], int *known);

// The next code point of a UTF-8 string (decoded by utf8.h), advancing *s past it.
// A malformed byte gives U+FFFD (drawn as a box) and skips one byte. 0 at the end.
uint32_t font_next_char(const char **s);

// Width of a UTF-8 string in unscaled pixels (the sum of the advances, minus the trailing
// space column of the last glyph).
int font_text_width(const char *utf8);

#endif
