// vocab.c: see vocab.h. Introduced in issue 6 (data pipeline).
#include "vocab.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

const char *const VOCAB_SPECIALS[VOCAB_N_SPECIALS] = {"<unk>", "<pad>", "<sos>", "<eos>"};

// ---- the interner: an array of tokens plus an open-addressing hash table of their ids ------

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void vocab_init(Vocab *v) { memset(v, 0, sizeof *v); }

void vocab_free(Vocab *v) {
    for (int i = 0; i < v->size; i++) free(v->tokens[i]);
    free(v->tokens);
    free(v->count);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

// The slot where tok is, or the empty slot where it would go.
static int find_slot(const Vocab *v, const char *tok) {
    int mask = v->n_slots - 1;
    int i = (int)(fnv1a(tok) & (uint64_t)mask);
    while (v->slots[i] >= 0 && strcmp(v->tokens[v->slots[i]], tok) != 0) i = (i + 1) & mask;
    return i;
}

static void rehash(Vocab *v, int n_slots) {
    free(v->slots);
    v->n_slots = n_slots;
    v->slots = xmalloc(sizeof(int) * (size_t)n_slots);
    for (int i = 0; i < n_slots; i++) v->slots[i] = -1;
    for (int id = 0; id < v->size; id++) v->slots[find_slot(v, v->tokens[id])] = id;
}

int vocab_find(const Vocab *v, const char *tok) {
    if (v->n_slots == 0) return -1;
    return v->slots[find_slot(v, tok)];
}

int vocab_add(Vocab *v, const char *tok) {
    int id = vocab_find(v, tok);
    if (id < 0) {
        if (2 * (v->size + 1) > v->n_slots) rehash(v, v->n_slots ? 2 * v->n_slots : 64);
        if (v->size == v->cap) {
            v->cap = v->cap ? 2 * v->cap : 64;
            v->tokens = xrealloc(v->tokens, sizeof(char *) * (size_t)v->cap);
            v->count = xrealloc(v->count, sizeof(long) * (size_t)v->cap);
        }
        id = v->size++;
        v->tokens[id] = xstrdup(tok);
        v->count[id] = 0;
        v->slots[find_slot(v, tok)] = id;
    }
    v->count[id]++;
    return id;
}

int vocab_lookup(const Vocab *v, const char *tok) {
    int id = vocab_find(v, tok);
    return id < 0 ? VOCAB_UNK : id;
}

const char *vocab_token(const Vocab *v, int id) {
    return (id >= 0 && id < v->size) ? v->tokens[id] : "<bad id>";
}

// ---- building -----------------------------------------------------------------------------

typedef struct Ranked {
    const char *tok;
    long count;
} Ranked;

// Most frequent first; equal counts in byte order.
static int ranked_cmp(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->tok, y->tok);
}

static void add_specials(Vocab *v) {
    vocab_init(v);
    for (int i = 0; i < VOCAB_N_SPECIALS; i++) {
        vocab_add(v, VOCAB_SPECIALS[i]);
        v->count[i] = 0;
    }
}

int vocab_from_counts(Vocab *v, const Vocab *counts, int min_freq, char *err, size_t errlen) {
    if (min_freq < 1) min_freq = 1;
    Ranked *r = xmalloc(sizeof(Ranked) * (size_t)(counts->size ? counts->size : 1));
    int n = 0;
    for (int i = 0; i < counts->size; i++) {
        if (counts->count[i] < min_freq) continue;
        int special = 0;
        for (int s = 0; s < VOCAB_N_SPECIALS; s++) special |= strcmp(counts->tokens[i], VOCAB_SPECIALS[s]) == 0;
        if (!special) r[n++] = (Ranked){counts->tokens[i], counts->count[i]};
    }
    if (n == 0) {
        snprintf(err, errlen, "the vocabulary is empty: no token occurs at least %d time%s in %d "
                 "distinct tokens", min_freq, min_freq == 1 ? "" : "s", counts->size);
        free(r);
        return 0;
    }
    qsort(r, (size_t)n, sizeof *r, ranked_cmp);
    add_specials(v);
    for (int i = 0; i < n; i++) {
        int id = vocab_add(v, r[i].tok);
        v->count[id] = r[i].count;
    }
    free(r);
    return 1;
}

int vocab_build(Vocab *v, const Corpus *c, CorpusSide side, int min_freq, char *err, size_t errlen) {
    Vocab counts;
    vocab_init(&counts);
    const Tokens *t = &c->toks[side];
    for (int k = 0; k < t->n; k++) vocab_add(&counts, tokens_get(t, k));
    int ok = vocab_from_counts(v, &counts, min_freq, err, errlen);
    vocab_free(&counts);
    return ok;
}

