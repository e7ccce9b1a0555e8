// gru.c: see gru.h. Introduced for chapter 05 (the GRU).
#include "gru.h"

#include <assert.h>
#include <string.h>

#include "init.h"
#include "ops.h"
#include "rnn.h"
#include "seq_mask.h"
#include "util.h"

// ---- 1. the fused cell ------------------------------------------------------------------------
// Per row b: gx[b], gh[b] (3H) = [r | z | n] pre-activation parts, act = acts[b] = [r | z | n].

void gru_gates_forward(float *h, float *acts, const float *gx, const float *gh,
                       const float *h_prev, const float *mask, int B, int H) {
    for (int b = 0; b < B; b++) {
        const float *x3 = gx + (size_t)b * 3 * H, *h3 = gh + (size_t)b * 3 * H;
        const float *hp = h_prev + (size_t)b * H;
        float *act = acts + (size_t)b * 3 * H, *hb = h + (size_t)b * H;
        if (mask && mask[b] == 0.0f) {
            // padding: h = h_prev (the gates are not used)
            memcpy(hb, hp, sizeof(float) * (size_t)H);
            memset(act, 0, sizeof(float) * 3 * (size_t)H);
            continue;
        }
        float *r = act, *z = act + H, *n = act + 2 * H;
        for (int j = 0; j < 2 * H; j++) act[j] = x3[j] + h3[j];   // r and z: adjacent, summed
        sigmoid_forward(act, act, 2 * H);                          // r = s(.), z = s(.) in place
        for (int j = 0; j < H; j++) n[j] = x3[2 * H + j] + r[j] * h3[2 * H + j];
        tanh_forward(n, n, H);                                     // n = tanh(gx_n + r gh_n)
        for (int j = 0; j < H; j++) hb[j] = (1.0f - z[j]) * n[j] + z[j] * hp[j];
    }
}

// In the forward pass this was  h = (1 - z) n + z h_prev,  n = tanh(gx_n + r gh_n),
// r = sigmoid(gx_r + gh_r),  z = sigmoid(gx_z + gh_z),  so now:
//   dn = dh (1 - z)      dz = dh (h_prev - n)      dh_prev += dh z      (the direct path)
//   da_n = dn (1 - n^2):       dgx_n += da_n     dgh_n += da_n r     dr = da_n gh_n
//   da_r = dr r (1 - r):       dgx_r += da_r     dgh_r += da_r
//   da_z = dz z (1 - z):       dgx_z += da_z     dgh_z += da_z
// (the path h_prev -> gh -> W_hh belongs to the linear op that made gh).
// Padding rows were the identity:  dh_prev += dh.
//
// One row's gradient into the pre-activations [r | z | n] of one side, a loop of its own so that
// it vectorises (`restrict`: d3 overlaps none of the arrays read). The x side gets da_n, the
// h side da_n r (h_side = 1); da_r and da_z are the same for both.
static void gru_row_dpre(float *restrict d3, const float *restrict dh, const float *restrict act,
                         const float *restrict gh_n, const float *restrict hp, int H, int h_side) {
    const float *r = act, *z = act + H, *n = act + 2 * H;
    for (int j = 0; j < H; j++) {
        float dn = dh[j] * (1.0f - z[j]), dz = dh[j] * (hp[j] - n[j]);
        float da_n = dn * (1.0f - n[j] * n[j]);
        d3[j] += da_n * gh_n[j] * r[j] * (1.0f - r[j]);   // da_r
        d3[H + j] += dz * z[j] * (1.0f - z[j]);            // da_z
        d3[2 * H + j] += h_side ? da_n * r[j] : da_n;
    }
}

void gru_gates_backward(float *dgx, float *dgh, float *dh_prev, const float *dh,
                        const float *acts, const float *gh, const float *h_prev,
                        const float *mask, int B, int H) {
    for (int b = 0; b < B; b++) {
        const float *dhb = dh + (size_t)b * H;
        float *dhp = dh_prev ? dh_prev + (size_t)b * H : NULL;
        if (mask && mask[b] == 0.0f) {
            for (int j = 0; j < H && dhp; j++) dhp[j] += dhb[j];
            continue;
        }
        const float *act = acts + (size_t)b * 3 * H, *z = act + H;
        const float *gh_n = gh + (size_t)b * 3 * H + 2 * H, *hp = h_prev + (size_t)b * H;
        if (dhp)
            for (int j = 0; j < H; j++) dhp[j] += dhb[j] * z[j];
        if (dgx) gru_row_dpre(dgx + (size_t)b * 3 * H, dhb, act, gh_n, hp, H, 0);
        if (dgh) gru_row_dpre(dgh + (size_t)b * 3 * H, dhb, act, gh_n, hp, H, 1);
    }
}

