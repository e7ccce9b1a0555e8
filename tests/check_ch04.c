// check_ch04.c: chapter 04's Seq2Seq against PyTorch and against itself.
//  * one training step (teacher forcing 1, dropout 0, a padded batch of different lengths):
//    the loss, every parameter's gradient, the clipped norm and the parameters after one Adam
//    step equal PyTorch's (tests/fixtures/seq2seq.bin, from tests/ref/gen_fixtures.py);
//  * the --quick recipe learns the dates task: test BLEU and loss beyond stated bars;
//  * a checkpoint saved by training loads back bit for bit and translates the same; a missing,
//    corrupt or foreign checkpoint is a clean one-line error, also from the command line;
//  * resuming is exact: k epochs (or 7 updates, stopped mid-epoch as by Ctrl-C), then --resume
//    to N, gives the same parameters, bit for bit, and the same loss history as N in one go;
//  * a run that blows up stops at the update where the loss turned NaN, naming it.
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lstm_seq2seq.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_train.h"
#include "checkpoint.h"
#include "fixture.h"
#include "optim.h"
#include "test_env.h"
#include "test_files.h"
#include "test_util.h"

#define S2S_FIXTURE "tests/fixtures/seq2seq.bin"

// ---- one training step equals PyTorch's ------------------------------------------------------

START_TEST(test_one_step_matches_pytorch) {
    Fixture *fx = fixture_load(S2S_FIXTURE);
    const FixtureTensor *src_t = fixture_find(fx, "s2s.src"), *tgt_t = fixture_find(fx, "s2s.tgt");
    ck_assert_msg(src_t && tgt_t, "%s lacks s2s.src / s2s.tgt", S2S_FIXTURE);
    int S = src_t->shape[0], B = src_t->shape[1], T = tgt_t->shape[0];
    const int *src = fixture_ints(fx, "s2s.src", 2, (int[]){S, B});
    const int *tgt = fixture_ints(fx, "s2s.tgt", 2, (int[]){T, B});
    const int *src_len = fixture_ints(fx, "s2s.src_len", 1, (int[]){B});

    Seq2SeqConfig cfg = {.src_vocab = 11, .tgt_vocab = 9, .emb = 4, .hidden = 5, .layers = 2};
    Rng rng;
    rng_seed(&rng, 1);
    Seq2SeqModel *m = lstm_seq2seq_new(&cfg, &rng);
    // Every one of our parameters is in the fixture under its PyTorch name, and nothing else is.
    char name[300];
    int in_fixture = 0;
    for (int i = 0; i < fx->count; i++) in_fixture += strncmp(fx->tensors[i].name, "s2s.encoder.", 12) == 0 ||
                                                      strncmp(fx->tensors[i].name, "s2s.decoder.", 12) == 0;
    ck_assert_int_eq(in_fixture, m->P.n);
    for (int i = 0; i < m->P.n; i++) {
        snprintf(name, sizeof name, "s2s.%s", m->P.list[i]->name);
        fixture_copy_into(fx, name, m->P.list[i]);
    }

    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, B, S, T), NULL);
    params_zero_grad(&m->P);
    Tensor *loss = seq2seq_loss(&tp, m, src, src_len, S, tgt, T, B, 1.0f, NULL);
    tape_backward(&tp, loss);
    ck_assert_floats_close(loss->data, fixture_floats(fx, "s2s.loss", 1, (int[]){1}), 1, 1e-5, 1e-6);
    for (int i = 0; i < m->P.n; i++) {
        Tensor *p = m->P.list[i];
        snprintf(name, sizeof name, "grad.s2s.%s", p->name);
        ck_floats_close_at(p->grad, fixture_floats(fx, name, p->ndim, p->shape), p->size, 1e-5, 1e-6, name, __FILE__,
                           __LINE__);
    }
    // bentrevett's step: clip_grad_norm_(1), then Adam
    float norm = (float)clip_grad_norm(&m->P, 1.0f);
    ck_assert_floats_close(&norm, fixture_floats(fx, "s2s.grad_norm", 1, (int[]){1}), 1, 1e-5, 1e-6);
    Adam adam = adam_create(&m->P, 1e-3f);
    adam_step(&adam);
    for (int i = 0; i < m->P.n; i++) {
        Tensor *p = m->P.list[i];
        snprintf(name, sizeof name, "step.s2s.%s", p->name);
        ck_floats_close_at(p->data, fixture_floats(fx, name, p->ndim, p->shape), p->size, 1e-5, 1e-6, name, __FILE__,
                           __LINE__);
    }
    adam_free(&adam);
    tape_free(&tp);
    seq2seq_delete(m);
    fixture_free(fx);
}
END_TEST

