// seq2seq_checks.c: see seq2seq_checks.h. Written for chapter 04's tests, shared by 05-07's.
#include "seq2seq_checks.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "checkpoint.h"
#include "fixture.h"
#include "optim.h"
#include "seq2seq_io.h"
#include "seq2seq_report.h"
#include "test_env.h"
#include "test_files.h"
#include "test_util.h"

// ---- one training step equals PyTorch's ------------------------------------------------------

// got against want within 1e-5 relative + 1e-6 absolute; with UNROLLED_MAXDIFF=1 in the
// environment, also print the largest differences (llm.c's maxdiff), to see the margin.
static void close_named(const float *got, const float *want, int n, const char *what, const char *file, int line) {
    if (getenv("UNROLLED_MAXDIFF")) {
        double max_abs = 0.0, max_rel = 0.0;
        for (int i = 0; i < n; i++) {
            double d = fabs((double)got[i] - want[i]);
            max_abs = fmax(max_abs, d);
            max_rel = fmax(max_rel, d / fmax(1e-30, fabs((double)want[i])));
        }
        printf("maxdiff %-48s abs %.3g rel %.3g (%d values)\n", what, max_abs, max_rel, n);
    }
    ck_floats_close_at(got, want, n, 1e-5, 1e-6, what, file, line);
}

void s2s_check_one_step_at(const char *fixture, const char *prefix, Seq2SeqModel *m, const char *file, int line) {
    char name[300];
    Fixture *fx = fixture_load(fixture);
    snprintf(name, sizeof name, "%s.src", prefix);
    const FixtureTensor *src_t = fixture_find(fx, name);
    snprintf(name, sizeof name, "%s.tgt", prefix);
    const FixtureTensor *tgt_t = fixture_find(fx, name);
    ck_assert_msg(src_t && tgt_t, "%s:%d: %s lacks %s.src / %s.tgt", file, line, fixture, prefix, prefix);
    int S = src_t->shape[0], B = src_t->shape[1], T = tgt_t->shape[0];
    snprintf(name, sizeof name, "%s.src", prefix);
    const int *src = fixture_ints(fx, name, 2, (int[]){S, B});
    snprintf(name, sizeof name, "%s.tgt", prefix);
    const int *tgt = fixture_ints(fx, name, 2, (int[]){T, B});
    snprintf(name, sizeof name, "%s.src_len", prefix);
    const int *src_len = fixture_ints(fx, name, 1, (int[]){B});

    // Every one of our parameters is in the fixture under its PyTorch name, in PyTorch's
    // named_parameters() order, and nothing else is.
    char enc[64], dec[64];
    snprintf(enc, sizeof enc, "%s.encoder.", prefix);
    snprintf(dec, sizeof dec, "%s.decoder.", prefix);
    int in_fixture = 0;
    for (int i = 0; i < fx->count; i++) {
        const char *n = fx->tensors[i].name;
        if (strncmp(n, enc, strlen(enc)) != 0 && strncmp(n, dec, strlen(dec)) != 0) continue;
        ck_assert_msg(in_fixture < m->P.n, "%s:%d: %s has more '%s' parameters than the model's %d", file, line,
                      fixture, prefix, m->P.n);
        snprintf(name, sizeof name, "%s.%s", prefix, m->P.list[in_fixture]->name);
        ck_assert_msg(strcmp(n, name) == 0, "%s:%d: parameter %d is %s in %s but %s in the model", file, line,
                      in_fixture, n, fixture, name);
        fixture_copy_into(fx, name, m->P.list[in_fixture]);
        in_fixture++;
    }
    ck_assert_msg(in_fixture == m->P.n, "%s:%d: %s has %d '%s' parameters, the model %d", file, line, fixture,
                  in_fixture, prefix, m->P.n);

    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, B, S, T), NULL);
    params_zero_grad(&m->P);
    Tensor *loss = seq2seq_loss(&tp, m, src, src_len, S, tgt, T, B, 1.0f, NULL);   // teacher forcing 1
    tape_backward(&tp, loss);
    snprintf(name, sizeof name, "%s.loss", prefix);
    close_named(loss->data, fixture_floats(fx, name, 1, (int[]){1}), 1, name, file, line);
    for (int i = 0; i < m->P.n; i++) {
        Tensor *p = m->P.list[i];
        snprintf(name, sizeof name, "grad.%s.%s", prefix, p->name);
        close_named(p->grad, fixture_floats(fx, name, p->ndim, p->shape), p->size, name, file, line);
    }
    // bentrevett's step: clip_grad_norm_(1), then Adam
    float norm = (float)clip_grad_norm(&m->P, 1.0f);
    snprintf(name, sizeof name, "%s.grad_norm", prefix);
    close_named(&norm, fixture_floats(fx, name, 1, (int[]){1}), 1, name, file, line);
    Adam adam = adam_create(&m->P, 1e-3f);
    adam_step(&adam);
    for (int i = 0; i < m->P.n; i++) {
        Tensor *p = m->P.list[i];
        snprintf(name, sizeof name, "step.%s.%s", prefix, p->name);
        close_named(p->data, fixture_floats(fx, name, p->ndim, p->shape), p->size, name, file, line);
    }
    adam_free(&adam);
    tape_free(&tp);
    fixture_free(fx);
}

