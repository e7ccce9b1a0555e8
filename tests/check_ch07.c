// check_ch07.c: chapter 07's Bahdanau attention model against PyTorch and against itself.
//  * one training step (teacher forcing 1, dropout 0, a padded batch of source lengths 4, 7, 5,
//    H_e 6 != H_d 7): the loss, every parameter's gradient, the clipped norm and the parameters
//    after one Adam step equal bentrevett notebook 3's (tests/fixtures/attn_seq2seq.bin, from
//    tests/ref/gen_fixtures_seq2seq_models.py), and so do the attention weights of every step;
//  * padded source positions get exactly zero weight and every row sums to 1 (the "no-mask"
//    variant, by contrast, gives them weight); the traced greedy decoding equals seq2seq_greedy;
//  * the --quick recipe learns the dates task beyond a stated bar;
//  * save -> load -> translate, from C and from the command line; --attention-map writes a PNG
//    and refuses a bad path in one line; --compare-dir with missing files is not a crash;
//  * resuming is exact: k epochs (or 7 updates, stopped as by Ctrl-C), then resume to N, gives
//    the same parameters, bit for bit, as N in one go.
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../chapters/07_attention/bahdanau.h"
#include "../chapters/07_attention/payoff.h"
#include "checkpoint.h"
#include "fileio.h"
#include "fixture.h"
#include "font.h"
#include "optim.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_train.h"
#include "test_env.h"
#include "test_files.h"
#include "seq2seq_checks.h"
#include "test_util.h"
#include "util.h"
#include "vocab.h"

#define ATTN_FIXTURE "tests/fixtures/attn_seq2seq.bin"

// max |got - want| and max |got - want| / |want| (over |want| > 1e-3), for the report line.
static void max_diffs(const float *got, const float *want, int n, double *abs_d, double *rel_d) {
    for (int i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (d > *abs_d) *abs_d = d;
        if (fabs((double)want[i]) > 1e-3 && d / fabs((double)want[i]) > *rel_d) *rel_d = d / fabs((double)want[i]);
    }
}

static Seq2SeqModel *fixture_model(const Fixture *fx) {
    Seq2SeqConfig cfg = {.src_vocab = 13, .tgt_vocab = 11, .emb = 5, .hidden = 6, .dec_hidden = 7, .layers = 1};
    Rng rng;
    rng_seed(&rng, 1);
    Seq2SeqModel *m = bahdanau_new(&cfg, &rng);
    int in_fixture = 0;
    for (int i = 0; i < fx->count; i++) in_fixture += strncmp(fx->tensors[i].name, "attn.encoder.", 13) == 0 ||
                                                      strncmp(fx->tensors[i].name, "attn.decoder.", 13) == 0;
    ck_assert_int_eq(in_fixture, m->P.n);   // every parameter of ours is there, nothing else
    char name[300];
    for (int i = 0; i < m->P.n; i++) {
        snprintf(name, sizeof name, "attn.%s", m->P.list[i]->name);
        ck_assert_msg(fixture_find(fx, name) != NULL, "%s has no %s", ATTN_FIXTURE, name);
        // named_parameters() order: the fixture stores them in it
        ck_assert_str_eq(fx->tensors[i + 3].name, name);
        fixture_copy_into(fx, name, m->P.list[i]);
    }
    return m;
}

// ---- one training step equals PyTorch's ------------------------------------------------------

