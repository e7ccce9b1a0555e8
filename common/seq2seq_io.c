// seq2seq_io.c: see seq2seq_io.h. Introduced in chapter 04.
#include "seq2seq_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "json.h"
#include "seq2seq_data.h"
#include "util.h"

static const char *mode_name(TokenizeMode mode) {
    return mode == TOKENIZE_CHARS ? "chars" : mode == TOKENIZE_WHITESPACE ? "whitespace" : "words";
}

char *seq2seq_config_json(const char *model, const Seq2SeqConfig *mc, const char *data, TokenizeMode mode,
                          int reverse, const Seq2SeqTrainConfig *tc, int train_pairs) {
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "{\"model\":\"%s\",\"data\":", model);
    json_write_string(&sb, data, strlen(data));
    sb_printf(&sb, ",\"tokenize\":\"%s\",\"reverse_source\":%s", mode_name(mode), reverse ? "true" : "false");
    sb_printf(&sb, ",\"src_vocab\":%d,\"tgt_vocab\":%d,\"emb\":%d,\"hidden\":%d,\"layers\":%d", mc->src_vocab,
              mc->tgt_vocab, mc->emb, mc->hidden, mc->layers);
    sb_printf(&sb, ",\"dropout\":%.9g,\"init_range\":%.9g", mc->dropout, mc->init_range);
    if (mc->dec_hidden > 0) sb_printf(&sb, ",\"dec_hidden\":%d", mc->dec_hidden);
    if (mc->init_std > 0.0f) sb_printf(&sb, ",\"init_std\":%.9g", mc->init_std);
    if (mc->variant[0]) {
        sb_puts(&sb, ",\"variant\":");
        json_write_string(&sb, mc->variant, strlen(mc->variant));
    }
    sb_printf(&sb, ",\"lr\":%.9g,\"batch\":%d,\"clip\":%.9g,\"teacher_forcing\":%.9g,\"bucket\":%d", tc->lr,
              tc->batch, tc->clip, tc->teacher_forcing, tc->bucket);
    sb_printf(&sb, ",\"seed\":%llu,\"train_pairs\":%d}", (unsigned long long)tc->seed, train_pairs);
    return sb.s;
}

// An integer member of the config, or 0 with a reason.
static int get_int(const Json *doc, const char *key, int *out, const char *path, char *err, size_t errlen) {
    const JsonNode *v = json_get(doc, json_root(doc), key);
    if (!v || v->type != JSON_NUMBER || v->number != (double)(int)v->number) {
        snprintf(err, errlen, "%s: the model config has no integer '%s'", path, key);
        return 0;
    }
    *out = (int)v->number;
    return 1;
}

// Read the config of an open checkpoint into s (model sizes, data, tokenizer, reversal).
static int read_config(Seq2SeqLoaded *s, Seq2SeqConfig *mc, const char *want, const Checkpoint *ck, char *err,
                       size_t errlen) {
    const char *path = ck->model_path;
    if (!ck->config) return snprintf(err, errlen, "%s: has no model config (not written by unrolled)", path), 0;
    Json doc;
    char why[256];
    if (!json_parse(&doc, ck->config, strlen(ck->config), why, sizeof why))
        return snprintf(err, errlen, "%s: the model config is not valid JSON: %s", path, why), 0;
    int ok = 1;
    const JsonNode *root = json_root(&doc);
    const JsonNode *model = json_get(&doc, root, "model"), *data = json_get(&doc, root, "data");
    const JsonNode *tok = json_get(&doc, root, "tokenize"), *rev = json_get(&doc, root, "reverse_source");
    if (!model || model->type != JSON_STRING || strcmp(model->str, want) != 0) {
        snprintf(err, errlen, "%s: a checkpoint of another model ('%.40s'), not %s", path,
                 model && model->type == JSON_STRING ? model->str : "no model name", want);
        ok = 0;
    } else if (!data || data->type != JSON_STRING || !tok || tok->type != JSON_STRING || !rev ||
               (rev->type != JSON_TRUE && rev->type != JSON_FALSE)) {
        snprintf(err, errlen, "%s: the model config lacks 'data', 'tokenize' or 'reverse_source'", path);
        ok = 0;
    }
    memset(mc, 0, sizeof *mc);
    ok = ok && get_int(&doc, "src_vocab", &mc->src_vocab, path, err, errlen) &&
         get_int(&doc, "tgt_vocab", &mc->tgt_vocab, path, err, errlen) &&
         get_int(&doc, "emb", &mc->emb, path, err, errlen) && get_int(&doc, "hidden", &mc->hidden, path, err, errlen) &&
         get_int(&doc, "layers", &mc->layers, path, err, errlen);
    const JsonNode *std = json_get(&doc, root, "init_std"), *variant = json_get(&doc, root, "variant");
    if (ok && ((std && std->type != JSON_NUMBER) || (variant && variant->type != JSON_STRING))) {
        snprintf(err, errlen, "%s: the model config's 'init_std' or 'variant' has the wrong type", path);
        ok = 0;
    }
    if (ok && json_get(&doc, root, "dec_hidden")) ok = get_int(&doc, "dec_hidden", &mc->dec_hidden, path, err, errlen);
    if (ok && (mc->dec_hidden < 0 || mc->dec_hidden > 1 << 16)) {
        snprintf(err, errlen, "%s: the model config has an impossible 'dec_hidden' %d", path, mc->dec_hidden);
        ok = 0;
    }
    if (ok && std) mc->init_std = (float)std->number;
    if (ok && variant) snprintf(mc->variant, sizeof mc->variant, "%s", variant->str);
    if (ok && (mc->layers < 1 || mc->layers > SEQ2SEQ_MAX_LAYERS || mc->emb < 1 || mc->hidden < 1 ||
               mc->src_vocab <= VOCAB_N_SPECIALS || mc->tgt_vocab <= VOCAB_N_SPECIALS)) {
        snprintf(err, errlen, "%s: the model config has impossible sizes", path);
        ok = 0;
    }
    if (ok) {
        snprintf(s->data, sizeof s->data, "%s", data->str);
        s->mode = strcmp(tok->str, "chars") == 0 ? TOKENIZE_CHARS
                  : strcmp(tok->str, "whitespace") == 0 ? TOKENIZE_WHITESPACE : TOKENIZE_WORDS;
        s->reverse = rev->type == JSON_TRUE;
    }
    json_free(&doc);
    return ok;
}

