// seq2seq_model.h: what every encoder-decoder of chapters 04-07 is to the code that trains,
// measures, saves and loads it. Introduced in chapter 04 (the LSTM model) and promoted here
// when chapter 05 (Cho et al.'s GRU model) needed the same training loop.
//
// A model is two functions and its parameters:
//     encode       reads the source (S, B) and returns the decoder's starting state (whatever
//                  the model needs: LSTM states, a context vector, attention memory)
//     decode_step  reads one target id per sentence (B), updates that state, returns the
//                  logits (B, V_tgt) of the next word
// Everything else is the same for every model and lives here once: the training loss with
// teacher forcing and the shift by one (seq2seq_loss), greedy decoding (seq2seq_greedy).
//
// A chapter's model embeds Seq2SeqModel as its FIRST member, so a pointer to one is a pointer
// to the other (the C way of saying "an LstmSeq2Seq is a Seq2SeqModel"):
//     typedef struct LstmSeq2Seq { Seq2SeqModel base; Embedding enc_emb; LSTM enc; ... } LstmSeq2Seq;
//     static const Seq2SeqModelOps LSTM_OPS = {"seq2seq_lstm", encode, decode_step, tape_bytes};
//
// Shapes (see common/tensor.h): S source steps, T target steps, B batch, V_tgt target vocabulary.
//
// The shift by one. A target sentence is stored as <sos> w1 .. wn <eos> (T = n + 2 ids).
// The decoder READS ids 0 .. T-2 (<sos> w1 .. wn) and must PREDICT ids 1 .. T-1
// (w1 .. wn <eos>): at step t it has seen the words before position t and guesses the word
// at t. So <sos> goes in first and the first word comes out; <eos> is never fed in, only
// predicted, and predicting it is how the model says "done".
#ifndef UNROLLED_SEQ2SEQ_MODEL_H
#define UNROLLED_SEQ2SEQ_MODEL_H

#include <stddef.h>

#include "params.h"
#include "rng.h"
#include "tensor.h"

// The sizes and settings that rebuild a model (saved in every checkpoint's config).
typedef struct Seq2SeqConfig {
    int src_vocab, tgt_vocab;   // V_src, V_tgt (specials included)
    int emb;                    // E
    int hidden;                 // H: the encoder's hidden size (and the decoder's, unless dec_hidden)
    int dec_hidden;             // the decoder's hidden size when it differs (chapter 07); 0: = hidden
    int layers;                 // L, the same in the encoder and the decoder
    float dropout;              // on the embeddings and between recurrent layers (bentrevett)
    float init_range;           // > 0: every parameter U(-a, a) (Sutskever: 0.08)
    float init_std;             // > 0: every parameter N(0, s) (bentrevett nb 2: 0.01); both 0: PyTorch's
    char variant[32];           // "" for the chapter's model, else its ablation ("no-context", ...)
} Seq2SeqConfig;

typedef struct Seq2SeqModel Seq2SeqModel;

typedef struct Seq2SeqModelOps {
    const char *name;   // the model's name in checkpoints: "seq2seq_lstm", "seq2seq_gru_cho", ...
    // src (S, B) ids, src_len (B) real lengths. Returns the decoder state, allocated in tp's arena.
    void *(*encode)(Tape *tp, const Seq2SeqModel *m, const int *src, const int *src_len, int S, int B);
    // ids (B) read now -> logits (B, V_tgt); updates *state.
    Tensor *(*decode_step)(Tape *tp, const Seq2SeqModel *m, const int *ids, int B, void *state);
    // Arena bytes one training step needs for B sentences of at most S source and T target ids.
    size_t (*tape_bytes)(const Seq2SeqModel *m, int B, int S, int T);
} Seq2SeqModelOps;

struct Seq2SeqModel {
    const Seq2SeqModelOps *ops;
    Seq2SeqConfig cfg;
    Params P;   // every parameter, in PyTorch's named_parameters() order
};

// How a chapter makes its model from a config (used to load checkpoints). The model is
// malloc'd; seq2seq_delete frees it.
typedef Seq2SeqModel *(*Seq2SeqBuilder)(const Seq2SeqConfig *cfg, Rng *rng);

// Check the sizes of cfg (one-line error naming the flag). Called by every builder.
void seq2seq_config_check(const Seq2SeqConfig *cfg, const char *model);
// Apply cfg's initialisation (init_range or init_std) to every parameter; nothing when both are 0.
void seq2seq_init_weights(Seq2SeqModel *m, Rng *rng);
void seq2seq_delete(Seq2SeqModel *m);

// The index of the largest of each row of logits (B, V) (the first one on a tie, as argmax).
void seq2seq_argmax(int *ids, const Tensor *logits);

// The training loss of one batch: src (S, B), tgt (T, B) as batch.h makes them (<pad> = 1
// after each sequence). At every step the next input is the reference word with probability
// teacher_forcing (one draw per step for the whole batch, from rng, as bentrevett's
// random.random()), else the decoder's own argmax. rng is used only when 0 < ratio < 1.
// Returns the mean cross-entropy over every non-<pad> target word of ids 1 .. T-1.
Tensor *seq2seq_loss(Tape *tp, const Seq2SeqModel *m, const int *src, const int *src_len, int S,
                     const int *tgt, int T, int B, float teacher_forcing, Rng *rng);

// Greedy decoding (no gradients, dropout off): encode, then feed <sos> and each argmax back
// in until every sentence has said <eos> or max_len words were made. out (max_len, B)
// receives the words (time-major, <pad> after the end, <eos> not included), out_len (B)
// their number. The tape is reset by the caller.
void seq2seq_greedy(Tape *tp, const Seq2SeqModel *m, const int *src, const int *src_len, int S, int B,
                    int max_len, int *out, int *out_len);

static inline size_t seq2seq_tape_bytes(const Seq2SeqModel *m, int B, int S, int T) {
    return m->ops->tape_bytes(m, B, S, T);
}

#endif
