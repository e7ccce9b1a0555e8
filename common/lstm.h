// lstm.h: the LSTM, computed exactly as PyTorch's nn.LSTM computes it.
// Introduced in issue 5 (the LSTM); Seq2Seq, the bidirectional encoder and attention use it.
//
// One step, for a batch of B rows, hidden size H, with PyTorch's gate order (i, f, g, o):
//
//     a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh          // (B, 4H) = [a_i | a_f | a_g | a_o]
//     i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
//     c_t = f * c_{t-1} + i * g                              // the cell: an additive path
//     h_t = o * tanh(c_t)
//
// The code has three levels, the pattern the GRU and the bidirectional wrapper follow:
//   1. the fused pointwise cell: raw kernels lstm_gates_forward / lstm_gates_backward on float
//      arrays, and the autograd op op_lstm_cell around them (everything after the products);
//   2. one layer in one direction over a whole sequence, lstm_layer_forward: the input
//      projection x W_ih^T + b_ih of ALL time steps is one product; only h W_hh^T waits for
//      the previous step;
//   3. the stack of layers, nn.LSTM: lstm_forward (a whole sequence) and lstm_step (one
//      token, for decoders), with dropout between layers (never after the last).
//
//     LSTM enc = lstm_create(&P, &rng, "encoder.rnn", E, H, 2, 0.3f);
//     LSTMOutput r = lstm_forward(&tape, &enc, x /*(T, B, E)*/, lengths, NULL, NULL);
//     // r.out (T, B, H): the top layer at every step, 0 at padding
//     // r.h_n, r.c_n (L, B, H): every layer's state at each sequence's last real token
//
// Padding. A batch holds sequences of different lengths, padded to T. With `lengths` the
// layer behaves as on PyTorch's packed sequences (pack_padded_sequence): where a sequence has
// ended (t >= lengths[b]) its state is carried unchanged (h_t = h_{t-1}, c_t = c_{t-1}, and
// the gradient passes straight through), so h_n holds each sequence's state at its OWN last
// token; the output at padded steps is 0 (what pad_packed_sequence gives). The same mask lets
// a layer run backwards in time (reverse = 1): the padded tail carries h0 unchanged until each
// sequence's last real token, where the reverse direction of a bidirectional layer starts.
//
// Parameters have nn.LSTM's state_dict names and shapes, "<prefix>.weight_ih_l{k}" (4H, in_k),
// "<prefix>.weight_hh_l{k}" (4H, H), "<prefix>.bias_ih_l{k}" and "<prefix>.bias_hh_l{k}" (4H),
// with in_0 = input_size and in_k = H above, all initialised U(-1/sqrt(H), 1/sqrt(H)).
// Everything runs under tp->no_grad too (inference records nothing).
#ifndef UNROLLED_LSTM_H
#define UNROLLED_LSTM_H

#include "params.h"
#include "seq_mask.h"   // length_mask: the (T, B) padding mask
#include "tensor.h"

#define LSTM_MAX_LAYERS 8

// ---- 1. the fused cell ----------------------------------------------------------------------
// Forward, for B rows: outputs h, c (B, H); saved for the backward: acts (B, 4H) (the gates
// after their nonlinearities, i f g o) and tanh_c (B, H); inputs gates (B, 4H) (the
// pre-activations a), h_prev, c_prev (B, H); mask (B) 1 = a real step, 0 = padding, or NULL.
void lstm_gates_forward(float *h, float *c, float *acts, float *tanh_c, const float *gates,
                        const float *h_prev, const float *c_prev, const float *mask, int B, int H);
// Backward: adds into dgates (B, 4H), dh_prev, dc_prev (B, H) (any may be NULL when nothing
// needs it) from dh, dc (B, H), using what the forward saved.
void lstm_gates_backward(float *dgates, float *dh_prev, float *dc_prev, const float *dh,
                         const float *dc, const float *acts, const float *tanh_c,
                         const float *c_prev, const float *mask, int B, int H);
// The autograd op: returns hc (2, B, H); take h = op_select(hc, 0) and c = op_select(hc, 1)
// (views, no copy). gates (B, 4H) = x W_ih^T + b_ih + h_prev W_hh^T + b_hh.
// mask (B): 1 = real step, 0 = padding (state carried), or NULL for no padding. Copied.
Tensor *op_lstm_cell(Tape *tp, Tensor *gates, Tensor *h_prev, Tensor *c_prev, const float *mask);

// ---- 2. one layer, one direction --------------------------------------------------------------
typedef struct LSTMLayer {
    Tensor *weight_ih;   // (4H, I)
    Tensor *weight_hh;   // (4H, H)
    Tensor *bias_ih;     // (4H)
    Tensor *bias_hh;     // (4H)
    int input_size, hidden;
} LSTMLayer;

// Parameters "<prefix>.weight_ih_l<k><suffix>" ... (suffix "" or "_reverse", as nn.LSTM).
LSTMLayer lstm_layer_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix,
                            int input_size, int hidden);
// x (T, B, I); mask (T, B) from length_mask, or NULL; h0, c0 (B, H) or NULL for zeros;
// reverse: 0 runs t = 0..T-1, 1 runs t = T-1..0. Returns out (T, B, H), 0 at padding, in time
// order either way; *h_last and *c_last (B, H) receive the state after the last step run.
Tensor *lstm_layer_forward(Tape *tp, const LSTMLayer *l, Tensor *x, const float *mask, Tensor *h0,
                           Tensor *c0, int reverse, Tensor **h_last, Tensor **c_last);

// ---- 3. the stack: nn.LSTM ---------------------------------------------------------------------
typedef struct LSTM {
    LSTMLayer layer[LSTM_MAX_LAYERS];
    int input_size, hidden, layers;
    float dropout;   // on each layer's output but the last, in training mode only
} LSTM;

typedef struct LSTMOutput {
    Tensor *out;   // (T, B, H) top layer at every step, 0 at padding
    Tensor *h_n;   // (L, B, H) every layer's h at each sequence's last real step
    Tensor *c_n;   // (L, B, H) the same for c
} LSTMOutput;

// The recurrent state between lstm_step calls: per layer, views (B, H).
typedef struct LSTMState {
    Tensor *h[LSTM_MAX_LAYERS];
    Tensor *c[LSTM_MAX_LAYERS];
} LSTMState;

LSTM lstm_create(Params *P, Rng *rng, const char *prefix, int input_size, int hidden, int layers,
                 float dropout);
// x (T, B, I) time-major; lengths (B) or NULL (every sequence has T steps);
// h0, c0 (L, B, H) or NULL for zeros.
LSTMOutput lstm_forward(Tape *tp, const LSTM *m, Tensor *x, const int *lengths, Tensor *h0,
                        Tensor *c0);
// A decoder's starting state: h0, c0 (L, B, H) (e.g. an encoder's h_n, c_n) or NULL for zeros.
LSTMState lstm_state_init(Tape *tp, const LSTM *m, int B, Tensor *h0, Tensor *c0);
// One time step of every layer: x_t (B, I). Updates state and returns the top layer's h (B, H).
// Step by step it computes exactly what lstm_forward computes (without padding).
Tensor *lstm_step(Tape *tp, const LSTM *m, Tensor *x_t, LSTMState *state);

#endif
