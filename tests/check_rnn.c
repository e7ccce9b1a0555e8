// check_rnn.c: the vanilla RNN of common/rnn.c (nn.RNN), introduced in chapter 03.
//  * gradcheck of the cell op_rnn_cell (tanh and relu, with and without a padding mask) and of
//    a 2-layer rnn_forward over sequences of different lengths, with h0 (and with dropout);
//  * PyTorch parity (tests/fixtures/rnn.bin): nn.RNN(4, 5, num_layers=2) on packed sequences
//    of lengths 4, 6, 2 with h0: out, h_n, every parameter gradient, d x and d h0;
//  * rnn_step, one token at a time, equals rnn_forward; padding carries the state.
//
//   CK_RUN_SUITE=rnn ./build/check_unrolled        UNROLLED_MAXDIFF=1 prints the differences
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "gradcheck.h"
#include "ops.h"
#include "params.h"
#include "rnn.h"
#include "seq_mask.h"
#include "test_util.h"

#define RNN_FIXTURE "tests/fixtures/rnn.bin"

static void fill_uniform(Tensor *t, Rng *rng, float a) {
    for (int i = 0; i < t->size; i++) t->data[i] = rng_uniform(rng, -a, a);
}

// loss = sum(out * R) with R a fixed tensor of out's shape.
static Tensor *weighted(Tape *tp, Tensor *out, const float *R) {
    return op_sum(tp, op_mul(tp, out, tensor_from(tp, out->ndim, out->shape, R)));
}

static void expect_close(const char *what, const float *got, const float *want, int n, double rtol,
                         double atol) {
    if (getenv("UNROLLED_MAXDIFF")) {
        double max_abs = 0.0;
        for (int i = 0; i < n; i++) max_abs = fmax(max_abs, fabs((double)got[i] - want[i]));
        printf("maxdiff %-32s abs %.3g  (%d values)\n", what, max_abs, n);
    }
    ck_floats_close_at(got, want, n, rtol, atol, what, __FILE__, __LINE__);
}

// ---- gradcheck of the cell --------------------------------------------------------------------
// _i: bit 0 = with a mask, bit 1 = relu instead of tanh.
enum { CB = 3, CH = 5 };

typedef struct CellCase {
    Params P;
    Tensor *pre, *h_prev;   // (B, H), (B, H)
    float R[CB * CH];
    const float *mask;
    RNNNonlinearity f;
} CellCase;

static Tensor *cell_loss(Tape *tp, void *ctx) {
    CellCase *k = ctx;
    return weighted(tp, op_rnn_cell(tp, k->pre, k->h_prev, k->mask, k->f), k->R);
}

START_TEST(test_cell_gradcheck) {
    static const float mask[CB] = {1, 0, 1};   // row 1 is padding: h carried through
    int with_mask = _i & 1, relu = (_i >> 1) & 1;
    CellCase k;
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 61 + (uint64_t)_i);
    k.pre = params_new(&k.P, 2, (int[]){CB, CH}, "pre");
    k.h_prev = params_new(&k.P, 2, (int[]){CB, CH}, "h_prev");
    fill_uniform(k.pre, &rng, 2.0f);
    // relu has a kink at 0: keep every pre-activation at least 0.1 away from it (eps = 1e-2)
    for (int i = 0; relu && i < k.pre->size; i++)
        if (fabsf(k.pre->data[i]) < 0.1f) k.pre->data[i] = 0.5f;
    fill_uniform(k.h_prev, &rng, 1.0f);
    for (int i = 0; i < CB * CH; i++) k.R[i] = rng_uniform(&rng, -1, 1);
    k.mask = with_mask ? mask : NULL;
    k.f = relu ? RNN_RELU : RNN_TANH;
    char label[64];
    snprintf(label, sizeof label, "rnn_cell %s%s", relu ? "relu" : "tanh", with_mask ? " with a mask" : "");
    GradcheckResult r = gradcheck(&k.P, cell_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, label);

    // without a mask, h_prev reaches the cell's output only through pre: its grad is 0 here
    // (the recurrent product lives in op_linear); with one, the padded row is the identity
    Tape tp;
    tape_init(&tp, 1 << 20, NULL);
    params_zero_grad(&k.P);
    Tensor *h = op_rnn_cell(&tp, k.pre, k.h_prev, k.mask, k.f);
    tape_backward(&tp, weighted(&tp, h, k.R));
    for (int b = 0; b < CB; b++)
        for (int j = 0; j < CH; j++) {
            int at = b * CH + j, padded = with_mask && b == 1;
            ck_assert_float_eq(h->data[at], padded ? k.h_prev->data[at]
                                            : relu ? fmaxf(k.pre->data[at], 0.0f) : tanhf(k.pre->data[at]));
            ck_assert_float_eq(k.h_prev->grad[at], padded ? k.R[at] : 0.0f);
            if (padded) ck_assert_float_eq(k.pre->grad[at], 0.0f);
        }
    tape_free(&tp);
    params_free(&k.P);
}
END_TEST

