// check_checkpoint.c: safetensors checkpoints, bit-exact round trips and every bad file
// (common/safetensors.h, common/checkpoint.h). Introduced in issue 6 (data pipeline).
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "test_files.h"
#include "toy_tasks.h"

static const char *CONFIG = "{\"model\":\"lstm_lm\",\"vocab\":7,\"emb\":3,\"hidden\":2,\"layers\":[1]}";

// A little LSTM language model with PyTorch's names: nn.Embedding(7, 3), nn.LSTM(3, 2),
// nn.Linear(2, 7). extra: add one more parameter; drop_last: leave fc.bias out.
static void make_model(Params *P, int extra, int drop_last, int fc_rows, uint64_t seed) {
    params_init(P);
    params_new(P, 2, (int[]){7, 3}, "embedding.weight");
    params_new(P, 2, (int[]){8, 3}, "rnn.weight_ih_l0");
    params_new(P, 2, (int[]){8, 2}, "rnn.weight_hh_l0");
    params_new(P, 1, (int[]){8}, "rnn.bias_ih_l0");
    params_new(P, 1, (int[]){8}, "rnn.bias_hh_l0");
    params_new(P, 2, (int[]){fc_rows, fc_rows == 7 ? 2 : 14 / fc_rows}, "fc.weight");
    if (!drop_last) params_new(P, 1, (int[]){7}, "fc.bias");
    if (extra) params_new(P, 1, (int[]){3}, "fc2.weight");
    Rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < P->n; i++)
        for (int k = 0; k < P->list[i]->size; k++) P->list[i]->data[k] = rng_normal(&rng, 0.0f, 1.0f);
    // values that a careless writer would change: NaN payload, infinities, -0, a denormal
    float *w = P->list[0]->data;
    uint32_t nan_bits = 0x7fc01234u;
    memcpy(&w[0], &nan_bits, 4);
    w[1] = INFINITY;
    w[2] = -INFINITY;
    w[3] = -0.0f;
    w[4] = 1e-42f;
}

static void make_vocab(Vocab *v, const char *word) {
    const char *toks[] = {"<unk>", "<pad>", "<sos>", "<eos>", word, "straße", "\"q\"\n"};
    char err[128];
    ck_assert(vocab_from_list(v, toks, 7, err, sizeof err));
}

static char dir[64], name[4096], model_path[4096], train_path[4096];

static void setup(void) {
    make_tmp_dir(dir);
    tmp_path(name, dir, "ck");
    tmp_path(model_path, dir, "ck.safetensors");
    tmp_path(train_path, dir, "ck.train.safetensors");
}
static void teardown(void) { remove_tmp_dir(dir); }

static void save_model(const Params *P, long step, const TrainState *ts) {
    Vocab de, en;
    make_vocab(&de, "mann");
    make_vocab(&en, "man");
    const char *extra[] = {"note", "hello \"world\""};
    CheckpointMeta meta = {.config = CONFIG, .src_vocab = &de, .tgt_vocab = &en, .run_id = "run-1",
                           .step = step, .extra = extra, .n_extra = 1};
    char err[512];
    ck_assert_msg(checkpoint_save(name, P, &meta, ts, err, sizeof err), "%s", err);
    vocab_free(&de);
    vocab_free(&en);
}

