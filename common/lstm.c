// lstm.c: see lstm.h. Introduced in issue 5 (the LSTM).
#include "lstm.h"

#include <assert.h>
#include <string.h>

#include "init.h"
#include "ops.h"
#include "rnn.h"
#include "seq_mask.h"
#include "util.h"

// ---- 1. the fused cell ------------------------------------------------------------------------
// Per row b, with a = gates[b] (4H) = [a_i | a_f | a_g | a_o] and act = acts[b] likewise.

void lstm_gates_forward(float *h, float *c, float *acts, float *tanh_c, const float *gates,
                        const float *h_prev, const float *c_prev, const float *mask, int B, int H) {
    for (int b = 0; b < B; b++) {
        const float *a = gates + (size_t)b * 4 * H;
        float *act = acts + (size_t)b * 4 * H;
        const float *hp = h_prev + (size_t)b * H, *cp = c_prev + (size_t)b * H;
        float *hb = h + (size_t)b * H, *cb = c + (size_t)b * H, *tc = tanh_c + (size_t)b * H;
        if (mask && mask[b] == 0.0f) {
            // padding: h = h_prev, c = c_prev (the gates are not used)
            memcpy(hb, hp, sizeof(float) * (size_t)H);
            memcpy(cb, cp, sizeof(float) * (size_t)H);
            memset(act, 0, sizeof(float) * 4 * (size_t)H);
            memset(tc, 0, sizeof(float) * (size_t)H);
            continue;
        }
        // i = sigmoid(a_i), f = sigmoid(a_f) (adjacent), g = tanh(a_g), o = sigmoid(a_o)
        sigmoid_forward(act, a, 2 * H);
        tanh_forward(act + 2 * H, a + 2 * H, H);
        sigmoid_forward(act + 3 * H, a + 3 * H, H);
        const float *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;
        for (int j = 0; j < H; j++) cb[j] = f[j] * cp[j] + i[j] * g[j];   // c = f * c_prev + i * g
        tanh_forward(tc, cb, H);
        for (int j = 0; j < H; j++) hb[j] = o[j] * tc[j];   // h = o * tanh(c)
    }
}

// In the forward pass this was  c = f * c_prev + i * g,  h = o * tanh(c),  so now:
//   do     = dh * tanh(c)
//   dc_all = dc + dh * o * (1 - tanh(c)^2)      c reaches the loss directly and through h
//   di = dc_all * g   df = dc_all * c_prev   dg = dc_all * i   dc_prev += dc_all * f
// and through the nonlinearities (written with their outputs, as tanh_backward does):
//   da_i = di * i (1 - i)   da_f = df * f (1 - f)   da_g = dg * (1 - g^2)   da_o = do * o (1 - o)
// Padding rows were the identity:  dh_prev += dh,  dc_prev += dc.
//
// One row's da, a loop of its own so that it vectorises: `restrict` promises the compiler that
// da (the gates' grad) overlaps none of the arrays read, which it cannot check by itself.
static void lstm_row_dgates(float *restrict da, const float *restrict dh, const float *restrict dc,
                            const float *restrict act, const float *restrict tc,
                            const float *restrict cp, int H) {
    const float *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;
    for (int j = 0; j < H; j++) {
        float d_o = dh[j] * tc[j];
        float dc_all = dc[j] + dh[j] * o[j] * (1.0f - tc[j] * tc[j]);
        float di = dc_all * g[j], df = dc_all * cp[j], dg = dc_all * i[j];
        da[j] += di * i[j] * (1.0f - i[j]);
        da[H + j] += df * f[j] * (1.0f - f[j]);
        da[2 * H + j] += dg * (1.0f - g[j] * g[j]);
        da[3 * H + j] += d_o * o[j] * (1.0f - o[j]);
    }
}

void lstm_gates_backward(float *dgates, float *dh_prev, float *dc_prev, const float *dh,
                         const float *dc, const float *acts, const float *tanh_c,
                         const float *c_prev, const float *mask, int B, int H) {
    for (int b = 0; b < B; b++) {
        const float *dhb = dh + (size_t)b * H, *dcb = dc + (size_t)b * H;
        float *dhp = dh_prev ? dh_prev + (size_t)b * H : NULL;
        float *dcp = dc_prev ? dc_prev + (size_t)b * H : NULL;
        if (mask && mask[b] == 0.0f) {
            for (int j = 0; j < H && dhp; j++) dhp[j] += dhb[j];
            for (int j = 0; j < H && dcp; j++) dcp[j] += dcb[j];
            continue;
        }
        const float *act = acts + (size_t)b * 4 * H;
        const float *f = act + H, *o = act + 3 * H;
        const float *tc = tanh_c + (size_t)b * H, *cp = c_prev + (size_t)b * H;
        if (dgates) lstm_row_dgates(dgates + (size_t)b * 4 * H, dhb, dcb, act, tc, cp, H);
        if (dcp)   // dc_prev += dc_all * f, dc_all computed again (cheaper than storing it)
            for (int j = 0; j < H; j++) {
                float dc_all = dcb[j] + dhb[j] * o[j] * (1.0f - tc[j] * tc[j]);
                dcp[j] += dc_all * f[j];
            }
    }
}

