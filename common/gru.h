// gru.h: the GRU (Cho et al. 2014), computed exactly as PyTorch's nn.GRU computes it.
// Introduced for chapter 05 (the GRU); the bidirectional wrapper (chapter 06) and the attention
// decoder (chapter 07) use it. The same three levels as lstm.h, with PyTorch's gate order
// (r, z, n):
//
//     gx = x_t W_ih^T + b_ih                 // (B, 3H) = [gx_r | gx_z | gx_n]
//     gh = h_{t-1} W_hh^T + b_hh             // (B, 3H) = [gh_r | gh_z | gh_n]
//     r = sigmoid(gx_r + gh_r)               // reset gate
//     z = sigmoid(gx_z + gh_z)               // update gate
//     n = tanh(gx_n + r * gh_n)              // candidate: r scales W_hn h + b_hn, bias included
//     h_t = (1 - z) * n + z * h_{t-1}        // no separate cell: h itself is the additive path
//
// Why two inputs and not one sum, as the LSTM's op takes: n needs r * (W_hn h + b_hn) apart
// from W_in x + b_in, so the fused op receives gx and gh separately.
//
//   1. the fused pointwise cell: raw kernels gru_gates_forward / gru_gates_backward and the
//      autograd op op_gru_cell (everything after the two products);
//   2. one layer in one direction, gru_layer_forward: x W_ih^T + b_ih for ALL steps in one
//      product; only h W_hh^T + b_hh waits for the previous step;
//   3. the stack, nn.GRU: gru_forward (a whole sequence) and gru_step (one token, decoders),
//      dropout between layers (never after the last).
//
//     GRU enc = gru_create(&P, &rng, "encoder.rnn", E, H, 2, 0.3f);
//     GRUOutput r = gru_forward(&tape, &enc, x /*(T, B, E)*/, lengths, NULL);
//     // r.out (T, B, H): the top layer at every step, 0 at padding
//     // r.h_n (L, B, H): every layer's h at each sequence's last real token
//     GRUState s = gru_state_init(&tape, &dec, B, r.h_n);   // a decoder GRU dec starts there,
//     Tensor *h = gru_step(&tape, &dec, x_t /*(B, E)*/, &s);  // one token at a time
//
// Padding works as in lstm.h (and seq_mask.h): where t >= lengths[b] the state is carried
// unchanged and the output is 0, which is what PyTorch's packed sequences compute; with
// reverse = 1 the same mask makes each sequence start at its own last real token.
//
// Parameters have nn.GRU's state_dict names and shapes, "<prefix>.weight_ih_l{k}" (3H, in_k),
// "<prefix>.weight_hh_l{k}" (3H, H), "<prefix>.bias_ih_l{k}" and "<prefix>.bias_hh_l{k}" (3H),
// rows in the order r, z, n, all initialised U(-1/sqrt(H), 1/sqrt(H)).
#ifndef UNROLLED_GRU_H
#define UNROLLED_GRU_H

#include "params.h"
#include "seq_mask.h"   // length_mask: the (T, B) padding mask
#include "tensor.h"

#define GRU_MAX_LAYERS 8

// ---- 1. the fused cell ----------------------------------------------------------------------
// Forward, for B rows: output h (B, H); saved for the backward: acts (B, 3H) (r, z, n after
// their nonlinearities); inputs gx, gh (B, 3H), h_prev (B, H); mask (B) 1 = a real step,
// 0 = padding (h = h_prev), or NULL.
void gru_gates_forward(float *h, float *acts, const float *gx, const float *gh,
                       const float *h_prev, const float *mask, int B, int H);
// Backward: adds into dgx, dgh (B, 3H), dh_prev (B, H) (any may be NULL when nothing needs
// it) from dh (B, H), using acts and the forward's gh and h_prev.
void gru_gates_backward(float *dgx, float *dgh, float *dh_prev, const float *dh,
                        const float *acts, const float *gh, const float *h_prev,
                        const float *mask, int B, int H);
// The autograd op: h (B, H). gx = x W_ih^T + b_ih, gh = h_prev W_hh^T + b_hh (B, 3H);
// mask (B) or NULL, copied.
Tensor *op_gru_cell(Tape *tp, Tensor *gx, Tensor *gh, Tensor *h_prev, const float *mask);

// ---- 2. one layer, one direction --------------------------------------------------------------
typedef struct GRULayer {
    Tensor *weight_ih;   // (3H, I)
    Tensor *weight_hh;   // (3H, H)
    Tensor *bias_ih;     // (3H)
    Tensor *bias_hh;     // (3H)
    int input_size, hidden;
} GRULayer;

// Parameters "<prefix>.weight_ih_l<k><suffix>" ... (suffix "" or "_reverse", as nn.GRU).
GRULayer gru_layer_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix,
                          int input_size, int hidden);
// x (T, B, I); mask (T, B) from length_mask, or NULL; h0 (B, H) or NULL for zeros;
// reverse: 0 runs t = 0..T-1, 1 runs t = T-1..0. Returns out (T, B, H), 0 at padding, in time
// order either way; *h_last (B, H) receives the state after the last step run.
Tensor *gru_layer_forward(Tape *tp, const GRULayer *l, Tensor *x, const float *mask, Tensor *h0,
                          int reverse, Tensor **h_last);

// ---- 3. the stack: nn.GRU ---------------------------------------------------------------------
typedef struct GRU {
    GRULayer layer[GRU_MAX_LAYERS];
    int input_size, hidden, layers;
    float dropout;   // on each layer's output but the last, in training mode only
} GRU;

typedef struct GRUOutput {
    Tensor *out;   // (T, B, H) top layer at every step, 0 at padding
    Tensor *h_n;   // (L, B, H) every layer's h at each sequence's last real step
} GRUOutput;

// The recurrent state between gru_step calls: per layer, (B, H).
typedef struct GRUState {
    Tensor *h[GRU_MAX_LAYERS];
} GRUState;

GRU gru_create(Params *P, Rng *rng, const char *prefix, int input_size, int hidden, int layers,
               float dropout);
// x (T, B, I) time-major; lengths (B) or NULL (every sequence has T steps); h0 (L, B, H) or
// NULL for zeros.
GRUOutput gru_forward(Tape *tp, const GRU *m, Tensor *x, const int *lengths, Tensor *h0);
// A decoder's starting state: h0 (L, B, H) (e.g. an encoder's h_n) or NULL for zeros.
GRUState gru_state_init(Tape *tp, const GRU *m, int B, Tensor *h0);
// One time step of every layer: x_t (B, I). Updates state and returns the top layer's h (B, H).
// Step by step it computes exactly what gru_forward computes (without padding).
Tensor *gru_step(Tape *tp, const GRU *m, Tensor *x_t, GRUState *state);

#endif