START_TEST(test_model_round_trip_bit_exact) {
    Params P, Q;
    make_model(&P, 0, 0, 7, 1);
    save_model(&P, 42, NULL);
    make_model(&Q, 0, 0, 7, 2);   // other values
    Checkpoint ck;
    char err[512];
    ck_assert_msg(checkpoint_open(&ck, name, err, sizeof err), "%s", err);
    ck_assert_msg(checkpoint_check_config(&ck, CONFIG, err, sizeof err), "%s", err);
    ck_assert_msg(checkpoint_load_params(&ck, &Q, err, sizeof err), "%s", err);
    for (int i = 0; i < P.n; i++)
        ck_assert_mem_eq(P.list[i]->data, Q.list[i]->data, sizeof(float) * (size_t)P.list[i]->size);
    ck_assert(ck.has_src_vocab && ck.has_tgt_vocab);
    ck_assert_int_eq(ck.src_vocab.size, 7);
    ck_assert_str_eq(vocab_token(&ck.src_vocab, 4), "mann");
    ck_assert_str_eq(vocab_token(&ck.tgt_vocab, 6), "\"q\"\n");
    ck_assert_int_eq(ck.step, 42);
    ck_assert_str_eq(ck.run_id, "run-1");
    ck_assert_str_eq(checkpoint_meta(&ck, "note"), "hello \"world\"");
    checkpoint_close(&ck);
    // NAME.safetensors works as the name too; the header is 8-aligned
    ck_assert_msg(checkpoint_open(&ck, model_path, err, sizeof err), "%s", err);
    checkpoint_close(&ck);
    size_t size;
    unsigned char *bytes = (unsigned char *)read_all(model_path, &size);
    ck_assert_uint_eq(bytes[0] % 8, 0);
    ck_assert_uint_eq(size, 8 + bytes[0] + 256u * bytes[1] + 4 * params_count(&P));
    free(bytes);
    params_free(&P);
    params_free(&Q);
}
END_TEST

// A small run's whole state: Adam after 3 steps, an iterator mid-epoch, an Rng.
typedef struct Run {
    Params P;
    Adam adam;
    Corpus corpus;
    Vocab vocab;
    Dataset data;
    BatchIter iter;
    Rng rng;
} Run;

static void run_start(Run *r, uint64_t seed, int steps, int batches) {
    make_model(&r->P, 0, 0, 7, seed);
    r->adam = adam_create(&r->P, 0.01f);
    Rng g;
    rng_seed(&g, seed + 100);
    for (int s = 0; s < steps; s++) {  // random gradients (the alignment padding stays 0)
        for (int i = 0; i < r->P.n; i++)
            for (int k = 0; k < r->P.list[i]->size; k++) r->P.list[i]->grad[k] = rng_normal(&g, 0.0f, 1.0f);
        adam_step(&r->adam);
    }
    toy_task_generate_or_die(&r->corpus, "reverse", SPLIT_TRAIN, seed, 100, NULL);
    vocab_build_or_die(&r->vocab, &r->corpus, CORPUS_SRC, 1);
    dataset_encode(&r->data, &r->corpus, &r->vocab, &r->vocab, 0);
    batch_iter_init(&r->iter, &r->data, &(BatchOptions){.batch_size = 16, .shuffle = 1, .bucket = 2, .seed = seed});
    Batch b;
    batch_init(&b);
    for (int k = 0; k < batches;) k += batch_iter_next(&r->iter, &b);
    batch_free(&b);
    rng_seed(&r->rng, seed + 200);
    rng_u64(&r->rng);
}

static void run_free(Run *r) {
    batch_iter_free(&r->iter);
    dataset_free(&r->data);
    vocab_free(&r->vocab);
    corpus_free(&r->corpus);
    adam_free(&r->adam);
    params_free(&r->P);
}

