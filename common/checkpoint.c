// checkpoint.c: see checkpoint.h. Introduced in issue 6 (data pipeline).
#include "checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "util.h"

#define CHECKPOINT_FORMAT "unrolled-checkpoint-1"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (errlen) one_line(err);   // a tensor name or config key from the file may hold "\n"
    return 0;
}

// NAME -> NAME.safetensors and NAME.train.safetensors ("x.safetensors" counts as NAME "x").
static int make_paths(const char *name, char *model, char *train, size_t n, char *err, size_t errlen) {
    size_t len = strlen(name);
    const char *ext = ".safetensors";
    if (len >= strlen(ext) && strcmp(name + len - strlen(ext), ext) == 0) len -= strlen(ext);
    if (len == 0) return fail(err, errlen, "checkpoint name is empty");
    if (len + 32 > n) return fail(err, errlen, "checkpoint name too long: %.60s...", name);
    snprintf(model, n, "%.*s.safetensors", (int)len, name);
    snprintf(train, n, "%.*s.train.safetensors", (int)len, name);
    return 1;
}

// Strict decimal and hexadecimal parsing of metadata values.
static int parse_long(const char *s, long *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || (s[0] != '-' && (s[0] < '0' || s[0] > '9'))) return 0;
    *out = v;
    return 1;
}

// A counter from the metadata (a step, an epoch, a batch position): an integer from 0 to max.
// Anything else (missing, negative, a float such as "1e10", too large for the counter, which a
// cast would wrap) is refused, naming the file and the key: "PATH: metadata 'iter.epoch' is
// '-1', expected an integer from 0 to 1000000000".
static int meta_count(const StFile *f, const char *path, const char *key, long max, long *out, char *err,
                      size_t errlen) {
    const char *s = st_meta(f, key);
    long v;
    if (!s) return fail(err, errlen, "%s: metadata '%s' is missing", path, key);
    if (!parse_long(s, &v) || v < 0 || v > max)
        return fail(err, errlen, "%s: metadata '%s' is '%.40s', expected an integer from 0 to %ld", path, key, s, max);
    *out = v;
    return 1;
}

// The largest epoch or batch position a training file may hold: well inside an int, so the
// iterator's epoch++ cannot overflow either.
#define ITER_COUNT_MAX 1000000000L

static void rng_to_string(const Rng *r, char *buf, size_t n) {
    snprintf(buf, n, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64, r->s[0], r->s[1], r->s[2], r->s[3]);
}

static int rng_from_string(const char *s, Rng *r) {
    if (!s || strlen(s) != 4 * 16 + 3) return 0;
    for (int k = 0; k < 4; k++) {
        uint64_t v = 0;
        for (int i = 0; i < 16; i++) {
            char c = s[17 * k + i];
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
            if (d < 0) return 0;
            v = v * 16 + (uint64_t)d;
        }
        if (k < 3 && s[17 * k + 16] != ' ') return 0;
        r->s[k] = v;
    }
    return 1;
}

static void shape_u64(const Tensor *t, uint64_t *shape) {
    for (int k = 0; k < t->ndim; k++) shape[k] = (uint64_t)t->shape[k];
}

static const char *tensor_shape_str(const Tensor *t, char *buf, size_t n) {
    size_t used = (size_t)snprintf(buf, n, "(");
    for (int k = 0; k < t->ndim && used < n; k++)
        used += (size_t)snprintf(buf + used, n - used, "%s%d", k ? ", " : "", t->shape[k]);
    if (used < n) snprintf(buf + used, n - used, "%s)", t->ndim == 1 ? "," : "");
    return buf;
}

// ---- saving -------------------------------------------------------------------------------