void vocab_build_or_die(Vocab *v, const Corpus *c, CorpusSide side, int min_freq) {
    char err[512];
    if (!vocab_build(v, c, side, min_freq, err, sizeof err))
        die("%s vocabulary: %s", side == CORPUS_SRC ? "source" : "target", err);
}

int vocab_from_list(Vocab *v, const char *const *tokens, int n, char *err, size_t errlen) {
    if (n <= VOCAB_N_SPECIALS) {
        snprintf(err, errlen, "the vocabulary has %d tokens: it needs the %d specials and at least one more",
                 n, VOCAB_N_SPECIALS);
        return 0;
    }
    for (int i = 0; i < VOCAB_N_SPECIALS; i++)
        if (strcmp(tokens[i], VOCAB_SPECIALS[i]) != 0) {
            snprintf(err, errlen, "vocabulary id %d is \"%.40s\", expected %s", i, tokens[i], VOCAB_SPECIALS[i]);
            one_line(err);   // the token may hold "\n"
            return 0;
        }
    vocab_init(v);
    for (int i = 0; i < n; i++) {
        if (tokens[i][0] == '\0') {
            snprintf(err, errlen, "vocabulary id %d is an empty string", i);
            vocab_free(v);
            return 0;
        }
        if (vocab_find(v, tokens[i]) >= 0) {
            snprintf(err, errlen, "vocabulary token \"%.40s\" appears twice (ids %d and %d)", tokens[i],
                     vocab_find(v, tokens[i]), i);
            one_line(err);
            vocab_free(v);
            return 0;
        }
        vocab_add(v, tokens[i]);
        v->count[i] = 0;
    }
    return 1;
}

// ---- JSON ---------------------------------------------------------------------------------

char *vocab_to_json(const Vocab *v) {
    StrBuf b;
    sb_init(&b);
    sb_append(&b, "[", 1);
    for (int i = 0; i < v->size; i++) {
        if (i) sb_append(&b, ",", 1);
        json_write_string(&b, v->tokens[i], strlen(v->tokens[i]));
    }
    sb_append(&b, "]", 1);
    return b.s;
}

int vocab_from_json(Vocab *v, const char *json, size_t len, char *err, size_t errlen) {
    Json doc;
    char why[256];
    if (!json_parse(&doc, json, len, why, sizeof why)) {
        snprintf(err, errlen, "vocabulary is not valid JSON: %s", why);
        return 0;
    }
    const JsonNode *root = json_root(&doc);
    int ok = 1;
    if (root->type != JSON_ARRAY) {
        snprintf(err, errlen, "vocabulary is a JSON %s, expected an array of strings", json_type_name(root->type));
        ok = 0;
    }
    const char **toks = NULL;
    int n = 0;
    if (ok) {
        toks = xmalloc(sizeof(char *) * (size_t)(root->count ? root->count : 1));
        for (const JsonNode *e = json_first(&doc, root); e && ok; e = json_next(&doc, e)) {
            if (e->type != JSON_STRING || strlen(e->str) != e->str_len) {
                snprintf(err, errlen, "vocabulary entry %d is not a string without NUL bytes", n);
                ok = 0;
            } else {
                toks[n++] = e->str;
            }
        }
    }
    if (ok) ok = vocab_from_list(v, toks, n, err, errlen);
    free(toks);
    json_free(&doc);
    return ok;
}

// ---- encoding -----------------------------------------------------------------------------

int vocab_encode(const Vocab *v, const Corpus *c, CorpusSide side, int i, int reverse, int *ids) {
    int n = corpus_len(c, side, i);
    ids[0] = VOCAB_SOS;
    for (int k = 0; k < n; k++) {
        int from = reverse ? n - 1 - k : k;
        ids[1 + k] = vocab_lookup(v, corpus_token(c, side, i, from));
    }
    ids[n + 1] = VOCAB_EOS;
    return n + 2;
}

char *vocab_decode(const Vocab *v, const int *ids, int n_ids, char *buf, size_t n) {
    size_t used = 0;
    if (n == 0) return buf;
    buf[0] = '\0';
    for (int k = 0; k < n_ids; k++) {
        if (ids[k] == VOCAB_EOS) break;
        if (ids[k] == VOCAB_SOS || ids[k] == VOCAB_PAD) continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", vocab_token(v, ids[k]));
        if (w < 0 || (size_t)w >= n - used) {  // does not fit: keep the whole tokens before it
            buf[used] = '\0';
            break;
        }
        used += (size_t)w;
    }
    return buf;
}
