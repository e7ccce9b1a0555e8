// corpus.h: a parallel corpus, i.e. pairs (source sentence, target sentence) as tokens.
// Introduced in issue 6 (data pipeline).
//
// Every Seq2Seq chapter reads its data through here, whether it comes from files (Multi30k:
// line N of train.de translates line N of train.en) or from a generator (toy_tasks.h):
//
//     Corpus train;
//     corpus_load_or_die(&train, "datasets/multi30k/train.de", "datasets/multi30k/train.en", NULL);
//     printf("%d pairs; pair 0 starts with '%s'\n", train.n, corpus_token(&train, CORPUS_SRC, 0, 0));
//
// The loader is strict, because a silently skipped line shifts every later pair by one.
// Each of these is an error, reported on one line as "FILE:LINE: problem":
//   an empty line, a line of only whitespace, invalid UTF-8, a NUL byte, a line longer than
//   max_line_bytes (64 KB by default; it is never read into memory whole), an empty file, and
//   different line counts. Windows line ends (CRLF) and a UTF-8 byte order mark at the start
//   of a file are accepted and removed. The last line may lack its '\n'.
#ifndef UNROLLED_CORPUS_H
#define UNROLLED_CORPUS_H

#include <stddef.h>

#include "tokenizer.h"

typedef enum { CORPUS_SRC = 0, CORPUS_TGT = 1 } CorpusSide;

typedef struct Corpus {
    int n, cap;         // number of pairs
    Tokens toks[2];     // every token of each side, sentence after sentence
    int *first[2];      // (n + 1) sentence i of side s is tokens first[s][i] .. first[s][i+1]-1
} Corpus;

#define CORPUS_MAX_LINE_BYTES 65536

typedef struct CorpusOptions {
    TokenizeMode mode;        // default TOKENIZE_WORDS (see tokenizer.h)
    int allow_empty;          // 1: empty lines are pairs with no tokens (BLEU hypotheses)
    size_t max_line_bytes;    // 0: CORPUS_MAX_LINE_BYTES
    int max_pairs;            // 0: every line; otherwise stop after this many pairs
} CorpusOptions;

void corpus_init(Corpus *c);
void corpus_free(Corpus *c);

// Tokenize both sides and append them as one pair. Returns 1, or 0 with the reason in err
// ("source: invalid UTF-8 (byte 0xff at column 3)", "target has no tokens"); the corpus is
// then unchanged. allow_empty as in CorpusOptions.
int corpus_add_pair(Corpus *c, const char *src, size_t src_len, const char *tgt, size_t tgt_len,
                    TokenizeMode mode, int allow_empty, char *err, size_t errlen);

// Read two parallel text files (opt may be NULL: the defaults). Returns 1, or 0 with
// "FILE:LINE: problem" in err; c is then empty (freed).
int corpus_load(Corpus *c, const char *src_path, const char *tgt_path, const CorpusOptions *opt,
                char *err, size_t errlen);
void corpus_load_or_die(Corpus *c, const char *src_path, const char *tgt_path,
                        const CorpusOptions *opt);

// Number of tokens of sentence i on one side, and its k-th token.
static inline int corpus_len(const Corpus *c, CorpusSide s, int i) {
    return c->first[s][i + 1] - c->first[s][i];
}
static inline const char *corpus_token(const Corpus *c, CorpusSide s, int i, int k) {
    return tokens_get(&c->toks[s], c->first[s][i] + k);
}
// Longest sentence (in tokens) on one side; 0 for an empty corpus.
int corpus_max_len(const Corpus *c, CorpusSide s);

#endif
