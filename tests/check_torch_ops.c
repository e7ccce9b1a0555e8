// check_torch_ops.c: every op, and the optimisers, against PyTorch's numbers.
// tests/ref/gen_fixtures.py ran each op in PyTorch 1.13 on fixed random inputs and stored the
// inputs, the output and the gradients of loss = sum(out * R) for a fixed random R (so every
// output element matters) in tests/fixtures/ops.bin; the optimiser steps are in optim.bin.
// Here the same inputs go through our ops, and the numbers must agree to 1e-5 relative.
// gradcheck proves each backward is the derivative of its own forward; this proves the
// forward computes what PyTorch computes (e.g. the same ignore_index and broadcasting rules).
//
// UNROLLED_MAXDIFF=1 ./build/check_unrolled prints the largest difference of every case.
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "ops.h"
#include "optim.h"
#include "params.h"
#include "test_util.h"

#define OPS_FIXTURE "tests/fixtures/ops.bin"
#define OPTIM_FIXTURE "tests/fixtures/optim.bin"
#define RTOL 1e-5
#define ATOL 1e-6

// max |got - want| / (atol + |want|): 1 means "exactly at the tolerance".
static void report_maxdiff(const char *what, const float *got, const float *want, int n) {
    if (!getenv("UNROLLED_MAXDIFF")) return;
    double max_abs = 0.0, max_rel = 0.0;
    for (int i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (d > max_abs) max_abs = d;
        if (d / (ATOL + fabs((double)want[i])) > max_rel) max_rel = d / (ATOL + fabs((double)want[i]));
    }
    printf("maxdiff %-34s abs %.3g  rel %.3g  (%d values)\n", what, max_abs, max_rel, n);
}

static void expect_close(const char *what, const float *got, const float *want, int n, double rtol,
                         double atol) {
    report_maxdiff(what, got, want, n);
    ck_floats_close_at(got, want, n, rtol, atol, what, __FILE__, __LINE__);
}

// ---- ops.bin: one table row per case ------------------------------------------------------
// A case reads its float inputs x[0..n) (those with a gradient in the fixture get one here)
// and, through fx, any integer arguments stored beside them; it returns the op's output.
typedef Tensor *(*OpBuild)(Tape *tp, Tensor **x, const Fixture *fx, const char *name);

static const int *case_ints(const Fixture *fx, const char *name, const char *key) {
    char full[128];
    snprintf(full, sizeof full, "%s.%s", name, key);
    return fixture_ints(fx, full, 0, NULL);
}

static Tensor *build_matmul(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    const int *args = case_ints(fx, name, "args");   // trans_a, trans_b
    return op_matmul(tp, x[0], x[1], args[0], args[1]);
}
static Tensor *build_linear(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    (void)fx, (void)name;
    return op_linear(tp, x[0], x[1], x[2]);   // x[2] is NULL for linear_nobias
}
#define BUILD_BINARY(op)                                                                    \
    static Tensor *build_##op(Tape *tp, Tensor **x, const Fixture *fx, const char *name) { \
        (void)fx, (void)name;                                                               \
        return op_##op(tp, x[0], x[1]);                                                     \
    }
#define BUILD_UNARY(op)                                                                     \
    static Tensor *build_##op(Tape *tp, Tensor **x, const Fixture *fx, const char *name) { \
        (void)fx, (void)name;                                                               \
        return op_##op(tp, x[0]);                                                           \
    }
BUILD_BINARY(add)
BUILD_BINARY(sub)
BUILD_BINARY(mul)
BUILD_BINARY(mse)
BUILD_UNARY(tanh)
BUILD_UNARY(sigmoid)
BUILD_UNARY(relu)
BUILD_UNARY(exp)
BUILD_UNARY(log)
BUILD_UNARY(softmax)
BUILD_UNARY(log_softmax)
BUILD_UNARY(sum)
BUILD_UNARY(mean)
static Tensor *build_scale(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    (void)fx, (void)name;
    return op_scale(tp, x[0], -1.7f);
}
static Tensor *build_add_scalar(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    (void)fx, (void)name;
    return op_add_scalar(tp, x[0], 0.3f);
}
static Tensor *build_cross_entropy(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    const int *targets = case_ints(fx, name, "targets"), *args = case_ints(fx, name, "args");
    return op_cross_entropy(tp, x[0], targets, args[0]);
}
static Tensor *build_embedding(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    char full[128];
    snprintf(full, sizeof full, "%s.ids", name);
    const FixtureTensor *ids = fixture_find(fx, full);
    ck_assert_ptr_nonnull(ids);
    return op_embedding(tp, x[0], fixture_ints(fx, full, 0, NULL), ids->ndim, ids->shape);
}
static Tensor *build_concat(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    (void)fx, (void)name;
    return op_concat(tp, 3, x);
}
static Tensor *build_split(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    const int *args = case_ints(fx, name, "args");   // start, len
    return op_split(tp, x[0], args[0], args[1]);
}
static Tensor *build_select(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    return op_select(tp, x[0], case_ints(fx, name, "args")[0]);
}
static Tensor *build_stack(Tape *tp, Tensor **x, const Fixture *fx, const char *name) {
    (void)fx, (void)name;
    return op_stack(tp, 3, x);
}

