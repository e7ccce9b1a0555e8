// attention.h: Bahdanau (additive) attention, as in Bahdanau, Cho and Bengio 2015 and
// bentrevett/pytorch-seq2seq notebook 3 (with notebook 4's padding mask).
// Introduced for chapter 07 (Bahdanau attention).
//
// Decoder state s = s_{i-1} (B, D), encoder outputs h_j (S, B, E2) (E2 = 2H for a
// bidirectional encoder), source lengths (B):
//
//     e_ij   = v^T tanh(W_s s_{i-1} + W_h h_j + b)        (B, S) scores
//     a_ij   = exp(e_ij) / sum_{k real} exp(e_ik)          (B, S) 0 at padded positions, exactly
//     c_i    = sum_j a_ij h_j                              (B, E2) the context
//
// The notebook applies ONE nn.Linear to the concatenation [s; h_j]: attn.weight (A, D + E2).
// Its first D columns are W_s and the next E2 columns W_h, so
//     attn([s; h_j]) = W_s s + W_h h_j + b        exactly,
// and we split the product in two. The encoder half, keys_j = W_h h_j + b (S, B, A), does not
// depend on the decoder step: it is computed ONCE per batch (attention_memory) instead of at
// every one of the T decoder steps, which saves T - 1 products of size S B A E2. Each step
// then computes only query = W_s s (B, A). We store the single attn.weight parameter and take
// its column blocks with op_split (whose backward adds back into attn.weight), so a checkpoint
// loads into the notebook's module unchanged.
//
//     Attention att = attention_create(&P, &rng, "decoder.attention", 2 * H_enc, D, D);
//     AttentionMemory mem = attention_memory(&tape, &att, enc_out /*(S, B, E2)*/, src_len);
//     for (int t = 0; t < T; t++) {
//         AttentionStep a = attention_step(&tape, &att, &mem, s /*(B, D)*/);
//         // a.context (B, E2) feeds the decoder; a.alpha (B, S) is the attention map's row t
//     }
//
// Padding. The notebook sets the scores of padded positions to -1e10 before the softmax
// (masked_fill). We leave them out of the softmax instead, so their weight is exactly 0 and
// they receive exactly 0 gradient. In float32 the two agree: exp(-1e10 - max) underflows to
// exactly 0 too, so the notebook's padded weights are 0 as well; they would differ only for a
// sequence with no real position at all (the notebook then spreads the weight uniformly over
// the padding; attention_memory refuses a length of 0).
//
// Parameters, with the notebook's names (its Decoder holds the module as `attention`):
//     <prefix>.attn.weight (A, D + E2)   <prefix>.attn.bias (A)   <prefix>.v.weight (1, A)
// initialised as nn.Linear's (U(-1/sqrt(fan_in), 1/sqrt(fan_in))). The notebook uses A = D.
#ifndef UNROLLED_ATTENTION_H
#define UNROLLED_ATTENTION_H

#include "params.h"
#include "tensor.h"

// ---- the three ops, raw kernels and autograd -------------------------------------------------

// e[b][j] = sum_a v[a] tanh(keys[j][b][a] + query[b][a]). keys (S, B, A), query (B, A),
// v (A); outputs e (B, S) and, saved for the backward, tanh_sum (S, B, A).
void additive_scores_forward(float *e, float *tanh_sum, const float *keys, const float *query,
                             const float *v, int S, int B, int A);
void additive_scores_backward(float *dkeys, float *dquery, float *dv, const float *de,
                              const float *tanh_sum, const float *v, int S, int B, int A);
// keys (S, B, A), query (B, A), v (1, A) or (A) -> e (B, S).
Tensor *op_additive_scores(Tape *tp, Tensor *keys, Tensor *query, Tensor *v);

// alpha (B, S) = softmax of e (B, S) over the positions j with mask[j*B + b] == 1 (the (S, B)
// mask of seq_mask.h); exactly 0 elsewhere. mask NULL: an ordinary softmax over each row.
void masked_softmax_forward(float *alpha, const float *e, const float *mask, int B, int S);
void masked_softmax_backward(float *de, const float *dalpha, const float *alpha, int B, int S);
// mask (S, B) or NULL (read during the call only: the backward needs just alpha, which is 0
// at every padded position, so no gradient reaches them).
Tensor *op_masked_softmax(Tape *tp, Tensor *e, const float *mask);

// c[b] = sum_j alpha[b][j] enc[j][b]: alpha (B, S), enc (S, B, E) -> c (B, E).
void attention_context_forward(float *c, const float *alpha, const float *enc, int S, int B, int E);
void attention_context_backward(float *dalpha, float *denc, const float *dc, const float *alpha,
                                const float *enc, int S, int B, int E);
Tensor *op_attention_context(Tape *tp, Tensor *alpha, Tensor *enc);

// ---- the module: notebook 3's Attention ---------------------------------------------------------
typedef struct Attention {
    Tensor *attn_weight;   // (A, D + E2) = [W_s | W_h]
    Tensor *attn_bias;     // (A)
    Tensor *v_weight;      // (1, A)
    int enc_dim, dec_dim, attn_dim;   // E2, D, A
} Attention;

Attention attention_create(Params *P, Rng *rng, const char *prefix, int enc_dim, int dec_dim,
                           int attn_dim);

// What every decoder step of one batch shares. Views and tensors on the tape.
typedef struct AttentionMemory {
    Tensor *enc;          // (S, B, E2) the encoder outputs h_j, what the context averages
    Tensor *keys;         // (S, B, A) h_j W_h^T + b
    Tensor *W_s;          // (A, D) the decoder's column block of attn.weight
    const float *mask;    // (S, B) 1 = a real source position, or NULL (no padding)
    int S, B;
} AttentionMemory;

typedef struct AttentionStep {
    Tensor *scores;    // (B, S) e_ij (padded positions hold their unused raw score)
    Tensor *alpha;     // (B, S) the weights: 0 at padding, each row sums to 1
    Tensor *context;   // (B, E2)
} AttentionStep;

// Once per batch: enc (S, B, E2) time-major, as the encoders return it; src_len (B), each in
// [1, S], or NULL when every source has S positions.
AttentionMemory attention_memory(Tape *tp, const Attention *a, Tensor *enc, const int *src_len);
// Once per decoder step: s_prev (B, D), the decoder's previous hidden state.
AttentionStep attention_step(Tape *tp, const Attention *a, const AttentionMemory *mem,
                             Tensor *s_prev);

#endif
