// attention.c: see attention.h. Introduced for chapter 07 (Bahdanau attention).
#include "attention.h"

#include <math.h>
#include <string.h>

#include "init.h"
#include "ops.h"
#include "seq_mask.h"
#include "util.h"

// ---- scores: e[b][j] = v . tanh(keys[j][b] + query[b]) ----------------------------------------

void additive_scores_forward(float *e, float *tanh_sum, const float *keys, const float *query,
                             const float *v, int S, int B, int A) {
    for (int j = 0; j < S; j++)
        for (int b = 0; b < B; b++) {
            const float *k = keys + ((size_t)j * B + b) * A, *q = query + (size_t)b * A;
            float *t = tanh_sum + ((size_t)j * B + b) * A;
            for (int a = 0; a < A; a++) t[a] = k[a] + q[a];
            tanh_forward(t, t, A);
            float sum = 0.0f;
            for (int a = 0; a < A; a++) sum += v[a] * t[a];
            e[(size_t)b * S + j] = sum;
        }
}

// In the forward pass this was  t = tanh(k_j + q),  e_j = v . t,  so now:
//   dv += de_j t      and with  g = de_j v (1 - t^2):   dk_j += g      dq += g  (summed over j:
//   the one query met every key)
void additive_scores_backward(float *dkeys, float *dquery, float *dv, const float *de,
                              const float *tanh_sum, const float *v, int S, int B, int A) {
    for (int j = 0; j < S; j++)
        for (int b = 0; b < B; b++) {
            size_t at = ((size_t)j * B + b) * A;
            const float *t = tanh_sum + at;
            float dej = de[(size_t)b * S + j];
            for (int a = 0; a < A; a++) {
                float g = dej * v[a] * (1.0f - t[a] * t[a]);
                if (dv) dv[a] += dej * t[a];
                if (dkeys) dkeys[at + a] += g;
                if (dquery) dquery[(size_t)b * A + a] += g;
            }
        }
}

// saved: tanh_sum (S, B, A); iarg: S, B, A
static void additive_scores_node_backward(Node *n) {
    Tensor *keys = n->in[0], *query = n->in[1], *v = n->in[2];
    additive_scores_backward(keys->grad, query->grad, v->grad, n->out->grad, n->saved, v->data,
                             n->iarg[0], n->iarg[1], n->iarg[2]);
}

Tensor *op_additive_scores(Tape *tp, Tensor *keys, Tensor *query, Tensor *v) {
    char sk[64], sq[64], sv[64];
    int S = keys->shape[0], B = keys->shape[1], A = keys->shape[2];
    if (keys->ndim != 3 || query->ndim != 2 || query->shape[0] != B || query->shape[1] != A ||
        v->size != A)
        die("additive_scores: want keys (S, B, A), query (B, A), v (1, A); got %s, %s, %s",
            shape_str(keys, sk, 64), shape_str(query, sq, 64), shape_str(v, sv, 64));
    Tensor *in[3] = {keys, query, v};
    Tensor *e = tape_output(tp, 2, (int[]){B, S}, tape_any_grad(tp, 3, in));   // (B, S)
    float *tanh_sum = arena_alloc(&tp->arena, sizeof(float) * (size_t)keys->size);   // (S, B, A)
    additive_scores_forward(e->data, tanh_sum, keys->data, query->data, v->data, S, B, A);
    Node *n = tape_record(tp, "additive_scores", additive_scores_node_backward, e, 3, in);
    if (n) {
        n->saved = tanh_sum;
        n->iarg[0] = S, n->iarg[1] = B, n->iarg[2] = A;
    }
    return e;
}

// ---- weights: alpha = softmax over the real positions only ------------------------------------

// Position j of row b is a real source token (mask is (S, B), as seq_mask.h makes it).
static int is_real(const float *mask, int j, int b, int B) {
    return !mask || mask[(size_t)j * B + b] != 0.0f;
}