// ---- small runs shared by the tests below ---------------------------------------------------

static void load_dates(Seq2SeqData *d, int reverse, int train_pairs, int eval_pairs) {
    seq2seq_data_load_or_die(d, &(Seq2SeqDataOptions){.spec = "dates", .reverse = reverse,
                                                       .train_pairs = train_pairs, .eval_pairs = eval_pairs});
}

static Seq2SeqModel *init_model(const Seq2SeqRecipe *r, const Seq2SeqData *d, uint64_t seed) {
    Seq2SeqConfig mc = r->model;
    mc.src_vocab = d->src_vocab.size;
    mc.tgt_vocab = d->tgt_vocab.size;
    Rng rng;
    rng_seed(&rng, seed);
    return lstm_seq2seq_new(&mc, &rng);
}

// A tiny recipe for the file and resume tests: 2 layers and dropout, so the run's Rng and
// the teacher-forcing draws are part of what must be restored.
static Seq2SeqRecipe tiny_recipe(void) {
    Seq2SeqRecipe r = lstm_seq2seq_recipe(LSTM_RECIPE_QUICK);
    r.model.emb = 8, r.model.hidden = 16, r.model.layers = 2, r.model.dropout = 0.1f;
    r.train.batch = 32, r.train.epochs = 3;
    r.train_pairs = 600, r.eval_pairs = 64;
    return r;
}

// ---- the quick recipe learns ----------------------------------------------------------------
// --quick's model (seed 1234, source reversed, 6 epochs of 3,000 pairs, ~2 s). Measured: test
// BLEU 0.238 and loss 1.204; validation loss 1.617 after epoch 1, 1.189 after epoch 6. An
// untrained model scores BLEU 0 and loss ln(136) = 4.9. The bars leave room for another
// compiler's rounding, not for a broken model.
START_TEST(test_quick_recipe_learns_dates) {
    Seq2SeqRecipe r = lstm_seq2seq_recipe(LSTM_RECIPE_QUICK);
    Seq2SeqData d;
    load_dates(&d, 1, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, r.train.seed);
    Seq2SeqRun run = {.tc = r.train, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));
    ck_assert_int_eq(run.epochs_done, r.train.epochs);
    ck_assert_msg(run.val_loss[run.epochs_done - 1] < 0.85 * run.val_loss[0], "validation loss %g -> %g: not learning",
                  run.val_loss[0], run.val_loss[run.epochs_done - 1]);
    Seq2SeqEval ev;
    seq2seq_evaluate(&ev, m, &d, SPLIT_TEST, r.train.batch, d.max_tgt + 3);
    ck_assert_msg(ev.bleu.bleu > 0.12 && ev.loss < 1.4, "quick run: test BLEU %.3f (want > 0.12), loss %.3f "
                  "(want < 1.4)", ev.bleu.bleu, ev.loss);
    seq2seq_eval_free(&ev);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
}
END_TEST

// ---- checkpoints: save -> load -> translate, and the errors ---------------------------------

