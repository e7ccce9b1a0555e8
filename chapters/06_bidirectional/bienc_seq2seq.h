// bienc_seq2seq.h: chapter 06's model, a BIDIRECTIONAL GRU encoder joined into one state for
// Cho et al.'s decoder (the decoder that sees the context at every step, chapter 05), wired as
// bentrevett/pytorch-seq2seq notebook 3 wires its encoder, so a checkpoint loads into its PyTorch
// modules (tests/ref/gen_fixtures_seq2seq_models.py, model 2, holds that PyTorch model).
//
// Shapes (see common/tensor.h): S source steps, T target steps, B batch, E embedding size,
// H hidden size, L encoder layers, V_src / V_tgt vocabulary sizes. Ids are time-major: (S, B).
//
//   encoder   x_s   = dropout(E_src[src_s])                               (S, B, E)
//             f_s   = GRU_fwd(x_s, f_{s-1}),  s = 0 .. len-1, f_{-1} = 0   (B, H)  left to right
//             g_s   = GRU_bwd(x_s, g_{s+1}),  s = len-1 .. 0, g_len = 0    (B, H)  right to left,
//                     STARTING at each sentence's own last real token (packed; bidirectional.h)
//             out_s = [f_s ; g_s]                                        (S, B, 2H), 0 at padding
//             h_fwd = f_{len-1}   (the forward direction's last state: it has read everything)
//             h_bwd = g_0         (the backward direction's last state: it too has read it all)
//             z     = tanh(encoder.fc([h_fwd ; h_bwd]))                  (B, 2H) -> (B, H)
//             (L > 1: layer k+1 reads both directions of layer k; h_fwd and h_bwd are the TOP
//             layer's two final states, PyTorch's hidden[-2] and hidden[-1], as notebook 3)
//   decoder   s_0   = z                                                  the joined summary
//             d_t   = dropout(E_tgt[y_{t-1}])                            (B, E)
//             s_t   = GRU_dec([d_t ; z], s_{t-1})                        (B, H), input E + H
//             logits_t = decoder.fc_out([d_t ; s_t ; z])                 (B, E + 2H) -> (B, V_tgt)
//
// The variant "unidirectional" (cfg.variant) is chapter 05's Cho et al. model: a plain GRU
// encoder whose final state (top layer, at each sentence's last real token) IS z, with no
// encoder.fc; everything else the same. The variant "naive-reverse" is the bidirectional model
// with the padding trap switched on (Bidirectional.naive_reverse: the backward direction reads
// the <pad>s first); it exists to be trained in cell 3 and compared.
//
// Parameters, in PyTorch's named_parameters() order:
//     encoder.embedding.weight (V_src, E)
//     encoder.rnn.weight_ih_l{k} (3H, E or 2H), weight_hh_l{k} (3H, H), bias_ih_l{k}, bias_hh_l{k} (3H)
//     encoder.rnn.*_l{k}_reverse    the same four for the backward direction (not "unidirectional")
//     encoder.fc.weight (H, 2H), encoder.fc.bias (H)                   (not "unidirectional")
//     decoder.embedding.weight (V_tgt, E)
//     decoder.rnn.weight_ih_l0 (3H, E + H), weight_hh_l0 (3H, H), bias_ih_l0, bias_hh_l0 (3H)
//     decoder.fc_out.weight (V_tgt, E + 2H), decoder.fc_out.bias (V_tgt)
// The decoder always has one layer (notebooks 2 and 3); cfg.layers is the encoder's depth.
//
// Initialisation: cfg.init_std > 0 is notebook 3's init_weights, every WEIGHT N(0, std) and every
// bias 0 (note: seq2seq_init_weights would give the biases N(0, std) too, notebook 2's rule);
// cfg.init_range > 0 is U(-a, a) for everything (chapter 04's classroom recipe); both 0 are
// PyTorch's defaults.
#ifndef UNROLLED_CH06_BIENC_SEQ2SEQ_H
#define UNROLLED_CH06_BIENC_SEQ2SEQ_H

#include "bidirectional.h"
#include "gru.h"
#include "layers.h"
#include "seq2seq_model.h"
#include "seq2seq_train.h"

