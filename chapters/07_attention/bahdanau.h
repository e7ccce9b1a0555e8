// bahdanau.h: the encoder-decoder with additive attention of Bahdanau, Cho and Bengio (2014),
// wired exactly as bentrevett/pytorch-seq2seq notebook 3 (with notebook 4's packed encoder and
// padding mask), so a checkpoint loads into that notebook's Seq2Seq(Encoder, Attention, Decoder).
// Introduced in chapter 07. The attention itself (scores, masked softmax, context) is
// common/attention.h; this file is the model around it.
//
// Shapes (see common/tensor.h): S source steps, T target steps, B batch, E embedding size,
// H_e encoder hidden size (per direction), H_d decoder hidden size, V_src / V_tgt vocabularies.
//
//   encoder   x_s     = dropout(E_src[src_s])                                 (S, B, E)
//             f_s     = GRU_fwd(x_s, f_{s-1})      s = 0 .. len-1              (B, H_e)
//             g_s     = GRU_bwd(x_s, g_{s+1})      s = len-1 .. 0              (B, H_e)
//             h_s     = [f_s ; g_s]                 0 at padding                (S, B, 2H_e)
//             s_0     = tanh(encoder.fc([f_{len-1} ; g_0]))                    (B, H_d)
//             keys_s  = W_h h_s + b                 ONCE per batch              (S, B, H_d)
//   decoder step t (reads y_{t-1}; s_{t-1} is the state before this step's GRU):
//             d_t     = dropout(E_tgt[y_{t-1}])                                (B, E)
//             e_{t,s} = v^T tanh(W_s s_{t-1} + keys_s)                         (B, S)
//             a_t     = softmax over the REAL s of e_{t,s}  (padding: exactly 0) (B, S)
//             w_t     = sum_s a_{t,s} h_s                                      (B, 2H_e)
//             s_t     = GRU_dec([d_t ; w_t], s_{t-1})                          (B, H_d)
//             logits  = fc_out([s_t ; w_t ; d_t])                              (B, V_tgt)
// (three concatenations, three orders: attn takes (state, memory), the GRU (embedding,
// context), fc_out (state, context, embedding); the order is the column order of each W.)
//
// Parameters, in PyTorch's named_parameters() order:
//     encoder.embedding.weight (V_src, E)
//     encoder.rnn.weight_ih_l0 (3H_e, E), weight_hh_l0 (3H_e, H_e), bias_ih_l0, bias_hh_l0 (3H_e)
//     encoder.rnn.*_reverse: the same four for the backward direction
//     encoder.fc.weight (H_d, 2H_e), encoder.fc.bias (H_d)
//     decoder.attention.attn.weight (H_d, H_d + 2H_e), .attn.bias (H_d), .v.weight (1, H_d)
//     decoder.embedding.weight (V_tgt, E)
//     decoder.rnn.weight_ih_l0 (3H_d, E + 2H_e), weight_hh_l0 (3H_d, H_d), biases (3H_d)
//     decoder.fc_out.weight (V_tgt, H_d + 2H_e + E), decoder.fc_out.bias (V_tgt)
//
// The variant "no-mask" (Seq2SeqConfig.variant) is the same model whose softmax runs over
// EVERY position, padding included (notebook 3 before notebook 4 added the mask): the chapter's
// ablation. Its parameters and checkpoints are the same; only the softmax changes.
#ifndef UNROLLED_CH07_BAHDANAU_H
#define UNROLLED_CH07_BAHDANAU_H

#include <stddef.h>

#include "attention.h"
#include "bidirectional.h"
#include "gru.h"
#include "layers.h"
#include "seq2seq_model.h"
#include "seq2seq_train.h"

#define BAHDANAU_NAME "seq2seq_attention"    // the model's name in checkpoints and CSV files
#define BAHDANAU_VARIANT_NO_MASK "no-mask"   // Seq2SeqConfig.variant of the ablation

typedef struct Bahdanau {
    Seq2SeqModel base;    // cfg, parameters and the encode/decode_step pair (seq2seq_model.h)
    Embedding enc_emb;    // encoder.embedding
    Bidirectional enc;    // encoder.rnn (GRU, forward and _reverse)
    Linear enc_fc;        // encoder.fc: [f_last ; g_first] (2H_e) -> s_0 (H_d)
    Attention att;        // decoder.attention: attn (H_d + 2H_e -> H_d), v (H_d -> 1)
    Embedding dec_emb;    // decoder.embedding
    GRU dec;              // decoder.rnn, one layer, input E + 2H_e
    Linear fc_out;        // decoder.fc_out: H_d + 2H_e + E -> V_tgt
    int H_e, H_d;
    int mask;             // 1: padding gets exactly zero weight; 0: the "no-mask" variant
} Bahdanau;