static int write_train(const char *path, const Params *P, const TrainState *ts, const char *run_id,
                       const char *step, char *err, size_t errlen) {
    StWriter w;
    stw_init(&w);
    stw_meta(&w, "format", CHECKPOINT_FORMAT);
    stw_meta(&w, "kind", "train");
    stw_meta(&w, "run_id", run_id);
    stw_meta(&w, "step", step);
    char buf[256], name[300];
    uint64_t shape[ST_MAX_DIMS];
    if (ts->adam) {
        const Adam *a = ts->adam;
        if (a->size != P->size) {
            stw_free(&w);
            return fail(err, errlen, "cannot save %s: the optimiser has %zu values, the model %zu", path, a->size, P->size);
        }
        snprintf(buf, sizeof buf, "%ld", a->step);
        stw_meta(&w, "adam.step", buf);
        snprintf(buf, sizeof buf, "%.9g %.9g %.9g %.9g", a->lr, a->beta1, a->beta2, a->eps);
        stw_meta(&w, "adam.lr_beta1_beta2_eps", buf);
        for (int i = 0; i < P->n; i++) {
            const Tensor *t = P->list[i];
            size_t at = (size_t)(t->data - P->data);
            shape_u64(t, shape);
            snprintf(name, sizeof name, "adam.m.%s", t->name);
            stw_tensor(&w, name, ST_F32, t->ndim, shape, a->m + at);
            snprintf(name, sizeof name, "adam.v.%s", t->name);
            stw_tensor(&w, name, ST_F32, t->ndim, shape, a->v + at);
        }
    }
    if (ts->iter) {
        const BatchIter *it = ts->iter;
        snprintf(buf, sizeof buf, "%d", it->epoch);
        stw_meta(&w, "iter.epoch", buf);
        snprintf(buf, sizeof buf, "%d", it->pos);
        stw_meta(&w, "iter.pos", buf);
        snprintf(buf, sizeof buf, "%d %d %d", it->opt.batch_size, it->opt.shuffle, it->opt.bucket);
        stw_meta(&w, "iter.batch_shuffle_bucket", buf);
        rng_to_string(&it->rng, buf, sizeof buf);
        stw_meta(&w, "iter.rng", buf);
        shape[0] = (uint64_t)it->data->n;
        stw_tensor(&w, "iter.order", ST_I32, 1, shape, it->order);
    }
    if (ts->rng) {
        rng_to_string(ts->rng, buf, sizeof buf);
        stw_meta(&w, "rng", buf);
    }
    int ok = stw_write(&w, path, err, errlen);
    stw_free(&w);
    return ok;
}

void checkpoint_run_id(char *buf, size_t n, const char *prefix, const char *config) {
    uint64_t h = 1469598103934665603ull;   // FNV-1a, 64 bits
    for (const unsigned char *p = (const unsigned char *)config; *p; p++) h = (h ^ *p) * 1099511628211ull;
    snprintf(buf, n, "%s-%016llx", prefix, (unsigned long long)h);
}