void masked_softmax_forward(float *alpha, const float *e, const float *mask, int B, int S) {
    for (int b = 0; b < B; b++) {
        const float *x = e + (size_t)b * S;
        float *y = alpha + (size_t)b * S;
        float max = -INFINITY;   // over the real positions only (the max cancels out anyway)
        for (int j = 0; j < S; j++)
            if (is_real(mask, j, b, B) && x[j] > max) max = x[j];
        double sum = 0.0;
        for (int j = 0; j < S; j++)
            sum += (y[j] = is_real(mask, j, b, B) ? expf(x[j] - max) : 0.0f);
        float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;   // no real position: all 0
        for (int j = 0; j < S; j++) y[j] *= inv;
    }
}

// alpha = softmax(e) over the real j  =>  de_j += alpha_j (dalpha_j - sum_k dalpha_k alpha_k)
// A padded j has alpha_j = 0, so its de_j gets exactly 0: no mask needed here.
void masked_softmax_backward(float *de, const float *dalpha, const float *alpha, int B, int S) {
    for (int b = 0; b < B; b++) {
        const float *y = alpha + (size_t)b * S, *dy = dalpha + (size_t)b * S;
        float *dx = de + (size_t)b * S;
        float dot = 0.0f;
        for (int j = 0; j < S; j++) dot += dy[j] * y[j];
        for (int j = 0; j < S; j++) dx[j] += y[j] * (dy[j] - dot);
    }
}

static void masked_softmax_node_backward(Node *n) {
    Tensor *alpha = n->out;
    masked_softmax_backward(n->in[0]->grad, alpha->grad, alpha->data, alpha->shape[0],
                            alpha->shape[1]);
}

Tensor *op_masked_softmax(Tape *tp, Tensor *e, const float *mask) {
    char buf[64];
    if (e->ndim != 2) die("masked_softmax: want scores (B, S), got %s", shape_str(e, buf, 64));
    Tensor *alpha = tape_output(tp, 2, e->shape, tape_any_grad(tp, 1, &e));   // (B, S)
    masked_softmax_forward(alpha->data, e->data, mask, e->shape[0], e->shape[1]);
    tape_record(tp, "masked_softmax", masked_softmax_node_backward, alpha, 1, &e);
    return alpha;
}

// ---- context: c[b] = sum_j alpha[b][j] enc[j][b] -----------------------------------------------

void attention_context_forward(float *c, const float *alpha, const float *enc, int S, int B,
                               int E) {
    for (int b = 0; b < B; b++) {
        float *cb = c + (size_t)b * E;
        memset(cb, 0, sizeof(float) * (size_t)E);
        for (int j = 0; j < S; j++) {
            float a = alpha[(size_t)b * S + j];
            const float *h = enc + ((size_t)j * B + b) * E;
            for (int i = 0; i < E; i++) cb[i] += a * h[i];
        }
    }
}

// c = sum_j alpha_j h_j  =>  dalpha_j += dc . h_j      dh_j += alpha_j dc
void attention_context_backward(float *dalpha, float *denc, const float *dc, const float *alpha,
                                const float *enc, int S, int B, int E) {
    for (int b = 0; b < B; b++) {
        const float *dcb = dc + (size_t)b * E;
        for (int j = 0; j < S; j++) {
            size_t at = ((size_t)j * B + b) * E;
            float a = alpha[(size_t)b * S + j], dot = 0.0f;
            for (int i = 0; i < E; i++) {
                dot += dcb[i] * enc[at + i];
                if (denc) denc[at + i] += a * dcb[i];
            }
            if (dalpha) dalpha[(size_t)b * S + j] += dot;
        }
    }
}

static void attention_context_node_backward(Node *n) {
    Tensor *alpha = n->in[0], *enc = n->in[1];
    attention_context_backward(alpha->grad, enc->grad, n->out->grad, alpha->data, enc->data,
                               enc->shape[0], enc->shape[1], enc->shape[2]);
}

