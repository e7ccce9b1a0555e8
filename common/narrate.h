// narrate.h: the notebook voice of a chapter: numbered cells, explanations, results, tables.
// Introduced in issue 3 (figures and CLI).
//
//     Narrator nr;  narrate_init(&nr, 7, common.quiet, common.pause);   // 7 cells
//     narrate_cell(&nr, "Backpropagation through time");  // "[3/7] Backpropagation ..."
//     narrate_text(&nr, "Each step multiplies the gradient by W_hh^T diag(1 - h^2).");
//     narrate_result(&nr, "max |dL/dh_0| = %.3g at T = %d", g, T);
//
//     Table t;  table_init(&t, 3, "T", "max |dL/dh_0|", "regime");
//     table_int(&t, 100);  table_num(&t, 2.7e-5);  table_str(&t, "vanishing");
//     narrate_table(&nr, &t);                             // prints aligned, frees
//
// What --quiet keeps: cell headers, results and tables (the numbers a reader or a test
// compares); it drops explanations. --pause waits for Enter before each cell after the
// first, but only when stdin is a terminal, so a piped or CI run never blocks.
#ifndef UNROLLED_NARRATE_H
#define UNROLLED_NARRATE_H

#include <stdio.h>

typedef struct Narrator {
    FILE *out;          // stdout after narrate_init
    FILE *in;           // stdin: where --pause reads its Enter
    int quiet, pause;
    int interactive;    // `in` is a terminal (only then does pause wait)
    int cell;           // cells shown so far
    int total_cells;    // for "[3/7]"; 0 = unknown, shows "[3]"
} Narrator;

void narrate_init(Narrator *n, int total_cells, int quiet, int pause);
// Start the next cell: blank line, "[k/N] title", a rule under it.
void narrate_cell(Narrator *n, const char *title);
// An explanation (printf-style; a newline is added if missing). Silent under --quiet.
void narrate_text(Narrator *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// A result line, always printed, indented under the cell with "=> ".
void narrate_result(Narrator *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// End of chapter: "Summary: ..." (always) and the exercises, numbered (not under --quiet).
// exercises is NULL-terminated, or NULL.
void narrate_summary(Narrator *n, const char *summary, const char *const *exercises);

// ---- tables --------------------------------------------------------------------------

#define TABLE_MAX_COLS 12
#define TABLE_CELL_CHARS 48

typedef struct TableCell {
    char text[TABLE_CELL_CHARS];
    int right;          // numbers align right, text left
} TableCell;

typedef struct Table {
    int ncols;
    TableCell *cells;   // headers first, then row by row
    int n_cells, cap_cells;
} Table;

// ncols header strings follow.
void table_init(Table *t, int ncols, ...);
// The same with the headers in an array (a table whose columns are counted at run time).
void table_init_headers(Table *t, int ncols, const char *const *headers);
// Cells fill the table left to right, top to bottom.
void table_str(Table *t, const char *s);
void table_int(Table *t, long long v);
void table_num(Table *t, double v);     // 4 significant digits, or 1.234e-30 when tiny or huge
void table_fmt(Table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));  // right-aligned
void table_print(const Table *t, FILE *out);
void table_free(Table *t);
// Print (always, like a result) and free.
void narrate_table(Narrator *n, Table *t);

// The number format table_num uses, for anyone printing numbers the same way.
const char *format_number(char *buf, size_t n, double v);

#endif