int checkpoint_save(const char *name, const Params *P, const CheckpointMeta *meta, const TrainState *ts,
                    char *err, size_t errlen) {
    char model_path[4096], train_path[4096];
    if (!make_paths(name, model_path, train_path, sizeof model_path, err, errlen)) return 0;
    if (!meta || !meta->config) return fail(err, errlen, "cannot save %s: no model config given", model_path);
    if (meta->step < 0)
        return fail(err, errlen, "cannot save %s: the step is %ld, expected 0 or more", model_path, meta->step);
    Json cfg;
    char why[256];
    if (!json_parse(&cfg, meta->config, strlen(meta->config), why, sizeof why))
        return fail(err, errlen, "cannot save %s: the config is not valid JSON: %s", model_path, why);
    int is_object = json_root(&cfg)->type == JSON_OBJECT;
    json_free(&cfg);
    if (!is_object) return fail(err, errlen, "cannot save %s: the config must be a JSON object", model_path);

    static const char *const reserved[] = {"format", "kind", "run_id", "step", "config", "src_vocab", "tgt_vocab"};
    for (int i = 0; i < meta->n_extra; i++)
        for (int k = 0; k < 7; k++)
            if (strcmp(meta->extra[2 * i], reserved[k]) == 0)
                return fail(err, errlen, "cannot save %s: metadata key '%s' is reserved", model_path, reserved[k]);

    char run_id[64], step[32];
    if (meta->run_id) snprintf(run_id, sizeof run_id, "%s", meta->run_id);
    else snprintf(run_id, sizeof run_id, "%lx-%lx", (unsigned long)time(NULL), (unsigned long)getpid());
    snprintf(step, sizeof step, "%ld", meta->step);

    // The training file first: if the model file's rename never happens, the pair is
    // visibly mismatched (run_id/step) rather than silently wrong.
    if (ts && !write_train(train_path, P, ts, run_id, step, err, errlen)) return 0;

    StWriter w;
    stw_init(&w);
    stw_meta(&w, "format", CHECKPOINT_FORMAT);
    stw_meta(&w, "kind", "model");
    stw_meta(&w, "run_id", run_id);
    stw_meta(&w, "step", step);
    stw_meta(&w, "config", meta->config);
    const Vocab *vocabs[2] = {meta->src_vocab, meta->tgt_vocab};
    static const char *const vocab_keys[2] = {"src_vocab", "tgt_vocab"};
    for (int s = 0; s < 2; s++)
        if (vocabs[s]) {
            char *json = vocab_to_json(vocabs[s]);
            stw_meta(&w, vocab_keys[s], json);
            free(json);
        }
    for (int i = 0; i < meta->n_extra; i++) stw_meta(&w, meta->extra[2 * i], meta->extra[2 * i + 1]);
    uint64_t shape[ST_MAX_DIMS];
    for (int i = 0; i < P->n; i++) {
        shape_u64(P->list[i], shape);
        stw_tensor(&w, P->list[i]->name, ST_F32, P->list[i]->ndim, shape, P->list[i]->data);
    }
    int ok = stw_write(&w, model_path, err, errlen);
    stw_free(&w);
    return ok;
}

void checkpoint_save_or_die(const char *name, const Params *P, const CheckpointMeta *meta,
                            const TrainState *ts) {
    char err[1024];
    if (!checkpoint_save(name, P, meta, ts, err, sizeof err)) die("%s", err);
}

// ---- opening ------------------------------------------------------------------------------

int checkpoint_open(Checkpoint *ck, const char *name, char *err, size_t errlen) {
    memset(ck, 0, sizeof *ck);
    if (!make_paths(name, ck->model_path, ck->train_path, sizeof ck->model_path, err, errlen)) return 0;
    if (!st_read(&ck->model, ck->model_path, err, errlen)) return 0;
    const char *kind = st_meta(&ck->model, "kind");
    int ok = 1;
    if (kind && strcmp(kind, "model") != 0)
        ok = fail(err, errlen, "%s: is a '%.20s' checkpoint, not a model", ck->model_path, kind);
    ck->config = st_meta(&ck->model, "config");
    ck->run_id = st_meta(&ck->model, "run_id");
    const char *step = st_meta(&ck->model, "step");
    if (ok && step && !parse_long(step, &ck->step))
        ok = fail(err, errlen, "%s: metadata 'step' is not an integer", ck->model_path);
    else if (ok && ck->step < 0)
        ok = fail(err, errlen, "%s: metadata 'step' is %ld, expected 0 or more", ck->model_path, ck->step);
    static const char *const keys[2] = {"src_vocab", "tgt_vocab"};
    Vocab *vocabs[2] = {&ck->src_vocab, &ck->tgt_vocab};
    int *has[2] = {&ck->has_src_vocab, &ck->has_tgt_vocab};
    for (int s = 0; s < 2 && ok; s++) {
        const char *json = st_meta(&ck->model, keys[s]);
        if (!json) continue;
        char why[256];
        if (!vocab_from_json(vocabs[s], json, strlen(json), why, sizeof why))
            ok = fail(err, errlen, "%s: %s: %s", ck->model_path, keys[s], why);
        else *has[s] = 1;
    }
    if (!ok) checkpoint_close(ck);
    return ok;
}

