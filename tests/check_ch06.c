// check_ch06.c: chapter 06's bidirectional-encoder Seq2Seq against PyTorch and against itself.
//  * one training step (teacher forcing 1, dropout 0, a padded batch of lengths 7, 4, 6): the
//    loss, every parameter's gradient, the clipped norm and the parameters after one Adam step
//    equal PyTorch's (tests/fixtures/bi_seq2seq.bin, prefix "bi.", from
//    tests/ref/gen_fixtures_seq2seq_models.py: nn.GRU(bidirectional=True) on packed sequences,
//    z = tanh(fc(cat(hidden[-2], hidden[-1])))); the "unidirectional" variant equals the Cho
//    model of the same generator (cho_seq2seq.bin, prefix "cho."), all to 1e-5 relative, 1e-6
//    absolute (UNROLLED_MAXDIFF=1 prints the largest differences);
//  * gradient checks (central differences) of the joined-state path, encoder.fc over both
//    directions, on a tiny padded batch: of z alone and of the whole loss;
//  * the padding trap at the model level: the naive variant changes z only for padded sentences;
//  * the --quick recipe learns the dates task beyond a stated bar;
//  * a checkpoint loads back bit for bit and translates the same, from the command line too;
//  * resume is exact (after an epoch, and after 7 updates as Ctrl-C would stop it);
//  * the bidirectional and the unidirectional runs trained in two processes, then compared with
//    --resume, give the one-process notebook's files byte for byte.
//
//   CK_RUN_SUITE=ch06 ./build/check_unrolled
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../chapters/06_bidirectional/bienc_seq2seq.h"
#include "../chapters/06_bidirectional/bienc_lesson.h"
#include "checkpoint.h"
#include "fixture.h"
#include "gradcheck.h"
#include "ops.h"
#include "optim.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_train.h"
#include "test_env.h"
#include "test_files.h"
#include "seq2seq_checks.h"
#include "test_util.h"

// ---- one training step equals PyTorch's ------------------------------------------------------

// _i = 0: the bidirectional model against "bi." (bi_seq2seq.bin); _i = 1: the unidirectional
// variant against chapter 05's Cho model "cho." (cho_seq2seq.bin). V_src 13, V_tgt 11, E 5, H 6.
START_TEST(test_one_step_matches_pytorch) {
    Seq2SeqConfig cfg = {.src_vocab = 13, .tgt_vocab = 11, .emb = 5, .hidden = 6, .layers = 1};
    if (_i == 1) snprintf(cfg.variant, sizeof cfg.variant, "%s", BIENC_VARIANT_UNI);
    Rng rng;
    rng_seed(&rng, 1);
    Seq2SeqModel *m = bienc_seq2seq_new(&cfg, &rng);
    ck_assert_int_eq(m->P.n, (_i == 0 ? 18 : 12));
    s2s_check_one_step(_i == 0 ? "tests/fixtures/bi_seq2seq.bin" : "tests/fixtures/cho_seq2seq.bin",
                       _i == 0 ? "bi" : "cho", m);
    seq2seq_delete(m);
}
END_TEST

// ---- gradient checks of the joined-state path --------------------------------------------------
// A tiny model (V_src 7, V_tgt 6, E 3, H 3), parameters U(-0.8, 0.8), a padded batch of source
// lengths 5, 3, 4. _i = 0: loss = sum(z * R), the encoder alone: both directions, their final
// states, cat, encoder.fc, tanh; _i = 1: the same with a 2-layer encoder (z from the top layer,
// layer 1 reading both directions of layer 0); _i = 2: the whole training loss (teacher forcing 1),
// which also reaches z through the decoder's first state, its input and fc_out at every step.
enum { GS = 5, GB = 3, GT = 4 };

typedef struct GradCase {
    Seq2SeqModel *m;
    int src[GS * GB], src_len[GB], tgt[GT * GB];
    float R[GB * 3];
    int whole;
} GradCase;

