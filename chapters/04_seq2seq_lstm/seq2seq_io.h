// seq2seq_io.h: a Seq2Seq's configuration as JSON, loading a checkpoint into a model,
// and translating a sentence typed by a person. Chapter 04.
//
//     Seq2SeqLoaded s;
//     if (!seq2seq_load(&s, "runs/04_seq2seq_lstm/dates.best", err, sizeof err)) die("%s", err);
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
#ifndef CH04_SEQ2SEQ_IO_H
#define CH04_SEQ2SEQ_IO_H

#include <stddef.h>

#include "seq2seq.h"
#include "seq2seq_train.h"
#include "tokenizer.h"
#include "vocab.h"

#define SEQ2SEQ_MODEL_NAME "seq2seq_lstm"

// The settings of the chapter's runs, shared by main.c (its defaults) and the tests:
//   SEQ2SEQ_CLASSROOM   the default: dates (20,000 pairs), E 64, H 128, 1 layer, dropout 0.2,
//                       Adam 3e-3, batch 64, 10 epochs: about a minute per model on one core
//   SEQ2SEQ_QUICK       --quick: E 32, H 64, no dropout, Adam 2e-2, batch 16, 6 epochs of the
//                       first 3,000 dates pairs (200 to evaluate): about 2 seconds
//   SEQ2SEQ_COPY        the bottleneck experiment: the copy task (3-30 symbols), the classroom
//                       H 128 with E 32, Adam 5e-3, batch 32, 4 epochs of 8,000 pairs (500 to test)
//   SEQ2SEQ_COPY_QUICK  the same in miniature for --quick (E 16, H 32, 1 epoch of 500 pairs): it
//                       only exercises the code
//   SEQ2SEQ_BENTREVETT  --preset bentrevett: notebook 1's model and training (E 256, H 512,
//                       2 layers, dropout 0.5, batch 128, 10 epochs, U(-0.08, 0.08), Adam 1e-3,
//                       clip 1, teacher forcing 0.5), for Multi30k
typedef enum {
    SEQ2SEQ_CLASSROOM,
    SEQ2SEQ_QUICK,
    SEQ2SEQ_COPY,
    SEQ2SEQ_COPY_QUICK,
    SEQ2SEQ_BENTREVETT
} Seq2SeqRecipeName;

typedef struct Seq2SeqRecipe {
    Seq2SeqConfig model;        // vocabulary sizes left 0: they come from the data
    Seq2SeqTrainConfig train;
    int train_pairs, eval_pairs;   // 0: the whole split
} Seq2SeqRecipe;

Seq2SeqRecipe seq2seq_recipe(Seq2SeqRecipeName name);

// The JSON above (malloc'd).
char *seq2seq_config_json(const Seq2SeqConfig *mc, const char *data, TokenizeMode mode, int reverse,
                          const Seq2SeqTrainConfig *tc, int train_pairs);

typedef struct Seq2SeqLoaded {
    Seq2Seq m;
    Vocab src_vocab, tgt_vocab;
    char data[64];            // the data set it was trained on
    TokenizeMode mode;        // how to split a new sentence
    int reverse;              // the encoder reads the source backwards
    long step;                // Adam updates it had when saved
} Seq2SeqLoaded;

// Open NAME(.safetensors), check it is a chapter 04 Seq2Seq with both vocabularies, build the
// model its config describes and copy the weights in. 0 with a one-line reason on any error
// (missing, corrupt, another model, a tensor missing or of another shape).
int seq2seq_load(Seq2SeqLoaded *s, const char *name, char *err, size_t errlen);
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