void checkpoint_open_or_die(Checkpoint *ck, const char *name) {
    char err[1024];
    if (!checkpoint_open(ck, name, err, sizeof err)) die("%s", err);
}

void checkpoint_close(Checkpoint *ck) {
    st_free(&ck->model);
    st_free(&ck->train);
    if (ck->has_src_vocab) vocab_free(&ck->src_vocab);
    if (ck->has_tgt_vocab) vocab_free(&ck->tgt_vocab);
    memset(ck, 0, sizeof *ck);
}

const char *checkpoint_meta(const Checkpoint *ck, const char *key) { return st_meta(&ck->model, key); }

// ---- the config check ---------------------------------------------------------------------

// Two JSON values are the same: numbers by value, strings by bytes, containers by their text.
static int same_value(const JsonNode *a, const char *text_a, const JsonNode *b, const char *text_b) {
    if (a->type != b->type) return 0;
    if (a->type == JSON_NUMBER) return a->number == b->number;
    if (a->type == JSON_STRING) return a->str_len == b->str_len && memcmp(a->str, b->str, a->str_len) == 0;
    if (a->type == JSON_ARRAY || a->type == JSON_OBJECT)
        return a->end - a->begin == b->end - b->begin && memcmp(text_a + a->begin, text_b + b->begin, a->end - a->begin) == 0;
    return 1;
}

int checkpoint_check_config(const Checkpoint *ck, const char *config_json, char *err, size_t errlen) {
    if (!ck->config) return fail(err, errlen, "%s: has no model config (not written by unrolled?)", ck->model_path);
    Json file, here;
    char why[256];
    if (!json_parse(&file, ck->config, strlen(ck->config), why, sizeof why))
        return fail(err, errlen, "%s: the config is not valid JSON: %s", ck->model_path, why);
    if (!json_parse(&here, config_json, strlen(config_json), why, sizeof why)) {
        json_free(&file);
        return fail(err, errlen, "checkpoint_check_config: the expected config is not valid JSON: %s", why);
    }
    const JsonNode *fr = json_root(&file), *hr = json_root(&here);
    int ok = 1;
    if (fr->type != JSON_OBJECT || hr->type != JSON_OBJECT)
        ok = fail(err, errlen, "%s: the config is not a JSON object", ck->model_path);
    for (const JsonNode *h = json_first(&here, hr); h && ok; h = json_next(&here, h)) {
        const JsonNode *f = json_get(&file, fr, h->key);
        if (!f) {
            ok = fail(err, errlen, "%s: a checkpoint of another model: config '%.40s' is missing in the file",
                      ck->model_path, h->key);
        } else if (!same_value(f, ck->config, h, config_json)) {
            ok = fail(err, errlen, "%s: a checkpoint of another model: config '%.40s' is %.*s in the file but %.*s here",
                      ck->model_path, h->key, (int)(f->end - f->begin < 40 ? f->end - f->begin : 40),
                      ck->config + f->begin, (int)(h->end - h->begin < 40 ? h->end - h->begin : 40),
                      config_json + h->begin);
        }
    }
    for (const JsonNode *f = json_first(&file, fr); f && ok; f = json_next(&file, f))
        if (!json_get(&here, hr, f->key))
            ok = fail(err, errlen, "%s: a checkpoint of another model: config '%.40s' is in the file but not here",
                      ck->model_path, f->key);
    json_free(&file);
    json_free(&here);
    return ok;
}

void checkpoint_check_config_or_die(const Checkpoint *ck, const char *config_json) {
    char err[1024];
    if (!checkpoint_check_config(ck, config_json, err, sizeof err)) die("%s", err);
}

