// fuzz_checkpoint.c: the safetensors reader and everything checkpoint.c reads from a file:
// metadata, vocabularies, config, parameters and the training state (common/safetensors.h,
// common/checkpoint.h). Introduced in issue 13 (hardening).
//
// Input: byte 0 bit 0 says whether a training-state file follows the model file; if it
// does, bytes 1-2 (little-endian) are the model file's length and the training file is the
// rest, otherwise the model file is everything after byte 0. Then:
//   1. st_parse() on each file's bytes, in memory (each in a buffer of exactly its size, so
//      AddressSanitizer sees any read past the end);
//   2. the files written to disk and opened as a checkpoint of tiny_model.h's model:
//      checkpoint_open, checkpoint_check_config, checkpoint_load_params, checkpoint_load_train.
// Checked promises: every tensor's bytes lie inside the file and match its shape and dtype;
// errors are one line; a load that fails changes nothing (parameters, Adam, the batch
// iterator and the Rng are compared before and after).
#include "fuzz_util.h"

#include "checkpoint.h"
#include "safetensors.h"
#include "tiny_model.h"

static void checkpoint_fuzz_parse(const uint8_t *bytes, size_t size) {
    unsigned char *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    if (size) memcpy(copy, bytes, size);
    StFile f;
    char err[512];
    if (!st_parse(&f, copy, size, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        FUZZ_CHECK(f.tensors == NULL && f.n == 0);
        free(copy);
        return;
    }
    uint64_t covered = 0;
    for (int i = 0; i < f.n; i++) {
        const StTensor *t = &f.tensors[i];
        uint64_t bytes_needed = st_dtype_size(t->dtype);
        for (int k = 0; k < t->ndim; k++) bytes_needed *= t->shape[k];
        FUZZ_CHECK(t->end - t->begin == bytes_needed);
        FUZZ_CHECK(t->data >= copy && t->data + (t->end - t->begin) <= copy + size);
        FUZZ_CHECK(st_find(&f, t->name) != NULL);
        covered += t->end - t->begin;
        void *values = malloc((size_t)(t->end - t->begin) + 1);
        FUZZ_CHECK(values != NULL);
        st_copy_out(t, values);
        free(values);
        char shape[256];
        st_shape_str(t, shape, sizeof shape);
        st_shape_str(t, shape, 4);   // a small buffer must not overflow either
    }
    FUZZ_CHECK(covered <= size);
    const char *keys[] = {"format", "kind", "config", "src_vocab", "step", "__metadata__"};
    for (int k = 0; k < 6; k++) st_meta(&f, keys[k]);
    st_free(&f);
    free(copy);
}

// What a load may change, to compare before and after a failed one.
typedef struct TinySnapshot {
    float *params, *m, *v;
    long adam_step;
    int epoch, pos;
    int order[TINY_PAIRS];
    Rng iter_rng, rng;
} TinySnapshot;

static void checkpoint_snapshot(TinySnapshot *s, const TinyRun *r) {
    size_t n = sizeof(float) * r->P.size;
    s->params = malloc(n), s->m = malloc(n), s->v = malloc(n);
    FUZZ_CHECK(s->params && s->m && s->v);
    memcpy(s->params, r->P.data, n);
    memcpy(s->m, r->adam.m, n);
    memcpy(s->v, r->adam.v, n);
    s->adam_step = r->adam.step;
    s->epoch = r->iter.epoch, s->pos = r->iter.pos;
    memcpy(s->order, r->iter.order, sizeof s->order);
    s->iter_rng = r->iter.rng, s->rng = r->rng;
}

static int checkpoint_unchanged(const TinySnapshot *s, const TinyRun *r) {
    size_t n = sizeof(float) * r->P.size;
    return memcmp(s->params, r->P.data, n) == 0 && memcmp(s->m, r->adam.m, n) == 0 &&
           memcmp(s->v, r->adam.v, n) == 0 && s->adam_step == r->adam.step && s->epoch == r->iter.epoch &&
           s->pos == r->iter.pos && memcmp(s->order, r->iter.order, sizeof s->order) == 0 &&
           memcmp(&s->iter_rng, &r->iter.rng, sizeof(Rng)) == 0 && memcmp(&s->rng, &r->rng, sizeof(Rng)) == 0;
}

static void checkpoint_snapshot_free(TinySnapshot *s) {
    free(s->params), free(s->m), free(s->v);
}

static TinyRun *checkpoint_fuzz_run(void) {
    static TinyRun run;   // built once per process: the model every input is loaded into
    static int ready;
    if (!ready) {
        tiny_run_init(&run, 0);
        ready = 1;
    }
    return &run;
}

static void checkpoint_fuzz_load(const uint8_t *model, size_t model_len, const uint8_t *train, size_t train_len,
                                 int has_train) {
    const char *model_path = fuzz_scratch_path("ck.safetensors");
    const char *train_path = fuzz_scratch_path("ck.train.safetensors");
    fuzz_write_file(model_path, model, model_len);
    if (has_train) fuzz_write_file(train_path, train, train_len);
    else unlink(train_path);
    char name[320], err[1024];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(model_path) - strlen(".safetensors")), model_path);

    Checkpoint ck;
    if (!checkpoint_open(&ck, name, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err) && strstr(err, model_path));
        return;
    }
    if (!checkpoint_check_config(&ck, TINY_CONFIG, err, sizeof err)) FUZZ_CHECK(fuzz_one_line(err));
    TinyRun *run = checkpoint_fuzz_run();
    TinySnapshot before;
    checkpoint_snapshot(&before, run);
    if (!checkpoint_load_params(&ck, &run->P, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        FUZZ_CHECK(checkpoint_unchanged(&before, run));
    }
    checkpoint_snapshot_free(&before);
    checkpoint_snapshot(&before, run);
    TrainState ts = tiny_train_state(run);
    if (!checkpoint_load_train(&ck, &run->P, &ts, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        FUZZ_CHECK(checkpoint_unchanged(&before, run));
    }
    checkpoint_snapshot_free(&before);
    checkpoint_close(&ck);
}

static int fuzz_checkpoint(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int has_train = data[0] & 1;
    const uint8_t *model = data + 1, *train = NULL;
    size_t model_len = size - 1, train_len = 0;
    if (has_train) {
        if (size < 3) return 0;
        size_t at = (size_t)data[1] | (size_t)data[2] << 8;
        model = data + 3;
        model_len = at < size - 3 ? at : size - 3;
        train = model + model_len;
        train_len = size - 3 - model_len;
    }
    checkpoint_fuzz_parse(model, model_len);
    if (has_train) checkpoint_fuzz_parse(train, train_len);
    checkpoint_fuzz_load(model, model_len, train, train_len, has_train);
    return 0;
}

FUZZ_ENTRY(fuzz_checkpoint)
