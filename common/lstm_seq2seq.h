// lstm_seq2seq.h: the encoder-decoder of Sutskever, Vinyals and Le (2014), with LSTMs.
// Introduced in chapter 04; chapter 05 trains it beside the GRU and bench/ times it. Its parameters have the names of
// bentrevett/pytorch-seq2seq notebook 1's PyTorch modules, so a checkpoint loads there.
//
// Shapes (see common/tensor.h): S source steps, T target steps, B batch, E embedding size,
// H hidden size, L layers, V_src / V_tgt vocabulary sizes. Ids are time-major: (S, B).
//
//   encoder   x_s = dropout(E_src[src_s])                              (S, B, E)
//             (h_s^l, c_s^l) = LSTM^l(h_s^{l-1}, (h_{s-1}^l, c_{s-1}^l)),  h_s^0 = x_s
//             the context: every layer's final state (h_S^l, c_S^l)    (L, B, H) each,
//             taken at each sentence's OWN last token (padding is skipped, as with
//             PyTorch's packed sequences)
//   decoder   (s_0^l, c_0^l) = (h_S^l, c_S^l)                           the summary starts it
//             y_0 = <sos>
//             d_t = dropout(E_tgt[y_{t-1}])                            (B, E)
//             (s_t, c_t) = LSTM(d_t, (s_{t-1}, c_{t-1}))                one lstm_step
//             logits_t = s_t^L W_out^T + b_out                          (B, V_tgt)
//             y_t = the reference word (teacher forcing) or argmax logits_t (its own guess)
//   loss      mean over every real target word of -log softmax(logits_t)[ref_t]
//
// The shift by one (see common/seq2seq_model.h): the decoder reads <sos> w1 .. wn and must
// predict w1 .. wn <eos>; seq2seq_loss in common/seq2seq_model.c runs that loop for every model.
//
// Parameters, in PyTorch's named_parameters() order:
//     encoder.embedding.weight (V_src, E)
//     encoder.rnn.weight_ih_l{k} (4H, E or H), weight_hh_l{k} (4H, H), bias_ih_l{k}, bias_hh_l{k} (4H)
//     decoder.embedding.weight (V_tgt, E)
//     decoder.rnn.* as the encoder's
//     decoder.fc_out.weight (V_tgt, H), decoder.fc_out.bias (V_tgt)
#ifndef UNROLLED_LSTM_SEQ2SEQ_H
#define UNROLLED_LSTM_SEQ2SEQ_H

#include <stddef.h>

#include "layers.h"
#include "lstm.h"
#include "params.h"
#include "rng.h"
#include "seq2seq_model.h"
#include "seq2seq_train.h"
#include "tensor.h"

#define LSTM_SEQ2SEQ_NAME "seq2seq_lstm"   // the model's name in its checkpoints

typedef struct LstmSeq2Seq {
    Seq2SeqModel base;   // cfg, parameters and the encode/decode_step pair (seq2seq_model.h)
    Embedding enc_emb;   // encoder.embedding
    LSTM enc;            // encoder.rnn
    Embedding dec_emb;   // decoder.embedding
    LSTM dec;            // decoder.rnn
    Linear fc_out;       // decoder.fc_out
} LstmSeq2Seq;

// Declare every parameter and initialise it (cfg->init_range, or PyTorch's defaults).
// A Seq2SeqBuilder: free it with seq2seq_delete.
Seq2SeqModel *lstm_seq2seq_new(const Seq2SeqConfig *cfg, Rng *rng);

// The encoder: src (S, B) ids, src_len (B) real lengths (<sos> and <eos> included).
// Returns the context: *h_n and *c_n (L, B, H), each sequence's state at its last token.
void lstm_seq2seq_encode(Tape *tp, const LstmSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                         Tensor **h_n, Tensor **c_n);

// One decoder step: the ids read now (B) and the running state -> logits (B, V_tgt).
Tensor *lstm_seq2seq_decode_step(Tape *tp, const LstmSeq2Seq *m, const int *ids, int B, LSTMState *state);

// The settings of the chapter's runs, shared by main.c (its defaults) and the tests:
//   LSTM_RECIPE_CLASSROOM   the default: dates (20,000 pairs), E 64, H 128, 1 layer, dropout 0.2,
//                           Adam 3e-3, batch 64, 10 epochs: about a minute per model on one core
//   LSTM_RECIPE_QUICK       --quick: E 32, H 64, no dropout, Adam 2e-2, batch 16, 6 epochs of the
//                           first 3,000 dates pairs (200 to evaluate): about 2 seconds
//   LSTM_RECIPE_COPY        the bottleneck experiment: the copy task (3-30 symbols), the classroom
//                           H 128 with E 32, Adam 5e-3, batch 32, 4 epochs of 8,000 pairs (500 to test)
//   LSTM_RECIPE_COPY_QUICK  the same in miniature for --quick (E 16, H 32, 1 epoch of 500 pairs): it
//                           only exercises the code
//   LSTM_RECIPE_BENTREVETT  --preset bentrevett: notebook 1's model and training (E 256, H 512,
//                           2 layers, dropout 0.5, batch 128, 10 epochs, U(-0.08, 0.08), Adam 1e-3,
//                           clip 1, teacher forcing 0.5), for Multi30k
typedef enum {
    LSTM_RECIPE_CLASSROOM,
    LSTM_RECIPE_QUICK,
    LSTM_RECIPE_COPY,
    LSTM_RECIPE_COPY_QUICK,
    LSTM_RECIPE_BENTREVETT
} LstmRecipeName;

Seq2SeqRecipe lstm_seq2seq_recipe(LstmRecipeName name);

#endif
