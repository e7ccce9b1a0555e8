// check_gradcheck.c: every op's backward against central finite differences, on random
// shapes and several seeds, with broadcasting, the ignore-index and dropout masks included.
// One table lists the ops; tcase_add_loop_test sweeps it (style guide point 9).
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "init.h"
#include "ops.h"
#include "params.h"
#include "rng.h"

// Everything one case needs: the tensors under test live in P, fixed data beside them.
typedef struct Case {
    Params P;
    Tensor *a, *b, *c;          // inputs being differentiated
    int dims[4];                // random sizes drawn per seed
    int ids[64];                // targets / embedding ids
    float weights[4096];        // R in loss = sum(out * R): every output element matters
    uint64_t dropout_seed;
} Case;

// loss = sum(out * R), with R fixed per case, so the check sees every element of out.
static Tensor *weighted_sum(Tape *tp, Case *k, Tensor *out) {
    ck_assert_int_le(out->size, 4096);
    Tensor *R = tensor_from(tp, out->ndim, out->shape, k->weights);
    return op_sum(tp, op_mul(tp, out, R));
}

typedef struct OpCase {
    const char *name;
    void (*setup)(Case *k, Rng *rng);   // declares the tensors in k->P
    BuildLoss loss;
    float eps;
    double rtol, atol;
} OpCase;

static int rand_dim(Rng *rng, int lo, int hi) { return lo + (int)rng_below(rng, (uint32_t)(hi - lo + 1)); }

static Tensor *rand_param(Case *k, Rng *rng, const char *name, int ndim, const int *shape, float lo, float hi) {
    Tensor *t = params_new(&k->P, ndim, shape, "%s", name);
    for (int i = 0; i < t->size; i++) t->data[i] = rng_uniform(rng, lo, hi);
    return t;
}

