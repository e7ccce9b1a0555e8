// bptt.h: chapter 01's experiment a third time, for the three cells side by side. One input per
// step, x_t = 1 for t = 1..T (T = 1000), H units, the state starts at 0, and the loss reads
// the last step:
//
//     L = sum_j h_T[j]
//
// We measure how much of dL reaches every earlier step, ||dL/dh_t|| for t = T..0. Backward
// through one step multiplies by the transposed Jacobian J_t = dh_t/dh_{t-1}:
//
//     tanh RNN:  J_t = diag(1 - h_t^2) W_hh
//     LSTM:      the state is (h_t, c_t); along c the factor is diag(f_t) (chapter 03)
//     GRU:       J_t = diag(z_t) + diag(1 - z_t) dn_t/dh_{t-1} + diag(h_{t-1} - n_t) dz_t/dh_{t-1}
//
// The GRU's first term is the highway: when z -> 1 the other two vanish (one carries 1 - z,
// the other z (1 - z)) and J_t -> I.
//
// Two ways to compute it:
//   * in double, by a hand-written backward that rescales the gradient to norm 1 after every
//     step and keeps the scale as a running log10, so log10 ||dL/dh_t|| is exact even at 1e-500
//     (float32 stops at 1.4e-45, double at 4.9e-324);
//   * in float32 by autograd through common/'s fused cells, as training would see it: tiny
//     values become exactly 0 (underflow).
// The layers are common/'s nn.RNN, nn.LSTM and nn.GRU layers (bidirectional.h's RecurrentLayer
// holds any of the three) with one input.
#ifndef CH05_BPTT_H
#define CH05_BPTT_H

#include "bidirectional.h"

// double, rescaled after every step: log_dh (T + 1) receives log10 ||dL/dh_t|| for t = 0..T.
// gate (T + 1, H), if not NULL, receives the gate that forms the highway at every step: the
// LSTM's forget gate f_t, the GRU's update gate z_t, 0 for the RNN (row 0 is set to 0).
void bptt_log10_norms(const RecurrentLayer *l, int T, double *log_dh, double *gate);

// float32, by autograd: dh (T + 1, H) receives dL/dh_t for t = 0..T (row 0: the initial state).
void bptt_f32_grads(const RecurrentLayer *l, int T, float *dh);

// log10 of the Euclidean norm of v (n floats), summed in double; -INFINITY when v is all 0.
double bptt_log10_norm(const float *v, int n);
// The largest t whose row of rows (T + 1, H) is entirely 0 (the step where float32 has lost the
// gradient completely, counting back from T), or -1 if no row is.
int bptt_last_zero_row(const float *rows, int T, int H);

#endif
