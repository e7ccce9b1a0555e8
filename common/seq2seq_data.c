// seq2seq_data.c: see seq2seq_data.h. Introduced in chapter 04.
#include "seq2seq_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    one_line(err);   // a --data value may hold a newline: the error stays one line
    return 0;
}

const char *seq2seq_data_kind(const char *spec, char *buf, size_t n) {
    if (strcmp(spec, "multi30k") == 0 || strncmp(spec, "multi30k:", 9) == 0) {
        snprintf(buf, n, "multi30k");
        return buf;
    }
    static const char *const toys[] = {"copy", "reverse", "sort", "dates", "dates_chars"};
    for (size_t i = 0; i < sizeof toys / sizeof toys[0]; i++)
        if (strcmp(spec, toys[i]) == 0) {
            snprintf(buf, n, "%s", toys[i]);
            return buf;
        }
    return NULL;
}

// Multi30k's three pairs of files from DIR.
static int load_multi30k(Seq2SeqData *d, const char *dir, const Seq2SeqDataOptions *o, char *err, size_t errlen) {
    static const char *const stems[3] = {"train", "val", "test_2016_flickr"};
    for (int s = 0; s < 3; s++) {
        char de[4200], en[4200];
        snprintf(de, sizeof de, "%s/%s.de", dir, stems[s]);
        snprintf(en, sizeof en, "%s/%s.en", dir, stems[s]);
        struct stat st;
        if (stat(de, &st) != 0 || stat(en, &st) != 0)
            return fail(err, errlen, "--data multi30k: %s is missing (HINT: run `sh datasets/multi30k/fetch.sh`, "
                        "or give the folder as --data multi30k:DIR)", stat(de, &st) != 0 ? de : en);
        CorpusOptions co = {.mode = TOKENIZE_WORDS};
        co.max_pairs = s == SPLIT_TRAIN ? o->train_pairs : o->eval_pairs;
        if (!corpus_load(&d->text[s], de, en, &co, err, errlen)) return 0;
    }
    d->mode = TOKENIZE_WORDS;
    return 1;
}

static int load_toy(Seq2SeqData *d, const char *task, const Seq2SeqDataOptions *o, char *err, size_t errlen) {
    for (int s = 0; s < 3; s++) {
        int n = s == SPLIT_TRAIN ? o->train_pairs : o->eval_pairs;
        if (!toy_task_generate(&d->text[s], task, (Split)s, TOY_DEFAULT_SEED, n, NULL, err, errlen)) return 0;
    }
    d->mode = strcmp(task, "dates_chars") == 0 ? TOKENIZE_CHARS : TOKENIZE_WORDS;
    return 1;
}

static void copy_vocab(Vocab *dst, const Vocab *src) {
    char *json = vocab_to_json(src), err[256];
    if (!vocab_from_json(dst, json, strlen(json), err, sizeof err)) die("copying a vocabulary: %s", err);
    free(json);
}

void seq2seq_data_set_reverse(Seq2SeqData *d, int reverse) {
    d->reverse = reverse;
    d->max_src = d->max_tgt = 0;
    for (int s = 0; s < 3; s++) {
        dataset_free(&d->ids[s]);
        dataset_encode(&d->ids[s], &d->text[s], &d->src_vocab, &d->tgt_vocab, reverse);
        for (int i = 0; i < d->ids[s].n; i++) {
            if (dataset_src_len(&d->ids[s], i) > d->max_src) d->max_src = dataset_src_len(&d->ids[s], i);
            if (dataset_tgt_len(&d->ids[s], i) > d->max_tgt) d->max_tgt = dataset_tgt_len(&d->ids[s], i);
        }
    }
}

int seq2seq_data_load(Seq2SeqData *d, const Seq2SeqDataOptions *o, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);   // corpus_free and vocab_free accept the zeroed structs
    if (!seq2seq_data_kind(o->spec, d->name, sizeof d->name))
        return fail(err, errlen, "--data: unknown data set '%.60s' (known: %s, multi30k, multi30k:DIR)", o->spec,
                    toy_task_names());
    int ok;
    if (strcmp(d->name, "multi30k") == 0)
        ok = load_multi30k(d, o->spec[8] == ':' ? o->spec + 9 : SEQ2SEQ_MULTI30K_DIR, o, err, errlen);
    else
        ok = load_toy(d, d->name, o, err, errlen);
    if (ok && (o->src_vocab != NULL) != (o->tgt_vocab != NULL))
        ok = fail(err, errlen, "seq2seq_data_load: give both vocabularies or neither");
    if (ok && o->src_vocab) {
        copy_vocab(&d->src_vocab, o->src_vocab);
        copy_vocab(&d->tgt_vocab, o->tgt_vocab);
    } else if (ok) {
        int min_freq = o->min_freq > 0 ? o->min_freq : 2;
        ok = vocab_build(&d->src_vocab, &d->text[SPLIT_TRAIN], CORPUS_SRC, min_freq, err, errlen) &&
             vocab_build(&d->tgt_vocab, &d->text[SPLIT_TRAIN], CORPUS_TGT, min_freq, err, errlen);
    }
    if (!ok) {
        for (int s = 0; s < 3; s++) corpus_free(&d->text[s]);
        if (d->src_vocab.tokens) vocab_free(&d->src_vocab);
        if (d->tgt_vocab.tokens) vocab_free(&d->tgt_vocab);
        memset(d, 0, sizeof *d);
        return 0;
    }
    seq2seq_data_set_reverse(d, o->reverse);
    return 1;
}

void seq2seq_data_load_or_die(Seq2SeqData *d, const Seq2SeqDataOptions *o) {
    char err[1024];
    if (!seq2seq_data_load(d, o, err, sizeof err)) die("%s", err);
}

void seq2seq_data_free(Seq2SeqData *d) {
    for (int s = 0; s < 3; s++) {
        corpus_free(&d->text[s]);
        dataset_free(&d->ids[s]);
    }
    vocab_free(&d->src_vocab);
    vocab_free(&d->tgt_vocab);
    memset(d, 0, sizeof *d);
}

int seq2seq_encode_tokens(const Vocab *v, const Tokens *toks, int reverse, int *ids) {
    int n = toks->n;
    ids[0] = VOCAB_SOS;
    for (int k = 0; k < n; k++) ids[1 + k] = vocab_lookup(v, tokens_get(toks, reverse ? n - 1 - k : k));
    ids[n + 1] = VOCAB_EOS;
    return n + 2;
}
