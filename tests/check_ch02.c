// check_ch02.c: chapter 02's numbers against independent computations.
//  * the cliff model's BPTT gradient against central differences of its loss;
//  * clipped descent never moves further than lr * threshold per step, unclipped does;
//  * the clipped gradient's global norm equals the threshold;
//  * the NaN/Inf detector stops a diverging run at the step it diverged, and only that run.
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "../chapters/02_gradient_clipping/cliff.h"
#include "../chapters/02_gradient_clipping/train_rnn.h"
#include "optim.h"
#include "params.h"

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

Suite *make_ch02_suite(void) {
    Suite *s = suite_create("ch02");
    TCase *tc = tcase_create("clipping");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cliff_gradient_finite_difference);
    tcase_add_test(tc, test_clipped_steps_are_bounded);
    tcase_add_test(tc, test_norm_after_clipping_is_threshold);
    tcase_add_test(tc, test_divergence_is_detected_and_stops_only_that_run);
    suite_add_tcase(s, tc);
    return s;
}
