// gates.h: chapter 03's LSTM cell built from primitive ops, one named tensor per gate, so the
// program can look at every gate and check the result against common/'s fused cell.
//
// One step, for a batch of B rows, with PyTorch's gate order (i, f, g, o):
//
//     a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh      (B, 4H) = [a_i | a_f | a_g | a_o]
//     input_gate  i = sigmoid(a_i)      how much of the candidate to write
//     forget_gate f = sigmoid(a_f)      how much of the old cell to keep
//     candidate   g = tanh(a_g)         what could be written
//     output_gate o = sigmoid(a_o)      how much of the cell to show
//     cell        c_t = f * c_{t-1} + i * g
//     hidden      h_t = o * tanh(c_t)
//
// Every line is one op of common/ops.h (op_linear, op_add, op_split, op_sigmoid, op_tanh,
// op_mul), so autograd derives the backward; common/lstm.c's op_lstm_cell does the same
// arithmetic in one fused kernel with a hand-written backward. gates_compare() shows they agree.
#ifndef CH03_GATES_H
#define CH03_GATES_H

#include <stdint.h>

#include "lstm.h"
#include "tensor.h"

// The tensors of one step, each (B, H), named as in the lesson.
typedef struct GateStep {
    Tensor *input_gate;    // i_t
    Tensor *forget_gate;   // f_t
    Tensor *candidate;     // g_t
    Tensor *output_gate;   // o_t
    Tensor *cell;          // c_t
    Tensor *hidden;        // h_t
} GateStep;

// One step of the layer l (common/lstm.h's parameters): x_t (B, I), h_prev and c_prev (B, H).
GateStep gates_step(Tape *tp, const LSTMLayer *l, Tensor *x_t, Tensor *h_prev, Tensor *c_prev);

// The whole sequence x (T, B, I) from h0, c0 (B, H) (NULL for zeros). Returns out (T, B, H),
// every h_t; steps (T), if not NULL, receives every step's tensors; *h_last, *c_last (B, H)
// the final state. What lstm_layer_forward computes, without padding.
Tensor *gates_forward(Tape *tp, const LSTMLayer *l, Tensor *x, Tensor *h0, Tensor *c0,
                      GateStep *steps, Tensor **h_last, Tensor **c_last);

// What the gates did on one sequence, each matrix (H, T) = units x time steps (the layout of
// a heatmap: unit j at step t is [j * T + t]). Memory owned by the caller.
typedef struct GateTrace {
    float *input_gate, *forget_gate, *candidate, *output_gate, *cell;   // (H, T) each
} GateTrace;

// Runs one sequence x (T, I) from a zero state (no gradients) and fills the trace.
void gates_trace(const LSTMLayer *l, const float *x, int T, GateTrace *trace);

// The two cells side by side: a random layer (I inputs, H units), a random batch (T, B, I)
// with random h0, c0, and loss = sum(out R1) + sum(h_T R2) + sum(c_T R3) for random R's.
// Both run forward and backward; the result is the largest |primitive - fused| difference.
typedef struct GateComparison {
    double out, h_last, c_last;       // values
    double grad_params;               // every parameter gradient
    double grad_x, grad_h0, grad_c0;  // input gradients
    double largest_grad;              // max |gradient| anywhere, the scale of the differences
    int n_values, n_grads;            // how many numbers were compared
} GateComparison;

GateComparison gates_compare(int T, int B, int I, int H, uint64_t seed);

#endif