// saved: one float block  acts (B, 3H) | mask (B)   (iarg[2] = 1 if a mask)
static void gru_cell_node_backward(Node *n) {
    Tensor *gx = n->in[0], *gh = n->in[1], *h_prev = n->in[2], *h = n->out;
    int B = n->iarg[0], H = n->iarg[1];
    const float *acts = n->saved, *mask = n->iarg[2] ? acts + (size_t)B * 3 * H : NULL;
    gru_gates_backward(gx->grad, gh->grad, h_prev->grad, h->grad, acts, gh->data, h_prev->data,
                       mask, B, H);
}

Tensor *op_gru_cell(Tape *tp, Tensor *gx, Tensor *gh, Tensor *h_prev, const float *mask) {
    char sx[64], sh[64], sp[64];
    int B = h_prev->shape[0], H = h_prev->shape[1];
    if (h_prev->ndim != 2 || gx->ndim != 2 || gx->shape[0] != B || gx->shape[1] != 3 * H ||
        !tensor_same_shape(gx, gh))
        die("gru_cell: want gx (B, 3H), gh (B, 3H), h_prev (B, H); got %s, %s, %s",
            shape_str(gx, sx, 64), shape_str(gh, sh, 64), shape_str(h_prev, sp, 64));
    Tensor *in[3] = {gx, gh, h_prev};
    Tensor *h = tape_output(tp, 2, (int[]){B, H}, tape_any_grad(tp, 3, in));   // (B, H)
    float *saved = arena_alloc(&tp->arena, sizeof(float) * ((size_t)B * 3 * H + (size_t)B));
    float *acts = saved, *mask_copy = NULL;
    if (mask) {
        mask_copy = acts + (size_t)B * 3 * H;
        for (int b = 0; b < B; b++) {
            assert((mask[b] == 0.0f || mask[b] == 1.0f) && "gru_cell: a mask holds 0 or 1");
            mask_copy[b] = mask[b];
        }
    }
    gru_gates_forward(h->data, acts, gx->data, gh->data, h_prev->data, mask_copy, B, H);
    Node *n = tape_record(tp, "gru_cell", gru_cell_node_backward, h, 3, in);
    if (n) {
        n->saved = saved;
        n->iarg[0] = B, n->iarg[1] = H, n->iarg[2] = mask != NULL;
    }
    return h;
}

// ---- 2. one layer, one direction --------------------------------------------------------------

GRULayer gru_layer_create(Params *P, Rng *rng, const char *prefix, int k, const char *suffix,
                          int input_size, int hidden) {
    GRULayer l = {.input_size = input_size, .hidden = hidden};
    recurrent_params_create(P, rng, prefix, k, suffix, input_size, hidden, 3, &l.weight_ih, &l.weight_hh, &l.bias_ih,
                            &l.bias_hh);   // common/rnn.c: nn.GRU's four tensors
    return l;
}

// The recurrent half of one step: gh = h W_hh^T + b_hh, then the cell.
// gx_t (B, 3H) = x_t W_ih^T + b_ih, computed before the loop. Returns h (B, H).
static Tensor *gru_cell_step(Tape *tp, const GRULayer *l, Tensor *gx_t, Tensor *h,
                             const float *mask) {
    Tensor *gh = op_linear(tp, h, l->weight_hh, l->bias_hh);   // (B, 3H)
    return op_gru_cell(tp, gx_t, gh, h, mask);
}

static void check_state(const char *what, const Tensor *s, int B, int H) {
    char buf[64];
    if (s && (s->ndim != 2 || s->shape[0] != B || s->shape[1] != H))
        die("gru: %s is %s, want (B, H) = (%d, %d)", what, shape_str(s, buf, 64), B, H);
}