START_TEST(test_one_step_matches_pytorch) {
    Fixture *fx = fixture_load(ATTN_FIXTURE);
    const FixtureTensor *src_t = fixture_find(fx, "attn.src"), *tgt_t = fixture_find(fx, "attn.tgt");
    ck_assert_msg(src_t && tgt_t, "%s lacks attn.src / attn.tgt", ATTN_FIXTURE);
    int S = src_t->shape[0], B = src_t->shape[1], T = tgt_t->shape[0];
    const int *src = fixture_ints(fx, "attn.src", 2, (int[]){S, B});
    const int *tgt = fixture_ints(fx, "attn.tgt", 2, (int[]){T, B});
    const int *src_len = fixture_ints(fx, "attn.src_len", 1, (int[]){B});
    Seq2SeqModel *m = fixture_model(fx);
    const Bahdanau *bm = (const Bahdanau *)m;
    ck_assert_int_eq(bm->H_e, 6);
    ck_assert_int_eq(bm->H_d, 7);

    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, B, S, T), NULL);
    // The attention weights of decoder steps 1 .. T-1, reading the reference words.
    {
        float *alpha = xmalloc(sizeof(float) * (size_t)(T - 1) * B * S);
        BahdanauTrace tr = {.alpha = alpha, .max_steps = T - 1, .B = B, .S = S};
        tp.no_grad = 1;
        BahdanauState *st = bahdanau_encode(&tp, bm, src, src_len, S, B);
        st->trace = &tr;
        for (int t = 1; t < T; t++) bahdanau_decode_step(&tp, bm, tgt + (size_t)(t - 1) * B, B, st);
        ck_assert_int_eq(tr.steps, T - 1);
        const float *want = fixture_floats(fx, "attn.alpha", 3, (int[]){T - 1, B, S});
        ck_assert_floats_close(alpha, want, (T - 1) * B * S, 1e-5, 1e-7);
        double a_abs = 0.0, a_rel = 0.0;
        max_diffs(alpha, want, (T - 1) * B * S, &a_abs, &a_rel);
        if (getenv("UNROLLED_MAXDIFF")) printf("ch07 fixture: attention weights (%d steps x %d x %d) max |diff| %.3g\n", T - 1, B, S, a_abs);
        free(alpha);
        tp.no_grad = 0;
        tape_reset(&tp);
    }
    // The loss, every gradient, the clipped norm and one Adam step (tests/seq2seq_checks.c).
    s2s_check_one_step(ATTN_FIXTURE, "attn", m);
    tape_free(&tp);
    seq2seq_delete(m);
    fixture_free(fx);
}
END_TEST

// ---- padding gets exactly zero weight -------------------------------------------------------

// _i = 0: the model (masked); _i = 1: the no-mask variant, whose padding does get weight.
START_TEST(test_padding_gets_zero_weight) {
    enum { S = 9, B = 4, T = 6, MAXLEN = 8 };
    int src_len[B] = {9, 3, 6, 4};
    int src[S * B], tgt[T * B];
    Rng rng;
    rng_seed(&rng, 77);
    for (int b = 0; b < B; b++)
        for (int s = 0; s < S; s++)
            src[s * B + b] = s == 0 ? VOCAB_SOS : s == src_len[b] - 1 ? VOCAB_EOS : s < src_len[b]
                                                                               ? 4 + (int)rng_below(&rng, 20)
                                                                               : VOCAB_PAD;
    for (int i = 0; i < T * B; i++) tgt[i] = i < B ? VOCAB_SOS : 4 + (int)rng_below(&rng, 10);
    // U(-1, 1) weights: far from uniform attention, so the rows are a real test of the softmax
    Seq2SeqConfig cfg = {.src_vocab = 24, .tgt_vocab = 14, .emb = 8, .hidden = 10, .dec_hidden = 12,
                         .layers = 1, .init_range = 1.0f};
    if (_i) snprintf(cfg.variant, sizeof cfg.variant, "%s", BAHDANAU_VARIANT_NO_MASK);
    Seq2SeqModel *m = bahdanau_new(&cfg, &rng);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, B, S, MAXLEN + 1), &rng);
    float alpha[MAXLEN * B * S];
    BahdanauTrace tr = {.alpha = alpha, .max_steps = MAXLEN, .B = B, .S = S};
    int out[MAXLEN * B], out_len[B], out2[MAXLEN * B], out_len2[B];
    bahdanau_greedy_traced(&tp, (const Bahdanau *)m, src, src_len, S, B, MAXLEN, out, out_len, &tr);
    ck_assert_int_ge(tr.steps, 1);
    double padded_weight = 0.0;
    for (int t = 0; t < tr.steps; t++)
        for (int b = 0; b < B; b++) {
            double sum = 0.0;
            for (int s = 0; s < S; s++) {
                float a = alpha[((size_t)t * B + b) * S + s];
                sum += a;
                if (s >= src_len[b]) {
                    if (!_i) ck_assert_msg(a == 0.0f, "step %d, sentence %d, padded position %d: weight %g", t, b, s, a);
                    padded_weight += a;
                } else {
                    ck_assert_msg(a > 0.0f, "a real position has weight %g", a);
                }
            }
            ck_assert_msg(fabs(sum - 1.0) <= 1e-6, "step %d, sentence %d: weights sum to %.9g", t, b, sum);
        }
    if (_i) ck_assert_msg(padded_weight > 0.01, "no-mask: padding got only %g", padded_weight);
    // The traced decoding is seq2seq_greedy's, word for word.
    tape_reset(&tp);
    seq2seq_greedy(&tp, m, src, src_len, S, B, MAXLEN, out2, out_len2);
    ck_assert(memcmp(out, out2, sizeof out) == 0 && memcmp(out_len, out_len2, sizeof out_len) == 0);
    // And in training (gradients on, teacher forcing): no gradient reaches a padded key.
    tape_reset(&tp);
    params_zero_grad(&m->P);
    Tensor *loss = seq2seq_loss(&tp, m, src, src_len, S, tgt, T, B, 1.0f, NULL);
    tape_backward(&tp, loss);
    ck_assert(isfinite(loss->data[0]));
    tape_free(&tp);
    seq2seq_delete(m);
}
END_TEST

