// vocab.h: the vocabulary, token <-> id, and encoding sentences as ids.
// Introduced in issue 6 (data pipeline).
//
//     Vocab de;
//     vocab_build_or_die(&de, &train, CORPUS_SRC, 2);   // tokens seen at least twice
//     int id = vocab_lookup(&de, "fahrrad");            // VOCAB_UNK (0) if unknown
//     const char *word = vocab_token(&de, id);
//
// Ids 0..3 are the specials, always in this order (as bentrevett's notebooks have them):
//     0 <unk>  unknown word      1 <pad>  padding      2 <sos>  start      3 <eos>  end
// then every token that occurs at least min_freq times in the training data, the most frequent
// first, ties broken by byte order (strcmp), so the same data gives the same ids everywhere.
// A vocabulary with no token besides the specials is an error (min_freq too high, or no data).
//
// A Vocab is also a plain string interner (vocab_init + vocab_add), which the BLEU tool and
// the frequency count use.
#ifndef UNROLLED_VOCAB_H
#define UNROLLED_VOCAB_H

#include <stddef.h>

#include "corpus.h"

enum { VOCAB_UNK = 0, VOCAB_PAD = 1, VOCAB_SOS = 2, VOCAB_EOS = 3, VOCAB_N_SPECIALS = 4 };
extern const char *const VOCAB_SPECIALS[VOCAB_N_SPECIALS];  // "<unk>", "<pad>", "<sos>", "<eos>"

typedef struct Vocab {
    int size;           // number of tokens, specials included
    char **tokens;      // (size) id -> token
    long *count;        // (size) how often each token was seen (vocab_add counts; 0 for specials)
    int cap;
    int *slots;         // (n_slots) open-addressing hash table of ids, -1 for empty
    int n_slots;        // a power of two, at least twice size
} Vocab;

// An empty interner (no specials).
void vocab_init(Vocab *v);
void vocab_free(Vocab *v);
// The id of tok, adding it at the end when new; either way its count goes up by one.
int vocab_add(Vocab *v, const char *tok);
int vocab_find(const Vocab *v, const char *tok);     // -1 when absent
int vocab_lookup(const Vocab *v, const char *tok);   // VOCAB_UNK when absent
const char *vocab_token(const Vocab *v, int id);     // "<bad id>" when out of range

// Count every token of one side of a corpus and keep those seen >= min_freq times, after
// the specials. Returns 1, or 0 with the reason in err.
int vocab_build(Vocab *v, const Corpus *c, CorpusSide side, int min_freq, char *err, size_t errlen);
void vocab_build_or_die(Vocab *v, const Corpus *c, CorpusSide side, int min_freq);
// The same from counts gathered with vocab_add on an interner.
int vocab_from_counts(Vocab *v, const Vocab *counts, int min_freq, char *err, size_t errlen);
// A vocabulary from its token list (e.g. read back from a checkpoint): the specials must come
// first in order, and no token may be empty or repeated.
int vocab_from_list(Vocab *v, const char *const *tokens, int n, char *err, size_t errlen);

// The vocabulary as a JSON array of strings ("[\"<unk>\",\"<pad>\",...]", malloc'd), and back.
char *vocab_to_json(const Vocab *v);
int vocab_from_json(Vocab *v, const char *json, size_t len, char *err, size_t errlen);

// Sentence i of one side of a corpus as ids: <sos> w1 ... wn <eos>, unknown words as <unk>.
// reverse: the words in reverse order, <sos> and <eos> still at the ends (Sutskever et al.
// 2014 reverse the source). ids must hold corpus_len + 2 ints; returns that length.
int vocab_encode(const Vocab *v, const Corpus *c, CorpusSide side, int i, int reverse, int *ids);
// The tokens of ids joined by spaces into buf, skipping <sos> and <pad> and stopping at <eos>.
// Only whole tokens: the first one that does not fit in n bytes ends the text. Returns buf.
char *vocab_decode(const Vocab *v, const int *ids, int n_ids, char *buf, size_t n);

#endif