// saved: one float block  acts (B, 4H) | tanh_c (B, H) | mask (B)   (iarg[2] = 1 if a mask)
static void lstm_cell_node_backward(Node *n) {
    Tensor *gates = n->in[0], *h_prev = n->in[1], *c_prev = n->in[2], *hc = n->out;
    int B = n->iarg[0], H = n->iarg[1];
    const float *acts = n->saved, *tanh_c = acts + (size_t)B * 4 * H;
    const float *mask = n->iarg[2] ? tanh_c + (size_t)B * H : NULL;
    lstm_gates_backward(gates->grad, h_prev->grad, c_prev->grad, hc->grad, hc->grad + (size_t)B * H,
                        acts, tanh_c, c_prev->data, mask, B, H);
}

Tensor *op_lstm_cell(Tape *tp, Tensor *gates, Tensor *h_prev, Tensor *c_prev, const float *mask) {
    char sg[64], sh[64], sc[64];
    int B = h_prev->shape[0], H = h_prev->shape[1];
    if (h_prev->ndim != 2 || gates->ndim != 2 || gates->shape[0] != B || gates->shape[1] != 4 * H ||
        c_prev->ndim != 2 || c_prev->shape[0] != B || c_prev->shape[1] != H)
        die("lstm_cell: want gates (B, 4H), h_prev (B, H), c_prev (B, H); got %s, %s, %s",
            shape_str(gates, sg, 64), shape_str(h_prev, sh, 64), shape_str(c_prev, sc, 64));
    Tensor *in[3] = {gates, h_prev, c_prev};
    Tensor *hc = tape_output(tp, 3, (int[]){2, B, H}, tape_any_grad(tp, 3, in));   // (2, B, H)
    float *saved = arena_alloc(&tp->arena, sizeof(float) * ((size_t)B * 5 * H + (size_t)B));
    float *acts = saved, *tanh_c = saved + (size_t)B * 4 * H, *mask_copy = NULL;
    if (mask) {
        mask_copy = tanh_c + (size_t)B * H;
        for (int b = 0; b < B; b++) {
            assert((mask[b] == 0.0f || mask[b] == 1.0f) && "lstm_cell: a mask holds 0 or 1");
            mask_copy[b] = mask[b];
        }
    }
    lstm_gates_forward(hc->data, hc->data + (size_t)B * H, acts, tanh_c, gates->data, h_prev->data,
                       c_prev->data, mask_copy, B, H);
    Node *n = tape_record(tp, "lstm_cell", lstm_cell_node_backward, hc, 3, in);
    if (n) {
        n->saved = saved;
        n->iarg[0] = B, n->iarg[1] = H, n->iarg[2] = mask != NULL;
    }
    return hc;
}

// ---- 2. one layer, one direction --------------------------------------------------------------

LSTMLayer lstm_layer_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix,
                            int input_size, int hidden) {
    LSTMLayer l = {.input_size = input_size, .hidden = hidden};
    recurrent_params_create(P, rng, prefix, k, suffix, input_size, hidden, 4, &l.weight_ih, &l.weight_hh, &l.bias_ih,
                            &l.bias_hh);   // common/rnn.c: nn.LSTM's four tensors
    return l;
}

// The recurrent half of one step: gates = xproj_t + h W_hh^T + b_hh, then the cell.
// xproj_t (B, 4H) = x_t W_ih^T + b_ih, computed before the loop. Returns hc (2, B, H).
static Tensor *lstm_cell_step(Tape *tp, const LSTMLayer *l, Tensor *xproj_t, Tensor *h, Tensor *c,
                              const float *mask) {
    Tensor *gates = op_add(tp, xproj_t, op_linear(tp, h, l->weight_hh, l->bias_hh));   // (B, 4H)
    return op_lstm_cell(tp, gates, h, c, mask);
}

static void check_state(const char *what, const Tensor *s, int B, int H) {
    char buf[64];
    if (s && (s->ndim != 2 || s->shape[0] != B || s->shape[1] != H))
        die("lstm: %s is %s, want (B, H) = (%d, %d)", what, shape_str(s, buf, 64), B, H);
}

Tensor *lstm_layer_forward(Tape *tp, const LSTMLayer *l, Tensor *x, const float *mask, Tensor *h0,
                           Tensor *c0, int reverse, Tensor **h_last, Tensor **c_last) {
    char buf[64];
    if (x->ndim != 3 || x->shape[2] != l->input_size)
        die("lstm: input %s, want (T, B, %d)", shape_str(x, buf, 64), l->input_size);
    int T = x->shape[0], B = x->shape[1], H = l->hidden;
    check_state("h0", h0, B, H);
    check_state("c0", c0, B, H);
    // Every step's input projection at once: (T*B, I) . W_ih^T + b_ih -> (T, B, 4H).
    Tensor *xproj = op_linear(tp, x, l->weight_ih, l->bias_ih);
    Tensor *h = h0 ? h0 : tensor_zeros(tp, 2, (int[]){B, H});   // (B, H)
    Tensor *c = c0 ? c0 : tensor_zeros(tp, 2, (int[]){B, H});   // (B, H)
    Tensor **hs = arena_alloc(&tp->arena, sizeof(Tensor *) * (size_t)T);   // h_t, in time order
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        Tensor *hc = lstm_cell_step(tp, l, op_select(tp, xproj, t), h, c,
                                    mask ? mask + (size_t)t * B : NULL);   // (2, B, H)
        h = op_select(tp, hc, 0);
        c = op_select(tp, hc, 1);
        hs[t] = h;
    }
    *h_last = h;
    *c_last = c;
    return mask_padded_steps(tp, op_stack(tp, T, hs), mask);   // (T, B, H), 0 at padding
}