static void copy_vocab(Vocab *dst, const Vocab *src) {
    char *json = vocab_to_json(src), err[256];
    if (!vocab_from_json(dst, json, strlen(json), err, sizeof err)) die("copying a vocabulary: %s", err);
    free(json);
}

int seq2seq_load(Seq2SeqLoaded *s, const char *name, const char *model, Seq2SeqBuilder build, char *err,
                 size_t errlen) {
    memset(s, 0, sizeof *s);
    Checkpoint ck;
    if (!checkpoint_open(&ck, name, err, errlen)) return 0;
    Seq2SeqConfig mc;
    int ok = read_config(s, &mc, model, &ck, err, errlen);
    if (ok && (!ck.has_src_vocab || !ck.has_tgt_vocab)) {
        snprintf(err, errlen, "%s: has no vocabularies (src_vocab, tgt_vocab)", ck.model_path);
        ok = 0;
    }
    if (ok && (ck.src_vocab.size != mc.src_vocab || ck.tgt_vocab.size != mc.tgt_vocab)) {
        snprintf(err, errlen, "%s: the vocabularies have %d and %d tokens but the config says %d and %d",
                 ck.model_path, ck.src_vocab.size, ck.tgt_vocab.size, mc.src_vocab, mc.tgt_vocab);
        ok = 0;
    }
    if (ok) {
        Rng rng;
        rng_seed(&rng, 1);   // any: every weight is overwritten next
        s->m = build(&mc, &rng);
        ok = checkpoint_load_params(&ck, &s->m->P, err, errlen);
        if (!ok) seq2seq_delete(s->m);
    }
    if (ok) {
        copy_vocab(&s->src_vocab, &ck.src_vocab);
        copy_vocab(&s->tgt_vocab, &ck.tgt_vocab);
        s->step = ck.step;
    }
    checkpoint_close(&ck);
    if (!ok) memset(s, 0, sizeof *s);
    return ok;
}

void seq2seq_loaded_free(Seq2SeqLoaded *s) {
    seq2seq_delete(s->m);
    vocab_free(&s->src_vocab);
    vocab_free(&s->tgt_vocab);
    memset(s, 0, sizeof *s);
}

// ids as tokens joined by spaces (every id, specials included).
static void ids_to_text(const Vocab *v, const int *ids, int n, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < n; k++) {
        int w = snprintf(buf + used, size - used, "%s%s", k ? " " : "", vocab_token(v, ids[k]));
        if (w < 0 || (size_t)w >= size - used) {
            buf[used] = '\0';
            return;
        }
        used += (size_t)w;
    }
}

int seq2seq_translate_text(const Seq2SeqLoaded *s, const char *text, int max_len, Seq2SeqTranslation *tr,
                           char *err, size_t errlen) {
    memset(tr, 0, sizeof *tr);
    Tokens toks;
    tokens_init(&toks);
    char why[256];
    if (tokenize(&toks, text, strlen(text), s->mode, why, sizeof why) < 0) {
        snprintf(err, errlen, "--translate: %s", why);
        tokens_free(&toks);
        return 0;
    }
    if (toks.n == 0) {
        snprintf(err, errlen, "--translate: the sentence has no words");
        tokens_free(&toks);
        return 0;
    }
    int S = toks.n + 2;
    int *src = xmalloc(sizeof(int) * (size_t)S);   // (S, 1)
    seq2seq_encode_tokens(&s->src_vocab, &toks, s->reverse, src);
    for (int k = 1; k < S - 1; k++) tr->n_unknown += src[k] == VOCAB_UNK;
    ids_to_text(&s->src_vocab, src, S, tr->read_as, sizeof tr->read_as);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(s->m, 1, S, max_len + 1), NULL);
    int *out = xmalloc(sizeof(int) * (size_t)max_len), out_len;
    seq2seq_greedy(&tp, s->m, src, &S, S, 1, max_len, out, &out_len);
    vocab_decode(&s->tgt_vocab, out, out_len, tr->output, sizeof tr->output);
    tape_free(&tp);
    free(out);
    free(src);
    tokens_free(&toks);
    return 1;
}