// ---- setups ----
static void setup_2x2(Case *k, Rng *rng) {    // a (M, N), b (M, N)
    int M = rand_dim(rng, 1, 5), N = rand_dim(rng, 1, 6);
    k->a = rand_param(k, rng, "a", 2, (int[]){M, N}, -2, 2);
    k->b = rand_param(k, rng, "b", 2, (int[]){M, N}, -2, 2);
}
static void setup_bias(Case *k, Rng *rng) {   // a (T, B, H), b (H)
    int T = rand_dim(rng, 1, 3), B = rand_dim(rng, 1, 4), H = rand_dim(rng, 1, 5);
    k->a = rand_param(k, rng, "a", 3, (int[]){T, B, H}, -2, 2);
    k->b = rand_param(k, rng, "b", 1, (int[]){H}, -2, 2);
}
static void setup_unary(Case *k, Rng *rng) {
    int M = rand_dim(rng, 1, 5), N = rand_dim(rng, 2, 7);
    k->a = rand_param(k, rng, "x", 2, (int[]){M, N}, -2, 2);
}
static void setup_positive(Case *k, Rng *rng) {
    int M = rand_dim(rng, 1, 5), N = rand_dim(rng, 2, 7);
    k->a = rand_param(k, rng, "x", 2, (int[]){M, N}, 0.5f, 3.0f);
}
static void setup_relu(Case *k, Rng *rng) {   // keep values away from the kink at 0
    setup_unary(k, rng);
    for (int i = 0; i < k->a->size; i++)
        if (fabsf(k->a->data[i]) < 0.1f) k->a->data[i] = 0.5f;
}
static void setup_matmul(Case *k, Rng *rng) {  // dims: M K N, trans flags from the seed
    int M = rand_dim(rng, 1, 5), K = rand_dim(rng, 1, 9), N = rand_dim(rng, 1, 6);
    k->dims[0] = (int)rng_below(rng, 2), k->dims[1] = (int)rng_below(rng, 2);
    k->a = rand_param(k, rng, "A", 2, k->dims[0] ? (int[]){K, M} : (int[]){M, K}, -1, 1);
    k->b = rand_param(k, rng, "B", 2, k->dims[1] ? (int[]){N, K} : (int[]){K, N}, -1, 1);
}
static void setup_matmul3d(Case *k, Rng *rng) {  // a (T, B, K) . b (K, N)
    int T = rand_dim(rng, 1, 3), B = rand_dim(rng, 1, 3), K = rand_dim(rng, 1, 6), N = rand_dim(rng, 1, 5);
    k->a = rand_param(k, rng, "A", 3, (int[]){T, B, K}, -1, 1);
    k->b = rand_param(k, rng, "B", 2, (int[]){K, N}, -1, 1);
}
static void setup_linear(Case *k, Rng *rng) {  // x (T, B, in), W (out, in), b (out)
    int T = rand_dim(rng, 1, 3), B = rand_dim(rng, 1, 3), in = rand_dim(rng, 1, 7), out = rand_dim(rng, 1, 5);
    k->a = rand_param(k, rng, "x", 3, (int[]){T, B, in}, -1, 1);
    k->b = rand_param(k, rng, "W", 2, (int[]){out, in}, -1, 1);
    k->c = rand_param(k, rng, "bias", 1, (int[]){out}, -1, 1);
}
static void setup_classes(Case *k, Rng *rng) {  // logits (N, C), targets with some ignored
    int N = rand_dim(rng, 2, 8), C = rand_dim(rng, 2, 7);
    k->a = rand_param(k, rng, "logits", 2, (int[]){N, C}, -3, 3);
    for (int i = 0; i < N; i++) k->ids[i] = (int)rng_below(rng, (uint32_t)C);
    k->ids[0] = -100;  // always at least one ignored row...
    k->ids[1] = (int)rng_below(rng, (uint32_t)C);  // ...and one counted
}
static void setup_embedding(Case *k, Rng *rng) {  // weight (V, E), ids (T, B) with repeats
    int V = rand_dim(rng, 2, 6), E = rand_dim(rng, 1, 5);
    k->dims[0] = rand_dim(rng, 1, 4), k->dims[1] = rand_dim(rng, 1, 4);
    k->a = rand_param(k, rng, "weight", 2, (int[]){V, E}, -1, 1);
    for (int i = 0; i < k->dims[0] * k->dims[1]; i++) k->ids[i] = (int)rng_below(rng, (uint32_t)V);
    k->ids[0] = k->ids[k->dims[0] * k->dims[1] - 1];  // a repeated id
}
static void setup_concat(Case *k, Rng *rng) {  // a (T, B, C1), b (T, B, C2), c (T, B, C3)
    int T = rand_dim(rng, 1, 3), B = rand_dim(rng, 1, 3);
    k->a = rand_param(k, rng, "a", 3, (int[]){T, B, rand_dim(rng, 1, 4)}, -1, 1);
    k->b = rand_param(k, rng, "b", 3, (int[]){T, B, rand_dim(rng, 1, 4)}, -1, 1);
    k->c = rand_param(k, rng, "c", 3, (int[]){T, B, rand_dim(rng, 1, 4)}, -1, 1);
}
static void setup_stack(Case *k, Rng *rng) {  // x (T, B, H): selected and restacked
    int T = rand_dim(rng, 2, 5), B = rand_dim(rng, 1, 3), H = rand_dim(rng, 1, 4);
    k->a = rand_param(k, rng, "x", 3, (int[]){T, B, H}, -1, 1);
}

