// bidirectional.h: a bidirectional, multi-layer wrapper for any of the three recurrent cells
// (vanilla RNN, LSTM, GRU), computed exactly as PyTorch's nn.RNN / nn.LSTM / nn.GRU with
// bidirectional=True compute it on packed sequences.
// Introduced for chapter 06 (bidirectional encoders); chapter 07's attention encoder uses it.
//
// For each layer k, two independent layers of the same cell read the same input x^k:
//
//     ->h_t = cell_fwd(x^k_t, ->h_{t-1})      t = 0 .. len-1          (forward in time)
//     <-h_t = cell_bwd(x^k_t, <-h_{t+1})      t = len-1 .. 0          (backward in time)
//     out^k_t = [ ->h_t ; <-h_t ]              (T, B, 2H): both directions, side by side
//     x^{k+1} = dropout(out^k)                 layer k+1 reads BOTH directions of layer k
//
//     Bidirectional enc = bidirectional_create(&P, &rng, CELL_GRU, "encoder.rnn", E, H, 2, 0.1f);
//     BiOutput r = bidirectional_forward(&tape, &enc, x /*(T, B, E)*/, lengths, NULL, NULL);
//     // r.out (T, B, 2H): [forward | backward] at every step, 0 at padding
//     // r.h_n (2L, B, H): layer 0 forward, layer 0 backward, layer 1 forward, ... (PyTorch)
//     // r.c_n (2L, B, H) likewise for CELL_LSTM, NULL for the others
//
// The padding trap. In a padded batch, sequence b is real for t < lengths[b]. Its backward
// direction must START at its own last real token, t = lengths[b] - 1, from h0. Run naively
// from t = T - 1, it first reads lengths[b]..T-1 padding steps, and arrives at the real tokens
// with a state that has been fed <pad>s: every backward output and its final state change.
// The mask of seq_mask.h avoids that for free: a layer run with reverse = 1 and the length
// mask carries h0 unchanged through the padded tail, so the real work begins exactly at the
// last real token (this is what PyTorch's pack_padded_sequence does). Setting
// `naive_reverse = 1` runs the backward direction WITHOUT the mask, to show the trap: the
// forward direction and the full-length sequences are unchanged, the padded ones are not
// (padded steps are still output as 0 in both modes, so what differs are the real tokens).
//
// The cell type is a small enum; recurrent_layer_create / recurrent_layer_forward below are
// the only place that knows the three cells apart, everything else is shared.
//
// Parameters have PyTorch's state_dict names, in its named_parameters() order:
//     <prefix>.weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}            (forward)
//     <prefix>.weight_ih_l{k}_reverse, ..., bias_hh_l{k}_reverse                     (backward)
// with G H rows (G = 1 for the RNN, 4 for the LSTM, 3 for the GRU) and in_0 = input_size,
// in_k = 2H above: a checkpoint loads into nn.GRU(..., bidirectional=True) and its kin.
#ifndef UNROLLED_BIDIRECTIONAL_H
#define UNROLLED_BIDIRECTIONAL_H

#include "gru.h"
#include "lstm.h"
#include "params.h"
#include "rnn.h"
#include "tensor.h"

#define BI_MAX_LAYERS 8

typedef enum { CELL_RNN_TANH, CELL_RNN_RELU, CELL_LSTM, CELL_GRU } CellKind;

// ---- one layer, one direction, any cell ---------------------------------------------------------
typedef struct RecurrentLayer {
    CellKind kind;
    union {
        RNNLayer rnn;     // CELL_RNN_TANH, CELL_RNN_RELU
        LSTMLayer lstm;   // CELL_LSTM
        GRULayer gru;     // CELL_GRU
    } cell;
} RecurrentLayer;

// The cell's own X_layer_create, with names "<prefix>.weight_ih_l<k><suffix>", ...
RecurrentLayer recurrent_layer_create(Params *P, Rng *rng, CellKind kind, const char *prefix, int k,
                                      const char *suffix, int input_size, int hidden);
// The cell's own X_layer_forward: x (T, B, I), mask (T, B) or NULL, h0 / c0 (B, H) or NULL
// (c0 and c_last only for the LSTM: pass NULL for the others). Returns out (T, B, H).
Tensor *recurrent_layer_forward(Tape *tp, const RecurrentLayer *l, Tensor *x, const float *mask,
                                Tensor *h0, Tensor *c0, int reverse, Tensor **h_last,
                                Tensor **c_last);

// ---- the bidirectional stack ------------------------------------------------------------------
typedef struct Bidirectional {
    RecurrentLayer dir[BI_MAX_LAYERS][2];   // [k][0] forward in time, [k][1] backward in time
    CellKind kind;
    int input_size, hidden, layers;
    float dropout;       // on each layer's output but the last, in training mode only
    int naive_reverse;   // 1: the padding trap (the backward direction ignores the lengths)
} Bidirectional;

typedef struct BiOutput {
    Tensor *out;   // (T, B, 2H) the top layer, [forward | backward], 0 at padding
    Tensor *h_n;   // (2L, B, H) final states: [2k] layer k forward, [2k + 1] layer k backward
    Tensor *c_n;   // (2L, B, H) the same for the LSTM's c; NULL for the other cells
} BiOutput;

Bidirectional bidirectional_create(Params *P, Rng *rng, CellKind kind, const char *prefix,
                                   int input_size, int hidden, int layers, float dropout);
// x (T, B, I) time-major; lengths (B) or NULL (every sequence has T steps);
// h0, c0 (2L, B, H) in h_n's order, or NULL for zeros (c0: CELL_LSTM only).
// The forward direction's final state is at each sequence's last real token, the backward
// direction's after t = 0 (its own first token): together they have read the whole sentence.
BiOutput bidirectional_forward(Tape *tp, const Bidirectional *m, Tensor *x, const int *lengths,
                               Tensor *h0, Tensor *c0);

#endif
