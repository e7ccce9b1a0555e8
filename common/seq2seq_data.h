// seq2seq_data.h: the three splits of a translation task as text, vocabularies and ids.
// Introduced in chapter 04; chapters 05-07 read their data the same way.
//
//     Seq2SeqData d;
//     seq2seq_data_load_or_die(&d, &(Seq2SeqDataOptions){.spec = "dates", .reverse = 1});
//     // d.text[SPLIT_TEST]: the sentences as tokens (for BLEU and printing)
//     // d.ids[SPLIT_TRAIN]: <sos> w_n .. w_1 <eos> -> <sos> v_1 .. v_m <eos>, as ids
//
// spec is a toy task of common/toy_tasks.h ("dates", "dates_chars", "copy", "reverse",
// "sort"; the default sizes 20,000 / 1,000 / 1,000) or "multi30k" / "multi30k:DIR" (the
// files datasets/multi30k/fetch.sh writes: train, val, test_2016_flickr .de/.en).
// The vocabularies come from the training split (min_freq 2, as bentrevett) unless given
// (a checkpoint's), so a loaded model reads the words it was trained with.
#ifndef UNROLLED_SEQ2SEQ_DATA_H
#define UNROLLED_SEQ2SEQ_DATA_H

#include <stddef.h>

#include "batch.h"
#include "corpus.h"
#include "toy_tasks.h"
#include "vocab.h"

#define SEQ2SEQ_MULTI30K_DIR "datasets/multi30k"

typedef struct Seq2SeqDataOptions {
    const char *spec;           // "dates", "multi30k", "multi30k:DIR", ...
    int reverse;                // 1: the source is fed to the encoder backwards
    int train_pairs;            // use the first N training pairs (0: all)
    int eval_pairs;             // use the first N validation and test pairs (0: all)
    int min_freq;               // 0: 2
    const Vocab *src_vocab;     // given vocabularies (both or neither), or NULL
    const Vocab *tgt_vocab;
} Seq2SeqDataOptions;

typedef struct Seq2SeqData {
    char name[64];              // "dates" or "multi30k"
    TokenizeMode mode;          // how a new sentence (--translate) is split into tokens
    int reverse;
    Corpus text[3];             // SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST
    Vocab src_vocab, tgt_vocab;
    Dataset ids[3];
    int max_src, max_tgt;       // longest id sequence in any split (<sos>, <eos> included)
} Seq2SeqData;

int seq2seq_data_load(Seq2SeqData *d, const Seq2SeqDataOptions *o, char *err, size_t errlen);
void seq2seq_data_load_or_die(Seq2SeqData *d, const Seq2SeqDataOptions *o);
void seq2seq_data_free(Seq2SeqData *d);
// Encode the sources again, reversed or not (the reversal ablation); text and vocabularies stay.
void seq2seq_data_set_reverse(Seq2SeqData *d, int reverse);

// "dates" or "multi30k" from a spec ("multi30k:/x" -> "multi30k"), or NULL when unknown.
const char *seq2seq_data_kind(const char *spec, char *buf, size_t n);

// A sentence of one's own: tokens -> <sos> w1 .. wn <eos> (reversed when reverse), unknown
// words as <unk>. ids must hold n + 2 ints; returns n + 2.
int seq2seq_encode_tokens(const Vocab *v, const Tokens *toks, int reverse, int *ids);

#endif
