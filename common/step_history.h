// step_history.h: what a short training run has done so far, update by update: the loss and
// the gradient norm of every update, and where it diverged. Saved as JSON beside a checkpoint
// (checkpoint.h's extra metadata "history") so that a resumed run plots the whole curve, NaNs
// and all (json_write_float_exact). Introduced in chapter 02; chapter 03's adding-problem
// trainer (common/adding_train.c) keeps the same record.
//
// A StepHistory is a view of the run's own arrays: fill it from the run, write or read, and
// (after reading) copy done / diverged_step back.
#ifndef UNROLLED_STEP_HISTORY_H
#define UNROLLED_STEP_HISTORY_H

#include <stddef.h>

typedef struct StepHistory {
    float *loss, *grad_norm;   // (capacity) one per update
    int capacity;              // the updates the run is asked for
    int done;                  // updates recorded
    int diverged_step;         // -1, or the update whose loss or gradient was not finite
    char *diverged_what;       // what went bad ("" when nothing did), diverged_what_size bytes
    size_t diverged_what_size;
} StepHistory;

// {"loss":[...],"grad_norm":[...],"diverged_step":N,"diverged_what":"..."} (malloc'd).
char *step_history_json(const StepHistory *h);
// Fill h from such a JSON text. 0 and a reason (malformed, more updates than the capacity).
int step_history_read(StepHistory *h, const char *text, char *err, size_t errlen);

#endif