Tensor *op_attention_context(Tape *tp, Tensor *alpha, Tensor *enc) {
    char sa[64], se[64];
    if (alpha->ndim != 2 || enc->ndim != 3 || alpha->shape[0] != enc->shape[1] ||
        alpha->shape[1] != enc->shape[0])
        die("attention_context: want alpha (B, S) and enc (S, B, E); got %s and %s",
            shape_str(alpha, sa, 64), shape_str(enc, se, 64));
    int S = enc->shape[0], B = enc->shape[1], E = enc->shape[2];
    Tensor *in[2] = {alpha, enc};
    Tensor *c = tape_output(tp, 2, (int[]){B, E}, tape_any_grad(tp, 2, in));   // (B, E)
    attention_context_forward(c->data, alpha->data, enc->data, S, B, E);
    tape_record(tp, "attention_context", attention_context_node_backward, c, 2, in);
    return c;
}

// ---- the module ---------------------------------------------------------------------------

Attention attention_create(Params *P, Rng *rng, const char *prefix, int enc_dim, int dec_dim,
                           int attn_dim) {
    if (enc_dim < 1 || dec_dim < 1 || attn_dim < 1)
        die("attention: sizes must be positive (encoder %d, decoder %d, attention %d)", enc_dim,
            dec_dim, attn_dim);
    Attention a = {.enc_dim = enc_dim, .dec_dim = dec_dim, .attn_dim = attn_dim};
    // nn.Linear(D + E2, A) on [s; h_j], then nn.Linear(A, 1, bias=False)
    a.attn_weight = params_new(P, 2, (int[]){attn_dim, dec_dim + enc_dim}, "%s.attn.weight",
                               prefix);
    a.attn_bias = params_new(P, 1, (int[]){attn_dim}, "%s.attn.bias", prefix);
    a.v_weight = params_new(P, 2, (int[]){1, attn_dim}, "%s.v.weight", prefix);
    init_linear_default(a.attn_weight, a.attn_bias, rng);
    init_linear_default(a.v_weight, NULL, rng);
    return a;
}

AttentionMemory attention_memory(Tape *tp, const Attention *a, Tensor *enc, const int *src_len) {
    char buf[64];
    if (enc->ndim != 3 || enc->shape[2] != a->enc_dim)
        die("attention: encoder outputs %s, want (S, B, %d)", shape_str(enc, buf, 64), a->enc_dim);
    int S = enc->shape[0], B = enc->shape[1], D = a->dec_dim, E2 = a->enc_dim;
    for (int b = 0; src_len && b < B; b++)
        if (src_len[b] < 1 || src_len[b] > S)
            die("attention: source %d has length %d; it must be in [1, %d]", b, src_len[b], S);
    AttentionMemory m = {.enc = enc, .S = S, .B = B};
    m.mask = src_len ? length_mask(tp, src_len, S, B) : NULL;   // (S, B) or NULL
    // attn([s; h]) = W_s s + W_h h + b: the two column blocks of the one attn.weight (A, D + E2)
    Tensor *W_h = op_split(tp, a->attn_weight, D, E2);   // (A, E2)
    m.W_s = op_split(tp, a->attn_weight, 0, D);          // (A, D)
    // The keys do not depend on the decoder step: once per batch, not once per step.
    m.keys = op_linear(tp, enc, W_h, a->attn_bias);      // (S, B, A)
    return m;
}

AttentionStep attention_step(Tape *tp, const Attention *a, const AttentionMemory *mem,
                             Tensor *s_prev) {
    char buf[64];
    if (s_prev->ndim != 2 || s_prev->shape[0] != mem->B || s_prev->shape[1] != a->dec_dim)
        die("attention: decoder state %s, want (B, D) = (%d, %d)", shape_str(s_prev, buf, 64),
            mem->B, a->dec_dim);
    AttentionStep r;
    Tensor *query = op_linear(tp, s_prev, mem->W_s, NULL);               // (B, A)
    r.scores = op_additive_scores(tp, mem->keys, query, a->v_weight);    // (B, S)
    r.alpha = op_masked_softmax(tp, r.scores, mem->mask);                // (B, S)
    r.context = op_attention_context(tp, r.alpha, mem->enc);             // (B, E2)
    return r;
}
