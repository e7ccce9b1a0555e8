// adding_task.h: the adding problem (Hochreiter and Schmidhuber 1997), a memory task.
// Introduced in chapter 02 (clipping); chapter 03 trains LSTMs on it too.
//
// Each example is a sequence of T steps with two input numbers per step: a value u_t drawn
// from U(0, 1) and a marker m_t in {0, 1}. Exactly two steps are marked: one in the first
// half, one in the second half. The target is the sum of the two marked values. Predicting
// the mean (1.0) whatever the input gives MSE = Var(u + u') = 2/12 = 0.1667: a model below that
// has learned to remember something across up to T steps.
#ifndef UNROLLED_ADDING_TASK_H
#define UNROLLED_ADDING_TASK_H

#include "rng.h"

#define ADDING_BASELINE_MSE (1.0 / 6.0)

// x (T, B, 2): x[(t*B + b)*2 + 0] = u_t, x[(t*B + b)*2 + 1] = m_t.  y (B): the targets.
// first_mark / second_mark (B), if not NULL, receive the marked positions.
void adding_batch(Rng *rng, int T, int B, float *x, float *y, int *first_mark, int *second_mark);

#endif
