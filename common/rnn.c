// rnn.c: see rnn.h. Introduced in chapter 03.
#include "rnn.h"

#include <string.h>

#include "init.h"
#include "seq_mask.h"
#include "ops.h"
#include "util.h"

// ---- 1. the cell -------------------------------------------------------------------------------

// h = f(pre) on real rows, h = h_prev on padding rows.
static void rnn_cell_forward(float *h, const float *pre, const float *h_prev, const float *mask,
                             int B, int H, RNNNonlinearity f) {
    for (int b = 0; b < B; b++) {
        float *hb = h + (size_t)b * H;
        if (mask && mask[b] == 0.0f) {
            memcpy(hb, h_prev + (size_t)b * H, sizeof(float) * (size_t)H);
            continue;
        }
        if (f == RNN_TANH) tanh_forward(hb, pre + (size_t)b * H, H);
        else relu_forward(hb, pre + (size_t)b * H, H);
    }
}

// real rows:     h = f(pre)    =>  dpre += dh * f'(pre)  (written with h, as the kernels are)
// padding rows:  h = h_prev    =>  dh_prev += dh
static void rnn_cell_backward(float *dpre, float *dh_prev, const float *dh, const float *h,
                              const float *mask, int B, int H, RNNNonlinearity f) {
    for (int b = 0; b < B; b++) {
        size_t at = (size_t)b * H;
        if (mask && mask[b] == 0.0f) {
            if (dh_prev)
                for (int j = 0; j < H; j++) dh_prev[at + j] += dh[at + j];
            continue;
        }
        if (!dpre) continue;
        if (f == RNN_TANH) tanh_backward(dpre + at, dh + at, h + at, H);
        else relu_backward(dpre + at, dh + at, h + at, H);
    }
}

// saved: the mask copy (B) or NULL; iarg: B, H, f
static void rnn_cell_node_backward(Node *n) {
    Tensor *pre = n->in[0], *h_prev = n->in[1], *h = n->out;
    rnn_cell_backward(pre->grad, h_prev->grad, h->grad, h->data, n->saved, n->iarg[0], n->iarg[1],
                      (RNNNonlinearity)n->iarg[2]);
}

Tensor *op_rnn_cell(Tape *tp, Tensor *pre, Tensor *h_prev, const float *mask, RNNNonlinearity f) {
    char sp[64], sh[64];
    if (pre->ndim != 2 || !tensor_same_shape(pre, h_prev))
        die("rnn_cell: want pre and h_prev both (B, H); got %s and %s", shape_str(pre, sp, 64),
            shape_str(h_prev, sh, 64));
    int B = pre->shape[0], H = pre->shape[1];
    Tensor *in[2] = {pre, h_prev};
    Tensor *h = tape_output(tp, 2, pre->shape, tape_any_grad(tp, 2, in));
    float *mask_copy = NULL;
    if (mask) {
        mask_copy = arena_alloc(&tp->arena, sizeof(float) * (size_t)B);
        memcpy(mask_copy, mask, sizeof(float) * (size_t)B);
    }
    rnn_cell_forward(h->data, pre->data, h_prev->data, mask_copy, B, H, f);
    Node *n = tape_record(tp, "rnn_cell", rnn_cell_node_backward, h, 2, in);
    if (n) {
        n->saved = mask_copy;
        n->iarg[0] = B, n->iarg[1] = H, n->iarg[2] = (int)f;
    }
    return h;
}

// ---- 2. one layer, one direction -------------------------------------------------------------

void recurrent_params_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix, int input_size,
                             int hidden, int gates, Tensor **weight_ih, Tensor **weight_hh, Tensor **bias_ih,
                             Tensor **bias_hh) {
    int G = gates * hidden;
    // The layer's parameters, listed once: name, shape, and where the tensor goes.
    const struct {
        const char *name;
        int ndim, shape[2];
        Tensor **slot;
    } table[] = {
        {"weight_ih", 2, {G, input_size}, weight_ih},
        {"weight_hh", 2, {G, hidden}, weight_hh},
        {"bias_ih", 1, {G}, bias_ih},
        {"bias_hh", 1, {G}, bias_hh},
    };
    for (size_t p = 0; p < sizeof table / sizeof table[0]; p++) {
        *table[p].slot = params_new(P, table[p].ndim, table[p].shape, "%s.%s_l%d%s", prefix,
                                    table[p].name, k, suffix);
        init_rnn_default(*table[p].slot, rng, hidden);
    }
}

RNNLayer rnn_layer_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix,
                          int input_size, int hidden, RNNNonlinearity f) {
    RNNLayer l = {.input_size = input_size, .hidden = hidden, .f = f};
    recurrent_params_create(P, rng, prefix, k, suffix, input_size, hidden, 1, &l.weight_ih, &l.weight_hh, &l.bias_ih,
                            &l.bias_hh);
    return l;
}

