// check_ch05_cho.c: chapter 05's second half, Cho et al.'s encoder-decoder (cho_seq2seq.h), against
// PyTorch and against itself. Its cases join the "ch05" suite (make_ch05_suite calls
// ch05_add_cho_tests), so `CK_RUN_SUITE=ch05` runs both halves.
//  * one training step (teacher forcing 1, dropout 0, a padded batch of different lengths) of
//    the Cho model and of its no-context ablation: the loss, every parameter's gradient, the
//    norm before clipping and the parameters after clip_grad_norm_(1) + Adam(1e-3) equal
//    PyTorch 1.13's (tests/fixtures/cho_seq2seq.bin, prefixes "cho." and "cho_noctx.", written by
//    tests/ref/gen_fixtures_seq2seq_models.py) to 1e-5 relative, 1e-6 absolute;
//    UNROLLED_MAXDIFF=1 prints the largest differences;
//  * the --quick recipe learns the dates task beyond a stated bar;
//  * a checkpoint saved by training loads back bit for bit and translates identically, from
//    ids, from text and from the command line (<unk> for unknown words);
//  * k epochs (or 7 updates, stopped mid-epoch as by Ctrl-C) + --resume to N equals N epochs,
//    bit for bit.
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../chapters/05_gru/cho_seq2seq.h"
#include "fixture.h"
#include "optim.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_train.h"
#include "test_env.h"
#include "test_files.h"
#include "seq2seq_checks.h"
#include "test_util.h"

#define CHO_FIXTURE "tests/fixtures/cho_seq2seq.bin"

// ---- one training step equals PyTorch's ----------------------------------------------------------

// _i = 0: "cho." (context at every step), 1: "cho_noctx." (the ablation)
START_TEST(test_one_step_matches_pytorch) {
    Seq2SeqConfig cfg = {.src_vocab = 13, .tgt_vocab = 11, .emb = 5, .hidden = 6, .layers = 1};
    if (_i == 1) snprintf(cfg.variant, sizeof cfg.variant, "%s", CHO_VARIANT_NO_CONTEXT);
    Rng rng;
    rng_seed(&rng, 1);
    Seq2SeqModel *m = cho_seq2seq_new(&cfg, &rng);
    s2s_check_one_step(CHO_FIXTURE, _i == 0 ? "cho" : "cho_noctx", m);
    seq2seq_delete(m);
}
END_TEST

// An unknown variant is a one-line error, not a silent Cho model.
START_TEST(test_unknown_variant_dies) {
    Seq2SeqConfig cfg = {.src_vocab = 13, .tgt_vocab = 11, .emb = 5, .hidden = 6, .layers = 1};
    snprintf(cfg.variant, sizeof cfg.variant, "context-sometimes");
    Rng rng;
    rng_seed(&rng, 1);
    cho_seq2seq_new(&cfg, &rng);
}
END_TEST

// ---- small runs shared by the tests below ------------------------------------------------------

static void load_dates(Seq2SeqData *d, int train_pairs, int eval_pairs) {
    seq2seq_data_load_or_die(d, &(Seq2SeqDataOptions){.spec = "dates", .reverse = 0, .train_pairs = train_pairs,
                                                       .eval_pairs = eval_pairs});
}

static Seq2SeqModel *init_model(const Seq2SeqRecipe *r, const Seq2SeqData *d, uint64_t seed) {
    Seq2SeqConfig mc = r->model;
    mc.src_vocab = d->src_vocab.size;
    mc.tgt_vocab = d->tgt_vocab.size;
    Rng rng;
    rng_seed(&rng, seed);
    return cho_seq2seq_new(&mc, &rng);
}

// A tiny recipe for the file and resume tests: dropout, so the run's Rng and the
// teacher-forcing draws are part of what must be restored.
static Seq2SeqRecipe tiny_recipe(void) {
    Seq2SeqRecipe r = cho_seq2seq_recipe(LSTM_RECIPE_QUICK);
    r.model.emb = 8, r.model.hidden = 16, r.model.dropout = 0.1f, r.model.init_range = 0.0f,
    r.model.init_std = 0.01f;   // notebook 2's initialisation
    r.train.batch = 32, r.train.epochs = 3;
    r.train_pairs = 600, r.eval_pairs = 64;
    return r;
}

