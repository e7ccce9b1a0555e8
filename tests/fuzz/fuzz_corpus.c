// fuzz_corpus.c: the tokenizer and the parallel-corpus reader (common/tokenizer.h, corpus.h).
// Introduced in issue 13 (hardening).
//
// Input: byte 0 chooses the options, byte 1 where the rest is split into the source and the
// target file (see fuzz_split). Each input is run three ways:
//   1. every line of both parts through tokenize() in the chosen mode, in memory;
//   2. the lines paired up through corpus_add_pair(), in memory;
//   3. both parts written to two files and read back with corpus_load(), the real reader.
// Checked promises: tokens are non-empty and hold no NUL; a failed tokenize() or
// corpus_add_pair() leaves its output unchanged; corpus_load() either gives a well-formed
// corpus or fails with one line naming a file; max_pairs is respected.
#include "fuzz_util.h"

#include "corpus.h"
#include "tokenizer.h"

// flags: bits 0-1 the mode, bit 2 allow_empty, bit 3 a tiny max_line_bytes (1..16),
// bits 4-5 max_pairs (0 = all).
static void corpus_fuzz_options(uint8_t flags, CorpusOptions *o) {
    static const TokenizeMode modes[4] = {TOKENIZE_WORDS, TOKENIZE_WHITESPACE, TOKENIZE_CHARS, TOKENIZE_WORDS};
    memset(o, 0, sizeof *o);
    o->mode = modes[flags & 3];
    o->allow_empty = (flags >> 2) & 1;
    o->max_line_bytes = (flags >> 3) & 1 ? 1 + ((flags >> 4) & 15) : 0;
    o->max_pairs = (flags >> 3) & 1 ? 0 : (flags >> 4) & 3;
}

static void corpus_check_tokens(const Tokens *t) {
    FUZZ_CHECK(t->n >= 0 && t->len <= t->cap);
    for (int i = 0; i < t->n; i++) {
        const char *tok = tokens_get(t, i);
        FUZZ_CHECK(t->start[i] < t->len);
        FUZZ_CHECK(tok[0] != '\0');
        FUZZ_CHECK(t->start[i] + strlen(tok) < t->len);   // its '\0' is inside the text
    }
}

// Step 1: each line on its own.
static void corpus_fuzz_tokenize(const uint8_t *text, size_t len, TokenizeMode mode) {
    Tokens t;
    tokens_init(&t);
    char err[256];
    size_t at = 0;
    while (at <= len) {
        const uint8_t *nl = len > at ? memchr(text + at, '\n', len - at) : NULL;
        size_t line_len = nl ? (size_t)(nl - (text + at)) : len - at;
        int before_n = t.n;
        size_t before_len = t.len;
        int got = tokenize(&t, (const char *)text + at, line_len, mode, err, sizeof err);
        if (got < 0) {
            FUZZ_CHECK(fuzz_one_line(err));
            FUZZ_CHECK(t.n == before_n && t.len == before_len);
        } else {
            FUZZ_CHECK(t.n == before_n + got);
        }
        at += line_len + 1;
    }
    corpus_check_tokens(&t);
    tokens_free(&t);
}

// Step 2: lines paired up in memory.
static void corpus_fuzz_pairs(const FuzzSplit *s, const CorpusOptions *o) {
    Corpus c;
    corpus_init(&c);
    size_t at[2] = {0, 0}, len[2] = {s->a_len, s->b_len};
    const uint8_t *text[2] = {s->a, s->b};
    char err[256];
    while (at[0] < len[0] && at[1] < len[1]) {
        size_t line_len[2];
        for (int k = 0; k < 2; k++) {
            const uint8_t *nl = memchr(text[k] + at[k], '\n', len[k] - at[k]);
            line_len[k] = nl ? (size_t)(nl - (text[k] + at[k])) : len[k] - at[k];
        }
        int n = c.n, ns = c.toks[0].n, nt = c.toks[1].n;
        if (!corpus_add_pair(&c, (const char *)text[0] + at[0], line_len[0], (const char *)text[1] + at[1],
                             line_len[1], o->mode, o->allow_empty, err, sizeof err)) {
            FUZZ_CHECK(fuzz_one_line(err));
            FUZZ_CHECK(c.n == n && c.toks[0].n == ns && c.toks[1].n == nt);
        }
        for (int k = 0; k < 2; k++) at[k] += line_len[k] + 1;
    }
    for (int side = 0; side < 2; side++) {
        FUZZ_CHECK(c.first[side][c.n] == c.toks[side].n);
        for (int i = 0; i < c.n; i++) FUZZ_CHECK(corpus_len(&c, (CorpusSide)side, i) >= (o->allow_empty ? 0 : 1));
    }
    corpus_free(&c);
}

// Step 3: the files.
static void corpus_fuzz_files(const FuzzSplit *s, const CorpusOptions *o) {
    const char *src = fuzz_scratch_path("corpus.src"), *tgt = fuzz_scratch_path("corpus.tgt");
    fuzz_write_file(src, s->a, s->a_len);
    fuzz_write_file(tgt, s->b, s->b_len);
    Corpus c;
    char err[1024];
    if (!corpus_load(&c, src, tgt, o, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        FUZZ_CHECK(strstr(err, src) || strstr(err, tgt));
        FUZZ_CHECK(c.n == 0 && c.first[0] == NULL);   // freed
        return;
    }
    FUZZ_CHECK(c.n >= 1);
    FUZZ_CHECK(o->max_pairs <= 0 || c.n <= o->max_pairs);
    for (int side = 0; side < 2; side++) {
        corpus_check_tokens(&c.toks[side]);
        FUZZ_CHECK(c.first[side][0] == 0 && c.first[side][c.n] == c.toks[side].n);
        for (int i = 0; i < c.n; i++) {
            FUZZ_CHECK(corpus_len(&c, (CorpusSide)side, i) >= (o->allow_empty ? 0 : 1));
            FUZZ_CHECK(corpus_len(&c, (CorpusSide)side, i) <= corpus_max_len(&c, (CorpusSide)side));
        }
    }
    corpus_free(&c);
}

static int fuzz_corpus(const uint8_t *data, size_t size) {
    FuzzSplit s;
    if (!fuzz_split(&s, data, size)) return 0;
    CorpusOptions o;
    corpus_fuzz_options(s.flags, &o);
    corpus_fuzz_tokenize(s.a, s.a_len, o.mode);
    corpus_fuzz_tokenize(s.b, s.b_len, o.mode);
    corpus_fuzz_pairs(&s, &o);
    corpus_fuzz_files(&s, &o);
    return 0;
}

FUZZ_ENTRY(fuzz_corpus)