static int run_cli(const char *args, char *out, size_t n) {
    char cmd[5200];
    snprintf(cmd, sizeof cmd, "%s/04_seq2seq_lstm %s 2>&1", test_bin_dir(), args);
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_checkpoint_round_trip) {
    char dir[64], name[4096], path[4096], err[1200];
    make_tmp_dir(dir);
    tmp_path(name, dir, "dates");
    Seq2SeqRecipe r = tiny_recipe();
    r.train.epochs = 1;
    Seq2SeqData d;
    load_dates(&d, 1, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, 5);
    char *config = seq2seq_config_json(LSTM_SEQ2SEQ_NAME, &m->cfg, d.name, d.mode, d.reverse, &r.train, r.train_pairs);
    Seq2SeqRun run = {.tc = r.train, .config_json = config, .ckpt = name, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));

    // The best checkpoint (epoch 1) holds exactly the trained weights.
    Seq2SeqLoaded s;
    tmp_path(path, dir, "dates.best");
    ck_assert_msg(seq2seq_load(&s, path, LSTM_SEQ2SEQ_NAME, lstm_seq2seq_new, err, sizeof err), "%s", err);
    ck_assert_int_eq(s.m->P.n, m->P.n);
    ck_assert(memcmp(s.m->P.data, m->P.data, sizeof(float) * m->P.size) == 0);
    ck_assert_int_eq(s.reverse, 1);
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
    // An unknown word is read as <unk>; the source is read backwards.
    ck_assert(seq2seq_translate_text(&s, "3 zorblember 1998", 16, &tr, err, sizeof err));
    ck_assert_int_eq(tr.n_unknown, 1);
    ck_assert_str_eq(tr.read_as, "<sos> 1998 <unk> 3 <eos>");
    ck_assert(!seq2seq_translate_text(&s, "   ", 16, &tr, err, sizeof err));
    ck_assert_err_has(err, "no words");

    // The command line prints the same translation.
    char args[5000], out[4096], want_line[520];
    snprintf(args, sizeof args, "--load %s --translate '%s' --max-len 16 --quiet", path, text);
    ck_assert_int_eq(run_cli(args, out, sizeof out), 0);
    snprintf(want_line, sizeof want_line, "%s\n", want);
    ck_assert_str_eq(out, want_line);

    seq2seq_loaded_free(&s);

    // Errors: missing, corrupt, another model, a missing tensor. One line, naming the file.
    tmp_path(path, dir, "nothing");
    ck_assert(!seq2seq_load(&s, path, LSTM_SEQ2SEQ_NAME, lstm_seq2seq_new, err, sizeof err));
    ck_assert_err_has(err, "nothing.safetensors");
    tmp_path(path, dir, "corrupt.safetensors");
    write_text(path, "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": garbage!!}");
    ck_assert(!seq2seq_load(&s, path, LSTM_SEQ2SEQ_NAME, lstm_seq2seq_new, err, sizeof err));
    ck_assert_err_has(err, "corrupt.safetensors");
    ck_assert(strchr(err, '\n') == NULL);
    snprintf(args, sizeof args, "--load %s --translate 'x'", path);
    ck_assert_int_eq(run_cli(args, out, sizeof out), 1);
    ck_assert_err_has(out, "--load", "corrupt.safetensors");
    ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);

    Params other;   // a chapter-03-like model
    params_init(&other);
    params_new(&other, 2, (int[]){1, 4}, "fc.weight");
    tmp_path(path, dir, "other");
    CheckpointMeta meta = {.config = "{\"model\":\"memory_lstm\",\"hidden\":4}", .src_vocab = &d.src_vocab,
                           .tgt_vocab = &d.tgt_vocab};
    ck_assert(checkpoint_save(path, &other, &meta, NULL, err, sizeof err));
    ck_assert(!seq2seq_load(&s, path, LSTM_SEQ2SEQ_NAME, lstm_seq2seq_new, err, sizeof err));
    ck_assert_err_has(err, "another model", "memory_lstm");
    meta.config = config;   // our config, but only one tensor
    ck_assert(checkpoint_save(path, &other, &meta, NULL, err, sizeof err));
    ck_assert(!seq2seq_load(&s, path, LSTM_SEQ2SEQ_NAME, lstm_seq2seq_new, err, sizeof err));
    ck_assert_err_has(err, "missing tensor", "encoder.embedding.weight");
    params_free(&other);

    free(config);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
    remove_tmp_dir(dir);
}
END_TEST

// ---- resume is exact ------------------------------------------------------------------------