// ---- the maps can label every source token ------------------------------------------------------
// Every character of the dates source vocabulary (German month and day names included) has a
// glyph in common/font.c, so no label of a dates map is drawn as an empty box.
START_TEST(test_font_covers_dates_vocabulary) {
    Seq2SeqData d;
    seq2seq_data_load_or_die(&d, &(Seq2SeqDataOptions){.spec = "dates", .train_pairs = 0, .eval_pairs = 100});
    int checked = 0;
    for (int id = 0; id < d.src_vocab.size; id++) {
        const char *tok = vocab_token(&d.src_vocab, id), *p = tok;
        uint32_t cp;
        while ((cp = font_next_char(&p)) != 0) {
            unsigned char bits[FONT_ROWS][FONT_MAX_COLS];
            int known = 0;
            font_glyph(cp, bits, &known);
            ck_assert_msg(known, "token '%s': U+%04X has no glyph in common/font.c", tok, (unsigned)cp);
            checked++;
        }
    }
    const char *german = "äöüßÄÖÜ", *p = german;
    for (uint32_t cp; (cp = font_next_char(&p)) != 0;) {
        unsigned char bits[FONT_ROWS][FONT_MAX_COLS];
        int known = 0;
        font_glyph(cp, bits, &known);
        ck_assert_msg(known, "U+%04X has no glyph in common/font.c", (unsigned)cp);
    }
    ck_assert_int_gt(checked, 1000);
    seq2seq_data_free(&d);
}
END_TEST

// ---- the payoff figure works with whichever chapters' files exist --------------------------------

// Draw the payoff figure of task into dir/figs and return its CSV (file), to be freed.
static char *draw_payoff(const Attn07Payoff *pay, const Seq2SeqByLength *mine, const char *task, const char *dir,
                         const char *file) {
    char err[1200], out[4096], path[4200];
    tmp_path(out, dir, "figs");
    ck_assert_msg(attn07_payoff_figure(pay, mine, task, out, NULL, err, sizeof err), "%s", err);
    snprintf(path, sizeof path, "%s/%s", out, file);
    size_t n = 0;
    return read_all(path, &n);
}
START_TEST(test_payoff_with_missing_files) {
    char dir[64], path[4200], sub[4096];
    make_tmp_dir(dir);
    tmp_path(sub, dir, "04_seq2seq_lstm");
    ck_assert(make_dirs(sub, NULL, 0));
    snprintf(path, sizeof path, "%s/copy_by_length.csv", sub);
    write_text(path, "model,lo,hi,n,exact_match,bleu\nseq2seq_lstm,1,3,12,100,nan\nseq2seq_lstm,4,6,51,78.4,89.4\n");
    tmp_path(sub, dir, "06_bidirectional");   // 06: a broken file; 05: none at all
    ck_assert(make_dirs(sub, NULL, 0));
    snprintf(path, sizeof path, "%s/copy_by_length.csv", sub);
    write_text(path, "not,the,header\n");
    Attn07Payoff pay;
    ck_assert_int_eq(attn07_payoff_read(&pay, dir, "copy"), 1);
    ck_assert(pay.have[0] && !pay.have[1] && !pay.have[2]);
    ck_assert_err_has(pay.why[1], "05_gru/copy_by_length.csv");
    ck_assert_err_has(pay.why[2], "06_bidirectional/copy_by_length.csv", "header");
    ck_assert(strchr(pay.why[1], '\n') == NULL && strchr(pay.why[2], '\n') == NULL);
    Seq2SeqByLength mine = {.model = "seq2seq_attention", .n_buckets = 2, .lo = {1, 4}, .hi = {3, 6},
                            .n = {12, 51}, .exact_match = {100, 100}, .bleu = {NAN, 100}};
    char *csv = draw_payoff(&pay, &mine, "copy", dir, "payoff_by_length.csv");
    ck_assert(csv && strstr(csv, "ch04 LSTM") && strstr(csv, "ch07 attention") && !strstr(csv, "ch06"));
    free(csv);
    remove_tmp_dir(dir);
}
END_TEST