// ---- gradcheck of a 2-layer rnn_forward with lengths -------------------------------------------
enum { ST = 5, SB = 3, SI = 3, SH = 4, SL = 2 };

typedef struct SeqCase {
    Params P;
    RNN m;
    Tensor *x, *h0;          // (T, B, I), (L, B, H): checked like parameters
    int lengths[SB];
    float R1[ST * SB * SH], R2[SL * SB * SH];
    uint64_t dropout_seed;   // 0: evaluation mode
} SeqCase;

static Tensor *seq_loss(Tape *tp, void *ctx) {
    SeqCase *k = ctx;
    Rng rng;
    rng_seed(&rng, k->dropout_seed);   // the same dropout masks at every evaluation
    tp->rng = &rng;
    tp->training = k->dropout_seed != 0;
    RNNOutput r = rnn_forward(tp, &k->m, k->x, k->lengths, k->h0);
    Tensor *loss = op_add(tp, weighted(tp, r.out, k->R1), weighted(tp, r.h_n, k->R2));
    tp->rng = NULL;
    return loss;
}

START_TEST(test_rnn_forward_gradcheck) {
    SeqCase k;
    memset(&k, 0, sizeof k);
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 71);
    k.m = rnn_create(&k.P, &rng, "rnn", SI, SH, SL, RNN_TANH, _i ? 0.3f : 0.0f);
    for (int i = 0; i < k.P.n; i++) fill_uniform(k.P.list[i], &rng, 0.8f);   // wider than 1/sqrt(H)
    k.x = params_new(&k.P, 3, (int[]){ST, SB, SI}, "x");
    k.h0 = params_new(&k.P, 3, (int[]){SL, SB, SH}, "h0");
    fill_uniform(k.x, &rng, 1.0f);
    fill_uniform(k.h0, &rng, 0.5f);
    k.lengths[0] = 5, k.lengths[1] = 2, k.lengths[2] = 4;
    for (int i = 0; i < ST * SB * SH; i++) k.R1[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < SL * SB * SH; i++) k.R2[i] = rng_uniform(&rng, -1, 1);
    k.dropout_seed = _i ? 99 : 0;
    GradcheckResult r = gradcheck(&k.P, seq_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, _i ? "2-layer rnn_forward, lengths, dropout 0.3" : "2-layer rnn_forward, lengths");
    params_free(&k.P);
}
END_TEST

// ---- PyTorch parity ---------------------------------------------------------------------------
#define RTOL 1e-5
#define ATOL 1e-6

// nn.RNN(4, 5, num_layers=2, nonlinearity="tanh"), packed sequences of lengths 4, 6, 2
// (unsorted), h0 given; loss = sum(out R1) + sum(h_n R2).
START_TEST(test_rnn_matches_torch) {
    Fixture *fx = fixture_load(RNN_FIXTURE);
    Params P;
    params_init(&P);
    Rng rng;
    rng_seed(&rng, 1);
    RNN m = rnn_create(&P, &rng, "rnn", 4, 5, 2, RNN_TANH, 0.0f);
    for (int i = 0; i < P.n; i++) fixture_copy_into(fx, P.list[i]->name, P.list[i]);
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    Tensor *x = fixture_tensor(&tp, fx, "rnn.x");
    Tensor *h0 = fixture_tensor(&tp, fx, "rnn.h0");
    tensor_requires_grad(&tp, x);
    tensor_requires_grad(&tp, h0);
    const int *lengths = fixture_ints(fx, "rnn.lengths", 1, (int[]){3});
    params_zero_grad(&P);

    RNNOutput r = rnn_forward(&tp, &m, x, lengths, h0);
    expect_close("rnn.out", r.out->data, fixture_floats(fx, "rnn.out", 3, r.out->shape), r.out->size, RTOL, ATOL);
    expect_close("rnn.h_n", r.h_n->data, fixture_floats(fx, "rnn.h_n", 3, r.h_n->shape), r.h_n->size, RTOL, ATOL);

    Tensor *loss = op_add(&tp, weighted(&tp, r.out, fixture_floats(fx, "rnn.R1", 3, r.out->shape)),
                          weighted(&tp, r.h_n, fixture_floats(fx, "rnn.R2", 3, r.h_n->shape)));
    tape_backward(&tp, loss);
    char key[160];
    for (int i = 0; i < P.n; i++) {
        const Tensor *t = P.list[i];
        snprintf(key, sizeof key, "grad.%s", t->name);
        expect_close(key, t->grad, fixture_floats(fx, key, t->ndim, t->shape), t->size, RTOL, ATOL);
    }
    expect_close("grad.rnn.x", x->grad, fixture_floats(fx, "grad.rnn.x", 3, x->shape), x->size, RTOL, ATOL);
    expect_close("grad.rnn.h0", h0->grad, fixture_floats(fx, "grad.rnn.h0", 3, h0->shape), h0->size, RTOL, ATOL);
    tape_free(&tp);
    params_free(&P);
    fixture_free(fx);
}
END_TEST