START_TEST(test_train_state_round_trip) {
    Run a, b;
    run_start(&a, 1, 3, 10);   // 10 batches: epoch 1, batch 3 (7 per epoch)
    run_start(&b, 2, 0, 0);
    TrainState ta = {&a.adam, &a.iter, &a.rng}, tb = {&b.adam, &b.iter, &b.rng};
    save_model(&a.P, a.adam.step, &ta);
    Checkpoint ck;
    char err[512];
    ck_assert_msg(checkpoint_open(&ck, name, err, sizeof err), "%s", err);
    ck_assert_msg(checkpoint_load_params(&ck, &b.P, err, sizeof err), "%s", err);
    ck_assert_msg(checkpoint_load_train(&ck, &b.P, &tb, err, sizeof err), "%s", err);
    checkpoint_close(&ck);
    ck_assert_mem_eq(a.adam.m, b.adam.m, sizeof(float) * a.P.size);
    ck_assert_mem_eq(a.adam.v, b.adam.v, sizeof(float) * a.P.size);
    ck_assert_int_eq(b.adam.step, 3);
    ck_assert_int_eq(b.iter.epoch, 1);
    ck_assert_int_eq(b.iter.pos, 3);
    ck_assert_mem_eq(a.iter.order, b.iter.order, sizeof(int) * 100);
    ck_assert_mem_eq(a.iter.rng.s, b.iter.rng.s, sizeof a.rng.s);
    ck_assert_mem_eq(a.rng.s, b.rng.s, sizeof a.rng.s);
    // and the next Adam step is identical
    for (int i = 0; i < a.P.n; i++)
        for (int k = 0; k < a.P.list[i]->size; k++) a.P.list[i]->grad[k] = b.P.list[i]->grad[k] = (float)k * 1e-3f;
    adam_step(&a.adam);
    adam_step(&b.adam);
    ck_assert_mem_eq(a.P.data, b.P.data, sizeof(float) * a.P.size);
    run_free(&a);
    run_free(&b);
}
END_TEST

START_TEST(test_mismatched_pair_refused) {
    Run a;
    run_start(&a, 1, 2, 1);
    TrainState ts = {&a.adam, &a.iter, &a.rng};
    save_model(&a.P, 100, &ts);
    size_t size;
    char *bytes = read_all(train_path, &size);
    save_model(&a.P, 200, &ts);
    write_bytes(train_path, bytes, size);   // step 100's training state next to step 200's model
    free(bytes);
    Checkpoint ck;
    char err[512];
    ck_assert(checkpoint_open(&ck, name, err, sizeof err));
    ck_assert(!checkpoint_load_train(&ck, &a.P, &ts, err, sizeof err));
    ck_assert_err_has(err, train_path, "does not belong with", "step 100", "step 200");
    checkpoint_close(&ck);
    run_free(&a);
}
END_TEST

static void write_raw(const char *header, const void *data, size_t data_len);

// Rewrite one metadata value in the saved training file's header: "KEY":"VALUE" becomes
// "KEY":"NEW". The data section is unchanged (its offsets are relative to it), the header
// length is written anew. The result is what a buggy or hostile writer could produce.
static void set_train_meta(const char *key, const char *value) {
    size_t size;
    char *bytes = read_all(train_path, &size);
    size_t n = 0;
    for (int k = 7; k >= 0; k--) n = n * 256 + (unsigned char)bytes[k];
    char *header = strndup(bytes + 8, n), pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    char *at = strstr(header, pattern);
    ck_assert_msg(at != NULL, "no metadata '%s' in %s", key, train_path);
    char *val = at + strlen(pattern), *end = strchr(val, '"');
    size_t new_n = (size_t)(val - header) + strlen(value) + strlen(end);
    char *out = malloc(8 + new_n + (size - 8 - n));
    for (int k = 0; k < 8; k++) out[k] = (char)(unsigned char)((uint64_t)new_n >> (8 * k));
    snprintf(out + 8, new_n + 1, "%.*s%s%s", (int)(val - header), header, value, end);
    memcpy(out + 8 + new_n, bytes + 8 + n, size - 8 - n);
    write_bytes(train_path, out, 8 + new_n + (size - 8 - n));
    free(out);
    free(header);
    free(bytes);
}

