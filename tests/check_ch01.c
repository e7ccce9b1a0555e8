// check_ch01.c: chapter 01's numbers against independent computations.
//  * the one-unit products against closed forms (w^k) and central differences of the forward;
//  * float32 underflow/overflow at the k that IEEE arithmetic predicts;
//  * the spectral radius of matrices with known eigenvalues;
//  * hand-written BPTT against autograd (float32, 1e-6 relative) and against the double engine.
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../chapters/01_rnn_gradients/vanilla_rnn.h"
#include "test_util.h"

enum { T = 1000 };

// identity: h_t = w h_{t-1} + 1, every factor is w, so dh_T/dh_{T-k} = w^k exactly.
START_TEST(test_scalar_linear_closed_form) {
    static const double ws[] = {0.5, 0.9, 1.0, 1.1, 2.0};
    double out[T];
    for (int i = 0; i < 5; i++) {
        scalar_gradient_products(out, ACT_LINEAR, ws[i], T);
        int ks[] = {1, 10, 100, 999};
        for (int j = 0; j < 4; j++)
            ck_assert_msg(fabs(out[ks[j]] / pow(ws[i], ks[j]) - 1.0) < 1e-12,
                          "w=%g k=%d: %g vs %g", ws[i], ks[j], out[ks[j]], pow(ws[i], ks[j]));
    }
    // 0.5^999 = 1.87e-301 and 2^999 = 5.36e300: representable in double, as the CSV promises
    scalar_gradient_products(out, ACT_LINEAR, 0.5, T);
    ck_assert(out[999] > 1e-302 && out[999] < 1e-300);
    scalar_gradient_products(out, ACT_LINEAR, 2.0, T);
    ck_assert(out[999] > 1e300 && out[999] < 1e301);
}
END_TEST

// tanh: the product against a central difference of the forward map h_{T-k} -> h_T.
static double tanh_run(double h, double w, int steps) {
    for (int t = 0; t < steps; t++) h = tanh(w * h + 1.0);
    return h;
}

START_TEST(test_scalar_tanh_finite_difference) {
    static const double ws[] = {0.5, 1.0, 2.0};
    double out[T], logs[T];
    for (int i = 0; i < 3; i++) {
        double w = ws[i];
        scalar_gradient_products(out, ACT_TANH, w, T);
        scalar_gradient_log10(logs, ACT_TANH, w, T);
        double h_start = tanh_run(0.0, w, T - 3);  // h_{T-3}
        double eps = 1e-4;  // roundoff ~1e-16/eps against values near 1e-5: eps must not be tiny
        double fd = (tanh_run(h_start + eps, w, 3) - tanh_run(h_start - eps, w, 3)) / (2 * eps);
        ck_assert_msg(fabs(out[3] - fd) <= 1e-6 * fabs(fd), "w=%g: %g vs %g", w, out[3], fd);
        ck_assert_msg(fabs(log10(out[3]) - logs[3]) < 1e-9, "log10 of the product disagrees");
    }
}
END_TEST

// float32: 0.5^150 = 2^-150 is half the smallest subnormal (2^-149) and rounds to 0;
// 2^128 exceeds FLT_MAX (about 2^128 - 2^104) and becomes inf.
START_TEST(test_float32_limits) {
    float out[T];
    ck_assert_int_eq(scalar_gradient_products_f32(out, ACT_LINEAR, 0.5f, T), 150);
    ck_assert_float_eq(out[149], ldexpf(1.0f, -149));
    ck_assert_int_eq(scalar_gradient_products_f32(out, ACT_LINEAR, 2.0f, T), 128);
    ck_assert(isinf(out[128]));
    ck_assert_int_eq(scalar_gradient_products_f32(out, ACT_LINEAR, 1.0f, T), -1);
}
END_TEST

START_TEST(test_spectral_radius) {
    double tri[9] = {0.3, 5.0, -2.0, 0.0, -1.7, 4.0, 0.0, 0.0, 0.9};  // eigenvalues on the diagonal
    ck_assert_double_eq_tol(spectral_radius(tri, 3), 1.7, 1e-6);
    double rot[4] = {0.0, -2.0, 2.0, 0.0};                              // eigenvalues +-2i
    ck_assert_double_eq_tol(spectral_radius(rot, 2), 2.0, 1e-6);
    double sym[4] = {2.0, 1.0, 1.0, 2.0};                               // eigenvalues 3 and 1
    ck_assert_double_eq_tol(spectral_radius(sym, 2), 3.0, 1e-6);
}
END_TEST

// Hand-written BPTT and autograd compute the same float32 numbers: for every time step's
// dL/dh_t and every parameter gradient, ||autograd - by_hand|| <= 1e-6 ||by_hand||. (Both use
// the same gemm kernel in the same order, so on x86-64 they agree bit for bit; the tolerance
// leaves room for a compiler that contracts a*b+c into one fused multiply-add.)
static double rel_diff(const float *got, const float *want, int n) {
    double d = 0.0, w = 0.0;
    for (int i = 0; i < n; i++) {
        d += ((double)got[i] - want[i]) * ((double)got[i] - want[i]);
        w += (double)want[i] * want[i];
    }
    return w > 0 ? sqrt(d / w) : sqrt(d);
}
#define ck_assert_rel_close(got, want, n, what)                                             \
    do {                                                                                     \
        double r_ = rel_diff((got), (want), (n));                                            \
        ck_assert_msg(r_ <= 1e-6, "%s: relative difference %.3g > 1e-6", (what), r_);       \
    } while (0)