Tensor *rnn_layer_forward(Tape *tp, const RNNLayer *l, Tensor *x, const float *mask, Tensor *h0,
                          int reverse, Tensor **h_last) {
    char buf[64];
    if (x->ndim != 3 || x->shape[2] != l->input_size)
        die("rnn: input %s, want (T, B, %d)", shape_str(x, buf, 64), l->input_size);
    int T = x->shape[0], B = x->shape[1], H = l->hidden;
    if (h0 && (h0->ndim != 2 || h0->shape[0] != B || h0->shape[1] != H))
        die("rnn: h0 is %s, want (B, H) = (%d, %d)", shape_str(h0, buf, 64), B, H);
    Tensor *xproj = op_linear(tp, x, l->weight_ih, l->bias_ih);   // (T, B, H): every step at once
    Tensor *h = h0 ? h0 : tensor_zeros(tp, 2, (int[]){B, H});      // (B, H)
    Tensor **hs = arena_alloc(&tp->arena, sizeof(Tensor *) * (size_t)T);
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        Tensor *pre = op_add(tp, op_select(tp, xproj, t), op_linear(tp, h, l->weight_hh, l->bias_hh));
        h = op_rnn_cell(tp, pre, h, mask ? mask + (size_t)t * B : NULL, l->f);
        hs[t] = h;
    }
    *h_last = h;
    return mask_padded_steps(tp, op_stack(tp, T, hs), mask);
}

// ---- 3. the stack: nn.RNN -------------------------------------------------------------------------

RNN rnn_create(Params *P, Rng *rng, const char *prefix, int input_size, int hidden, int layers,
               RNNNonlinearity f, float dropout) {
    if (layers < 1 || layers > RNN_MAX_LAYERS)
        die("rnn: %d layers; between 1 and %d are supported", layers, RNN_MAX_LAYERS);
    if (input_size < 1 || hidden < 1) die("rnn: input size %d and hidden size %d must be positive", input_size, hidden);
    if (!(dropout >= 0.0f && dropout < 1.0f)) die("rnn: dropout must be in [0, 1), got %g", dropout);
    RNN m = {.input_size = input_size, .hidden = hidden, .layers = layers, .dropout = dropout};
    for (int k = 0; k < layers; k++)
        m.layer[k] = rnn_layer_create(P, rng, prefix, k, "", k == 0 ? input_size : hidden, hidden, f);
    return m;
}

RNNOutput rnn_forward(Tape *tp, const RNN *m, Tensor *x, const int *lengths, Tensor *h0) {
    char buf[64];
    if (x->ndim != 3) die("rnn: input %s, want (T, B, I)", shape_str(x, buf, 64));
    int T = x->shape[0], B = x->shape[1], L = m->layers;
    if (h0 && (h0->ndim != 3 || h0->shape[0] != L || h0->shape[1] != B || h0->shape[2] != m->hidden))
        die("rnn: h0 is %s, want (L, B, H) = (%d, %d, %d)", shape_str(h0, buf, 64), L, B, m->hidden);
    const float *mask = lengths ? length_mask(tp, lengths, T, B) : NULL;
    Tensor *h_n[RNN_MAX_LAYERS];
    Tensor *input = x;
    for (int k = 0; k < L; k++) {
        if (k > 0) input = op_dropout(tp, input, m->dropout);   // between layers only
        input = rnn_layer_forward(tp, &m->layer[k], input, mask, h0 ? op_select(tp, h0, k) : NULL, 0, &h_n[k]);
    }
    return (RNNOutput){.out = input, .h_n = op_stack(tp, L, h_n)};
}

RNNState rnn_state_init(Tape *tp, const RNN *m, int B, Tensor *h0) {
    RNNState s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < m->layers; k++)
        s.h[k] = h0 ? op_select(tp, h0, k) : tensor_zeros(tp, 2, (int[]){B, m->hidden});
    return s;
}

Tensor *rnn_step(Tape *tp, const RNN *m, Tensor *x_t, RNNState *state) {
    char buf[64];
    if (x_t->ndim != 2 || x_t->shape[1] != m->input_size)
        die("rnn_step: input %s, want (B, %d)", shape_str(x_t, buf, 64), m->input_size);
    Tensor *input = x_t;
    for (int k = 0; k < m->layers; k++) {
        const RNNLayer *l = &m->layer[k];
        if (k > 0) input = op_dropout(tp, input, m->dropout);
        Tensor *pre = op_add(tp, op_linear(tp, input, l->weight_ih, l->bias_ih),
                             op_linear(tp, state->h[k], l->weight_hh, l->bias_hh));
        state->h[k] = op_rnn_cell(tp, pre, state->h[k], NULL, l->f);
        input = state->h[k];
    }
    return input;
}