// ---- the parameters -----------------------------------------------------------------------

// f's tensor `name` must be F32 with t's shape.
static int check_like(const StFile *f, const char *path, const char *name, const Tensor *t,
                      const StTensor **out, char *err, size_t errlen) {
    const StTensor *s = st_find(f, name);
    char a[128], b[128];
    if (!s) return fail(err, errlen, "%s: missing tensor '%s'", path, name);
    if (s->dtype != ST_F32)
        return fail(err, errlen, "%s: tensor '%s' has dtype %s, expected F32", path, name, st_dtype_name(s->dtype));
    int same = s->ndim == t->ndim;
    for (int k = 0; k < t->ndim && same; k++) same = s->shape[k] == (uint64_t)t->shape[k];
    if (!same)
        return fail(err, errlen, "%s: tensor '%s' has shape %s in the file but %s in the model", path, name,
                    st_shape_str(s, a, sizeof a), tensor_shape_str(t, b, sizeof b));
    *out = s;
    return 1;
}

int checkpoint_load_params(const Checkpoint *ck, Params *P, char *err, size_t errlen) {
    const StTensor **src = xmalloc(sizeof(StTensor *) * (size_t)(P->n ? P->n : 1));
    int ok = 1;
    for (int i = 0; i < P->n && ok; i++)
        ok = check_like(&ck->model, ck->model_path, P->list[i]->name, P->list[i], &src[i], err, errlen);
    for (int i = 0; i < ck->model.n && ok; i++)
        if (!params_find(P, ck->model.tensors[i].name))
            ok = fail(err, errlen, "%s: unexpected tensor '%s' (the model has no such parameter)", ck->model_path,
                      ck->model.tensors[i].name);
    if (ok)  // everything checked: now copy
        for (int i = 0; i < P->n; i++) st_copy_out(src[i], P->list[i]->data);
    free(src);
    return ok;
}

void checkpoint_load_params_or_die(const Checkpoint *ck, Params *P) {
    char err[1024];
    if (!checkpoint_load_params(ck, P, err, sizeof err)) die("%s", err);
}

// ---- the training state -------------------------------------------------------------------

static int is_adam_tensor(const char *name, const Params *P) {
    if (strncmp(name, "adam.m.", 7) != 0 && strncmp(name, "adam.v.", 7) != 0) return 0;
    return params_find(P, name + 7) != NULL;
}