#define BIENC_SEQ2SEQ_NAME "seq2seq_gru_bi"      // the model's name in its checkpoints
#define BIENC_VARIANT_UNI "unidirectional"        // cfg.variant: chapter 05's encoder
#define BIENC_VARIANT_NAIVE "naive-reverse"       // cfg.variant: the padding trap, trained

typedef struct BiencSeq2Seq {
    Seq2SeqModel base;       // cfg, parameters and the encode/decode_step pair (seq2seq_model.h)
    int bidirectional;       // 0 for the "unidirectional" variant
    Embedding enc_emb;       // encoder.embedding
    Bidirectional enc_bi;    // encoder.rnn, both directions (bidirectional)
    GRU enc_uni;             // encoder.rnn, left to right only (unidirectional)
    Linear enc_fc;           // encoder.fc, 2H -> H (bidirectional)
    Embedding dec_emb;       // decoder.embedding
    GRU dec;                 // decoder.rnn, input E + H, one layer
    Linear fc_out;           // decoder.fc_out, E + 2H -> V_tgt
} BiencSeq2Seq;

// What the encoder computed, every step of the wiring kept (cell 2 prints the shapes).
typedef struct BiencEncoding {
    Tensor *out;      // (S, B, 2H) [forward | backward] (bidirectional) or (S, B, H); 0 at padding
    Tensor *h_n;      // (2L, B, H) PyTorch's hidden (bidirectional) or (L, B, H)
    Tensor *h_fwd;    // (B, H) the top layer's forward state at each sentence's last real token
    Tensor *h_bwd;    // (B, H) the top layer's backward state after its first token; NULL (uni)
    Tensor *joined;   // (B, 2H) [h_fwd ; h_bwd]; NULL (uni)
    Tensor *z;        // (B, H) the decoder's first state and its context at every step
} BiencEncoding;

// The decoder's running state (seq2seq_model.h's void *state).
typedef struct BiencState {
    GRUState s;       // s_t (B, H)
    Tensor *z;        // (B, H), read at every step
} BiencState;

// Declare every parameter (cfg->variant: "", "unidirectional" or "naive-reverse") and
// initialise it (see above). A Seq2SeqBuilder: free it with seq2seq_delete.
Seq2SeqModel *bienc_seq2seq_new(const Seq2SeqConfig *cfg, Rng *rng);

// The encoder, with every intermediate: src (S, B) ids, src_len (B) real lengths.
void bienc_encode(Tape *tp, const BiencSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                  BiencEncoding *enc);

// One decoder step: the ids read now (B) and the running state -> logits (B, V_tgt).
Tensor *bienc_decode_step(Tape *tp, const BiencSeq2Seq *m, const int *ids, int B, BiencState *st);

// The chapter's recipes (main.c's defaults, and the tests):
//   BIENC_RECIPE_CLASSROOM   dates, chapter 04's classroom settings (E 64, H 128, dropout 0.2,
//                            U(-0.08, 0.08), Adam 3e-3, batch 64, clip 1, teacher forcing 0.5)
//                            with 8,000 training pairs and 6 epochs, so that the two encoders,
//                            the trap runs and the copy task fit in about three minutes
//   BIENC_RECIPE_QUICK       --quick: chapter 04's (E 32, H 64, Adam 2e-2, batch 16, 6 epochs of
//                            3,000 dates pairs, 200 to evaluate)
//   BIENC_RECIPE_COPY        the bottleneck experiment: chapter 04's LSTM_RECIPE_COPY exactly
//   BIENC_RECIPE_COPY_QUICK  its miniature for --quick
//   BIENC_RECIPE_BENTREVETT  --preset bentrevett: notebook 3's sizes and training (E 256, H 512,
//                            1 layer, dropout 0.5, batch 128, 10 epochs, weights N(0, 0.01) and
//                            biases 0, Adam 1e-3, clip 1, teacher forcing 0.5)
typedef enum {
    BIENC_RECIPE_CLASSROOM,
    BIENC_RECIPE_QUICK,
    BIENC_RECIPE_COPY,
    BIENC_RECIPE_COPY_QUICK,
    BIENC_RECIPE_BENTREVETT
} BiencRecipeName;

Seq2SeqRecipe bienc_recipe(BiencRecipeName name);

#endif
