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

#include "gradcheck.h"
#include "ops.h"
#include "params.h"
#include "recurrent_fixture.h"
#include "rnn.h"
#include "seq_mask.h"
#include "test_util.h"

#define RNN_FIXTURE "tests/fixtures/rnn.bin"

// The model under test as rf_check_recurrent and rf_check_padding_carries_state run it.
static RFStates rnn_states(Tape *tp, const void *model, Tensor *x, const int *lengths, Tensor *h0,
                           Tensor *c0) {
    (void)c0;
    RNNOutput r = rnn_forward(tp, model, x, lengths, h0);
    return (RFStates){r.out, r.h_n, NULL};
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
    return rf_weighted(tp, op_rnn_cell(tp, k->pre, k->h_prev, k->mask, k->f), k->R);
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
    rf_fill_uniform(k.pre, &rng, 2.0f);
    // relu has a kink at 0: keep every pre-activation at least 0.1 away from it (eps = 1e-2)
    for (int i = 0; relu && i < k.pre->size; i++)
        if (fabsf(k.pre->data[i]) < 0.1f) k.pre->data[i] = 0.5f;
    rf_fill_uniform(k.h_prev, &rng, 1.0f);
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
    tape_backward(&tp, rf_weighted(&tp, h, k.R));
    for (int b = 0; b < CB; b++)
        for (int j = 0; j < CH; j++) {
            int at = b * CH + j, padded = with_mask && b == 1;
            if (padded || relu)
                ck_assert_float_eq(h->data[at], padded ? k.h_prev->data[at] : fmaxf(k.pre->data[at], 0.0f));
            else   // the SIMD tanh is within 3 ulp of the exact value (check_activation_kernels.c)
                ck_assert_float_eq_tol(h->data[at], (float)tanh((double)k.pre->data[at]), 3e-7f);
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
    Tensor *loss = op_add(tp, rf_weighted(tp, r.out, k->R1), rf_weighted(tp, r.h_n, k->R2));
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
    for (int i = 0; i < k.P.n; i++) rf_fill_uniform(k.P.list[i], &rng, 0.8f);   // wider than 1/sqrt(H)
    k.x = params_new(&k.P, 3, (int[]){ST, SB, SI}, "x");
    k.h0 = params_new(&k.P, 3, (int[]){SL, SB, SH}, "h0");
    rf_fill_uniform(k.x, &rng, 1.0f);
    rf_fill_uniform(k.h0, &rng, 0.5f);
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
// nn.RNN(4, 5, num_layers=2, nonlinearity="tanh"), packed sequences of lengths 4, 6, 2
// (unsorted), h0 given; loss = sum(out R1) + sum(h_n R2).
START_TEST(test_rnn_matches_torch) {
    RFParity p;
    rf_parity_begin(&p, RNN_FIXTURE);
    RNN m = rnn_create(&p.P, &p.rng, "rnn", 4, 5, 2, RNN_TANH, 0.0f);
    rf_parity_load(&p, 8 << 20);
    rf_check_recurrent(&p, "rnn", 3, 0, rnn_states, &m);
    rf_parity_end(&p);
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
    rf_fill_uniform(x, &rng, 1.0f);
    rf_fill_uniform(h0, &rng, 0.5f);
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

// Lengths (4, 0, 2): a 0-length sequence keeps its initial state and outputs zeros; the 2-step
// sequence ends exactly as the same sequence run alone. Under no_grad nothing is recorded.
START_TEST(test_padding_carries_state) {
    Rng rng;
    rng_seed(&rng, 91);
    Params P;
    params_init(&P);
    RNN m = rnn_create(&P, &rng, "rnn", 2, 3, 2, RNN_TANH, 0.0f);
    rf_check_padding_carries_state(rnn_states, &m, &rng, 2, 3, 2, 0);
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