// Where the attention weights of a decoding go, when someone asks for them (the maps, the
// alignment measurement, the tests): alpha[t] (B, S) for steps t = 0 .. steps-1.
typedef struct BahdanauTrace {
    float *alpha;        // (max_steps, B, S), caller-owned
    int max_steps, B, S;
    int steps;           // decoder steps recorded so far
} BahdanauTrace;

// The decoder's state between steps (allocated in the tape's arena by encode).
typedef struct BahdanauState {
    GRUState gru;              // gru.h[0] = s_{t-1} (B, H_d)
    AttentionMemory mem;       // the encoder outputs h_s, keys_s and the mask, once per batch
    BahdanauTrace *trace;      // NULL, or where each step's alpha (B, S) is copied
    Tensor *last_alpha;        // the last step's weights (B, S)
} BahdanauState;

// Declare every parameter and initialise it: cfg->init_std > 0 gives notebook 3's init_weights
// (every weight N(0, std), every bias 0); cfg->init_range > 0 every parameter U(-a, a); both 0
// PyTorch's defaults. cfg->dec_hidden 0 means H_d = H_e; cfg->layers must be 1.
// A Seq2SeqBuilder: free it with seq2seq_delete.
Seq2SeqModel *bahdanau_new(const Seq2SeqConfig *cfg, Rng *rng);

// The encoder: returns the decoder's starting state (what the Seq2SeqModelOps encode returns).
BahdanauState *bahdanau_encode(Tape *tp, const Bahdanau *m, const int *src, const int *src_len, int S, int B);
// One decoder step: ids (B) read now -> logits (B, V_tgt); updates *st (and its trace).
Tensor *bahdanau_decode_step(Tape *tp, const Bahdanau *m, const int *ids, int B, BahdanauState *st);

// Greedy decoding as seq2seq_greedy (same outputs, tests/check_ch07.c checks it), recording
// every step's weights into trace (max_steps >= max_len, B and S as given).
void bahdanau_greedy_traced(Tape *tp, const Bahdanau *m, const int *src, const int *src_len, int S, int B,
                            int max_len, int *out, int *out_len, BahdanauTrace *trace);

// The chapter's settings (vocabulary sizes come from the data):
//   BAHDANAU_RECIPE_CLASSROOM    the default: dates, E 64, H_e = H_d = 64, dropout 0.2, Adam 3e-3,
//                                batch 64, 3 epochs, U(-0.08, 0.08) (chapter 04's recipe, smaller)
//   BAHDANAU_RECIPE_QUICK        --quick: E 32, H 32, no dropout, Adam 1e-2, batch 32,
//                                2 epochs of the first 3,000 dates pairs (200 to evaluate)
//   BAHDANAU_RECIPE_COPY         the bottleneck experiment, chapter 04's LSTM_RECIPE_COPY:
//                                copy 3-30 symbols, E 32, H 128, dropout 0.2, Adam 5e-3, batch 32,
//                                4 epochs of 8,000 pairs, 500 to test, U(-0.08, 0.08)
//   BAHDANAU_RECIPE_COPY_QUICK   chapter 04's LSTM_RECIPE_COPY_QUICK (exercises the code only)
//   BAHDANAU_RECIPE_BENTREVETT   --preset bentrevett: notebook 3 (E 256, H_e = H_d = 512,
//                                dropout 0.5, batch 128, 10 epochs, clip 1, Adam 1e-3, teacher
//                                forcing 0.5, weights N(0, 0.01), biases 0), for Multi30k
typedef enum {
    BAHDANAU_RECIPE_CLASSROOM,
    BAHDANAU_RECIPE_QUICK,
    BAHDANAU_RECIPE_COPY,
    BAHDANAU_RECIPE_COPY_QUICK,
    BAHDANAU_RECIPE_BENTREVETT
} BahdanauRecipeName;

Seq2SeqRecipe bahdanau_recipe(BahdanauRecipeName name);

#endif