static const struct { Activation f; double rho; int steps; } bptt_cases[] = {
    {ACT_TANH, 1.1, 1000}, {ACT_LINEAR, 0.9, 200}, {ACT_RELU, 1.0, 300}, {ACT_TANH, 0.5, 50}};

START_TEST(test_bptt_by_hand_equals_autograd) {
    int H = 16, steps = bptt_cases[_i].steps;
    Rng rng;
    rng_seed(&rng, 7 + (uint64_t)_i);
    Params P;
    params_init(&P);
    VanillaRNN m = vanilla_rnn_create(&P, &rng, H, bptt_cases[_i].f, bptt_cases[_i].rho);
    float *dh_hand = malloc(sizeof(float) * (size_t)(steps + 1) * H);
    float *dh_auto = malloc(sizeof(float) * (size_t)(steps + 1) * H);
    float *dW_h = malloc(sizeof(float) * H * H), dW_x[16], db[16];
    vanilla_bptt_by_hand(&m, steps, dh_hand, dW_h, dW_x, db);
    Tape tp;
    tape_init(&tp, 64 << 20, &rng);
    vanilla_bptt_autograd(&m, &P, &tp, steps, dh_auto);
    for (int t = 0; t <= steps; t++) {
        char what[32];
        snprintf(what, sizeof what, "dL/dh_%d", t);
        ck_assert_rel_close(dh_auto + t * H, dh_hand + t * H, H, what);
    }
    ck_assert_rel_close(m.W_h->grad, dW_h, H * H, "dL/dW_h");
    ck_assert_rel_close(m.W_x->grad, dW_x, H, "dL/dW_x");
    ck_assert_rel_close(m.b->grad, db, H, "dL/db");

    // and the double-precision figure engine agrees with float32 where float32 is accurate
    double *norms = malloc(sizeof(double) * (size_t)(steps + 1));
    vanilla_grad_log10_norms(&m, steps, norms, NULL);
    for (int t = steps; t >= steps - 20; t--) {
        double sq = 0.0;
        for (int j = 0; j < H; j++) sq += (double)dh_hand[t * H + j] * dh_hand[t * H + j];
        double want = pow(10.0, norms[t]);
        ck_assert_msg(fabs(sqrt(sq) - want) <= 1e-4 * want + 1e-30, "t=%d: %g vs %g", t, sqrt(sq), want);
    }
    tape_free(&tp);
    params_free(&P);
    free(dh_hand), free(dh_auto), free(dW_h), free(norms);
}
END_TEST

// Linear network: dL/dh_t = (W_h^T)^(T-t) 1, so ||dL/dh_t|| shrinks like rho^(T-t): over 200
// steps log(norm) per step approaches log(rho) (Gelfand's formula again).
START_TEST(test_linear_rate_is_rho) {
    int H = 32, steps = 1000;
    Rng rng;
    rng_seed(&rng, 11);
    Params P;
    params_init(&P);
    VanillaRNN m = vanilla_rnn_create(&P, &rng, H, ACT_LINEAR, 0.9);
    double norms[1001];
    vanilla_grad_log10_norms(&m, steps, norms, NULL);
    double rate = pow(10.0, (norms[0] - norms[500]) / 500.0);
    ck_assert_msg(fabs(rate - 0.9) < 0.01, "per-step decay %g, expected about 0.9", rate);
    params_free(&P);

    // Far outside double's range the running scale still gives the right rate: rho = 0.3
    // over 1000 steps is about 10^-523 (a plain double product would be 0).
    params_init(&P);
    rng_seed(&rng, 11);
    m = vanilla_rnn_create(&P, &rng, H, ACT_LINEAR, 0.3);
    vanilla_grad_log10_norms(&m, steps, norms, NULL);
    ck_assert(isfinite(norms[0]) && norms[0] < -400);
    rate = pow(10.0, (norms[0] - norms[500]) / 500.0);
    ck_assert_msg(fabs(rate - 0.3) < 0.01, "per-step decay %g, expected about 0.3", rate);
    params_free(&P);
}
END_TEST

Suite *make_ch01_suite(void) {
    Suite *s = suite_create("ch01");
    TCase *tc = tcase_create("rnn gradients");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_scalar_linear_closed_form);
    tcase_add_test(tc, test_scalar_tanh_finite_difference);
    tcase_add_test(tc, test_float32_limits);
    tcase_add_test(tc, test_spectral_radius);
    tcase_add_loop_test(tc, test_bptt_by_hand_equals_autograd, 0, 4);
    tcase_add_test(tc, test_linear_rate_is_rho);
    suite_add_tcase(s, tc);
    return s;
}