// ---- rnn_step equals rnn_forward; padding carries the state --------------------------------------
START_TEST(test_step_equals_forward) {
    enum { T = 5, B = 2, I = 3, H = 4, L = 3 };
    Rng rng;
    rng_seed(&rng, 81);
    Params P;
    params_init(&P);
    RNN m = rnn_create(&P, &rng, "dec", I, H, L, RNN_TANH, 0.0f);
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    tp.no_grad = 1;
    Tensor *x = tensor_new(&tp, 3, (int[]){T, B, I}), *h0 = tensor_new(&tp, 3, (int[]){L, B, H});
    fill_uniform(x, &rng, 1.0f);
    fill_uniform(h0, &rng, 0.5f);
    RNNOutput r = rnn_forward(&tp, &m, x, NULL, h0);
    RNNState s = rnn_state_init(&tp, &m, B, h0);
    for (int t = 0; t < T; t++) {
        Tensor *y = rnn_step(&tp, &m, op_select(&tp, x, t), &s);
        ck_assert_mem_eq(y->data, r.out->data + t * B * H, sizeof(float) * B * H);
    }
    for (int k = 0; k < L; k++) ck_assert_mem_eq(s.h[k]->data, r.h_n->data + k * B * H, sizeof(float) * B * H);
    tape_free(&tp);
    params_free(&P);
}
END_TEST

// Lengths (4, 0, 2): a 0-length sequence keeps h0 and outputs zeros; the 2-step sequence ends
// exactly as the same sequence run alone.
START_TEST(test_padding_carries_state) {
    enum { T = 4, B = 3, I = 2, H = 3, L = 2 };
    Rng rng;
    rng_seed(&rng, 91);
    Params P;
    params_init(&P);
    RNN m = rnn_create(&P, &rng, "rnn", I, H, L, RNN_TANH, 0.0f);
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    tp.no_grad = 1;
    Tensor *x = tensor_new(&tp, 3, (int[]){T, B, I}), *h0 = tensor_new(&tp, 3, (int[]){L, B, H});
    fill_uniform(x, &rng, 1.0f);
    fill_uniform(h0, &rng, 0.5f);
    RNNOutput r = rnn_forward(&tp, &m, x, (int[]){4, 0, 2}, h0);
    for (int k = 0; k < L; k++)
        for (int j = 0; j < H; j++) ck_assert_float_eq(r.h_n->data[(k * B + 1) * H + j], h0->data[(k * B + 1) * H + j]);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {
            ck_assert_float_eq(r.out->data[(t * B + 1) * H + j], 0.0f);
            if (t >= 2) ck_assert_float_eq(r.out->data[(t * B + 2) * H + j], 0.0f);
        }
    Tensor *x2 = tensor_new(&tp, 3, (int[]){2, 1, I}), *h02 = tensor_new(&tp, 3, (int[]){L, 1, H});
    for (int t = 0; t < 2; t++) memcpy(x2->data + t * I, x->data + (t * B + 2) * I, sizeof(float) * I);
    for (int k = 0; k < L; k++) memcpy(h02->data + k * H, h0->data + (k * B + 2) * H, sizeof(float) * H);
    RNNOutput alone = rnn_forward(&tp, &m, x2, NULL, h02);
    for (int k = 0; k < L; k++)
        ck_assert_mem_eq(alone.h_n->data + k * H, r.h_n->data + (k * B + 2) * H, sizeof(float) * H);
    for (int t = 0; t < 2; t++)
        ck_assert_mem_eq(alone.out->data + t * H, r.out->data + (t * B + 2) * H, sizeof(float) * H);
    ck_assert_int_eq(tp.n_nodes, 0);   // no_grad: nothing recorded
    tape_free(&tp);
    params_free(&P);
}
END_TEST

Suite *make_rnn_suite(void) {
    Suite *s = suite_create("rnn");
    TCase *grad = tcase_create("gradcheck");
    tcase_add_loop_test(grad, test_cell_gradcheck, 0, 4);
    tcase_add_loop_test(grad, test_rnn_forward_gradcheck, 0, 2);
    tcase_set_timeout(grad, 60);
    suite_add_tcase(s, grad);
    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_rnn_matches_torch);
    suite_add_tcase(s, torch);
    TCase *sem = tcase_create("semantics");
    tcase_add_test(sem, test_step_equals_forward);
    tcase_add_test(sem, test_padding_carries_state);
    suite_add_tcase(s, sem);
    return s;
}