int checkpoint_load_train(Checkpoint *ck, const Params *P, const TrainState *ts, char *err, size_t errlen) {
    st_free(&ck->train);
    StFile *f = &ck->train;
    const char *path = ck->train_path;
    if (!st_read(f, path, err, errlen)) return 0;
    const char *kind = st_meta(f, "kind"), *run_id = st_meta(f, "run_id");
    long step = 0;
    if (!kind || strcmp(kind, "train") != 0)
        return fail(err, errlen, "%s: not a training-state checkpoint (metadata 'kind' is %s)", path, kind ? kind : "missing");
    if (!run_id) return fail(err, errlen, "%s: metadata 'run_id' is missing", path);
    if (!meta_count(f, path, "step", LONG_MAX, &step, err, errlen)) return 0;
    if (!ck->run_id || strcmp(run_id, ck->run_id) != 0 || step != ck->step)
        return fail(err, errlen, "%s: does not belong with %s (run %.20s step %ld vs run %.20s step %ld; was a save "
                    "interrupted?)", path, ck->model_path, run_id, step, ck->run_id ? ck->run_id : "?", ck->step);
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->tensors[i].name, "iter.order") != 0 && !is_adam_tensor(f->tensors[i].name, P))
            return fail(err, errlen, "%s: unexpected tensor '%s'", path, f->tensors[i].name);

    // 1. Check everything.
    long adam_step = 0;
    const StTensor **m = NULL, **v = NULL;
    int ok = 1;
    char name[300];
    if (ts->adam) {
        if (ts->adam->size != P->size)
            return fail(err, errlen, "%s: the optimiser has %zu values but the model %zu", path, ts->adam->size, P->size);
        if (!meta_count(f, path, "adam.step", LONG_MAX, &adam_step, err, errlen)) return 0;
        m = xmalloc(sizeof(StTensor *) * (size_t)(P->n ? P->n : 1));
        v = xmalloc(sizeof(StTensor *) * (size_t)(P->n ? P->n : 1));
        for (int i = 0; i < P->n && ok; i++) {
            snprintf(name, sizeof name, "adam.m.%s", P->list[i]->name);
            ok = check_like(f, path, name, P->list[i], &m[i], err, errlen);
            snprintf(name, sizeof name, "adam.v.%s", P->list[i]->name);
            if (ok) ok = check_like(f, path, name, P->list[i], &v[i], err, errlen);
        }
    }
    Rng rng;
    if (ok && ts->rng && !rng_from_string(st_meta(f, "rng"), &rng))
        ok = fail(err, errlen, "%s: metadata 'rng' missing or invalid", path);
    if (ok && ts->iter) {
        BatchIter *it = ts->iter;
        const StTensor *order = st_find(f, "iter.order");
        long epoch, pos;
        int bs, sh, bu;
        Rng it_rng;
        const char *opts = st_meta(f, "iter.batch_shuffle_bucket");
        char why[256];
        if (!order || order->dtype != ST_I32 || order->ndim != 1)
            ok = fail(err, errlen, "%s: no batch iterator state (tensor 'iter.order', I32, 1-D)", path);
        else if (!meta_count(f, path, "iter.epoch", ITER_COUNT_MAX, &epoch, err, errlen) ||
                 !meta_count(f, path, "iter.pos", ITER_COUNT_MAX, &pos, err, errlen))
            ok = 0;
        else if (!rng_from_string(st_meta(f, "iter.rng"), &it_rng) || !opts ||
                 sscanf(opts, "%d %d %d", &bs, &sh, &bu) != 3)
            ok = fail(err, errlen, "%s: batch iterator metadata missing or invalid", path);
        else if (bs != it->opt.batch_size || sh != it->opt.shuffle || bu != it->opt.bucket)
            ok = fail(err, errlen, "%s: batch iterator options (batch %d, shuffle %d, bucket %d) differ from this run's "
                      "(batch %d, shuffle %d, bucket %d)", path, bs, sh, bu, it->opt.batch_size, it->opt.shuffle,
                      it->opt.bucket);
        else if (order->shape[0] > (uint64_t)it->data->n)
            ok = fail(err, errlen, "%s: the saved batch order has %llu pairs but the dataset has %d", path,
                      (unsigned long long)order->shape[0], it->data->n);
        else {
            int n = (int)order->shape[0];
            int *ids = xmalloc(sizeof(int) * (size_t)(n ? n : 1));
            st_copy_out(order, ids);
            // 2a. The iterator restores itself only if its own checks pass.
            if (!batch_iter_restore(it, (int)epoch, (int)pos, ids, n, &it_rng, why, sizeof why))
                ok = fail(err, errlen, "%s: %s", path, why);
            free(ids);
        }
    }
    // 2b. Everything else cannot fail any more.
    if (ok && ts->adam) {
        for (int i = 0; i < P->n; i++) {
            size_t at = (size_t)(P->list[i]->data - P->data);
            st_copy_out(m[i], ts->adam->m + at);
            st_copy_out(v[i], ts->adam->v + at);
        }
        ts->adam->step = adam_step;
    }
    if (ok && ts->rng) *ts->rng = rng;
    free(m);
    free(v);
    return ok;
}

void checkpoint_load_train_or_die(Checkpoint *ck, const Params *P, const TrainState *ts) {
    char err[1024];
    if (!checkpoint_load_train(ck, P, ts, err, sizeof err)) die("%s", err);
}
