// seq2seq.h: the encoder-decoder of Sutskever, Vinyals and Le (2014), with LSTMs.
// Chapter 04. Chapters 05-07 and bench/ reuse it; its parameters have the names of
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
// The shift by one. A target sentence is stored as <sos> w1 .. wn <eos> (T = n + 2 ids).
// The decoder READS ids 0 .. T-2 (<sos> w1 .. wn) and must PREDICT ids 1 .. T-1
// (w1 .. wn <eos>): at step t it has seen the words before position t and guesses the word
// at t. So <sos> goes in first and the first word comes out; <eos> is never fed in, only
// predicted, and predicting it is how the model says "done".
//
// Parameters, in PyTorch's named_parameters() order:
//     encoder.embedding.weight (V_src, E)
//     encoder.rnn.weight_ih_l{k} (4H, E or H), weight_hh_l{k} (4H, H), bias_ih_l{k}, bias_hh_l{k} (4H)
//     decoder.embedding.weight (V_tgt, E)
//     decoder.rnn.* as the encoder's
//     decoder.fc_out.weight (V_tgt, H), decoder.fc_out.bias (V_tgt)
#ifndef CH04_SEQ2SEQ_H
#define CH04_SEQ2SEQ_H

#include <stddef.h>

#include "layers.h"
#include "lstm.h"
#include "params.h"
#include "rng.h"
#include "tensor.h"
#include "tokenizer.h"

typedef struct Seq2SeqConfig {
    int src_vocab, tgt_vocab;   // V_src, V_tgt (specials included)
    int emb;                    // E
    int hidden;                 // H
    int layers;                 // L, the same in the encoder and the decoder
    float dropout;              // on both embeddings and between LSTM layers (bentrevett)
    float init_range;           // every parameter U(-a, a) (Sutskever: 0.08); 0: PyTorch's init
} Seq2SeqConfig;

typedef struct Seq2Seq {
    Seq2SeqConfig cfg;
    Params P;
    Embedding enc_emb;   // encoder.embedding
    LSTM enc;            // encoder.rnn
    Embedding dec_emb;   // decoder.embedding
    LSTM dec;            // decoder.rnn
    Linear fc_out;       // decoder.fc_out
} Seq2Seq;

// Declare every parameter and initialise it (cfg->init_range, or PyTorch's defaults).
void seq2seq_init(Seq2Seq *m, const Seq2SeqConfig *cfg, Rng *rng);
void seq2seq_free(Seq2Seq *m);

// The encoder: src (S, B) ids, src_len (B) real lengths (<sos> and <eos> included).
// Returns the context: *h_n and *c_n (L, B, H), each sequence's state at its last token.
void seq2seq_encode(Tape *tp, const Seq2Seq *m, const int *src, const int *src_len, int S, int B,
                    Tensor **h_n, Tensor **c_n);

// One decoder step: the ids read now (B) and the running state -> logits (B, V_tgt).
Tensor *seq2seq_decode_step(Tape *tp, const Seq2Seq *m, const int *ids, int B, LSTMState *state);

// The index of the largest of each row of logits (B, V) (the first one on a tie, as argmax).
void seq2seq_argmax(int *ids, const Tensor *logits);

// The training loss of one batch: src (S, B), tgt (T, B) as batch.h makes them (<pad> = 1
// after each sequence). At every step the next input is the reference word with probability
// teacher_forcing (one draw per step for the whole batch, from rng, as bentrevett's
// random.random()), else the decoder's own argmax. rng is used only when 0 < ratio < 1.
// Returns the mean cross-entropy over every non-<pad> target word of ids 1 .. T-1.
Tensor *seq2seq_loss(Tape *tp, const Seq2Seq *m, const int *src, const int *src_len, int S,
                     const int *tgt, int T, int B, float teacher_forcing, Rng *rng);

// Greedy decoding (no gradients, dropout off): encode, then feed <sos> and each argmax back
// in until every sentence has said <eos> or max_len words were made. out (max_len, B)
// receives the words (time-major, <pad> after the end, <eos> not included), out_len (B)
// their number. The tape is reset by the caller.
void seq2seq_greedy(Tape *tp, const Seq2Seq *m, const int *src, const int *src_len, int S, int B,
                    int max_len, int *out, int *out_len);

// Arena bytes one step needs for a batch of B sentences of at most S source and T target
// ids (training, gradients included), with room to spare.
size_t seq2seq_tape_bytes(const Seq2SeqConfig *cfg, int B, int S, int T);

#endif