// ---- small runs ------------------------------------------------------------------------------

void s2s_load_dates(Seq2SeqData *d, int reverse, int train_pairs, int eval_pairs) {
    seq2seq_data_load_or_die(d, &(Seq2SeqDataOptions){.spec = "dates", .reverse = reverse,
                                                       .train_pairs = train_pairs, .eval_pairs = eval_pairs});
}

Seq2SeqModel *s2s_new_model(Seq2SeqBuilder build, const Seq2SeqRecipe *r, const Seq2SeqData *d, uint64_t seed) {
    Seq2SeqConfig mc = r->model;
    mc.src_vocab = d->src_vocab.size;
    mc.tgt_vocab = d->tgt_vocab.size;
    Rng rng;
    rng_seed(&rng, seed);
    return build(&mc, &rng);
}

// ---- checkpoints: save -> load -> translate, and the errors ---------------------------------

static int run_program(const char *program, const char *args, char *out, size_t n) {
    char cmd[5200];
    snprintf(cmd, sizeof cmd, "%s/%s %s 2>&1", test_bin_dir(), program, args);
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void s2s_check_round_trip(const S2SModelUnderTest *t) {
    char dir[64], name[4096], path[4096], err[1200];
    make_tmp_dir(dir);
    tmp_path(name, dir, "dates");
    Seq2SeqRecipe r = t->recipe;
    r.train.epochs = 1;
    Seq2SeqData d;
    s2s_load_dates(&d, t->reverse, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = s2s_new_model(t->build, &r, &d, 5);
    char *config = seq2seq_config_json(t->name, &m->cfg, d.name, d.mode, d.reverse, &r.train, r.train_pairs);
    Seq2SeqRun run = {.tc = r.train, .config_json = config, .ckpt = name, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));

    // The best checkpoint (epoch 1) holds exactly the trained weights.
    Seq2SeqLoaded s;
    tmp_path(path, dir, "dates.best");
    ck_assert_msg(seq2seq_load(&s, path, t->name, t->build, err, sizeof err), "%s", err);
    ck_assert_int_eq(s.m->P.n, m->P.n);
    ck_assert(memcmp(s.m->P.data, m->P.data, sizeof(float) * m->P.size) == 0);
    ck_assert_str_eq(s.m->cfg.variant, m->cfg.variant);
    ck_assert_int_eq(s.reverse, t->reverse);
    ck_assert_int_eq(s.src_vocab.size, d.src_vocab.size);
    ck_assert_str_eq(s.data, "dates");
    // It translates test sentences as the model in memory does, from ids or from text.
    enum { N = 16 };
    int idx[N], hyp_a[N * 16], hyp_b[N * 16], len_a[N], len_b[N];
    for (int k = 0; k < N; k++) idx[k] = 3 * k;
    seq2seq_translate_pairs(m, &d.ids[SPLIT_TEST], idx, N, 8, 16, hyp_a, len_a);
    seq2seq_translate_pairs(s.m, &d.ids[SPLIT_TEST], idx, N, 8, 16, hyp_b, len_b);
    ck_assert(memcmp(hyp_a, hyp_b, sizeof hyp_a) == 0 && memcmp(len_a, len_b, sizeof len_a) == 0);
    char text[512], want[512];
    seq2seq_join(&d.text[SPLIT_TEST], CORPUS_SRC, idx[5], text, sizeof text);
    vocab_decode(&d.tgt_vocab, hyp_a + 5 * 16, len_a[5], want, sizeof want);
    Seq2SeqTranslation tr;
    ck_assert_msg(seq2seq_translate_text(&s, text, 16, &tr, err, sizeof err), "%s", err);
    ck_assert_str_eq(tr.output, want);
    ck_assert_int_eq(tr.n_unknown, 0);
    // An unknown word is read as <unk>, in the order the model reads.
    ck_assert(seq2seq_translate_text(&s, "3 zorblember 1998", 16, &tr, err, sizeof err));
    ck_assert_int_eq(tr.n_unknown, 1);
    ck_assert_str_eq(tr.read_as, t->reverse ? "<sos> 1998 <unk> 3 <eos>" : "<sos> 3 <unk> 1998 <eos>");
    ck_assert(!seq2seq_translate_text(&s, "   ", 16, &tr, err, sizeof err));
    ck_assert_err_has(err, "no words");

    // The command line prints the same translation.
    char args[5000], out[4096], want_line[520];
    snprintf(args, sizeof args, "--load %s --translate '%s' --max-len 16 --quiet", path, text);
    ck_assert_int_eq(run_program(t->program, args, out, sizeof out), 0);
    snprintf(want_line, sizeof want_line, "%s\n", want);
    ck_assert_str_eq(out, want_line);
    seq2seq_loaded_free(&s);
    // Measured on the test set, it can leave its length table for chapter 07: every test
    // sentence in exactly one bucket.
    char table[4096];
    tmp_path(table, dir, "by_length.csv");
    snprintf(args, sizeof args, "--load %.2000s --by-length-csv %.2000s --eval-pairs %d --quiet", path, table,
             r.eval_pairs);
    ck_assert_int_eq(run_program(t->program, args, out, sizeof out), 0);
    Seq2SeqByLength bl;
    ck_assert_msg(seq2seq_read_by_length(table, &bl, err, sizeof err), "%s", err);
    ck_assert_str_eq(bl.model, t->name);
    int counted = 0;
    for (int b = 0; b < bl.n_buckets; b++) counted += bl.n[b];
    ck_assert_int_eq(counted, d.text[SPLIT_TEST].n);
    // The options that act on a checkpoint are refused without one, or together: exit 2, one line.
    static const struct { const char *args, *names; } misused[] = {
        {"--translate x", "--translate"},
        {"--by-length-csv x.csv", "--by-length-csv"},
        {"--load %s --translate x --by-length-csv x.csv", "--by-length-csv"},
    };
    for (size_t k = 0; k < sizeof misused / sizeof misused[0]; k++) {
        snprintf(args, sizeof args, misused[k].args, path);
        ck_assert_int_eq(run_program(t->program, args, out, sizeof out), 2);
        ck_assert_err_has(out, misused[k].names);
        ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
    }

    // Errors: missing, corrupt, another model, a missing tensor. One line, naming the file.
    tmp_path(path, dir, "nothing");
    ck_assert(!seq2seq_load(&s, path, t->name, t->build, err, sizeof err));
    ck_assert_err_has(err, "nothing.safetensors");
    tmp_path(path, dir, "corrupt.safetensors");
    write_text(path, "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": garbage!!}");
    ck_assert(!seq2seq_load(&s, path, t->name, t->build, err, sizeof err));
    ck_assert_err_has(err, "corrupt.safetensors");
    ck_assert(strchr(err, '\n') == NULL);
    snprintf(args, sizeof args, "--load %s --translate 'x'", path);
    ck_assert_int_eq(run_program(t->program, args, out, sizeof out), 1);
    ck_assert_err_has(out, "--load", "corrupt.safetensors");
    ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);

    Params other;   // a chapter-03-like model
    params_init(&other);
    params_new(&other, 2, (int[]){1, 4}, "fc.weight");
    tmp_path(path, dir, "other");
    CheckpointMeta meta = {.config = "{\"model\":\"memory_lstm\",\"hidden\":4}", .src_vocab = &d.src_vocab,
                           .tgt_vocab = &d.tgt_vocab};
    ck_assert(checkpoint_save(path, &other, &meta, NULL, err, sizeof err));
    ck_assert(!seq2seq_load(&s, path, t->name, t->build, err, sizeof err));
    ck_assert_err_has(err, "another model", "memory_lstm");
    meta.config = config;   // our config, but only one tensor
    ck_assert(checkpoint_save(path, &other, &meta, NULL, err, sizeof err));
    ck_assert(!seq2seq_load(&s, path, t->name, t->build, err, sizeof err));
    ck_assert_err_has(err, "missing tensor", "encoder.embedding.weight");
    params_free(&other);

    free(config);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
    remove_tmp_dir(dir);
}

