// check_ch02.c: chapter 02's numbers against independent computations.
//  * the cliff model's BPTT gradient against central differences of its loss;
//  * clipped descent never moves further than lr * threshold per step, unclipped does;
//  * the clipped gradient's global norm equals the threshold;
//  * the NaN/Inf detector stops a diverging run at the step it diverged, and only that run;
//  * resuming is exact: k updates (a shorter --steps, or stopped mid-run as by Ctrl-C), save,
//    resume to N gives the same losses, gradient norms, parameters, data Rng and files, bit for
//    bit, as N in one go; a resume that restarts the data stream is caught by the same checks.
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../chapters/02_gradient_clipping/cliff.h"
#include "../chapters/02_gradient_clipping/train_rnn.h"
#include "optim.h"
#include "params.h"
#include "rng.h"
#include "safetensors.h"
#include "test_files.h"

START_TEST(test_cliff_gradient_finite_difference) {
    static const double points[][2] = {{1.0, 0.5}, {5.0, -2.0}, {8.0, -3.5}, {3.0, -1.2}};
    for (int i = 0; i < 4; i++) {
        double w = points[i][0], b = points[i][1], dw, db, h = 1e-6;
        cliff_loss_grad(w, b, &dw, &db);
        double fw = (cliff_loss_grad(w + h, b, NULL, NULL) - cliff_loss_grad(w - h, b, NULL, NULL)) / (2 * h);
        double fb = (cliff_loss_grad(w, b + h, NULL, NULL) - cliff_loss_grad(w, b - h, NULL, NULL)) / (2 * h);
        ck_assert_msg(fabs(dw - fw) <= 1e-5 * fabs(fw) + 1e-7, "dL/dw at (%g, %g): %g vs %g", w, b, dw, fw);
        ck_assert_msg(fabs(db - fb) <= 1e-5 * fabs(fb) + 1e-7, "dL/db at (%g, %g): %g vs %g", w, b, db, fb);
    }
}
END_TEST

START_TEST(test_clipped_steps_are_bounded) {
    enum { STEPS = 200 };
    double path[2 * (STEPS + 1)], max_norm;
    double lr = 0.005, clip = 1.0;
    int n = cliff_descent(7.2, -4.55, lr, clip, STEPS, path, &max_norm);
    ck_assert_int_eq(n, STEPS + 1);
    for (int i = 1; i < n; i++) {
        double step = hypot(path[2 * i] - path[2 * i - 2], path[2 * i + 1] - path[2 * i - 1]);
        ck_assert_msg(step <= lr * clip * (1 + 1e-12), "step %d moved %g > lr * clip", i, step);
    }
    // the same start without clipping meets the wall: a gradient over 1e4 and a jump of more
    // than 100 lr-units in one step
    double free_path[2 * (STEPS + 1)], free_max;
    int m = cliff_descent(7.2, -4.55, lr, 0.0, STEPS, free_path, &free_max);
    double biggest = 0;
    for (int i = 1; i < m; i++)
        biggest = fmax(biggest, hypot(free_path[2 * i] - free_path[2 * i - 2], free_path[2 * i + 1] - free_path[2 * i - 1]));
    ck_assert_msg(free_max > 1e4, "largest gradient norm %g", free_max);
    ck_assert_msg(biggest > 100 * lr, "largest step %g", biggest);
}
END_TEST

START_TEST(test_norm_after_clipping_is_threshold) {
    Params P;
    params_init(&P);
    Tensor *t = params_new(&P, 1, (int[]){100}, "g");
    for (int i = 0; i < 100; i++) t->grad[i] = (float)(i % 7) - 3.0f;
    for (float thr = 0.25f; thr < 5.0f; thr *= 2.0f) {
        double before = clip_grad_norm(&P, thr);
        ck_assert_double_gt(before, thr);
        ck_assert_double_eq_tol(grad_norm(&P), thr, 1e-5 * thr);
        for (int i = 0; i < 100; i++) t->grad[i] = (float)(i % 7) - 3.0f;
    }
    params_free(&P);
}
END_TEST