// ---- losses ----
#define K ((Case *)ctx)
static Tensor *loss_add(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_add(tp, K->a, K->b)); }
static Tensor *loss_sub(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_sub(tp, K->a, K->b)); }
static Tensor *loss_mul(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_mul(tp, K->a, K->b)); }
// a used twice: the two contributions must add up (the += rule)
static Tensor *loss_mul_self(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_mul(tp, K->a, K->a)); }
static Tensor *loss_scale(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_scale(tp, K->a, -1.7f)); }
static Tensor *loss_add_scalar(Tape *tp, void *ctx) {
    return weighted_sum(tp, K, op_mul(tp, op_add_scalar(tp, K->a, 0.3f), K->a));
}
static Tensor *loss_tanh(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_tanh(tp, K->a)); }
static Tensor *loss_sigmoid(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_sigmoid(tp, K->a)); }
static Tensor *loss_relu(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_relu(tp, K->a)); }
static Tensor *loss_exp(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_exp(tp, K->a)); }
static Tensor *loss_log(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_log(tp, K->a)); }
static Tensor *loss_softmax(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_softmax(tp, K->a)); }
static Tensor *loss_log_softmax(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_log_softmax(tp, K->a)); }
static Tensor *loss_matmul(Tape *tp, void *ctx) {
    return weighted_sum(tp, K, op_matmul(tp, K->a, K->b, K->dims[0], K->dims[1]));
}
static Tensor *loss_matmul3d(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_matmul(tp, K->a, K->b, 0, 0)); }
static Tensor *loss_linear(Tape *tp, void *ctx) { return weighted_sum(tp, K, op_linear(tp, K->a, K->b, K->c)); }
static Tensor *loss_cross_entropy(Tape *tp, void *ctx) {
    return op_scale(tp, op_cross_entropy(tp, K->a, K->ids, -100), 2.5f);
}
static Tensor *loss_mse(Tape *tp, void *ctx) { return op_mse(tp, K->a, K->b); }
static Tensor *loss_sum(Tape *tp, void *ctx) { return op_sum(tp, op_mul(tp, K->a, K->a)); }
static Tensor *loss_mean(Tape *tp, void *ctx) { return op_mean(tp, op_tanh(tp, K->a)); }
static Tensor *loss_embedding(Tape *tp, void *ctx) {
    return weighted_sum(tp, K, op_embedding(tp, K->a, K->ids, 2, K->dims));
}
static Tensor *loss_concat(Tape *tp, void *ctx) {
    Tensor *parts[3] = {K->a, K->b, K->c};
    return weighted_sum(tp, K, op_tanh(tp, op_concat(tp, 3, parts)));
}
static Tensor *loss_split(Tape *tp, void *ctx) {
    int C = tensor_cols(K->a), start = C > 2 ? 1 : 0;
    return weighted_sum(tp, K, op_split(tp, K->a, start, C - start));
}
static Tensor *loss_select_stack(Tape *tp, void *ctx) {
    // reverse the time axis with select (views) and stack, then a nonlinearity
    int T = K->a->shape[0];
    Tensor *steps[8];
    for (int t = 0; t < T; t++) steps[t] = op_tanh(tp, op_select(tp, K->a, T - 1 - t));
    Tensor *y = op_stack(tp, T, steps);
    return weighted_sum(tp, K, op_mul(tp, y, op_reshape(tp, K->a, K->a->ndim, K->a->shape)));
}
static Tensor *loss_dropout(Tape *tp, void *ctx) {
    Rng rng;
    rng_seed(&rng, K->dropout_seed);  // the same mask at every evaluation
    Rng *saved = tp->rng;
    int saved_training = tp->training;
    tp->rng = &rng;
    tp->training = 1;
    Tensor *y = op_dropout(tp, op_tanh(tp, K->a), 0.4f);
    tp->rng = saved;
    tp->training = saved_training;
    return weighted_sum(tp, K, y);
}
#undef K

static const OpCase op_cases[] = {
    {"add (same shape)", setup_2x2, loss_add, 1e-2f, 1e-2, 1e-3},
    {"add (bias broadcast)", setup_bias, loss_add, 1e-2f, 1e-2, 1e-3},
    {"sub (bias broadcast)", setup_bias, loss_sub, 1e-2f, 1e-2, 1e-3},
    {"mul (same shape)", setup_2x2, loss_mul, 1e-2f, 1e-2, 1e-3},
    {"mul (bias broadcast)", setup_bias, loss_mul, 1e-2f, 1e-2, 1e-3},
    {"mul (x * x)", setup_unary, loss_mul_self, 1e-2f, 1e-2, 1e-3},
    {"scale", setup_unary, loss_scale, 1e-2f, 1e-2, 1e-3},
    {"add_scalar", setup_unary, loss_add_scalar, 1e-2f, 1e-2, 1e-3},
    {"tanh", setup_unary, loss_tanh, 1e-2f, 1e-2, 1e-3},
    {"sigmoid", setup_unary, loss_sigmoid, 1e-2f, 1e-2, 1e-3},
    {"relu", setup_relu, loss_relu, 1e-2f, 1e-2, 1e-3},
    {"exp", setup_unary, loss_exp, 1e-3f, 1e-2, 1e-3},
    {"log", setup_positive, loss_log, 1e-3f, 1e-2, 1e-3},
    {"softmax", setup_unary, loss_softmax, 1e-2f, 1e-2, 1e-3},
    {"log_softmax", setup_unary, loss_log_softmax, 1e-2f, 1e-2, 1e-3},
    {"matmul (random transposes)", setup_matmul, loss_matmul, 1e-2f, 1e-2, 1e-3},
    {"matmul (3-D left operand)", setup_matmul3d, loss_matmul3d, 1e-2f, 1e-2, 1e-3},
    {"linear", setup_linear, loss_linear, 1e-2f, 1e-2, 1e-3},
    {"cross_entropy (ignore_index)", setup_classes, loss_cross_entropy, 1e-2f, 1e-2, 1e-3},
    {"mse", setup_2x2, loss_mse, 1e-2f, 1e-2, 1e-3},
    {"sum", setup_unary, loss_sum, 1e-2f, 1e-2, 1e-3},
    {"mean", setup_unary, loss_mean, 1e-2f, 1e-2, 1e-3},
    {"embedding (repeated ids)", setup_embedding, loss_embedding, 1e-2f, 1e-2, 1e-3},
    {"concat", setup_concat, loss_concat, 1e-2f, 1e-2, 1e-3},
    {"split", setup_unary, loss_split, 1e-2f, 1e-2, 1e-3},
    {"select + stack + reshape", setup_stack, loss_select_stack, 1e-2f, 1e-2, 1e-3},
    {"dropout (training mask)", setup_unary, loss_dropout, 1e-2f, 1e-2, 1e-3},
};
enum { N_OP_CASES = sizeof op_cases / sizeof op_cases[0], N_SEEDS = 4 };