// The Multi30k comparison reads each chapter's multi30k_by_length.csv, and draws BLEU alone.
START_TEST(test_payoff_multi30k) {
    char dir[64], path[4200], sub[4096];
    make_tmp_dir(dir);
    static const char *const chapters[] = {"04_seq2seq_lstm", "05_gru", "06_bidirectional"};
    for (int k = 0; k < 3; k++) {
        tmp_path(sub, dir, chapters[k]);
        ck_assert(make_dirs(sub, NULL, 0));
        snprintf(path, sizeof path, "%s/copy_by_length.csv", sub);   // the other task: must not be read
        write_text(path, "model,lo,hi,n,exact_match,bleu\nm,1,3,12,100,nan\n");
        if (k == 1) continue;   // chapter 05's Multi30k run has not finished
        snprintf(path, sizeof path, "%s/multi30k_by_length.csv", sub);
        write_text(path, "model,lo,hi,n,exact_match,bleu\nm,4,6,24,0,13.9\nm,7,9,255,1.6,23.5\n");
    }
    Attn07Payoff pay;
    ck_assert_int_eq(attn07_payoff_read(&pay, dir, "multi30k"), 2);
    ck_assert(pay.have[0] && !pay.have[1] && pay.have[2]);
    ck_assert_err_has(pay.why[1], "05_gru/multi30k_by_length.csv");
    ck_assert(pay.theirs[2].n_buckets == 2 && pay.theirs[2].bleu[1] == 23.5);
    Seq2SeqByLength mine = {.model = "seq2seq_attention", .n_buckets = 2, .lo = {4, 7}, .hi = {6, 9},
                            .n = {24, 255}, .exact_match = {0, 2}, .bleu = {20, 30}};
    char *csv = draw_payoff(&pay, &mine, "multi30k", dir, "payoff_multi30k_by_length.csv");
    ck_assert(csv && strstr(csv, "ch04 LSTM, fixed context: BLEU") && strstr(csv, "ch07 attention: BLEU"));
    ck_assert(!strstr(csv, "exact match") && !strstr(csv, "ch05"));
    free(csv);
    remove_tmp_dir(dir);
}
END_TEST

// ---- small runs ----------------------------------------------------------------------------

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
    return bahdanau_new(&mc, &rng);
}

// A tiny recipe for the file and resume tests: dropout on and H_e != H_d, so the run's Rng and
// the teacher-forcing draws are part of what must be restored.
static Seq2SeqRecipe tiny_recipe(void) {
    Seq2SeqRecipe r = bahdanau_recipe(BAHDANAU_RECIPE_QUICK);
    r.model.emb = 8, r.model.hidden = 12, r.model.dec_hidden = 10, r.model.dropout = 0.1f;
    r.train.batch = 32, r.train.epochs = 3;
    r.train_pairs = 600, r.eval_pairs = 64;
    return r;
}

// ---- the quick recipe learns ----------------------------------------------------------------
// --quick's model (seed 1234, 2 epochs of 3,000 dates pairs, about a second). Measured: test
// exact match 0.730, BLEU 0.902, loss 0.264; an untrained model scores exact match 0 and loss
// ln(136) = 4.9. The bars leave room for another compiler's rounding, not for a broken model.
#define QUICK_MIN_ACCURACY 0.50
#define QUICK_MAX_LOSS 0.60
START_TEST(test_quick_recipe_learns_dates) {
    Seq2SeqRecipe r = bahdanau_recipe(BAHDANAU_RECIPE_QUICK);
    Seq2SeqData d;
    load_dates(&d, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, r.train.seed);
    Seq2SeqRun run = {.tc = r.train, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));
    Seq2SeqEval ev;
    seq2seq_evaluate(&ev, m, &d, SPLIT_TEST, r.train.batch, d.max_tgt + 3);
    if (getenv("UNROLLED_MAXDIFF")) printf("ch07 quick: test exact match %.3f, BLEU %.3f, loss %.3f\n", ev.accuracy, ev.bleu.bleu, ev.loss);
    ck_assert_msg(ev.accuracy > QUICK_MIN_ACCURACY && ev.loss < QUICK_MAX_LOSS,
                  "quick run: test exact match %.3f (want > %.2f), loss %.3f (want < %.2f)", ev.accuracy,
                  QUICK_MIN_ACCURACY, ev.loss, QUICK_MAX_LOSS);
    seq2seq_eval_free(&ev);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
}
END_TEST

// ---- checkpoints: save -> load -> translate -----------------------------------------------------