// ---- 3. the stack: nn.LSTM ---------------------------------------------------------------------

LSTM lstm_create(Params *P, Rng *rng, const char *prefix, int input_size, int hidden, int layers,
                 float dropout) {
    if (layers < 1 || layers > LSTM_MAX_LAYERS)
        die("lstm: %d layers; 1 to %d are supported (LSTM_MAX_LAYERS)", layers, LSTM_MAX_LAYERS);
    if (input_size < 1 || hidden < 1)
        die("lstm: input size %d and hidden size %d must be positive", input_size, hidden);
    if (!(dropout >= 0.0f && dropout < 1.0f))
        die("lstm: dropout must be in [0, 1), got %g", dropout);
    LSTM m = {.input_size = input_size, .hidden = hidden, .layers = layers, .dropout = dropout};
    for (int k = 0; k < layers; k++)
        m.layer[k] = lstm_layer_create(P, rng, prefix, k, "", k == 0 ? input_size : hidden, hidden);
    return m;
}

static void check_stacked_state(const char *what, const Tensor *s, int L, int B, int H) {
    char buf[64];
    if (s && (s->ndim != 3 || s->shape[0] != L || s->shape[1] != B || s->shape[2] != H))
        die("lstm: %s is %s, want (L, B, H) = (%d, %d, %d)", what, shape_str(s, buf, 64), L, B, H);
}

LSTMOutput lstm_forward(Tape *tp, const LSTM *m, Tensor *x, const int *lengths, Tensor *h0,
                        Tensor *c0) {
    char buf[64];
    if (x->ndim != 3) die("lstm: input %s, want (T, B, I)", shape_str(x, buf, 64));
    int T = x->shape[0], B = x->shape[1], L = m->layers;
    check_stacked_state("h0", h0, L, B, m->hidden);
    check_stacked_state("c0", c0, L, B, m->hidden);
    const float *mask = lengths ? length_mask(tp, lengths, T, B) : NULL;   // (T, B) or NULL
    Tensor *h_n[LSTM_MAX_LAYERS], *c_n[LSTM_MAX_LAYERS];
    Tensor *input = x;   // (T, B, I), then (T, B, H)
    for (int k = 0; k < L; k++) {
        if (k > 0) input = op_dropout(tp, input, m->dropout);   // between layers only
        input = lstm_layer_forward(tp, &m->layer[k], input, mask, h0 ? op_select(tp, h0, k) : NULL,
                                   c0 ? op_select(tp, c0, k) : NULL, 0, &h_n[k], &c_n[k]);
    }
    return (LSTMOutput){.out = input, .h_n = op_stack(tp, L, h_n), .c_n = op_stack(tp, L, c_n)};
}

LSTMState lstm_state_init(Tape *tp, const LSTM *m, int B, Tensor *h0, Tensor *c0) {
    check_stacked_state("h0", h0, m->layers, B, m->hidden);
    check_stacked_state("c0", c0, m->layers, B, m->hidden);
    LSTMState s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < m->layers; k++) {
        s.h[k] = h0 ? op_select(tp, h0, k) : tensor_zeros(tp, 2, (int[]){B, m->hidden});
        s.c[k] = c0 ? op_select(tp, c0, k) : tensor_zeros(tp, 2, (int[]){B, m->hidden});
    }
    return s;
}

Tensor *lstm_step(Tape *tp, const LSTM *m, Tensor *x_t, LSTMState *state) {
    char buf[64];
    if (x_t->ndim != 2 || x_t->shape[1] != m->input_size)
        die("lstm_step: input %s, want (B, %d)", shape_str(x_t, buf, 64), m->input_size);
    Tensor *input = x_t;   // (B, I), then (B, H)
    for (int k = 0; k < m->layers; k++) {
        const LSTMLayer *l = &m->layer[k];
        assert(state->h[k] && state->c[k] && "lstm_step: start the state with lstm_state_init()");
        check_state("the state", state->h[k], x_t->shape[0], m->hidden);
        if (k > 0) input = op_dropout(tp, input, m->dropout);   // between layers only
        Tensor *xproj = op_linear(tp, input, l->weight_ih, l->bias_ih);   // (B, 4H)
        Tensor *hc = lstm_cell_step(tp, l, xproj, state->h[k], state->c[k], NULL);
        state->h[k] = op_select(tp, hc, 0);
        state->c[k] = op_select(tp, hc, 1);
        input = state->h[k];
    }
    return input;
}
