// narrate.c: see narrate.h. Introduced in issue 3 (figures and CLI).
#include "narrate.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"
#include "util.h"

void narrate_init(Narrator *n, int total_cells, int quiet, int pause) {
    memset(n, 0, sizeof *n);
    n->out = stdout;
    n->in = stdin;
    n->quiet = quiet;
    n->pause = pause;
    n->interactive = isatty(fileno(stdin));
    n->total_cells = total_cells;
}

void narrate_cell(Narrator *n, const char *title) {
    if (n->cell > 0 && n->pause && n->interactive && !n->quiet) {
        fputs("\n(press Enter for the next cell) ", n->out);
        fflush(n->out);
        int c;
        while ((c = fgetc(n->in)) != EOF && c != '\n') {}
    }
    n->cell++;
    char header[64];
    if (n->total_cells > 0) snprintf(header, sizeof header, "[%d/%d]", n->cell, n->total_cells);
    else snprintf(header, sizeof header, "[%d]", n->cell);
    fprintf(n->out, "\n%s %s\n", header, title);
    int rule = (int)strlen(header) + 1 + utf8_count(title);
    for (int i = 0; i < rule; i++) fputc('-', n->out);
    fputc('\n', n->out);
    fflush(n->out);
}

static void print_line(FILE *out, const char *prefix, const char *fmt, va_list ap) {
    fputs(prefix, out);
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char small[512];
    char *buf = len < (int)sizeof small ? small : xmalloc((size_t)len + 1);
    vsnprintf(buf, (size_t)len + 1, fmt, ap);
    fputs(buf, out);
    if (len == 0 || buf[len - 1] != '\n') fputc('\n', out);
    if (buf != small) free(buf);
}

void narrate_text(Narrator *n, const char *fmt, ...) {
    if (n->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    print_line(n->out, "", fmt, ap);
    va_end(ap);
}

void narrate_result(Narrator *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print_line(n->out, "  => ", fmt, ap);
    va_end(ap);
    fflush(n->out);
}

void narrate_summary(Narrator *n, const char *summary, const char *const *exercises) {
    fprintf(n->out, "\nSummary: %s\n", summary);
    if (n->quiet || !exercises || !exercises[0]) return;
    fputs("\nExercises:\n", n->out);
    for (int i = 0; exercises[i]; i++) fprintf(n->out, "  %d. %s\n", i + 1, exercises[i]);
}

// ---- tables --------------------------------------------------------------------------

const char *format_number(char *buf, size_t n, double v) {
    if (isnan(v)) snprintf(buf, n, "nan");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else if (v == 0) snprintf(buf, n, "0");
    else if (fabs(v) >= 1e-3 && fabs(v) < 1e6) {
        // Four significant digits in fixed notation: 123.5, 0.001234, 12346.
        int decimals = 3 - (int)floor(log10(fabs(v)));
        if (decimals < 0) decimals = 0;
        snprintf(buf, n, "%.*f", decimals, v);
    } else {
        snprintf(buf, n, "%.3e", v);
    }
    return buf;
}

static TableCell *next_cell(Table *t) {
    if (t->n_cells == t->cap_cells) {
        t->cap_cells = t->cap_cells ? 2 * t->cap_cells : 64;
        t->cells = xrealloc(t->cells, (size_t)t->cap_cells * sizeof *t->cells);
    }
    TableCell *c = &t->cells[t->n_cells++];
    memset(c, 0, sizeof *c);
    return c;
}

void table_init(Table *t, int ncols, ...) {
    if (ncols < 1 || ncols > TABLE_MAX_COLS) die("table_init: %d columns (1 to %d)", ncols, TABLE_MAX_COLS);
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    va_list ap;
    va_start(ap, ncols);
    for (int i = 0; i < ncols; i++) table_str(t, va_arg(ap, const char *));
    va_end(ap);
}

void table_init_headers(Table *t, int ncols, const char *const *headers) {
    if (ncols < 1 || ncols > TABLE_MAX_COLS) die("table_init: %d columns (1 to %d)", ncols, TABLE_MAX_COLS);
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    for (int i = 0; i < ncols; i++) table_str(t, headers[i]);
}

void table_str(Table *t, const char *s) { snprintf(next_cell(t)->text, TABLE_CELL_CHARS, "%s", s ? s : ""); }

void table_int(Table *t, long long v) {
    TableCell *c = next_cell(t);
    snprintf(c->text, sizeof c->text, "%lld", v);
    c->right = 1;
}

void table_num(Table *t, double v) {
    TableCell *c = next_cell(t);
    format_number(c->text, sizeof c->text, v);
    c->right = 1;
}

void table_fmt(Table *t, const char *fmt, ...) {
    TableCell *c = next_cell(t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text, sizeof c->text, fmt, ap);
    va_end(ap);
    c->right = 1;
}

void table_print(const Table *t, FILE *out) {
    int width[TABLE_MAX_COLS] = {0};
    for (int i = 0; i < t->n_cells; i++) {
        int w = utf8_count(t->cells[i].text);
        if (w > width[i % t->ncols]) width[i % t->ncols] = w;
    }
    for (int i = 0; i < t->n_cells; i++) {
        int col = i % t->ncols;
        const TableCell *c = &t->cells[i];
        // A header aligns like the column's first value.
        int right = i < t->ncols && i + t->ncols < t->n_cells ? t->cells[i + t->ncols].right : c->right;
        // Pad by characters, not bytes, so "fährt" lines up.
        int pad = width[col] - utf8_count(c->text);
        fputs("  ", out);  // the indent, then the gap between columns
        if (right) fprintf(out, "%*s%s", pad, "", c->text);
        else fprintf(out, "%s%*s", c->text, col == t->ncols - 1 ? 0 : pad, "");
        if (col == t->ncols - 1 || i == t->n_cells - 1) {
            fputc('\n', out);
            if (i == t->ncols - 1) {  // a rule under the header
                int total = 0;
                for (int k = 0; k < t->ncols; k++) total += width[k] + 2;
                fputs("  ", out);
                for (int k = 0; k < total - 2; k++) fputc('-', out);
                fputc('\n', out);
            }
        }
    }
}

void table_free(Table *t) {
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void narrate_table(Narrator *n, Table *t) {
    table_print(t, n->out);
    fflush(n->out);
    table_free(t);
}