// _i = 0: stop after epoch 1 (a normal checkpoint); _i = 1: stop after update 7 of epoch 1's 19,
// as Ctrl-C would (the iterator saved mid-epoch, with the partial loss sum).
START_TEST(test_resume_is_exact) {
    char dir[64], a[4096], b[4096];
    make_tmp_dir(dir);
    tmp_path(a, dir, "whole");
    tmp_path(b, dir, "split");
    Seq2SeqRecipe r = tiny_recipe();
    Seq2SeqData d;
    load_dates(&d, 1, r.train_pairs, r.eval_pairs);
    const int N = r.train.epochs, k = 1;

    Seq2SeqModel *whole = init_model(&r, &d, 9);  // N epochs in one go
    char *config = seq2seq_config_json(LSTM_SEQ2SEQ_NAME, &whole->cfg, d.name, d.mode, d.reverse, &r.train, r.train_pairs);
    Seq2SeqRun run_a = {.tc = r.train, .config_json = config, .ckpt = a, .max_len = 12};
    ck_assert(seq2seq_train(&run_a, whole, &d));

    Seq2SeqModel *split = init_model(&r, &d, 9);  // k epochs, stop, then resume into a model with other weights
    Seq2SeqRun run_b = {.tc = r.train, .config_json = config, .ckpt = b, .max_len = 12};
    if (_i == 0) {
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
    split = init_model(&r, &d, 10);
    run_b.tc.epochs = N;
    run_b.resume = 1;
    ck_assert(seq2seq_train(&run_b, split, &d));

    ck_assert_int_eq(run_b.epochs_done, N);
    ck_assert_int_eq(run_b.epochs_this_run, _i == 0 ? N - k : N);
    ck_assert_int_eq(run_b.steps, run_a.steps);
    ck_assert_msg(memcmp(whole->P.data, split->P.data, sizeof(float) * whole->P.size) == 0,
                  "resumed parameters differ from the uninterrupted run's");
    for (int e = 0; e < N; e++) {
        ck_assert_msg(run_a.train_loss[e] == run_b.train_loss[e] && run_a.val_loss[e] == run_b.val_loss[e],
                      "epoch %d: losses %.9g/%.9g vs %.9g/%.9g", e + 1, run_a.train_loss[e], run_a.val_loss[e],
                      run_b.train_loss[e], run_b.val_loss[e]);
    }
    ck_assert_int_eq(run_a.best_epoch, run_b.best_epoch);
    ck_assert(run_a.best_val == run_b.best_val);
    free(config);
    seq2seq_delete(whole);
    seq2seq_delete(split);
    seq2seq_data_free(&d);
    remove_tmp_dir(dir);
}
END_TEST

// ---- a diverging run stops where it diverged ------------------------------------------------

START_TEST(test_divergence_is_detected) {
    Seq2SeqRecipe r = tiny_recipe();
    r.train.lr = 1e38f;   // one Adam step moves every weight by ~1e38: the next products overflow
    r.train.clip = 1e30f;
    Seq2SeqData d;
    load_dates(&d, 1, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, 3);
    Seq2SeqRun run = {.tc = r.train, .max_len = 12};
    ck_assert(!seq2seq_train(&run, m, &d));
    ck_assert_msg(run.diverged_step >= 2 && run.diverged_step < 20, "diverged at update %ld", run.diverged_step);
    ck_assert_int_eq(run.steps, run.diverged_step - 1);
    ck_assert_err_has(run.diverged_what, "epoch 1", "HINT", "--lr");
    ck_assert_int_eq(run.epochs_done, 0);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
}
END_TEST

Suite *make_ch04_suite(void) {
    Suite *s = suite_create("ch04");
    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_one_step_matches_pytorch);
    suite_add_tcase(s, torch);
    TCase *train = tcase_create("training");
    tcase_set_timeout(train, 120);
    tcase_add_test(train, test_quick_recipe_learns_dates);
    tcase_add_test(train, test_checkpoint_round_trip);
    tcase_add_loop_test(train, test_resume_is_exact, 0, 2);
    tcase_add_test(train, test_divergence_is_detected);
    suite_add_tcase(s, train);
    return s;
}