// A negative or out-of-range epoch, batch position or step in the training file is refused
// with one line naming the file and the key; nothing is restored. Values below INT_MIN used to
// wrap to a small positive int in the cast and be accepted.
START_TEST(test_train_counters_out_of_range) {
    static const struct {
        const char *key, *value;
    } bad[] = {
        {"iter.epoch", "-1"},   {"iter.epoch", "-4294967295"}, {"iter.epoch", "4294967297"},
        {"iter.epoch", "1e3"},  {"iter.epoch", "2.0"},         {"iter.epoch", "99999999999999999999"},
        {"iter.pos", "-1"},     {"iter.pos", "-4294967293"},   {"iter.pos", "2147483648"},
        {"adam.step", "-3"},    {"adam.step", "-9223372036854775808"},
        {"step", "-1"},
    };
    Run a, b;
    run_start(&a, 1, 3, 10);   // epoch 1, batch 3
    run_start(&b, 2, 0, 0);
    TrainState ta = {&a.adam, &a.iter, &a.rng}, tb = {&b.adam, &b.iter, &b.rng};
    for (int i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
        save_model(&a.P, a.adam.step, &ta);
        set_train_meta(bad[i].key, bad[i].value);
        Checkpoint ck;
        char err[512] = "", field[64];
        ck_assert_msg(checkpoint_open(&ck, name, err, sizeof err), "%s", err);
        int ok = checkpoint_load_train(&ck, &b.P, &tb, err, sizeof err);
        checkpoint_close(&ck);
        ck_assert_msg(!ok, "%s = %s was accepted (epoch %d, pos %d, adam step %ld)", bad[i].key, bad[i].value,
                      b.iter.epoch, b.iter.pos, b.adam.step);
        ck_assert_msg(strchr(err, '\n') == NULL, "more than one line: %s", err);
        snprintf(field, sizeof field, "metadata '%s'", bad[i].key);
        ck_assert_err_has(err, train_path, field);
        ck_assert_int_eq(b.iter.epoch, 0);   // nothing restored
        ck_assert_int_eq(b.iter.pos, 0);
        ck_assert_int_eq(b.adam.step, 0);
    }
    // the model file's step: negative is refused when opening; saving one is refused too
    save_model(&a.P, 0, &ta);
    Checkpoint ck;
    char err[512];
    CheckpointMeta meta = {.config = CONFIG, .run_id = "run-1", .step = -1};
    ck_assert(!checkpoint_save(name, &a.P, &meta, NULL, err, sizeof err));
    ck_assert_err_has(err, model_path, "the step is -1");
    write_raw("{\"__metadata__\":{\"step\":\"-5\"}}", NULL, 0);
    ck_assert(!checkpoint_open(&ck, name, err, sizeof err));
    ck_assert_err_has(err, model_path, "metadata 'step' is -5, expected 0 or more");
    // the largest accepted values still load (the iterator then refuses pos > its batches)
    save_model(&a.P, a.adam.step, &ta);
    set_train_meta("iter.epoch", "1000000000");
    ck_assert_msg(checkpoint_open(&ck, name, err, sizeof err), "%s", err);
    ck_assert_msg(checkpoint_load_train(&ck, &b.P, &tb, err, sizeof err), "%s", err);
    checkpoint_close(&ck);
    ck_assert_int_eq(b.iter.epoch, 1000000000);
    ck_assert_int_eq(b.iter.pos, 3);
    run_free(&a);
    run_free(&b);
}
END_TEST

// Loading P from the saved checkpoint must fail, naming the file and the phrases.
static void expect_params_error(Params *P, const char *phrase, const char *phrase2) {
    Checkpoint ck;
    char err[512] = "";
    int ok = checkpoint_open(&ck, name, err, sizeof err);
    if (ok) {
        ok = checkpoint_load_params(&ck, P, err, sizeof err);
        checkpoint_close(&ck);
    }
    ck_assert_msg(!ok, "loading should fail with '%s'", phrase);
    ck_assert_err_has(err, model_path, phrase, phrase2);
}

