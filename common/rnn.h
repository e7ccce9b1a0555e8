// rnn.h: the vanilla (Elman) RNN, computed exactly as PyTorch's nn.RNN computes it.
// Introduced in chapter 03 (the RNN that the LSTM is compared with); the bidirectional
// wrapper of chapter 06 takes it like any other cell. Same three levels as lstm.h:
//
//     h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),    f = tanh (default) or relu
//
//   1. the cell: op_rnn_cell (the nonlinearity, with the padding mask);
//   2. one layer in one direction over a sequence, rnn_layer_forward (the input projection of
//      every step in one product);
//   3. the stack, nn.RNN: rnn_forward and rnn_step, dropout between layers.
// Padding works as in lstm.h: where t >= lengths[b] the state is carried unchanged and the
// output is 0. Parameters "<prefix>.weight_ih_l{k}" (H, in_k), "<prefix>.weight_hh_l{k}"
// (H, H), "<prefix>.bias_ih_l{k}", "<prefix>.bias_hh_l{k}" (H), initialised U(+-1/sqrt(H)).
#ifndef UNROLLED_RNN_H
#define UNROLLED_RNN_H

#include "params.h"
#include "tensor.h"

#define RNN_MAX_LAYERS 8

typedef enum { RNN_TANH, RNN_RELU } RNNNonlinearity;

// ---- 1. the cell -------------------------------------------------------------------------------
// h = f(pre) where mask[b] == 1 (or no mask); h = h_prev where mask[b] == 0.
// pre (B, H) = x W_ih^T + b_ih + h_prev W_hh^T + b_hh. mask is copied.
Tensor *op_rnn_cell(Tape *tp, Tensor *pre, Tensor *h_prev, const float *mask, RNNNonlinearity f);

// ---- 2. one layer, one direction -------------------------------------------------------------
// The four tensors of one layer of PyTorch's nn.RNN, nn.LSTM and nn.GRU, declared in this order:
// "<prefix>.weight_ih_l<k><suffix>" (G, I), weight_hh (G, H), bias_ih (G), bias_hh (G), with
// G = gates * H (1 for the RNN, 4 for the LSTM, 3 for the GRU) and PyTorch's initialisation
// U(-1/sqrt(H), 1/sqrt(H)). Introduced here; lstm.c and gru.c declare their layers with it.
void recurrent_params_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix, int input_size,
                             int hidden, int gates, Tensor **weight_ih, Tensor **weight_hh, Tensor **bias_ih,
                             Tensor **bias_hh);

typedef struct RNNLayer {
    Tensor *weight_ih;   // (H, I)
    Tensor *weight_hh;   // (H, H)
    Tensor *bias_ih;     // (H)
    Tensor *bias_hh;     // (H)
    int input_size, hidden;
    RNNNonlinearity f;
} RNNLayer;

RNNLayer rnn_layer_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix,
                          int input_size, int hidden, RNNNonlinearity f);
// x (T, B, I); mask (T, B) from length_mask or NULL; h0 (B, H) or NULL; reverse as lstm.h.
// Returns out (T, B, H) (0 at padding); *h_last (B, H) the state after the last step run.
Tensor *rnn_layer_forward(Tape *tp, const RNNLayer *l, Tensor *x, const float *mask, Tensor *h0,
                          int reverse, Tensor **h_last);

// ---- 3. the stack: nn.RNN -------------------------------------------------------------------------
typedef struct RNN {
    RNNLayer layer[RNN_MAX_LAYERS];
    int input_size, hidden, layers;
    float dropout;
} RNN;

typedef struct RNNOutput {
    Tensor *out;   // (T, B, H) top layer, 0 at padding
    Tensor *h_n;   // (L, B, H) each layer's state at each sequence's last real step
} RNNOutput;

typedef struct RNNState {
    Tensor *h[RNN_MAX_LAYERS];
} RNNState;

RNN rnn_create(Params *P, Rng *rng, const char *prefix, int input_size, int hidden, int layers,
               RNNNonlinearity f, float dropout);
RNNOutput rnn_forward(Tape *tp, const RNN *m, Tensor *x, const int *lengths, Tensor *h0);
RNNState rnn_state_init(Tape *tp, const RNN *m, int B, Tensor *h0);
Tensor *rnn_step(Tape *tp, const RNN *m, Tensor *x_t, RNNState *state);

#endif
