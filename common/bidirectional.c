// bidirectional.c: see bidirectional.h. Introduced for chapter 06 (bidirectional encoders).
#include "bidirectional.h"

#include <string.h>

#include "ops.h"
#include "seq_mask.h"
#include "util.h"

static const char *cell_name(CellKind kind) {
    switch (kind) {
    case CELL_RNN_TANH: return "rnn (tanh)";
    case CELL_RNN_RELU: return "rnn (relu)";
    case CELL_LSTM: return "lstm";
    case CELL_GRU: return "gru";
    }
    return "an unknown cell";
}

// ---- one layer, one direction, any cell ---------------------------------------------------------
// The only two functions that know the cells apart: each case is one call to that cell's own
// level-2 function (rnn.h, lstm.h, gru.h).

RecurrentLayer recurrent_layer_create(Params *P, Rng *rng, CellKind kind, const char *prefix, int k,
                                      const char *suffix, int input_size, int hidden) {
    RecurrentLayer l;
    memset(&l, 0, sizeof l);
    l.kind = kind;
    switch (kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        l.cell.rnn = rnn_layer_create(P, rng, prefix, k, suffix, input_size, hidden,
                                      kind == CELL_RNN_TANH ? RNN_TANH : RNN_RELU);
        return l;
    case CELL_LSTM:
        l.cell.lstm = lstm_layer_create(P, rng, prefix, k, suffix, input_size, hidden);
        return l;
    case CELL_GRU:
        l.cell.gru = gru_layer_create(P, rng, prefix, k, suffix, input_size, hidden);
        return l;
    }
    die("recurrent layer: unknown cell kind %d", (int)kind);
}

Tensor *recurrent_layer_forward(Tape *tp, const RecurrentLayer *l, Tensor *x, const float *mask,
                                Tensor *h0, Tensor *c0, int reverse, Tensor **h_last,
                                Tensor **c_last) {
    if (l->kind != CELL_LSTM && (c0 || c_last))
        die("recurrent layer: a cell state c is an LSTM's; this layer is %s", cell_name(l->kind));
    switch (l->kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        return rnn_layer_forward(tp, &l->cell.rnn, x, mask, h0, reverse, h_last);
    case CELL_LSTM: {
        Tensor *c_unused;
        return lstm_layer_forward(tp, &l->cell.lstm, x, mask, h0, c0, reverse, h_last,
                                  c_last ? c_last : &c_unused);
    }
    case CELL_GRU:
        return gru_layer_forward(tp, &l->cell.gru, x, mask, h0, reverse, h_last);
    }
    die("recurrent layer: unknown cell kind %d", (int)l->kind);
}

// ---- the bidirectional stack ------------------------------------------------------------------

Bidirectional bidirectional_create(Params *P, Rng *rng, CellKind kind, const char *prefix,
                                   int input_size, int hidden, int layers, float dropout) {
    if (layers < 1 || layers > BI_MAX_LAYERS)
        die("bidirectional: %d layers; 1 to %d are supported (BI_MAX_LAYERS)", layers,
            BI_MAX_LAYERS);
    if (input_size < 1 || hidden < 1)
        die("bidirectional: input size %d and hidden size %d must be positive", input_size, hidden);
    if (!(dropout >= 0.0f && dropout < 1.0f))
        die("bidirectional: dropout must be in [0, 1), got %g", dropout);
    Bidirectional m;
    memset(&m, 0, sizeof m);
    m.kind = kind, m.input_size = input_size, m.hidden = hidden, m.layers = layers;
    m.dropout = dropout;
    // PyTorch's order: layer 0 forward, layer 0 reverse, layer 1 forward, ...
    for (int k = 0; k < layers; k++)
        for (int d = 0; d < 2; d++)
            m.dir[k][d] = recurrent_layer_create(P, rng, kind, prefix, k, d ? "_reverse" : "",
                                                 k == 0 ? input_size : 2 * hidden, hidden);
    return m;
}

static void check_states(const char *what, const Tensor *s, int L2, int B, int H) {
    char buf[64];
    if (s && (s->ndim != 3 || s->shape[0] != L2 || s->shape[1] != B || s->shape[2] != H))
        die("bidirectional: %s is %s, want (2L, B, H) = (%d, %d, %d)", what, shape_str(s, buf, 64),
            L2, B, H);
}

BiOutput bidirectional_forward(Tape *tp, const Bidirectional *m, Tensor *x, const int *lengths,
                               Tensor *h0, Tensor *c0) {
    char buf[64];
    if (x->ndim != 3) die("bidirectional: input %s, want (T, B, I)", shape_str(x, buf, 64));
    int T = x->shape[0], B = x->shape[1], L = m->layers, is_lstm = m->kind == CELL_LSTM;
    check_states("h0", h0, 2 * L, B, m->hidden);
    check_states("c0", c0, 2 * L, B, m->hidden);
    if (c0 && !is_lstm)
        die("bidirectional: c0 is given, but a %s has no cell state", cell_name(m->kind));
    const float *mask = lengths ? length_mask(tp, lengths, T, B) : NULL;   // (T, B) or NULL
    Tensor *h_n[2 * BI_MAX_LAYERS], *c_n[2 * BI_MAX_LAYERS];
    Tensor *input = x;   // (T, B, I), then (T, B, 2H)
    for (int k = 0; k < L; k++) {
        if (k > 0) input = op_dropout(tp, input, m->dropout);   // between layers only
        Tensor *outs[2];   // (T, B, H) each: forward, backward
        for (int d = 0; d < 2; d++) {
            int i = 2 * k + d;   // where this direction's state goes in h0 / h_n
            // The padding trap: without the mask, the backward direction starts at t = T - 1
            // on padding instead of at each sequence's last real token.
            const float *dmask = (d == 1 && m->naive_reverse) ? NULL : mask;
            outs[d] = recurrent_layer_forward(tp, &m->dir[k][d], input, dmask,
                                              h0 ? op_select(tp, h0, i) : NULL,
                                              c0 ? op_select(tp, c0, i) : NULL, d, &h_n[i],
                                              is_lstm ? &c_n[i] : NULL);
            if (dmask != mask) outs[d] = mask_padded_steps(tp, outs[d], mask);   // 0 at padding
        }
        input = op_concat(tp, 2, outs);   // (T, B, 2H) = [forward | backward]
    }
    return (BiOutput){.out = input,
                      .h_n = op_stack(tp, 2 * L, h_n),
                      .c_n = is_lstm ? op_stack(tp, 2 * L, c_n) : NULL};
}