// Same seed, same learning rate: without clipping the run blows up and is stopped at the step
// where the loss or a gradient first became NaN/Inf; with norm clipping the same run finishes.
START_TEST(test_divergence_is_detected_and_stops_only_that_run) {
    ClipRun bad = {.T = 50, .hidden = 32, .batch = 32, .steps = 60, .lr = 0.5f, .mode = CLIP_NONE, .seed = 1};
    clip_run_train(&bad);
    ck_assert_int_ge(bad.diverged_step, 0);
    ck_assert_int_eq(bad.steps_done, bad.diverged_step + 1);
    ck_assert_msg(!isfinite(bad.loss[bad.diverged_step]) || !isfinite(bad.grad_norm[bad.diverged_step]) ||
                      bad.diverged_what[0] != '\0',
                  "diverged step %d has nothing non-finite", bad.diverged_step);
    for (int s = 0; s < bad.diverged_step; s++) ck_assert(isfinite(bad.loss[s]));
    ck_assert(isnan(bad.eval_mse));

    ClipRun good = bad;
    good.mode = CLIP_NORM;
    good.threshold = 1.0f;
    clip_run_train(&good);
    ck_assert_int_eq(good.diverged_step, -1);
    ck_assert_int_eq(good.steps_done, 60);
    ck_assert(isfinite(good.eval_mse));
    // identical seeds: the first step saw the same data and weights in both runs
    ck_assert_float_eq(good.loss[0], bad.loss[0]);
    clip_run_free(&bad);
    clip_run_free(&good);
}
END_TEST

// ---- resuming is exact -------------------------------------------------------------------------

// The first difference between two safetensors files (a tensor's bytes, a metadata value),
// written into why; NULL when they hold the same.
static const char *st_difference(const char *a, const char *b, char *why, size_t n) {
    StFile fa, fb;
    char err[600];
    ck_assert_msg(st_read(&fa, a, err, sizeof err), "%s", err);
    ck_assert_msg(st_read(&fb, b, err, sizeof err), "%s", err);
    const char *diff = NULL;
    if (fa.n != fb.n) diff = why, snprintf(why, n, "%d tensors vs %d", fa.n, fb.n);
    for (int i = 0; i < fa.n && !diff; i++) {
        const StTensor *ta = &fa.tensors[i], *tb = st_find(&fb, ta->name);
        if (!tb || ta->end - ta->begin != tb->end - tb->begin || memcmp(ta->data, tb->data, ta->end - ta->begin) != 0)
            diff = why, snprintf(why, n, "tensor '%s'", ta->name);
    }
    for (const JsonNode *m = fa.metadata ? json_first(&fa.header, fa.metadata) : NULL; m && !diff;
         m = json_next(&fa.header, m)) {
        const char *vb = st_meta(&fb, m->key);
        if (!vb || strcmp(vb, m->str) != 0) diff = why, snprintf(why, n, "metadata '%s'", m->key);
    }
    st_free(&fa);
    st_free(&fb);
    return diff;
}

// NAME and NAME.train of two runs are equal: every tensor, every metadata value, every byte.
static void assert_same_checkpoints(const char *name_a, const char *name_b) {
    static const char *const kinds[2] = {".safetensors", ".train.safetensors"};
    for (int k = 0; k < 2; k++) {
        char a[4200], b[4200], why[300];
        snprintf(a, sizeof a, "%s%s", name_a, kinds[k]);
        snprintf(b, sizeof b, "%s%s", name_b, kinds[k]);
        const char *diff = st_difference(a, b, why, sizeof why);
        ck_assert_msg(diff == NULL, "%s and %s differ: %s", a, b, diff);
        size_t na, nb;
        char *ba = read_all(a, &na), *bb = read_all(b, &nb);
        ck_assert_msg(na == nb && memcmp(ba, bb, na) == 0, "%s and %s differ in their bytes", a, b);
        free(ba), free(bb);
    }
}

// Rewrite NAME.train.safetensors with the data Rng reset: a resume that restarts the data.
static void restart_data_rng(const char *name) {
    char path[4200], err[600], rng_text[80];
    snprintf(path, sizeof path, "%s.train.safetensors", name);
    StFile f;
    ck_assert_msg(st_read(&f, path, err, sizeof err), "%s", err);
    Rng fresh;
    rng_seed(&fresh, 12345);
    snprintf(rng_text, sizeof rng_text, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64, fresh.s[0],
             fresh.s[1], fresh.s[2], fresh.s[3]);
    StWriter w;
    stw_init(&w);
    int replaced = 0;
    for (const JsonNode *m = json_first(&f.header, f.metadata); m; m = json_next(&f.header, m)) {
        int is_rng = strcmp(m->key, "rng") == 0;
        replaced += is_rng;
        stw_meta(&w, m->key, is_rng ? rng_text : m->str);
    }
    ck_assert_int_eq(f.n, 0);   // SGD without momentum: no tensors to copy
    ck_assert_int_eq(replaced, 1);
    ck_assert_msg(stw_write(&w, path, err, sizeof err), "%s", err);
    stw_free(&w);
    st_free(&f);
}