static int run_cli(const char *args, char *out, size_t n) {
    char cmd[9300];
    snprintf(cmd, sizeof cmd, "%s/07_attention %s 2>&1", test_bin_dir(), args);
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static S2SModelUnderTest under_test(void) {
    return (S2SModelUnderTest){.name = BAHDANAU_NAME, .build = bahdanau_new, .program = "07_attention",
                               .recipe = tiny_recipe(), .reverse = 0};
}

START_TEST(test_checkpoint_round_trip) {
    S2SModelUnderTest t = under_test();
    s2s_check_round_trip(&t);
}
END_TEST

// H_d and the mask survive a checkpoint; --attention-map draws the map of a typed sentence.
START_TEST(test_attention_map_cli) {
    char dir[64], name[4096], path[4096], err[1200];
    make_tmp_dir(dir);
    tmp_path(name, dir, "dates");
    Seq2SeqRecipe r = tiny_recipe();
    r.train.epochs = 1;
    Seq2SeqData d;
    load_dates(&d, r.train_pairs, r.eval_pairs);
    Seq2SeqModel *m = init_model(&r, &d, 5);
    char *config = seq2seq_config_json(BAHDANAU_NAME, &m->cfg, d.name, d.mode, d.reverse, &r.train, r.train_pairs);
    Seq2SeqRun run = {.tc = r.train, .config_json = config, .ckpt = name, .max_len = d.max_tgt + 3};
    ck_assert(seq2seq_train(&run, m, &d));

    Seq2SeqLoaded s;
    tmp_path(path, dir, "dates.best");
    ck_assert_msg(seq2seq_load(&s, path, BAHDANAU_NAME, bahdanau_new, err, sizeof err), "%s", err);
    ck_assert_int_eq(s.m->P.n, m->P.n);
    ck_assert(memcmp(s.m->P.data, m->P.data, sizeof(float) * m->P.size) == 0);
    ck_assert_int_eq(((Bahdanau *)s.m)->H_d, 10);   // dec_hidden survives the round trip
    ck_assert_int_eq(((Bahdanau *)s.m)->mask, 1);
    // The command line draws the attention map of a typed sentence.
    char args[9000], out[4096], png[4096];
    tmp_path(png, dir, "mine.png");
    snprintf(args, sizeof args, "--load %s --translate 'dienstag, 3. märz 1998' --attention-map %s --quiet", path,
             png);
    ck_assert_int_eq(run_cli(args, out, sizeof out), 0);
    size_t n_png = 0;
    char *bytes = read_all(png, &n_png);
    ck_assert_msg(bytes && n_png > 1000 && memcmp(bytes, "\x89PNG", 4) == 0, "no PNG at %s: %s", png, out);
    free(bytes);
    // A bad path: one line, exit status non-zero, nothing half-written.
    snprintf(args, sizeof args, "--load %s --translate '3 march 1998' --attention-map %s/no/such/dir/x.png", path,
             dir);
    int status = run_cli(args, out, sizeof out);
    ck_assert_msg(status != 0, "a bad --attention-map path exited 0: %s", out);
    ck_assert_err_has(out, "no/such/dir");
    ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
    // --attention-map without --translate is a usage error.
    snprintf(args, sizeof args, "--load %s --attention-map %s", path, png);
    ck_assert_int_eq(run_cli(args, out, sizeof out), 2);
    seq2seq_loaded_free(&s);

    free(config);
    seq2seq_delete(m);
    seq2seq_data_free(&d);
    remove_tmp_dir(dir);
}
END_TEST

// ---- resume is exact ------------------------------------------------------------------------

// _i = 0: stop after epoch 1; _i = 1: stop after update 7, as Ctrl-C would (mid-epoch).
START_TEST(test_resume_is_exact) {
    S2SModelUnderTest t = under_test();
    s2s_check_resume_exact(&t, _i);
}
END_TEST

Suite *make_ch07_suite(void) {
    Suite *s = suite_create("ch07");
    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_one_step_matches_pytorch);
    tcase_add_loop_test(torch, test_padding_gets_zero_weight, 0, 2);
    tcase_add_test(torch, test_font_covers_dates_vocabulary);
    tcase_add_test(torch, test_payoff_with_missing_files);
    tcase_add_test(torch, test_payoff_multi30k);
    suite_add_tcase(s, torch);
    TCase *train = tcase_create("training");
    tcase_set_timeout(train, 180);
    tcase_add_test(train, test_quick_recipe_learns_dates);
    tcase_add_test(train, test_checkpoint_round_trip);
    tcase_add_test(train, test_attention_map_cli);
    tcase_add_loop_test(train, test_resume_is_exact, 0, 2);
    suite_add_tcase(s, train);
    return s;
}
