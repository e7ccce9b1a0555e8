// progress.h: progress of a training loop that takes more than a second or two.
// Introduced in issue 3 (figures and CLI).
//
//     Progress pr;  progress_start(&pr, "epoch 1", steps, common.quiet);
//     for (int i = 0; i < steps; i++) { ...; progress_update(&pr, i + 1, loss); }
//     progress_end(&pr);
//
// On a terminal: one line redrawn in place with '\r' (at most 10 times a second):
//     epoch 1 [##########..........] 500/1000  loss 2.314  812 steps/s  ETA 0:01
// Otherwise (a pipe, a CI log): a plain line each time another 10% of the steps is done,
//     epoch 1: 100/1000 (10%)  loss 2.871
// chosen by step count, never by the clock, so the log of a run is reproducible.
// Under --quiet: nothing at all.
#ifndef UNROLLED_PROGRESS_H
#define UNROLLED_PROGRESS_H

#include <stdio.h>

typedef struct Progress {
    FILE *out;
    int tty;             // redraw in place (a terminal) or print plain lines
    int quiet;
    char label[64];
    long total;          // steps expected
    long step;           // steps done (the last update)
    long step0;          // steps done before this process started (a resumed run)
    double loss;         // the last loss reported
    int tenths_shown;    // plain mode: how many 10% marks are printed
    double t_start, t_last_draw;  // seconds (CLOCK_MONOTONIC)
    int line_width;      // terminal mode: characters of the last drawn line
} Progress;

// On stdout; the terminal test is isatty(stdout).
void progress_start(Progress *p, const char *label, long total, int quiet);
// The same on any stream, saying whether it is a terminal (the tests use this).
void progress_start_on(Progress *p, FILE *out, int tty, const char *label, long total, int quiet);
// The first `done` steps were done before (a resumed run): rate and ETA count only the steps
// done since.
void progress_skip(Progress *p, long done);
// `step` steps are done (1 .. total); `loss` is shown as is (NaN prints as nan).
void progress_update(Progress *p, long step, double loss);
// Finish the line (terminal) or note an early stop ("stopped at 450/1000").
void progress_end(Progress *p);

#endif