static Tensor *joined_loss(Tape *tp, void *ctx) {
    GradCase *k = ctx;
    tp->training = 0;
    if (k->whole) return seq2seq_loss(tp, k->m, k->src, k->src_len, GS, k->tgt, GT, GB, 1.0f, NULL);
    BiencEncoding e;
    bienc_encode(tp, (const BiencSeq2Seq *)k->m, k->src, k->src_len, GS, GB, &e);
    return op_sum(tp, op_mul(tp, e.z, tensor_from(tp, 2, e.z->shape, k->R)));
}

START_TEST(test_gradcheck_joined_state) {
    GradCase k;
    memset(&k, 0, sizeof k);
    Seq2SeqConfig cfg = {.src_vocab = 7, .tgt_vocab = 6, .emb = 3, .hidden = 3, .layers = _i == 1 ? 2 : 1,
                         .init_range = 0.8f};
    Rng rng;
    rng_seed(&rng, 601 + (uint64_t)_i);
    k.m = bienc_seq2seq_new(&cfg, &rng);
    k.whole = _i == 2;
    static const int lens[GB] = {5, 3, 4}, tlens[GB] = {4, 3, 4};
    for (int b = 0; b < GB; b++) {
        k.src_len[b] = lens[b];
        for (int s = 0; s < GS; s++)   // <sos> words <eos> <pad>...
            k.src[s * GB + b] = s == 0 ? 2 : s == lens[b] - 1 ? 3 : s < lens[b] ? 4 + (int)rng_below(&rng, 3) : 1;
        for (int t = 0; t < GT; t++)
            k.tgt[t * GB + b] = t == 0 ? 2 : t == tlens[b] - 1 ? 3 : t < tlens[b] ? 4 + (int)rng_below(&rng, 2) : 1;
    }
    for (int i = 0; i < GB * 3; i++) k.R[i] = rng_uniform(&rng, -1, 1);
    GradcheckResult r = gradcheck(&k.m->P, joined_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    static const char *labels[] = {"z, 1-layer bidirectional encoder", "z, 2-layer bidirectional encoder",
                                   "the whole loss"};
    ck_assert_gradcheck(r, labels[_i]);
    // the path is really there: encoder.fc and the backward direction get gradients
    Tape tp;
    tape_init(&tp, 8 << 20, NULL);
    params_zero_grad(&k.m->P);
    tape_backward(&tp, joined_loss(&tp, &k));
    const char *must[] = {"encoder.fc.weight", "encoder.rnn.weight_hh_l0_reverse", "encoder.rnn.weight_ih_l0"};
    for (int i = 0; i < 3; i++) {
        const Tensor *p = params_find(&k.m->P, must[i]);
        double g = 0;
        for (int j = 0; j < p->size; j++) g += fabs(p->grad[j]);
        ck_assert_msg(g > 1e-4, "%s: no gradient reaches %s", labels[_i], must[i]);
    }
    tape_free(&tp);
    seq2seq_delete(k.m);
}
END_TEST

// ---- the padding trap, at the model level ----------------------------------------------------------
// Lengths 6, 3, 5, 6: the full-length sentences are untouched by the naive backward pass, bit for
// bit; the padded ones change in the backward outputs, h_bwd and z; with one layer the forward
// outputs do not change, with two they do (layer 1 reads layer 0's backward outputs). Done right,
// a padded sentence's z equals its z alone.
START_TEST(test_padding_trap_in_the_model) {
    enum { S = 6, B = 4 };
    static const int lens[B] = {6, 3, 5, 6};
    Seq2SeqConfig cfg = {.src_vocab = 9, .tgt_vocab = 6, .emb = 4, .hidden = 5, .layers = _i + 1, .init_range = 0.5f};
    Rng rng;
    rng_seed(&rng, 611 + (uint64_t)_i);
    Seq2SeqModel *m = bienc_seq2seq_new(&cfg, &rng);
    int src[S * B];
    for (int b = 0; b < B; b++)
        for (int s = 0; s < S; s++)
            src[s * B + b] = s == 0 ? 2 : s == lens[b] - 1 ? 3 : s < lens[b] ? 4 + (int)rng_below(&rng, 5) : 1;
    BiencTrapRow rows[B];
    bienc_trap_distances((const BiencSeq2Seq *)m, src, lens, S, B, rows);
    for (int b = 0; b < B; b++) {
        ck_assert_int_eq(rows[b].pad, S - lens[b]);
        if (lens[b] == S) {
            ck_assert(rows[b].out_fwd == 0 && rows[b].out_bwd == 0 && rows[b].h_bwd == 0 && rows[b].z == 0);
            continue;
        }
        ck_assert_msg(rows[b].out_bwd > 1e-4 && rows[b].h_bwd > 1e-4 && rows[b].z > 1e-4,
                      "padded sentence %d: the naive backward pass changed nothing (%g %g %g)", b, rows[b].out_bwd,
                      rows[b].h_bwd, rows[b].z);
        if (_i == 0) ck_assert(rows[b].out_fwd == 0);
        else ck_assert_msg(rows[b].out_fwd > 1e-5, "2 layers: the forward half should change too");
    }
    // right: sentence 1 alone gives the z it gets in the padded batch
    Tape tp;
    tape_init(&tp, 8 << 20, NULL);
    tp.training = 0, tp.no_grad = 1;
    BiencEncoding all, alone;
    bienc_encode(&tp, (const BiencSeq2Seq *)m, src, lens, S, B, &all);
    int one[3], len1 = 3;
    for (int s = 0; s < 3; s++) one[s] = src[s * B + 1];
    bienc_encode(&tp, (const BiencSeq2Seq *)m, one, &len1, 3, 1, &alone);
    ck_assert_floats_close(alone.z->data, all.z->data + 5, 5, 1e-6, 1e-7);
    tape_free(&tp);
    seq2seq_delete(m);
}
END_TEST

// ---- small runs shared by the tests below ---------------------------------------------------

static void load_dates(Seq2SeqData *d, int train_pairs, int eval_pairs) {
    seq2seq_data_load_or_die(d, &(Seq2SeqDataOptions){.spec = "dates", .train_pairs = train_pairs,
                                                       .eval_pairs = eval_pairs});
}

static Seq2SeqModel *init_model(const Seq2SeqRecipe *r, const Seq2SeqData *d, uint64_t seed, const char *variant) {
    Seq2SeqConfig mc = r->model;
    mc.src_vocab = d->src_vocab.size;
    mc.tgt_vocab = d->tgt_vocab.size;
    snprintf(mc.variant, sizeof mc.variant, "%s", variant);
    Rng rng;
    rng_seed(&rng, seed);
    return bienc_seq2seq_new(&mc, &rng);
}

// A tiny recipe for the file and resume tests: 2 encoder layers and dropout, so the run's Rng
// and the teacher-forcing draws are part of what must be restored.
static Seq2SeqRecipe tiny_recipe(void) {
    Seq2SeqRecipe r = bienc_recipe(BIENC_RECIPE_QUICK);
    r.model.emb = 8, r.model.hidden = 16, r.model.layers = 2, r.model.dropout = 0.1f;
    r.train.batch = 32, r.train.epochs = 3;
    r.train_pairs = 600, r.eval_pairs = 64;
    return r;
}

// ---- the quick recipe learns ----------------------------------------------------------------
// --quick's bidirectional model (seed 1234, source in order, 6 epochs of 3,000 pairs, ~3 s).
// Measured: test exact match 48.5%, BLEU 0.760, loss 0.430; validation loss 1.112 after epoch 1,
// 0.349 at its best (epoch 4), 0.470 after epoch 6. An untrained model scores BLEU 0 and loss
// ln(136) = 4.9. The bars leave room for another compiler's rounding, not for a broken model.
START_TEST(test_quick_recipe_learns_dates) {
    Seq2SeqRecipe r = bienc_recipe(BIENC_RECIPE_QUICK);
    Seq2SeqData d;
    load_dates(&d, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, r.train.seed, "");
    Seq2SeqRun run = {.tc = r.train, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));
    ck_assert_int_eq(run.epochs_done, r.train.epochs);
    ck_assert_msg(run.val_loss[run.epochs_done - 1] < 0.6 * run.val_loss[0], "validation loss %g -> %g: not learning",
                  run.val_loss[0], run.val_loss[run.epochs_done - 1]);
    Seq2SeqEval ev;
    seq2seq_evaluate(&ev, m, &d, SPLIT_TEST, r.train.batch, d.max_tgt + 3);
    ck_assert_msg(ev.bleu.bleu > 0.6 && ev.loss < 0.8 && ev.accuracy > 0.3,
                  "quick run: test BLEU %.3f (want > 0.6), loss %.3f (want < 0.8), exact %.3f (want > 0.3)",
                  ev.bleu.bleu, ev.loss, ev.accuracy);
    seq2seq_eval_free(&ev);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
}
END_TEST

