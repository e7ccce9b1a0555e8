// cho_seq2seq.h: the encoder-decoder of Cho et al. (2014), with GRUs: the decoder sees the
// context at EVERY step, in its input and in its output layer, not only as its first state.
// Chapter 05's second half. The wiring and the parameter names are bentrevett/pytorch-seq2seq
// notebook 2's ("Learning Phrase Representations using RNN Encoder-Decoder"), so a checkpoint
// loads into that notebook's Seq2Seq; tests/fixtures/cho_seq2seq.bin is that model in PyTorch.
//
// Shapes (common/tensor.h): S source steps, B batch, E embedding size, H hidden size,
// L layers (notebook 2: 1), V_tgt the target vocabulary. Ids are time-major, (S, B).
//
//   encoder   x_s = dropout(E_src[src_s])                               (S, B, E)
//             h_s = GRU_enc(x_s, h_{s-1}),  h_0 = 0                      (L, B, H) per step
//             z   = the top layer's h at each sentence's OWN last token   (B, H)  the context
//                   (padding skipped, as PyTorch's packed sequences)
//   decoder   s_0 = every layer's final encoder state (L = 1: s_0 = z)
//             d_t = dropout(E_tgt[y_{t-1}])                              (B, E)
//             s_t = GRU_dec(cat(d_t, z), s_{t-1})                         (B, H)  input E + H
//             logits_t = fc_out(cat(d_t, s_t, z))                        (B, V_tgt)  E + 2H -> V
//
// The variant "no-context" (--context-every-step off) is chapter 04's wiring with this cell:
// s_t = GRU_dec(d_t, s_{t-1}) (input E), logits_t = fc_out(s_t) (H -> V), still s_0 = z. The
// fixture's "cho_noctx." model is exactly that.
//
// Parameters, in PyTorch's named_parameters() order (L = 1; more layers add _l1, _l2 ...):
//     encoder.embedding.weight (V_src, E)
//     encoder.rnn.weight_ih_l0 (3H, E)    encoder.rnn.weight_hh_l0 (3H, H)
//     encoder.rnn.bias_ih_l0 (3H)         encoder.rnn.bias_hh_l0 (3H)
//     decoder.embedding.weight (V_tgt, E)
//     decoder.rnn.weight_ih_l0 (3H, E + H; no-context: E)   weight_hh_l0 (3H, H), the biases (3H)
//     decoder.fc_out.weight (V_tgt, E + 2H; no-context: H)  decoder.fc_out.bias (V_tgt)
#ifndef UNROLLED_CHO_SEQ2SEQ_H
#define UNROLLED_CHO_SEQ2SEQ_H

#include "gru.h"
#include "layers.h"
#include "lstm_seq2seq.h"   // LstmRecipeName: the Cho recipes mirror chapter 04's
#include "seq2seq_model.h"
#include "seq2seq_train.h"

#define CHO_SEQ2SEQ_NAME "seq2seq_gru_cho"   // the model's name in its checkpoints
#define CHO_VARIANT_NO_CONTEXT "no-context"    // Seq2SeqConfig.variant of the ablation

typedef struct ChoSeq2Seq {
    Seq2SeqModel base;        // cfg, parameters and the encode/decode_step pair (seq2seq_model.h)
    int context_every_step;   // 1: Cho et al.; 0: the "no-context" variant
    Embedding enc_emb;        // encoder.embedding
    GRU enc;                  // encoder.rnn
    Embedding dec_emb;        // decoder.embedding
    GRU dec;                  // decoder.rnn
    Linear fc_out;            // decoder.fc_out
} ChoSeq2Seq;

// What encode hands the decoder: the running GRU state and the fixed context z (B, H).
typedef struct ChoState {
    GRUState s;
    Tensor *z;
} ChoState;

// A Seq2SeqBuilder: declare every parameter (PyTorch's default initialisation), then apply
// cfg->init_std (notebook 2: N(0, 0.01)) or cfg->init_range. cfg->variant is "" or
// "no-context" (anything else is a one-line error). Free it with seq2seq_delete.
Seq2SeqModel *cho_seq2seq_new(const Seq2SeqConfig *cfg, Rng *rng);

// The encoder: src (S, B) ids, src_len (B) real lengths (<sos> and <eos> included).
// *h_n (L, B, H) every layer's final state; returns z (B, H), the top layer's.
Tensor *cho_seq2seq_encode(Tape *tp, const ChoSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                           Tensor **h_n);

// One decoder step: the ids read now (B) and the running state -> logits (B, V_tgt).
Tensor *cho_seq2seq_decode_step(Tape *tp, const ChoSeq2Seq *m, const int *ids, int B, ChoState *state);

// The chapter's settings, named as chapter 04's (lstm_seq2seq.h) so the two models can be
// trained on the same budget:
//   LSTM_RECIPE_CLASSROOM, _QUICK, _COPY, _COPY_QUICK   chapter 04's model and training sizes
//                           (E, H, dropout, U(-0.08, 0.08), Adam, batch, clip, teacher forcing),
//                           one layer; the data budget is the chapter's (see cho_lesson.h)
//   LSTM_RECIPE_BENTREVETT  notebook 2: E 256, H 512, 1 layer, dropout 0.5, N(0, 0.01),
//                           Adam 1e-3, batch 128, clip 1, teacher forcing 0.5, 10 epochs
Seq2SeqRecipe cho_seq2seq_recipe(LstmRecipeName name);

#endif