typedef struct OpCase {
    const char *name;   // the case's prefix in ops.bin
    OpBuild build;
} OpCase;

static const OpCase op_cases[] = {
    {"matmul_nn", build_matmul},      {"matmul_nt", build_matmul},
    {"matmul_tn", build_matmul},      {"matmul_tt", build_matmul},
    {"matmul_3d", build_matmul},      {"linear", build_linear},
    {"linear_nobias", build_linear},  {"add_same", build_add},
    {"add_bias", build_add},          {"add_rows", build_add},
    {"sub_same", build_sub},          {"sub_bias", build_sub},
    {"sub_rows", build_sub},          {"mul_same", build_mul},
    {"mul_bias", build_mul},          {"mul_rows", build_mul},
    {"scale", build_scale},           {"add_scalar", build_add_scalar},
    {"tanh", build_tanh},             {"sigmoid", build_sigmoid},
    {"relu", build_relu},             {"exp", build_exp},
    {"log", build_log},               {"softmax", build_softmax},
    {"log_softmax", build_log_softmax},
    {"cross_entropy_ignore", build_cross_entropy},
    {"cross_entropy_pad", build_cross_entropy},
    {"mse", build_mse},               {"sum", build_sum},
    {"mean", build_mean},             {"embedding", build_embedding},
    {"concat", build_concat},         {"split", build_split},
    {"select", build_select},         {"stack", build_stack},
};
enum { N_OP_CASES = sizeof op_cases / sizeof op_cases[0] };

START_TEST(test_op_matches_torch) {
    const OpCase *oc = &op_cases[_i];
    Fixture *fx = fixture_load(OPS_FIXTURE);
    Tape tape;
    tape_init(&tape, 1 << 20, NULL);
    char key[128], what[160];

    // inputs x0, x1, ... as long as the fixture has them; a gradient where PyTorch has one
    Tensor *x[NODE_MAX_INPUTS] = {0};
    int n_in = 0;
    for (; n_in < NODE_MAX_INPUTS; n_in++) {
        snprintf(key, sizeof key, "%s.x%d", oc->name, n_in);
        if (!fixture_find(fx, key)) break;
        x[n_in] = fixture_tensor(&tape, fx, key);
        snprintf(key, sizeof key, "%s.dx%d", oc->name, n_in);
        if (fixture_find(fx, key)) tensor_requires_grad(&tape, x[n_in]);
    }
    ck_assert_msg(n_in > 0, "%s: no inputs %s.x0... in %s", oc->name, oc->name, OPS_FIXTURE);

    // forward
    Tensor *out = oc->build(&tape, x, fx, oc->name);
    snprintf(key, sizeof key, "%s.out", oc->name);
    snprintf(what, sizeof what, "%s forward", oc->name);
    expect_close(what, out->data, fixture_floats(fx, key, out->ndim, out->shape), out->size, RTOL, ATOL);

    // backward of sum(out * R)
    snprintf(key, sizeof key, "%s.R", oc->name);
    Tensor *R = fixture_tensor(&tape, fx, key);
    tape_backward(&tape, op_sum(&tape, op_mul(&tape, out, R)));
    for (int k = 0; k < n_in; k++) {
        if (!x[k]->grad) continue;
        snprintf(key, sizeof key, "%s.dx%d", oc->name, k);
        snprintf(what, sizeof what, "%s d(x%d)", oc->name, k);
        expect_close(what, x[k]->grad, fixture_floats(fx, key, x[k]->ndim, x[k]->shape), x[k]->size,
                     RTOL, ATOL);
    }
    tape_free(&tape);
    fixture_free(fx);
}
END_TEST

// ---- optim.bin ------------------------------------------------------------------------------
// Two parameters, "w" (4, 3) and "b" (5): Params pads between them, so the flat loops must
// skip nothing and touch no padding that matters.
static const char *const optim_names[2] = {"w", "b"};

static void optim_params(Params *P, const Fixture *fx) {
    params_init(P);
    params_new(P, 2, (int[]){4, 3}, "w");
    params_new(P, 1, (int[]){5}, "b");
    char key[64];
    for (int k = 0; k < 2; k++) {
        snprintf(key, sizeof key, "init.%s", optim_names[k]);
        fixture_copy_into(fx, key, P->list[k]);
    }
}