START_TEST(test_model_mismatches) {
    Params P, Q;
    make_model(&P, 0, 0, 7, 1);
    save_model(&P, 1, NULL);
    make_model(&Q, 1, 0, 7, 1);
    expect_params_error(&Q, "missing tensor 'fc2.weight'", "");
    params_free(&Q);
    make_model(&Q, 0, 1, 7, 1);
    expect_params_error(&Q, "unexpected tensor 'fc.bias'", "");
    params_free(&Q);
    make_model(&Q, 0, 0, 2, 1);
    expect_params_error(&Q, "tensor 'fc.weight' has shape (7, 2) in the file but (2, 7) in the model", "");
    params_free(&Q);

    Checkpoint ck;
    char err[512];
    ck_assert(checkpoint_open(&ck, name, err, sizeof err));
    ck_assert(!checkpoint_check_config(&ck, "{\"model\":\"lstm_lm\",\"vocab\":7,\"emb\":3,\"hidden\":4,\"layers\":[1]}", err, sizeof err));
    ck_assert_err_has(err, model_path, "another model", "'hidden' is 2 in the file but 4 here");
    ck_assert(!checkpoint_check_config(&ck, "{\"model\":\"gru\",\"vocab\":7,\"emb\":3,\"hidden\":2,\"layers\":[1]}", err, sizeof err));
    ck_assert_err_has(err, "'model' is \"lstm_lm\" in the file but \"gru\" here");
    ck_assert(!checkpoint_check_config(&ck, "{\"vocab\":7,\"emb\":3,\"hidden\":2,\"layers\":[1]}", err, sizeof err));
    ck_assert_err_has(err, "'model' is in the file but not here");
    ck_assert(!checkpoint_check_config(&ck, "{\"model\":\"lstm_lm\",\"vocab\":7,\"emb\":3,\"hidden\":2,\"layers\":[2]}", err, sizeof err));
    ck_assert_err_has(err, "'layers' is [1] in the file but [2] here");
    ck_assert(checkpoint_check_config(&ck, "{\"layers\":[1],\"hidden\":2.0,\"emb\":3,\"vocab\":7,\"model\":\"lstm_lm\"}", err, sizeof err));
    checkpoint_close(&ck);

    // the training file is not there
    ck_assert(checkpoint_open(&ck, name, err, sizeof err));
    TrainState none = {0};
    ck_assert(!checkpoint_load_train(&ck, &P, &none, err, sizeof err));
    ck_assert_err_has(err, "cannot open", train_path);
    checkpoint_close(&ck);
    params_free(&P);
}
END_TEST

// Write a safetensors file by hand: header text (padded by nobody) and data bytes.
static void write_raw(const char *header, const void *data, size_t data_len) {
    size_t n = strlen(header);
    unsigned char len[8];
    for (int k = 0; k < 8; k++) len[k] = (unsigned char)((uint64_t)n >> (8 * k));
    FILE *fp = fopen(model_path, "wb");
    fwrite(len, 1, 8, fp);
    fwrite(header, 1, n, fp);
    if (data_len) fwrite(data, 1, data_len, fp);
    fclose(fp);
}

static void expect_open_error(const char *phrase) {
    Checkpoint ck;
    char err[512] = "";
    ck_assert_msg(!checkpoint_open(&ck, name, err, sizeof err), "opening should fail with '%s'", phrase);
    ck_assert_msg(strchr(err, '\n') == NULL, "more than one line: %s", err);
    ck_assert_err_has(err, model_path, phrase);
}

