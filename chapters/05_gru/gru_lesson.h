// gru_lesson.h: chapter 05's GRU built from primitive ops, one named tensor per gate, so the
// program can look at every gate and check the result against common/gru.c's fused cell.
//
// One step, for a batch of B rows, with PyTorch's formula and gate order (r, z, n):
//
//     reset_gate   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)       how much of h the candidate sees
//     update_gate  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)       how much of h to keep
//     candidate    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))    what could replace h
//     hidden       h' = (1 - z) * n + z * h                          keep z of the old, 1 - z of the new
//
// In code the three input products are one op_linear (x W_ih^T + b_ih, (B, 3H)) and the three
// recurrent ones another (h W_hh^T + b_hh); op_split cuts out each gate's H columns. Every line
// is one op of common/ops.h (op_linear, op_split, op_add, op_sigmoid, op_tanh, op_mul, op_scale,
// op_add_scalar), so autograd derives the backward; common/gru.c's op_gru_cell does the same
// arithmetic in one fused kernel with a hand-written backward. gru_lesson_compare() shows they
// agree. Note where b_hn sits: INSIDE the product with r (PyTorch, and Cho et al.'s "reset after").
#ifndef CH05_GRU_LESSON_H
#define CH05_GRU_LESSON_H

#include <stdint.h>

#include "gru.h"
#include "tensor.h"

// The tensors of one step, each (B, H), named as in the lesson.
typedef struct GRUGateStep {
    Tensor *reset_gate;    // r_t
    Tensor *update_gate;   // z_t
    Tensor *candidate;     // n_t
    Tensor *hidden;        // h_t
} GRUGateStep;

// One step of the layer l (common/gru.h's parameters): x_t (B, I), h_prev (B, H).
GRUGateStep gru_lesson_step(Tape *tp, const GRULayer *l, Tensor *x_t, Tensor *h_prev);

// The whole sequence x (T, B, I) from h0 (B, H) (NULL for zeros). Returns out (T, B, H), every
// h_t; steps (T), if not NULL, receives every step's tensors; *h_last (B, H) the final state.
// What gru_layer_forward computes, without padding.
Tensor *gru_lesson_forward(Tape *tp, const GRULayer *l, Tensor *x, Tensor *h0, GRUGateStep *steps,
                           Tensor **h_last);

// Set the update gate's bias to b_z: bias_ih[H:2H] = b_z and bias_hh[H:2H] = 0, so z starts near
// sigmoid(b_z) (0.95 for b_z = 3). The GRU's twin of chapter 03's forget-gate bias.
void gru_lesson_set_update_bias(GRULayer *l, float b_z);

// What the gates did on one sequence, each matrix (H, T) = units x time steps (a heatmap's
// layout: unit j at step t is [j * T + t]). Memory owned by the caller.
typedef struct GRUTrace {
    float *reset_gate, *update_gate, *candidate, *hidden;   // (H, T) each
} GRUTrace;

// Runs one sequence x (T, I) from a zero state (no gradients) and fills the trace.
void gru_lesson_trace(const GRULayer *l, const float *x, int T, GRUTrace *trace);

// The two cells side by side: a random layer (I inputs, H units), a random batch (T, B, I) with
// a random h0, and loss = sum(out R1) + sum(h_T R2) for random R's. Both run forward and
// backward; the result is the largest |primitive - fused| difference of each quantity.
typedef struct GRUComparison {
    double out, h_last;        // values
    double grad_params;        // every parameter gradient
    double grad_x, grad_h0;    // input gradients
    double largest_grad;       // max |gradient| anywhere: the scale of the differences
    int n_values, n_grads;     // how many numbers were compared
} GRUComparison;

GRUComparison gru_lesson_compare(int T, int B, int I, int H, uint64_t seed);

#endif
