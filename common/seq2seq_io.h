// seq2seq_io.h: a Seq2Seq's configuration as JSON, loading a checkpoint into a model,
// and translating a sentence typed by a person. Introduced in chapter 04.
//
//     Seq2SeqLoaded s;
//     if (!seq2seq_load(&s, "runs/04_seq2seq_lstm/dates.best", LSTM_SEQ2SEQ_NAME, lstm_seq2seq_new,
//                       err, sizeof err)) die("%s", err);
//     seq2seq_translate_text(&s, "tuesday 3 march 1998", 20, &tr, err, sizeof err);
//     printf("%s\n", tr.output);                                  // 1998 - 03 - 03
//
// The config a checkpoint carries (checkpoint.h's "config") is everything needed to rebuild
// the model without command-line options, plus the training settings a resumed run must
// share (a resume with another --lr would not continue the same run):
//     {"model":"seq2seq_lstm","data":"dates","tokenize":"words","reverse_source":true,
//      "src_vocab":306,"tgt_vocab":136,"emb":64,"hidden":128,"layers":1,"dropout":0.2,
//      "init_range":0.08,"lr":0.003,"batch":64,"clip":1,"teacher_forcing":0.5,"bucket":0,
//      "seed":1234,"train_pairs":0}
#ifndef UNROLLED_SEQ2SEQ_IO_H
#define UNROLLED_SEQ2SEQ_IO_H

#include <stddef.h>

#include "seq2seq_model.h"
#include "seq2seq_train.h"
#include "tokenizer.h"
#include "vocab.h"

// Every model's layers are capped alike (LSTM_MAX_LAYERS, GRU_MAX_LAYERS, BI_MAX_LAYERS).
#define SEQ2SEQ_MAX_LAYERS 8

// The JSON above (malloc'd).
// "dec_hidden", "init_std" and "variant" are written only when set, so chapter 04's files keep their form.
char *seq2seq_config_json(const char *model, const Seq2SeqConfig *mc, const char *data, TokenizeMode mode,
                          int reverse, const Seq2SeqTrainConfig *tc, int train_pairs);

typedef struct Seq2SeqLoaded {
    Seq2SeqModel *m;          // built by the chapter's Seq2SeqBuilder
    Vocab src_vocab, tgt_vocab;
    char data[64];            // the data set it was trained on
    TokenizeMode mode;        // how to split a new sentence
    int reverse;              // the encoder reads the source backwards
    long step;                // Adam updates it had when saved
} Seq2SeqLoaded;

// Open NAME(.safetensors), check it holds the model called `model` with both vocabularies,
// build the model its config describes with `build` and copy the weights in. 0 with a
// one-line reason on any error (missing, corrupt, another model, a tensor missing or of
// another shape).
int seq2seq_load(Seq2SeqLoaded *s, const char *name, const char *model, Seq2SeqBuilder build, char *err,
                 size_t errlen);
void seq2seq_loaded_free(Seq2SeqLoaded *s);

typedef struct Seq2SeqTranslation {
    char read_as[1024];       // the ids the encoder reads, as tokens: <sos> . fahrrad ... <eos>
    char output[1024];        // the greedy translation
    int n_unknown;            // source words outside the vocabulary (read as <unk>)
} Seq2SeqTranslation;

// Tokenize text as the training data was, encode it (<unk> for unknown words, reversed if the
// model reads backwards), translate greedily. 0 with the reason (invalid UTF-8, no words).
int seq2seq_translate_text(const Seq2SeqLoaded *s, const char *text, int max_len, Seq2SeqTranslation *tr,
                           char *err, size_t errlen);

#endif
