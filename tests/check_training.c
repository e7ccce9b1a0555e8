// check_training.c: end-to-end checks of the foundation.
//  * a 2-layer MLP trained with Adam fits XOR;
//  * arena accounting: a training loop ends with the same high-water mark as after step 1;
//  * clip_grad_norm leaves the global norm exactly at the threshold.
#include <check.h>
#include <math.h>

#include "init.h"
#include "layers.h"
#include "ops.h"
#include "optim.h"
#include "params.h"

static const float xor_x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
static const float xor_y[4] = {0, 1, 1, 0};

typedef struct Mlp {
    Linear l1, l2;
} Mlp;

static Tensor *mlp_loss(Tape *tp, const Mlp *m) {
    Tensor *x = tensor_from(tp, 2, (int[]){4, 2}, xor_x);
    Tensor *y = tensor_from(tp, 2, (int[]){4, 1}, xor_y);
    Tensor *h = op_tanh(tp, linear_forward(tp, &m->l1, x));
    Tensor *p = op_sigmoid(tp, linear_forward(tp, &m->l2, h));
    return op_mse(tp, p, y);
}

// XOR with 8 hidden units, Adam lr 0.05, 500 steps, seed 1: the MSE falls below 1e-3
// (chance level, predicting 0.5 everywhere, is 0.25).
START_TEST(test_mlp_fits_xor) {
    Rng rng;
    rng_seed(&rng, 1);
    Params P;
    params_init(&P);
    Mlp m = {linear_create(&P, &rng, "l1", 2, 8, 1), linear_create(&P, &rng, "l2", 8, 1, 1)};
    Adam opt = adam_create(&P, 0.05f);
    Tape tp;
    tape_init(&tp, 1 << 20, &rng);
    float loss = 1.0f;
    size_t high_water_after_first = 0;
    for (int step = 0; step < 500; step++) {
        tape_reset(&tp);
        params_zero_grad(&P);
        Tensor *L = mlp_loss(&tp, &m);
        tape_backward(&tp, L);
        adam_step(&opt);
        loss = L->data[0];
        if (step == 0) high_water_after_first = tp.arena.high_water;
    }
    ck_assert_msg(loss < 1e-3f, "XOR MSE after 500 Adam steps is %g, expected < 1e-3", loss);
    // no per-step growth: the arena's high-water mark after 500 steps equals step 1's
    ck_assert_uint_eq(tp.arena.high_water, high_water_after_first);
    ck_assert_uint_gt(high_water_after_first, 0);
    tape_free(&tp);
    adam_free(&opt);
    params_free(&P);
}
END_TEST

START_TEST(test_clip_grad_norm) {
    Params P;
    params_init(&P);
    Tensor *a = params_new(&P, 1, (int[]){3}, "a");
    Tensor *b = params_new(&P, 2, (int[]){2, 2}, "b");
    float ga[] = {3, 0, 0}, gb[] = {0, 4, 0, 0};  // global norm sqrt(9 + 16) = 5
    for (int i = 0; i < 3; i++) a->grad[i] = ga[i];
    for (int i = 0; i < 4; i++) b->grad[i] = gb[i];
    double before = clip_grad_norm(&P, 1.0f);
    ck_assert_double_eq_tol(before, 5.0, 1e-12);
    ck_assert_double_eq_tol(grad_norm(&P), 1.0, 1e-6);
    ck_assert_float_eq_tol(a->grad[0], 3.0f / 5.0f, 1e-6f);
    // below the threshold nothing changes
    double again = clip_grad_norm(&P, 10.0f);
    ck_assert_double_eq_tol(again, 1.0, 1e-6);
    ck_assert_float_eq_tol(b->grad[1], 4.0f / 5.0f, 1e-6f);
    clip_grad_value(&P, 0.5f);
    ck_assert_float_eq(a->grad[0], 0.5f);
    ck_assert_float_eq(b->grad[1], 0.5f);
    params_free(&P);
}
END_TEST

START_TEST(test_params_layout_survives_growth) {
    Params P;
    params_init(&P);
    Tensor *first = params_new(&P, 1, (int[]){5}, "first");
    first->data[4] = 42.0f;
    for (int i = 0; i < 40; i++) params_new(&P, 2, (int[]){30, 30}, "grow.%d", i);  // forces moves
    ck_assert_float_eq(first->data[4], 42.0f);
    ck_assert_ptr_eq(params_find(&P, "grow.7"), P.list[8]);
    ck_assert_uint_eq(params_count(&P), 5 + 40 * 900);
    ck_assert_ptr_null(params_find(&P, "absent"));
    params_free(&P);
}
END_TEST

Suite *make_training_suite(void) {
    Suite *s = suite_create("training");
    TCase *tc = tcase_create("foundation");
    tcase_add_test(tc, test_mlp_fits_xor);
    tcase_add_test(tc, test_clip_grad_norm);
    tcase_add_test(tc, test_params_layout_survives_growth);
    suite_add_tcase(s, tc);
    return s;
}