START_TEST(test_bad_files) {
    float data[6] = {1, 2, 3, 4, 5, 6};
    // the good one, for reference
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data, 12);
    Checkpoint ck;
    char err[512];
    ck_assert_msg(checkpoint_open(&ck, name, err, sizeof err), "%s", err);
    checkpoint_close(&ck);

    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data, 12);
    expect_open_error("tensors 'a' and 'b' overlap");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data, 4);
    expect_open_error("out of range");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data, 12);
    expect_open_error("bytes [0, 4) of the data section belong to no tensor");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data, 12);
    expect_open_error("4 bytes after the last tensor");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data, 8);
    expect_open_error("hold 8 bytes but shape and dtype F32 need 12");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", data, 8);
    expect_open_error("end before they begin");
    write_raw("{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,8]}}", data, 8);
    expect_open_error("unknown dtype 'F8'");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", data, 8);
    expect_open_error("non-negative integers");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", data, 8);
    expect_open_error("unexpected field 'x'");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", data, 8);
    expect_open_error("missing field 'data_offsets'");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", data, 8);
    expect_open_error("byte count overflows 64 bits");
    write_raw("{\"__metadata__\":{\"k\":1}}", data, 0);
    expect_open_error("__metadata__ value 'k' is a JSON number");
    write_raw("{\"__metadata__\":{\"src_vocab\":\"[\\\"<unk>\\\"]\"}}", data, 0);
    expect_open_error("src_vocab: the vocabulary has 1 tokens");
    write_raw("{not json", data, 0);
    expect_open_error("header is not valid JSON");
    write_raw("[1, 2]", data, 0);
    expect_open_error("header is a JSON array, expected an object");
    write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{}}", data, 8);
    expect_open_error("duplicate key \"a\"");

    // the length field: over 100 MB, longer than the file, a file of 5 bytes, no file
    unsigned char huge[16] = {0, 0, 0, 0x10, 0, 0, 0, 0, '{', '}'};   // 256 MB
    write_bytes(model_path, huge, 16);
    expect_open_error("over the limit");
    unsigned char longer[16] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    write_bytes(model_path, longer, 16);
    expect_open_error("file is truncated: the header length is 100 bytes but only 8 follow");
    write_bytes(model_path, longer, 5);
    expect_open_error("file is truncated: 5 bytes");
    remove(model_path);
    expect_open_error("cannot open");

    // a real checkpoint cut short, and one with a wrong dtype
    Params P;
    make_model(&P, 0, 0, 7, 1);
    save_model(&P, 1, NULL);
    size_t size;
    char *bytes = read_all(model_path, &size);
    write_bytes(model_path, bytes, size - 10);
    expect_open_error("(file truncated?)");
    free(bytes);
    StWriter w;
    stw_init(&w);
    int32_t ints[7] = {0};
    for (int i = 0; i < P.n; i++) {
        uint64_t s[2] = {(uint64_t)P.list[i]->shape[0], P.list[i]->ndim > 1 ? (uint64_t)P.list[i]->shape[1] : 0};
        if (strcmp(P.list[i]->name, "fc.bias") == 0) stw_tensor(&w, "fc.bias", ST_I32, 1, s, ints);
        else stw_tensor(&w, P.list[i]->name, ST_F32, P.list[i]->ndim, s, P.list[i]->data);
    }
    ck_assert_msg(stw_write(&w, model_path, err, sizeof err), "%s", err);
    stw_free(&w);
    expect_params_error(&P, "tensor 'fc.bias' has dtype I32, expected F32", "");
    params_free(&P);
}
END_TEST

// Random damage to a real checkpoint: st_parse must accept or refuse cleanly, never crash.
START_TEST(test_mutations_never_crash) {
    Params P;
    make_model(&P, 0, 0, 7, 1);
    save_model(&P, 1, NULL);
    size_t size;
    unsigned char *orig = (unsigned char *)read_all(model_path, &size);
    unsigned char *buf = malloc(size);
    size_t header = 8 + orig[0] + 256u * orig[1];
    Rng rng;
    rng_seed(&rng, 5);
    int refused = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, orig, size);
        int edits = 1 + (int)rng_below(&rng, 3);
        for (int e = 0; e < edits; e++) {
            // mostly in the header, sometimes in the length field
            size_t at = rng_below(&rng, 10) == 0 ? rng_below(&rng, 8) : 8 + rng_below(&rng, (uint32_t)(header - 8));
            buf[at] = (unsigned char)rng_below(&rng, 256);
        }
        size_t len = rng_below(&rng, 10) == 0 ? rng_below(&rng, (uint32_t)size) : size;
        StFile f;
        char err[512];
        if (st_parse(&f, buf, len, err, sizeof err)) st_free(&f);
        else refused++;
    }
    ck_assert_int_gt(refused, 1000);
    free(buf);
    free(orig);
    params_free(&P);
}
END_TEST

Suite *make_checkpoint_suite(void) {
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("files");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_model_round_trip_bit_exact);
    tcase_add_test(tc, test_train_state_round_trip);
    tcase_add_test(tc, test_mismatched_pair_refused);
    tcase_add_test(tc, test_train_counters_out_of_range);
    tcase_add_test(tc, test_model_mismatches);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_mutations_never_crash);
    suite_add_tcase(s, tc);
    return s;
}