Tensor *gru_layer_forward(Tape *tp, const GRULayer *l, Tensor *x, const float *mask, Tensor *h0,
                          int reverse, Tensor **h_last) {
    char buf[64];
    if (x->ndim != 3 || x->shape[2] != l->input_size)
        die("gru: input %s, want (T, B, %d)", shape_str(x, buf, 64), l->input_size);
    int T = x->shape[0], B = x->shape[1], H = l->hidden;
    check_state("h0", h0, B, H);
    // Every step's input projection at once: (T*B, I) . W_ih^T + b_ih -> (T, B, 3H).
    Tensor *gx = op_linear(tp, x, l->weight_ih, l->bias_ih);
    Tensor *h = h0 ? h0 : tensor_zeros(tp, 2, (int[]){B, H});   // (B, H)
    Tensor **hs = arena_alloc(&tp->arena, sizeof(Tensor *) * (size_t)T);   // h_t, in time order
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        h = gru_cell_step(tp, l, op_select(tp, gx, t), h, mask ? mask + (size_t)t * B : NULL);
        hs[t] = h;
    }
    *h_last = h;
    return mask_padded_steps(tp, op_stack(tp, T, hs), mask);   // (T, B, H), 0 at padding
}

// ---- 3. the stack: nn.GRU ---------------------------------------------------------------------

GRU gru_create(Params *P, Rng *rng, const char *prefix, int input_size, int hidden, int layers,
               float dropout) {
    if (layers < 1 || layers > GRU_MAX_LAYERS)
        die("gru: %d layers; 1 to %d are supported (GRU_MAX_LAYERS)", layers, GRU_MAX_LAYERS);
    if (input_size < 1 || hidden < 1)
        die("gru: input size %d and hidden size %d must be positive", input_size, hidden);
    if (!(dropout >= 0.0f && dropout < 1.0f))
        die("gru: dropout must be in [0, 1), got %g", dropout);
    GRU m = {.input_size = input_size, .hidden = hidden, .layers = layers, .dropout = dropout};
    for (int k = 0; k < layers; k++)
        m.layer[k] = gru_layer_create(P, rng, prefix, k, "", k == 0 ? input_size : hidden, hidden);
    return m;
}

static void check_stacked_state(const char *what, const Tensor *s, int L, int B, int H) {
    char buf[64];
    if (s && (s->ndim != 3 || s->shape[0] != L || s->shape[1] != B || s->shape[2] != H))
        die("gru: %s is %s, want (L, B, H) = (%d, %d, %d)", what, shape_str(s, buf, 64), L, B, H);
}

GRUOutput gru_forward(Tape *tp, const GRU *m, Tensor *x, const int *lengths, Tensor *h0) {
    char buf[64];
    if (x->ndim != 3) die("gru: input %s, want (T, B, I)", shape_str(x, buf, 64));
    int T = x->shape[0], B = x->shape[1], L = m->layers;
    check_stacked_state("h0", h0, L, B, m->hidden);
    const float *mask = lengths ? length_mask(tp, lengths, T, B) : NULL;   // (T, B) or NULL
    Tensor *h_n[GRU_MAX_LAYERS];
    Tensor *input = x;   // (T, B, I), then (T, B, H)
    for (int k = 0; k < L; k++) {
        if (k > 0) input = op_dropout(tp, input, m->dropout);   // between layers only
        input = gru_layer_forward(tp, &m->layer[k], input, mask, h0 ? op_select(tp, h0, k) : NULL,
                                  0, &h_n[k]);
    }
    return (GRUOutput){.out = input, .h_n = op_stack(tp, L, h_n)};
}

GRUState gru_state_init(Tape *tp, const GRU *m, int B, Tensor *h0) {
    check_stacked_state("h0", h0, m->layers, B, m->hidden);
    GRUState s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < m->layers; k++)
        s.h[k] = h0 ? op_select(tp, h0, k) : tensor_zeros(tp, 2, (int[]){B, m->hidden});
    return s;
}

Tensor *gru_step(Tape *tp, const GRU *m, Tensor *x_t, GRUState *state) {
    char buf[64];
    if (x_t->ndim != 2 || x_t->shape[1] != m->input_size)
        die("gru_step: input %s, want (B, %d)", shape_str(x_t, buf, 64), m->input_size);
    Tensor *input = x_t;   // (B, I), then (B, H)
    for (int k = 0; k < m->layers; k++) {
        const GRULayer *l = &m->layer[k];
        assert(state->h[k] && "gru_step: start the state with gru_state_init()");
        check_state("the state", state->h[k], x_t->shape[0], m->hidden);
        if (k > 0) input = op_dropout(tp, input, m->dropout);   // between layers only
        Tensor *gx = op_linear(tp, input, l->weight_ih, l->bias_ih);   // (B, 3H)
        state->h[k] = gru_cell_step(tp, l, gx, state->h[k], NULL);
        input = state->h[k];
    }
    return input;
}
