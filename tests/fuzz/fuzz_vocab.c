// fuzz_vocab.c: building and reading vocabularies (common/vocab.h).
// Introduced in issue 13 (hardening).
//
// Input: byte 0 chooses the path, the rest is the text.
//   bit 0 set:   the text is a vocabulary as a checkpoint stores it (a JSON array of strings)
//                and goes to vocab_from_json;
//   bit 0 clear: the text is a corpus, one sentence per line (tokenized with mode bits 3-4),
//                and goes to vocab_build with min_freq 1 + bits 1-2.
// Either way a vocabulary that comes out is checked against vocab.h's promises: the specials
// first and in order, every token non-empty and unique and found at its id, built ones sorted
// by count then bytes with every count >= min_freq; it survives vocab_to_json ->
// vocab_from_json unchanged; every sentence encodes to ids in range and decodes without
// overflowing the buffer.
#include "fuzz_util.h"

#include "corpus.h"
#include "vocab.h"

static void vocab_check(const Vocab *v, int built, int min_freq) {
    FUZZ_CHECK(v->size > VOCAB_N_SPECIALS);
    for (int i = 0; i < VOCAB_N_SPECIALS; i++) FUZZ_CHECK(strcmp(v->tokens[i], VOCAB_SPECIALS[i]) == 0);
    for (int i = 0; i < v->size; i++) {
        FUZZ_CHECK(v->tokens[i][0] != '\0');
        FUZZ_CHECK(vocab_find(v, v->tokens[i]) == i);
        FUZZ_CHECK(vocab_lookup(v, v->tokens[i]) == i);
        FUZZ_CHECK(strcmp(vocab_token(v, i), v->tokens[i]) == 0);
        if (built && i > VOCAB_N_SPECIALS) {
            FUZZ_CHECK(v->count[i] >= min_freq);
            FUZZ_CHECK(v->count[i - 1] > v->count[i] ||
                       (v->count[i - 1] == v->count[i] && strcmp(v->tokens[i - 1], v->tokens[i]) < 0));
        }
    }
    FUZZ_CHECK(strcmp(vocab_token(v, v->size), "<bad id>") == 0 && strcmp(vocab_token(v, -1), "<bad id>") == 0);
    // the JSON round trip
    char *json = vocab_to_json(v);
    Vocab back;
    char err[256];
    FUZZ_CHECK(vocab_from_json(&back, json, strlen(json), err, sizeof err));
    FUZZ_CHECK(back.size == v->size);
    for (int i = 0; i < v->size; i++) FUZZ_CHECK(strcmp(back.tokens[i], v->tokens[i]) == 0);
    vocab_free(&back);
    free(json);
}

static void vocab_fuzz_json(const uint8_t *text, size_t len) {
    Vocab v;
    char err[256];
    if (!vocab_from_json(&v, (const char *)text, len, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        return;
    }
    vocab_check(&v, 0, 0);
    vocab_free(&v);
}

static void vocab_fuzz_corpus(const uint8_t *text, size_t len, int min_freq, TokenizeMode mode) {
    Corpus c;
    corpus_init(&c);
    char err[256];
    for (size_t at = 0; at < len;) {   // each line as a pair of itself
        const uint8_t *nl = memchr(text + at, '\n', len - at);
        size_t line_len = nl ? (size_t)(nl - (text + at)) : len - at;
        const char *line = (const char *)text + at;
        corpus_add_pair(&c, line, line_len, line, line_len, mode, 0, err, sizeof err);
        at += line_len + 1;
    }
    Vocab v;
    if (!vocab_build(&v, &c, CORPUS_SRC, min_freq, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        corpus_free(&c);
        return;
    }
    vocab_check(&v, 1, min_freq);
    int max_len = corpus_max_len(&c, CORPUS_SRC);
    int *ids = malloc(sizeof(int) * (size_t)(max_len + 2));
    char buf[64];
    FUZZ_CHECK(ids != NULL);
    for (int i = 0; i < c.n; i++)
        for (int reverse = 0; reverse < 2; reverse++) {
            int n = vocab_encode(&v, &c, CORPUS_SRC, i, reverse, ids);
            FUZZ_CHECK(n == corpus_len(&c, CORPUS_SRC, i) + 2);
            FUZZ_CHECK(ids[0] == VOCAB_SOS && ids[n - 1] == VOCAB_EOS);
            for (int k = 0; k < n; k++) FUZZ_CHECK(ids[k] >= 0 && ids[k] < v.size);
            memset(buf, 'x', sizeof buf);
            vocab_decode(&v, ids, n, buf, (size_t)(1 + i % 40));   // small buffers too
            FUZZ_CHECK(strlen(buf) <= (size_t)(i % 40));
            FUZZ_CHECK(buf[1 + i % 40] == 'x');   // nothing written past n bytes
        }
    free(ids);
    vocab_free(&v);
    corpus_free(&c);
}

static int fuzz_vocab(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const TokenizeMode modes[4] = {TOKENIZE_WORDS, TOKENIZE_WHITESPACE, TOKENIZE_CHARS, TOKENIZE_WORDS};
    uint8_t flags = data[0];
    if (flags & 1) vocab_fuzz_json(data + 1, size - 1);
    else vocab_fuzz_corpus(data + 1, size - 1, 1 + ((flags >> 1) & 3), modes[(flags >> 3) & 3]);
    return 0;
}

FUZZ_ENTRY(fuzz_vocab)