// ---- checkpoints: save -> load -> translate, and the errors ---------------------------------

static S2SModelUnderTest under_test(void) {
    return (S2SModelUnderTest){.name = BIENC_SEQ2SEQ_NAME, .build = bienc_seq2seq_new, .program = "06_bidirectional",
                               .recipe = tiny_recipe(), .reverse = 0};
}

START_TEST(test_checkpoint_round_trip) {
    S2SModelUnderTest t = under_test();
    s2s_check_round_trip(&t);
}
END_TEST

START_TEST(test_variants_round_trip) {
    char dir[64], path[4096], err[1200];
    make_tmp_dir(dir);
    Seq2SeqRecipe r = tiny_recipe();
    Seq2SeqData d;
    load_dates(&d, r.train_pairs, r.eval_pairs);
    Seq2SeqLoaded s;
    // The variants come back as what they were: the flag lives in the config.
    static const char *const variants[] = {BIENC_VARIANT_UNI, BIENC_VARIANT_NAIVE};
    for (int v = 0; v < 2; v++) {
        Seq2SeqModel *x = init_model(&r, &d, 6, variants[v]);
        char *cfg = seq2seq_config_json(BIENC_SEQ2SEQ_NAME, &x->cfg, d.name, d.mode, 0, &r.train, r.train_pairs);
        tmp_path(path, dir, variants[v]);
        CheckpointMeta meta = {.config = cfg, .src_vocab = &d.src_vocab, .tgt_vocab = &d.tgt_vocab};
        ck_assert(checkpoint_save(path, &x->P, &meta, NULL, err, sizeof err));
        ck_assert_msg(seq2seq_load(&s, path, BIENC_SEQ2SEQ_NAME, bienc_seq2seq_new, err, sizeof err), "%s", err);
        const BiencSeq2Seq *b = (const BiencSeq2Seq *)s.m;
        ck_assert_str_eq(s.m->cfg.variant, variants[v]);
        ck_assert_int_eq(b->bidirectional, v == 1);
        ck_assert_int_eq(v == 1 ? b->enc_bi.naive_reverse : 0, v == 1);
        ck_assert(memcmp(s.m->P.data, x->P.data, sizeof(float) * x->P.size) == 0);
        seq2seq_loaded_free(&s);
        free(cfg);
        seq2seq_delete(x);
    }

    seq2seq_data_free(&d);
    remove_tmp_dir(dir);
}
END_TEST

