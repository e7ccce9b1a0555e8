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

#include "lstm_seq2seq.h"
#include "seq2seq_checks.h"
#include "seq2seq_data.h"
#include "seq2seq_train.h"
#include "test_files.h"

#define S2S_FIXTURE "tests/fixtures/seq2seq.bin"

// ---- one training step equals PyTorch's ------------------------------------------------------

START_TEST(test_one_step_matches_pytorch) {
    Seq2SeqConfig cfg = {.src_vocab = 11, .tgt_vocab = 9, .emb = 4, .hidden = 5, .layers = 2};
    Rng rng;
    rng_seed(&rng, 1);
    Seq2SeqModel *m = lstm_seq2seq_new(&cfg, &rng);
    s2s_check_one_step(S2S_FIXTURE, "s2s", m);
    seq2seq_delete(m);
}
END_TEST

// ---- small runs shared by the tests below ---------------------------------------------------

static Seq2SeqModel *init_model(const Seq2SeqRecipe *r, const Seq2SeqData *d, uint64_t seed) {
    return s2s_new_model(lstm_seq2seq_new, r, d, seed);
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
    s2s_load_dates(&d, 1, r.train_pairs, r.eval_pairs);
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

// ---- checkpoints and resume (tests/seq2seq_checks.c) ------------------------------------------

static S2SModelUnderTest under_test(void) {
    return (S2SModelUnderTest){.name = LSTM_SEQ2SEQ_NAME, .build = lstm_seq2seq_new, .program = "04_seq2seq_lstm",
                               .recipe = tiny_recipe(), .reverse = 1};
}

START_TEST(test_checkpoint_round_trip) {
    S2SModelUnderTest t = under_test();
    s2s_check_round_trip(&t);
}
END_TEST

// _i = 0: stop after epoch 1 (a normal checkpoint); _i = 1: stop after update 7 of epoch 1's 19,
// as Ctrl-C would (the iterator saved mid-epoch, with the partial loss sum).
START_TEST(test_resume_is_exact) {
    S2SModelUnderTest t = under_test();
    s2s_check_resume_exact(&t, _i);
}
END_TEST

// ---- a diverging run stops where it diverged ------------------------------------------------

START_TEST(test_divergence_is_detected) {
    Seq2SeqRecipe r = tiny_recipe();
    r.train.lr = 1e38f;   // one Adam step moves every weight by ~1e38: the next products overflow
    r.train.clip = 1e30f;
    Seq2SeqData d;
    s2s_load_dates(&d, 1, r.train_pairs, r.eval_pairs);
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
