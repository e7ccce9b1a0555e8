// check_gru.c: the GRU of common/gru.c (nn.GRU), for chapter 05.
//  * gradcheck of the fused cell op_gru_cell (with and without a padding mask) and of a 2-layer
//    gru_forward over sequences of different lengths with h0 (with and without dropout);
//  * PyTorch parity (tests/fixtures/gru.bin, tests/ref/gen_fixtures_rnn_attention.py):
//    nn.GRU(4, 5, num_layers=2) on packed sequences of lengths 5, 6, 2 with h0: out, h_n,
//    every parameter gradient, d x and d h0;
//  * gru_step, one token at a time, equals gru_forward; padding carries the state.
//
//   CK_RUN_SUITE=gru ./build/check_unrolled        UNROLLED_MAXDIFF=1 prints the differences
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "gru.h"
#include "ops.h"
#include "params.h"
#include "recurrent_fixture.h"
#include "test_util.h"

#define GRU_FIXTURE "tests/fixtures/gru.bin"

// The model under test as rf_check_recurrent and rf_check_padding_carries_state run it.
static RFStates gru_states(Tape *tp, const void *model, Tensor *x, const int *lengths, Tensor *h0,
                           Tensor *c0) {
    (void)c0;
    GRUOutput r = gru_forward(tp, model, x, lengths, h0);
    return (RFStates){r.out, r.h_n, NULL};
}

// ---- gradcheck of the cell ------------------------------------------------------------------
enum { CB = 3, CH = 4 };

typedef struct CellCase {
    Params P;
    Tensor *gx, *gh, *h_prev;   // (B, 3H), (B, 3H), (B, H)
    float R[CB * CH];
    const float *mask;
} CellCase;

static Tensor *cell_loss(Tape *tp, void *ctx) {
    CellCase *k = ctx;
    return rf_weighted(tp, op_gru_cell(tp, k->gx, k->gh, k->h_prev, k->mask), k->R);
}

START_TEST(test_cell_gradcheck) {
    static const float mask[CB] = {1, 0, 1};   // row 1 is padding: h carried through
    CellCase k;
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 111);
    k.gx = params_new(&k.P, 2, (int[]){CB, 3 * CH}, "gx");
    k.gh = params_new(&k.P, 2, (int[]){CB, 3 * CH}, "gh");
    k.h_prev = params_new(&k.P, 2, (int[]){CB, CH}, "h_prev");
    rf_fill_uniform(k.gx, &rng, 2.0f);
    rf_fill_uniform(k.gh, &rng, 2.0f);
    rf_fill_uniform(k.h_prev, &rng, 1.0f);
    for (int i = 0; i < CB * CH; i++) k.R[i] = rng_uniform(&rng, -1, 1);
    k.mask = _i ? mask : NULL;
    GradcheckResult r = gradcheck(&k.P, cell_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, _i ? "gru_cell with a mask" : "gru_cell");

    // the forward is PyTorch's formula, element by element (in double, to 1e-6)
    Tape tp;
    tape_init(&tp, 1 << 20, NULL);
    params_zero_grad(&k.P);
    Tensor *h = op_gru_cell(&tp, k.gx, k.gh, k.h_prev, k.mask);
    for (int b = 0; b < CB; b++)
        for (int j = 0; j < CH; j++) {
            const float *x3 = k.gx->data + b * 3 * CH, *h3 = k.gh->data + b * 3 * CH;
            double r_ = 1.0 / (1.0 + exp(-(double)(x3[j] + h3[j])));
            double z = 1.0 / (1.0 + exp(-(double)(x3[CH + j] + h3[CH + j])));
            double n = tanh((double)x3[2 * CH + j] + r_ * h3[2 * CH + j]);
            double hp = k.h_prev->data[b * CH + j];
            double want = (_i && b == 1) ? hp : (1.0 - z) * n + z * hp;
            ck_assert_double_eq_tol(h->data[b * CH + j], want, 1e-6);
        }
    // and the padded row is exactly the identity, backward too
    tape_backward(&tp, rf_weighted(&tp, h, k.R));
    for (int j = 0; _i && j < CH; j++) ck_assert_float_eq(k.h_prev->grad[CH + j], k.R[CH + j]);
    for (int j = 0; _i && j < 3 * CH; j++) {
        ck_assert_float_eq(k.gx->grad[3 * CH + j], 0.0f);
        ck_assert_float_eq(k.gh->grad[3 * CH + j], 0.0f);
    }
    tape_free(&tp);
    params_free(&k.P);
}
END_TEST

// ---- gradcheck of a 2-layer gru_forward with lengths -------------------------------------------
enum { ST = 5, SB = 3, SI = 3, SH = 4, SL = 2 };

typedef struct SeqCase {
    Params P;
    GRU m;
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
    GRUOutput r = gru_forward(tp, &k->m, k->x, k->lengths, k->h0);
    Tensor *loss = op_add(tp, rf_weighted(tp, r.out, k->R1), rf_weighted(tp, r.h_n, k->R2));
    tp->rng = NULL;
    return loss;
}