START_TEST(test_op_gradient) {
    const OpCase *oc = &op_cases[_i / N_SEEDS];
    int seed = _i % N_SEEDS;
    Case k;
    memset(&k, 0, sizeof k);
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 1000u + (uint64_t)seed);
    oc->setup(&k, &rng);
    for (int i = 0; i < 4096; i++) k.weights[i] = rng_uniform(&rng, -1, 1);
    k.dropout_seed = 77u + (uint64_t)seed;
    GradcheckResult r = gradcheck(&k.P, oc->loss, &k, oc->eps, oc->rtol, oc->atol, 0);
    char label[128];
    snprintf(label, sizeof label, "%s, seed %d", oc->name, seed);
    ck_assert_gradcheck(r, label);
    params_free(&k.P);
}
END_TEST

// The check itself must be able to fail: a deliberately wrong backward is caught.
static void wrong_tanh_backward(Node *n) {
    for (int i = 0; i < n->out->size; i++) n->in[0]->grad[i] += n->out->grad[i];  // missing (1 - y^2)
}
static Tensor *loss_wrong(Tape *tp, void *ctx) {
    Tensor *x = ((Case *)ctx)->a;
    Tensor *y = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    tanh_forward(y->data, x->data, x->size);
    tape_record(tp, "wrong_tanh", wrong_tanh_backward, y, 1, &x);
    return op_sum(tp, y);
}

START_TEST(test_gradcheck_catches_a_wrong_rule) {
    Case k;
    memset(&k, 0, sizeof k);
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 5);
    setup_unary(&k, &rng);
    GradcheckResult r = gradcheck(&k.P, loss_wrong, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_int_gt(r.failed, 0);
    params_free(&k.P);
}
END_TEST

// Eval mode: dropout is the identity; training mode: about p of the values are zeroed and
// survivors are scaled by 1/(1-p).
START_TEST(test_dropout_modes) {
    Rng rng;
    rng_seed(&rng, 3);
    Tape tp;
    tape_init(&tp, 1 << 20, &rng);
    Tensor *x = tensor_1d(&tp, 10000);
    for (int i = 0; i < x->size; i++) x->data[i] = 1.0f;
    tp.training = 0;
    ck_assert_ptr_eq(op_dropout(&tp, x, 0.3f), x);
    tp.training = 1;
    Tensor *y = op_dropout(&tp, x, 0.3f);
    int zeros = 0;
    for (int i = 0; i < y->size; i++) {
        if (y->data[i] == 0.0f) zeros++;
        else ck_assert_float_eq_tol(y->data[i], 1.0f / 0.7f, 1e-6f);
    }
    ck_assert_int_gt(zeros, 2800);   // 3000 expected; the bounds are > 6 standard deviations
    ck_assert_int_lt(zeros, 3200);
    tape_free(&tp);
}
END_TEST

Suite *make_gradcheck_suite(void) {
    Suite *s = suite_create("gradcheck");
    TCase *tc = tcase_create("ops");
    tcase_add_loop_test(tc, test_op_gradient, 0, N_OP_CASES * N_SEEDS);
    tcase_add_test(tc, test_gradcheck_catches_a_wrong_rule);
    tcase_add_test(tc, test_dropout_modes);
    suite_add_tcase(s, tc);
    return s;
}