// ---- resume is exact ------------------------------------------------------------------------

void s2s_check_resume_exact(const S2SModelUnderTest *t, int interrupt) {
    char dir[64], a[4096], b[4096];
    make_tmp_dir(dir);
    tmp_path(a, dir, "whole");
    tmp_path(b, dir, "split");
    Seq2SeqRecipe r = t->recipe;
    Seq2SeqData d;
    s2s_load_dates(&d, t->reverse, r.train_pairs, r.eval_pairs);
    const int N = r.train.epochs, k = 1;
    ck_assert_msg(N >= 2, "the resume check needs a recipe of at least 2 epochs");

    Seq2SeqModel *whole = s2s_new_model(t->build, &r, &d, 9);   // N epochs in one go
    char *config = seq2seq_config_json(t->name, &whole->cfg, d.name, d.mode, d.reverse, &r.train, r.train_pairs);
    Seq2SeqRun run_a = {.tc = r.train, .config_json = config, .ckpt = a, .max_len = 12};
    ck_assert(seq2seq_train(&run_a, whole, &d));

    // k epochs (or 7 updates), stop, then resume into a model with other weights
    Seq2SeqModel *split = s2s_new_model(t->build, &r, &d, 9);
    Seq2SeqRun run_b = {.tc = r.train, .config_json = config, .ckpt = b, .max_len = 12};
    if (!interrupt) {
        run_b.tc.epochs = k;
        ck_assert(seq2seq_train(&run_b, split, &d));
    } else {
        run_b.stop_after = 7;
        ck_assert(!seq2seq_train(&run_b, split, &d));
        ck_assert_int_eq(run_b.interrupted, -1);
        ck_assert_int_eq(run_b.steps, 7);
        ck_assert_int_eq(run_b.epochs_done, 0);
        run_b.stop_after = 0;
    }
    seq2seq_delete(split);
    split = s2s_new_model(t->build, &r, &d, 10);
    run_b.tc.epochs = N;
    run_b.resume = 1;
    ck_assert(seq2seq_train(&run_b, split, &d));

    ck_assert_int_eq(run_b.epochs_done, N);
    ck_assert_int_eq(run_b.epochs_this_run, interrupt ? N : N - k);
    ck_assert_int_eq(run_b.steps, run_a.steps);
    // Seconds per epoch count only the batches this process trained: a resumed epoch's 7 fewer
    // (N whole epochs of updates in run_a; run_b's second process did all but 7, or all but k epochs).
    ck_assert_int_eq(run_a.batches_per_epoch * N, run_a.steps);
    ck_assert_int_eq(run_a.batches_this_run, run_a.steps);
    ck_assert_int_eq(run_b.batches_per_epoch, run_a.batches_per_epoch);
    ck_assert_int_eq(run_b.batches_this_run, interrupt ? run_a.steps - 7 : run_a.steps / N * (N - k));
    ck_assert(seq2seq_seconds_per_epoch(&run_b) > 0);
    ck_assert_msg(memcmp(whole->P.data, split->P.data, sizeof(float) * whole->P.size) == 0,
                  "%s: resumed parameters differ from the uninterrupted run's", t->name);
    for (int e = 0; e < N; e++)
        ck_assert_msg(run_a.train_loss[e] == run_b.train_loss[e] && run_a.val_loss[e] == run_b.val_loss[e],
                      "%s, epoch %d: losses %.9g/%.9g vs %.9g/%.9g", t->name, e + 1, run_a.train_loss[e],
                      run_a.val_loss[e], run_b.train_loss[e], run_b.val_loss[e]);
    ck_assert_int_eq(run_a.best_epoch, run_b.best_epoch);
    ck_assert(run_a.best_val == run_b.best_val);
    // Resumed once more, the finished run trains nothing: no seconds per epoch to report.
    ck_assert(seq2seq_train(&run_b, split, &d));
    ck_assert_int_eq(run_b.batches_this_run, 0);
    ck_assert(isnan(seq2seq_seconds_per_epoch(&run_b)) && isnan(seq2seq_seconds_per_batch(&run_b)));
    free(config);
    seq2seq_delete(whole);
    seq2seq_delete(split);
    seq2seq_data_free(&d);
    remove_tmp_dir(dir);
}
