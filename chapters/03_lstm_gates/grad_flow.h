// grad_flow.h: chapter 01's experiment again, now with an LSTM. One input per step, x_t = 1
// for t = 1..T (T = 1000), H units, the state starts at 0, and the loss reads the last step:
//
//     L = sum_j h_T[j]
//
// We measure how much of dL reaches every earlier step: ||dL/dh_t|| and, for the LSTM, the
// cell's ||dL/dc_t||, for t = T..0. In the LSTM, c_t = f_t * c_{t-1} + i_t * g_t, so the part
// of the gradient that travels along the cell is multiplied by the forget gate at each step:
//
//     dL/dc_{t-1} = f_t * dL/dc_t + (the paths through h_{t-1} and the gates)
//
// and over k steps by f_{t+1} * ... * f_{t+k}: no W_hh, no tanh'. The RNN's factor per step is
// diag(1 - h_t^2) W_hh^T (chapter 01). Both are computed twice:
//   * in float32 by autograd, as training would see them: tiny values become 0 (underflow);
//   * in double by a hand-written backward that rescales the gradient vector to norm 1 after
//     every step and keeps the scale as a log, so log10 ||dL/dh_t|| is exact even at 1e-500.
// The models are common/'s nn.RNN (tanh) and nn.LSTM layers, PyTorch's initialisation.
#ifndef CH03_GRAD_FLOW_H
#define CH03_GRAD_FLOW_H

#include "lstm.h"
#include "rnn.h"

// Set the forget gate's bias to b_f: bias_ih[H:2H] = b_f and bias_hh[H:2H] = 0, so the forget
// gate's pre-activation is b_f + (the weights' small contributions) and f starts near
// sigmoid(b_f): 0.5 for b_f = 0, 0.73 for b_f = 1 (Gers et al. 2000; Jozefowicz et al. 2015).
void flow_set_forget_bias(LSTMLayer *l, float b_f);

// float32, by autograd (chapter 03's primitive-op cell): dh, dc (T + 1, H) receive dL/dh_t and
// dL/dc_t for t = 0..T (row 0: the initial state). forget (T + 1, H), if not NULL, receives
// every forget gate f_t (row 0 is set to 0). The layer must have 1 input.
void flow_lstm_grads_f32(const LSTMLayer *l, int T, float *dh, float *dc, float *forget);
// The same for the RNN: dh (T + 1, H).
void flow_rnn_grads_f32(const RNNLayer *l, int T, float *dh);

// double, rescaled after every step: log10 ||dL/dh_t|| and log10 ||dL/dc_t|| for t = 0..T.
void flow_lstm_log10_norms(const LSTMLayer *l, int T, double *log_dh, double *log_dc);
void flow_rnn_log10_norms(const RNNLayer *l, int T, double *log_dh);

// log10 of the Euclidean norm of v (n floats), summed in double; -INFINITY when v is all 0.
double flow_log10_norm(const float *v, int n);
// The largest t whose row of rows (T + 1, H) is entirely 0 (the step where float32 has lost
// the gradient completely, counting back from T), or -1 if no row is.
int flow_last_zero_row(const float *rows, int T, int H);

#endif