// ---- the recipes ------------------------------------------------------------------------------
// The classroom comparison trains the Cho model with chapter 04's classroom settings: the model
// and optimiser sizes are lstm_seq2seq_recipe(LSTM_RECIPE_CLASSROOM)'s; only the budget differs.
START_TEST(test_recipes_match_chapter04) {
    Seq2SeqRecipe g = cho_seq2seq_recipe(LSTM_RECIPE_CLASSROOM), l = lstm_seq2seq_recipe(LSTM_RECIPE_CLASSROOM);
    ck_assert(g.model.emb == l.model.emb && g.model.hidden == l.model.hidden && g.model.layers == l.model.layers);
    ck_assert(g.model.dropout == l.model.dropout && g.model.init_range == l.model.init_range);
    ck_assert(g.train.lr == l.train.lr && g.train.batch == l.train.batch && g.train.clip == l.train.clip &&
              g.train.teacher_forcing == l.train.teacher_forcing);
    Seq2SeqRecipe b = cho_seq2seq_recipe(LSTM_RECIPE_BENTREVETT);   // notebook 2
    ck_assert(b.model.emb == 256 && b.model.hidden == 512 && b.model.layers == 1 && b.model.dropout == 0.5f);
    ck_assert(b.model.init_range == 0.0f && b.model.init_std == 0.01f);
    ck_assert(b.train.batch == 128 && b.train.epochs == 10 && b.train.lr == 1e-3f && b.train.clip == 1.0f &&
              b.train.teacher_forcing == 0.5f);
}
END_TEST

// ---- the quick recipe learns ------------------------------------------------------------------
// --quick's Cho model (seed 1, source in order, 4 epochs of the first 1,500 dates pairs, 200 to
// evaluate; under a second). Measured: test exact match 0.425, BLEU 0.713, loss 0.403;
// validation loss 1.485 after epoch 1, 0.357 after epoch 4. Untrained: exact 0, loss ln(136) = 4.9.
// The bars leave room for another compiler's rounding, not for a broken model.
START_TEST(test_quick_recipe_learns_dates) {
    Seq2SeqRecipe r = cho_seq2seq_recipe(LSTM_RECIPE_QUICK);
    Seq2SeqData d;
    load_dates(&d, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, 1);
    r.train.seed = 1;
    Seq2SeqRun run = {.tc = r.train, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));
    ck_assert_int_eq(run.epochs_done, r.train.epochs);
    ck_assert_msg(run.val_loss[run.epochs_done - 1] < 0.5 * run.val_loss[0], "validation loss %g -> %g: not learning",
                  run.val_loss[0], run.val_loss[run.epochs_done - 1]);
    Seq2SeqEval ev;
    seq2seq_evaluate(&ev, m, &d, SPLIT_TEST, r.train.batch, d.max_tgt + 3);
    ck_assert_msg(ev.accuracy > 0.30 && ev.bleu.bleu > 0.55 && ev.loss < 0.6,
                  "quick run: test exact match %.3f (want > 0.30), BLEU %.3f (want > 0.55), loss %.3f (want < 0.6)",
                  ev.accuracy, ev.bleu.bleu, ev.loss);
    seq2seq_eval_free(&ev);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
}
END_TEST

// ---- checkpoints: save -> load -> translate ---------------------------------------------------

// _i = 0: Cho et al.'s model, 1: the no-context variant (the config must rebuild the right one)
START_TEST(test_checkpoint_round_trip) {
    S2SModelUnderTest t = {.name = CHO_SEQ2SEQ_NAME, .build = cho_seq2seq_new, .program = "05_gru",
                           .recipe = tiny_recipe(), .reverse = 0};   // in order: Cho et al. did not reverse
    if (_i == 1) snprintf(t.recipe.model.variant, sizeof t.recipe.model.variant, "%s", CHO_VARIANT_NO_CONTEXT);
    s2s_check_round_trip(&t);
}
END_TEST

// _i = 0: stop after epoch 1 (a normal checkpoint); _i = 1: stop after update 7 of epoch 1's 19,
// as Ctrl-C would (the iterator saved mid-epoch, with the partial loss sum).
START_TEST(test_resume_is_exact) {
    S2SModelUnderTest t = {.name = CHO_SEQ2SEQ_NAME, .build = cho_seq2seq_new, .program = "05_gru",
                           .recipe = tiny_recipe(), .reverse = 0};
    s2s_check_resume_exact(&t, _i);
}
END_TEST

void ch05_add_cho_tests(Suite *s);   // called by make_ch05_suite (check_ch05.c)

void ch05_add_cho_tests(Suite *s) {
    TCase *torch = tcase_create("cho pytorch");
    tcase_add_loop_test(torch, test_one_step_matches_pytorch, 0, 2);
    tcase_add_exit_test(torch, test_unknown_variant_dies, 1);
    tcase_add_test(torch, test_recipes_match_chapter04);
    suite_add_tcase(s, torch);
    TCase *train = tcase_create("cho training");
    tcase_set_timeout(train, 120);
    tcase_add_test(train, test_quick_recipe_learns_dates);
    tcase_add_loop_test(train, test_checkpoint_round_trip, 0, 2);
    tcase_add_loop_test(train, test_resume_is_exact, 0, 2);
    suite_add_tcase(s, train);
}