// N = 40 updates of --quick's run in one go, against k updates, save, resume to 40:
//   0  clip by norm, k = 15 by a shorter run (--steps 15), then --steps 40 --resume
//   1  no clipping (diverges at update 16), stopped after 7 updates (as by Ctrl-C), resumed
//      past the divergence; resumed once more, the diverged run stays as it was
//   2  clip by norm, stopped after 15, the data Rng reset before resuming: must NOT match
static const struct { ClipMode mode; int first_steps; long stop_after; int tamper; } resume_cases[] = {
    {CLIP_NORM, 15, 0, 0}, {CLIP_NONE, 40, 7, 0}, {CLIP_NORM, 40, 15, 1}};

static ClipRun quick_run(ClipMode mode, const char *ckpt) {
    return (ClipRun){.T = 50, .hidden = 32, .batch = 32, .steps = 40, .lr = 0.5f, .mode = mode,
                     .threshold = mode == CLIP_NORM ? 1.0f : 0.0f, .seed = 1, .ckpt = ckpt};
}

START_TEST(test_resume_is_exact) {
    char dir[64], name_a[4096], name_b[4096];
    make_tmp_dir(dir);
    tmp_path(name_a, dir, "straight");
    tmp_path(name_b, dir, "resumed");
    ClipMode mode = resume_cases[_i].mode;
    ClipRun a = quick_run(mode, name_a);
    clip_run_train(&a);

    ClipRun b = quick_run(mode, name_b);
    b.steps = resume_cases[_i].first_steps;
    b.stop_after = resume_cases[_i].stop_after;
    clip_run_train(&b);
    int k = b.steps_done;
    ck_assert_int_lt(k, 16);   // stopped before N (and before the no-clipping run diverges)
    ck_assert_int_eq(b.interrupted, b.stop_after ? -1 : 0);
    clip_run_free(&b);
    if (resume_cases[_i].tamper) restart_data_rng(name_b);

    b = quick_run(mode, name_b);
    b.resume = 1;
    clip_run_train(&b);
    ck_assert_int_eq(b.start_step, k);
    ck_assert_int_eq(b.interrupted, 0);
    if (resume_cases[_i].tamper) {
        // the checks below see a resume that is not exact: the batches after k differ
        char why[300];
        ck_assert_int_eq(b.steps_done, a.steps_done);
        ck_assert_msg(memcmp(a.loss, b.loss, sizeof(float) * (size_t)k) == 0, "the saved history changed");
        ck_assert_msg(memcmp(a.loss + k, b.loss + k, sizeof(float) * (size_t)(a.steps_done - k)) != 0,
                      "a restarted data stream gave the same losses");
        char a_path[4200], b_path[4200];
        snprintf(a_path, sizeof a_path, "%s.safetensors", name_a);
        snprintf(b_path, sizeof b_path, "%s.safetensors", name_b);
        ck_assert_msg(st_difference(a_path, b_path, why, sizeof why) != NULL, "the parameters did not change");
    } else {
        ck_assert_int_eq(b.steps_done, a.steps_done);
        ck_assert_int_eq(b.diverged_step, a.diverged_step);
        ck_assert_str_eq(b.diverged_what, a.diverged_what);
        ck_assert_msg(memcmp(a.loss, b.loss, sizeof(float) * (size_t)a.steps_done) == 0, "losses differ");
        ck_assert_msg(memcmp(a.grad_norm, b.grad_norm, sizeof(float) * (size_t)a.steps_done) == 0,
                      "gradient norms differ");
        ck_assert_msg(memcmp(&a.eval_mse, &b.eval_mse, sizeof a.eval_mse) == 0, "held-out MSE %.17g vs %.17g",
                      a.eval_mse, b.eval_mse);
        // the parameters (model file), the data Rng (training file), the history: every bit
        assert_same_checkpoints(name_a, name_b);
        if (mode == CLIP_NONE) {   // diverged: a further resume changes nothing
            ck_assert_int_ge(a.diverged_step, k);
            clip_run_free(&b);
            b = quick_run(mode, name_b);
            b.resume = 1;
            clip_run_train(&b);
            ck_assert_int_eq(b.diverged_step, a.diverged_step);
            ck_assert_int_eq(b.steps_done, a.steps_done);
            assert_same_checkpoints(name_a, name_b);
        }
    }
    clip_run_free(&a);
    clip_run_free(&b);
    remove_tmp_dir(dir);
}
END_TEST

Suite *make_ch02_suite(void) {
    Suite *s = suite_create("ch02");
    TCase *tc = tcase_create("clipping");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cliff_gradient_finite_difference);
    tcase_add_test(tc, test_clipped_steps_are_bounded);
    tcase_add_test(tc, test_norm_after_clipping_is_threshold);
    tcase_add_test(tc, test_divergence_is_detected_and_stops_only_that_run);
    tcase_add_loop_test(tc, test_resume_is_exact, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}