START_TEST(test_gru_forward_gradcheck) {
    SeqCase k;
    memset(&k, 0, sizeof k);
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 121);
    k.m = gru_create(&k.P, &rng, "rnn", SI, SH, SL, _i ? 0.3f : 0.0f);
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
    ck_assert_gradcheck(r, _i ? "2-layer gru_forward, lengths, dropout 0.3" : "2-layer gru_forward, lengths");
    params_free(&k.P);
}
END_TEST

// ---- PyTorch parity ---------------------------------------------------------------------------
// nn.GRU(4, 5, num_layers=2), packed sequences of lengths 5, 6, 2 (unsorted), h0 given;
// loss = sum(out R1) + sum(h_n R2).
START_TEST(test_gru_matches_torch) {
    RFParity p;
    rf_parity_begin(&p, GRU_FIXTURE);
    GRU m = gru_create(&p.P, &p.rng, "gru", 4, 5, 2, 0.0f);
    rf_parity_load(&p, 8 << 20);
    rf_check_recurrent(&p, "gru", 3, 0, gru_states, &m);
    rf_parity_end(&p);
}
END_TEST

// ---- gru_step equals gru_forward -----------------------------------------------------------------
// Step by step the arithmetic is the same (gemm computes each row the same way alone or with
// others), so the values agree exactly; the parameter gradients are summed in another order
// (per step instead of one product over every step), so to 1e-5.
START_TEST(test_step_equals_forward) {
    enum { T = 5, B = 2, I = 3, H = 4, L = 3 };
    Rng rng;
    rng_seed(&rng, 131);
    Params P;
    params_init(&P);
    GRU m = gru_create(&P, &rng, "dec", I, H, L, 0.0f);
    Tape inputs, tp;
    tape_init(&inputs, 1 << 20, NULL);
    tape_init(&tp, 8 << 20, &rng);
    Tensor *x = tensor_new(&inputs, 3, (int[]){T, B, I}), *h0 = tensor_new(&inputs, 3, (int[]){L, B, H});
    rf_fill_uniform(x, &rng, 1.0f);
    rf_fill_uniform(h0, &rng, 0.5f);
    float R[T * B * H];
    for (int i = 0; i < T * B * H; i++) R[i] = rng_uniform(&rng, -1, 1);

    params_zero_grad(&P);
    GRUOutput r = gru_forward(&tp, &m, x, NULL, h0);
    tape_backward(&tp, rf_weighted(&tp, r.out, R));
    float *want = malloc(sizeof(float) * (P.size + (size_t)T * B * H + (size_t)L * B * H));
    float *grad_forward = want, *out_forward = want + P.size, *h_n_forward = out_forward + T * B * H;
    memcpy(grad_forward, P.grad, sizeof(float) * P.size);
    memcpy(out_forward, r.out->data, sizeof(float) * T * B * H);
    memcpy(h_n_forward, r.h_n->data, sizeof(float) * L * B * H);

    tape_reset(&tp);   // a fresh graph: a second backward over the first would add twice
    params_zero_grad(&P);
    GRUState s = gru_state_init(&tp, &m, B, h0);
    Tensor *ys[T];
    for (int t = 0; t < T; t++) ys[t] = gru_step(&tp, &m, op_select(&tp, x, t), &s);
    Tensor *y = op_stack(&tp, T, ys);
    ck_assert_mem_eq(y->data, out_forward, sizeof(float) * T * B * H);
    for (int k = 0; k < L; k++)
        ck_assert_mem_eq(s.h[k]->data, h_n_forward + k * B * H, sizeof(float) * B * H);
    tape_backward(&tp, rf_weighted(&tp, y, R));
    rf_expect_close("step vs forward: parameter grads", P.grad, grad_forward, (int)P.size, 1e-5, 1e-6);
    free(want);
    tape_free(&tp);
    tape_free(&inputs);
    params_free(&P);
}
END_TEST

// Lengths (4, 0, 2): a 0-length sequence keeps its initial state and outputs zeros; the 2-step
// sequence ends exactly as the same sequence run alone. Under no_grad nothing is recorded.
START_TEST(test_padding_carries_state) {
    Rng rng;
    rng_seed(&rng, 141);
    Params P;
    params_init(&P);
    GRU m = gru_create(&P, &rng, "rnn", 2, 3, 2, 0.0f);
    rf_check_padding_carries_state(gru_states, &m, &rng, 2, 3, 2, 0);
    params_free(&P);
}
END_TEST

Suite *make_gru_suite(void) {
    Suite *s = suite_create("gru");
    TCase *grad = tcase_create("gradcheck");
    tcase_add_loop_test(grad, test_cell_gradcheck, 0, 2);
    tcase_add_loop_test(grad, test_gru_forward_gradcheck, 0, 2);
    tcase_set_timeout(grad, 60);
    suite_add_tcase(s, grad);
    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_gru_matches_torch);
    suite_add_tcase(s, torch);
    TCase *sem = tcase_create("semantics");
    tcase_add_test(sem, test_step_equals_forward);
    tcase_add_test(sem, test_padding_carries_state);
    suite_add_tcase(s, sem);
    return s;
}