static void set_grads(Params *P, const Fixture *fx, int step) {
    char key[64];
    for (int k = 0; k < 2; k++) {
        Tensor *t = P->list[k];
        snprintf(key, sizeof key, "grad%d.%s", step, optim_names[k]);
        memcpy(t->grad, fixture_floats(fx, key, t->ndim, t->shape), sizeof(float) * (size_t)t->size);
    }
}

// Compare each parameter's values (or an optimiser buffer in Params' layout) after a step.
static void expect_state(const Params *P, const Fixture *fx, const char *opt, int step,
                         const char *buffer_name, const float *buffer, double rtol, double atol) {
    char key[96];
    for (int k = 0; k < 2; k++) {
        const Tensor *t = P->list[k];
        const float *got = buffer ? buffer + (t->data - P->data) : t->data;
        if (buffer_name) snprintf(key, sizeof key, "%s.step%d.%s.%s", opt, step, buffer_name, optim_names[k]);
        else snprintf(key, sizeof key, "%s.step%d.%s", opt, step, optim_names[k]);
        expect_close(key, got, fixture_floats(fx, key, t->ndim, t->shape), t->size, rtol, atol);
    }
}

// torch.optim.Adam(lr=1e-3), three steps with different gradients: the parameters and both
// moments after every step. (PyTorch's add with alpha fuses a multiply-add, which moves m by
// an ulp now and then: hence 5e-6 rather than exact equality for the moments.)
START_TEST(test_adam_matches_torch) {
    Fixture *fx = fixture_load(OPTIM_FIXTURE);
    Params P;
    optim_params(&P, fx);
    Adam adam = adam_create(&P, 1e-3f);
    for (int step = 1; step <= 3; step++) {
        set_grads(&P, fx, step);
        adam_step(&adam);
        expect_state(&P, fx, "adam", step, NULL, NULL, 1e-6, 1e-7);
        expect_state(&P, fx, "adam", step, "m", adam.m, 5e-6, 1e-9);
        expect_state(&P, fx, "adam", step, "v", adam.v, 5e-6, 1e-9);
    }
    adam_free(&adam);
    params_free(&P);
    fixture_free(fx);
}
END_TEST

// torch.optim.SGD(lr=0.1, momentum=0.9), three steps: parameters and momentum buffers.
START_TEST(test_sgd_momentum_matches_torch) {
    Fixture *fx = fixture_load(OPTIM_FIXTURE);
    Params P;
    optim_params(&P, fx);
    Sgd sgd = sgd_create(&P, 0.1f, 0.9f);
    for (int step = 1; step <= 3; step++) {
        set_grads(&P, fx, step);
        sgd_step(&sgd);
        expect_state(&P, fx, "sgd", step, NULL, NULL, 1e-6, 1e-7);
        expect_state(&P, fx, "sgd", step, "velocity", sgd.velocity, 1e-6, 1e-9);
    }
    sgd_free(&sgd);
    params_free(&P);
    fixture_free(fx);
}
END_TEST

// torch.nn.utils.clip_grad_norm_: the returned norm and the gradients afterwards, once with
// a norm above max_norm (clipped) and once below (untouched).
START_TEST(test_clip_grad_norm_matches_torch) {
    static const char *const cases[2] = {"clip", "noclip"};
    const char *c = cases[_i];
    Fixture *fx = fixture_load(OPTIM_FIXTURE);
    Params P;
    optim_params(&P, fx);
    set_grads(&P, fx, 3);
    char key[64];
    snprintf(key, sizeof key, "%s.max_norm", c);
    float max_norm = fixture_floats(fx, key, 1, (int[]){1})[0];
    float norm = (float)clip_grad_norm(&P, max_norm);
    snprintf(key, sizeof key, "%s.norm", c);
    expect_close(key, &norm, fixture_floats(fx, key, 1, (int[]){1}), 1, RTOL, ATOL);
    for (int k = 0; k < 2; k++) {
        Tensor *t = P.list[k];
        snprintf(key, sizeof key, "%s.grad.%s", c, optim_names[k]);
        expect_close(key, t->grad, fixture_floats(fx, key, t->ndim, t->shape), t->size, RTOL, ATOL);
    }
    params_free(&P);
    fixture_free(fx);
}
END_TEST

Suite *make_torch_ops_suite(void) {
    Suite *s = suite_create("torch_ops");
    TCase *ops = tcase_create("ops");
    tcase_add_loop_test(ops, test_op_matches_torch, 0, N_OP_CASES);
    suite_add_tcase(s, ops);
    TCase *optim = tcase_create("optim");
    tcase_add_test(optim, test_adam_matches_torch);
    tcase_add_test(optim, test_sgd_momentum_matches_torch);
    tcase_add_loop_test(optim, test_clip_grad_norm_matches_torch, 0, 2);
    suite_add_tcase(s, optim);
    return s;
}