// ---- resume is exact ------------------------------------------------------------------------

// _i = 0: stop after epoch 1 (a normal checkpoint); _i = 1: stop after update 7 of epoch 1's 19,
// as Ctrl-C would (the iterator saved mid-epoch, with the partial loss sum).
START_TEST(test_resume_is_exact) {
    S2SModelUnderTest t = under_test();
    s2s_check_resume_exact(&t, _i);
}
END_TEST

// ---- two processes, one result ----------------------------------------------------------------

// The bidirectional run in one process (--no-compare-unidirectional), the unidirectional ones in
// another (--unidirectional-only), then the whole notebook with --resume: every figure CSV and
// every checkpoint byte-identical to the notebook run in one process. (How the Multi30k runs use
// two cores.) And --unidirectional-only refuses what contradicts it.
static int run_ch06(const char *dir, const char *extra) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "%s/06_bidirectional --quick --quiet --seed 7 --trap-pairs 0 --bottleneck-task none --out %s %s "
             ">> %s.log 2>&1",
             test_bin_dir(), dir, extra, dir);
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_two_processes_equal_one) {
    char one[300], two[300], cmd[2000];
    snprintf(one, sizeof one, "%.200s/ch06-one-process", test_scratch_dir());
    snprintf(two, sizeof two, "%.200s/ch06-two-processes", test_scratch_dir());
    snprintf(cmd, sizeof cmd, "rm -rf %s %s %s.log %s.log && mkdir -p %s %s", one, two, one, two, one, two);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(run_ch06(one, ""), 0);
    ck_assert_int_eq(run_ch06(two, "--no-compare-unidirectional"), 0);
    ck_assert_int_eq(run_ch06(two, "--unidirectional-only"), 0);
    ck_assert_int_eq(run_ch06(two, "--resume"), 0);
    static const char *const files[] = {"loss_curves.csv", "accuracy_by_length.csv", "accuracy_by_position.csv",
                                        "encoder_states.csv", "dates.safetensors", "dates.best.safetensors",
                                        "dates-uni.safetensors", "dates-uni.best.safetensors",
                                        "dates-uni-reversed.safetensors", "dates-uni-reversed.train.safetensors"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/%s", one, files[i]);
        snprintf(b, sizeof b, "%s/%s", two, files[i]);
        size_t na = 0, nb = 0;
        char *ta = read_all(a, &na), *tb = read_all(b, &nb);
        ck_assert_msg(ta && tb, "%s: missing in %s or %s", files[i], one, two);
        ck_assert_msg(na == nb && memcmp(ta, tb, na) == 0, "%s differs between one process and two", files[i]);
        free(ta), free(tb);
    }
    // What contradicts it: exit 2, one line naming the option.
    ck_assert_int_eq(run_ch06(two, "--unidirectional-only --no-compare-unidirectional"), 2);
    ck_assert_int_eq(run_ch06(two, "--unidirectional-only --load x"), 2);
    snprintf(cmd, sizeof cmd, "%s.log", two);
    size_t n = 0;
    char *log = read_all(cmd, &n);
    ck_assert_ptr_nonnull(log);
    ck_assert_ptr_nonnull(strstr(log, "--unidirectional-only: contradicts --no-compare-unidirectional"));
    ck_assert_ptr_nonnull(strstr(log, "--unidirectional-only: trains, so it cannot be used with --load"));
    free(log);
}
END_TEST

Suite *make_ch06_suite(void) {
    Suite *s = suite_create("ch06");
    TCase *torch = tcase_create("pytorch");
    tcase_add_loop_test(torch, test_one_step_matches_pytorch, 0, 2);
    suite_add_tcase(s, torch);
    TCase *grad = tcase_create("gradcheck");
    tcase_set_timeout(grad, 60);
    tcase_add_loop_test(grad, test_gradcheck_joined_state, 0, 3);
    suite_add_tcase(s, grad);
    TCase *trap = tcase_create("padding_trap");
    tcase_add_loop_test(trap, test_padding_trap_in_the_model, 0, 2);
    suite_add_tcase(s, trap);
    TCase *train = tcase_create("training");
    tcase_set_timeout(train, 120);
    tcase_add_test(train, test_quick_recipe_learns_dates);
    tcase_add_test(train, test_checkpoint_round_trip);
    tcase_add_test(train, test_variants_round_trip);
    tcase_add_loop_test(train, test_resume_is_exact, 0, 2);
    tcase_add_test(train, test_two_processes_equal_one);
    suite_add_tcase(s, train);
    return s;
}
