// check_lstm.c: the LSTM of common/lstm.c.
//  * gradcheck of the fused cell (with and without a padding mask) and of a 2-layer
//    lstm_forward over sequences of different lengths (with and without dropout);
//  * PyTorch parity (tests/fixtures/lstm.bin): nn.LSTM(5, 6, num_layers=2) on packed
//    sequences of lengths 6, 3, 5 with h0 and c0: out, h_n, c_n and every gradient; and a
//    bidirectional layer, built from lstm_layer_forward run forwards and backwards in time;
//  * lstm_step, one token at a time, equals lstm_forward;
//  * padding carries the state; dropout acts between layers in training mode only;
//    inference under no_grad records nothing.
//
//   CK_RUN_SUITE=lstm ./build/check_unrolled        UNROLLED_MAXDIFF=1 prints the differences
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "lstm.h"
#include "ops.h"
#include "params.h"
#include "recurrent_fixture.h"
#include "test_util.h"

#define LSTM_FIXTURE "tests/fixtures/lstm.bin"

// The model under test as rf_check_recurrent and rf_check_padding_carries_state run it.
static RFStates lstm_states(Tape *tp, const void *model, Tensor *x, const int *lengths, Tensor *h0,
                            Tensor *c0) {
    LSTMOutput r = lstm_forward(tp, model, x, lengths, h0, c0);
    return (RFStates){r.out, r.h_n, r.c_n};
}

// ---- gradcheck of the cell ------------------------------------------------------------------
enum { CB = 3, CH = 4 };

typedef struct CellCase {
    Params P;
    Tensor *gates, *h_prev, *c_prev;   // (B, 4H), (B, H), (B, H)
    float R[2 * CB * CH];
    const float *mask;
} CellCase;

static Tensor *cell_loss(Tape *tp, void *ctx) {
    CellCase *k = ctx;
    return rf_weighted(tp, op_lstm_cell(tp, k->gates, k->h_prev, k->c_prev, k->mask), k->R);
}

START_TEST(test_cell_gradcheck) {
    static const float mask[CB] = {1, 0, 1};   // row 1 is padding: h, c carried through
    CellCase k;
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 11);
    k.gates = params_new(&k.P, 2, (int[]){CB, 4 * CH}, "gates");
    k.h_prev = params_new(&k.P, 2, (int[]){CB, CH}, "h_prev");
    k.c_prev = params_new(&k.P, 2, (int[]){CB, CH}, "c_prev");
    rf_fill_uniform(k.gates, &rng, 2.0f);
    rf_fill_uniform(k.h_prev, &rng, 1.0f);
    rf_fill_uniform(k.c_prev, &rng, 1.5f);
    for (int i = 0; i < 2 * CB * CH; i++) k.R[i] = rng_uniform(&rng, -1, 1);
    k.mask = _i ? mask : NULL;
    GradcheckResult r = gradcheck(&k.P, cell_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, _i ? "lstm_cell with a mask" : "lstm_cell");

    if (_i) {
        // and the padded row is exactly the identity, forward and backward
        Tape tp;
        tape_init(&tp, 1 << 20, NULL);
        params_zero_grad(&k.P);
        Tensor *hc = op_lstm_cell(&tp, k.gates, k.h_prev, k.c_prev, mask);
        for (int j = 0; j < CH; j++) {
            ck_assert_float_eq(hc->data[CH + j], k.h_prev->data[CH + j]);
            ck_assert_float_eq(hc->data[CB * CH + CH + j], k.c_prev->data[CH + j]);
        }
        tape_backward(&tp, rf_weighted(&tp, hc, k.R));
        for (int j = 0; j < CH; j++) {
            ck_assert_float_eq(k.h_prev->grad[CH + j], k.R[CH + j]);
            ck_assert_float_eq(k.c_prev->grad[CH + j], k.R[CB * CH + CH + j]);
        }
        for (int j = 0; j < 4 * CH; j++) ck_assert_float_eq(k.gates->grad[4 * CH + j], 0.0f);
        tape_free(&tp);
    }
    params_free(&k.P);
}
END_TEST

// ---- gradcheck of a 2-layer lstm_forward with lengths ------------------------------------------
enum { ST = 4, SB = 3, SI = 3, SH = 4, SL = 2 };

typedef struct SeqCase {
    Params P;
    LSTM m;
    Tensor *x, *h0, *c0;     // (T, B, I), (L, B, H), (L, B, H): checked like parameters
    int lengths[SB];
    float R1[ST * SB * SH], R2[SL * SB * SH], R3[SL * SB * SH];
    uint64_t dropout_seed;   // 0: evaluation mode
} SeqCase;

static Tensor *seq_loss(Tape *tp, void *ctx) {
    SeqCase *k = ctx;
    Rng rng;
    rng_seed(&rng, k->dropout_seed);   // the same dropout masks at every evaluation
    tp->rng = &rng;
    tp->training = k->dropout_seed != 0;
    LSTMOutput r = lstm_forward(tp, &k->m, k->x, k->lengths, k->h0, k->c0);
    Tensor *loss = op_add(tp, rf_weighted(tp, r.out, k->R1),
                          op_add(tp, rf_weighted(tp, r.h_n, k->R2), rf_weighted(tp, r.c_n, k->R3)));
    tp->rng = NULL;
    return loss;
}

static void seq_case_init(SeqCase *k, float dropout, uint64_t dropout_seed) {
    memset(k, 0, sizeof *k);
    params_init(&k->P);
    Rng rng;
    rng_seed(&rng, 21);
    k->m = lstm_create(&k->P, &rng, "rnn", SI, SH, SL, dropout);
    for (int i = 0; i < k->P.n; i++) rf_fill_uniform(k->P.list[i], &rng, 0.7f);   // wider than 1/sqrt(H)
    k->x = params_new(&k->P, 3, (int[]){ST, SB, SI}, "x");
    k->h0 = params_new(&k->P, 3, (int[]){SL, SB, SH}, "h0");
    k->c0 = params_new(&k->P, 3, (int[]){SL, SB, SH}, "c0");
    rf_fill_uniform(k->x, &rng, 1.0f);
    rf_fill_uniform(k->h0, &rng, 0.5f);
    rf_fill_uniform(k->c0, &rng, 0.5f);
    k->lengths[0] = 4, k->lengths[1] = 2, k->lengths[2] = 3;
    for (int i = 0; i < ST * SB * SH; i++) k->R1[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < SL * SB * SH; i++) k->R2[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < SL * SB * SH; i++) k->R3[i] = rng_uniform(&rng, -1, 1);
    k->dropout_seed = dropout_seed;
}

START_TEST(test_lstm_forward_gradcheck) {
    SeqCase k;
    seq_case_init(&k, _i ? 0.3f : 0.0f, _i ? 99 : 0);
    GradcheckResult r = gradcheck(&k.P, seq_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, _i ? "2-layer lstm_forward, lengths, dropout 0.3" : "2-layer lstm_forward, lengths");
    params_free(&k.P);
}
END_TEST

// ---- PyTorch parity ---------------------------------------------------------------------------
// nn.LSTM(5, 6, num_layers=2), dropout 0, packed sequences of lengths 6, 3, 5 (unsorted),
// h0 and c0 given; loss = sum(out R1) + sum(h_n R2) + sum(c_n R3).
START_TEST(test_lstm_matches_torch) {
    RFParity p;
    rf_parity_begin(&p, LSTM_FIXTURE);
    LSTM m = lstm_create(&p.P, &p.rng, "lstm", 5, 6, 2, 0.0f);
    rf_parity_load(&p, 8 << 20);
    rf_check_recurrent(&p, "lstm", 3, 1, lstm_states, &m);
    rf_parity_end(&p);
}
END_TEST

// One bidirectional layer: the forward direction is lstm_layer_forward, the reverse direction
// the same function with reverse = 1 and the "_reverse" parameters; out = [forward | reverse]
// on the last dimension, h_n and c_n (2, B, H) = [forward, reverse].
typedef struct BiLayer {
    LSTMLayer fwd, bwd;
} BiLayer;

static RFStates bi_layer_states(Tape *tp, const void *model, Tensor *x, const int *lengths, Tensor *h0,
                                Tensor *c0) {
    const BiLayer *m = model;
    const float *mask = length_mask(tp, lengths, x->shape[0], x->shape[1]);
    Tensor *h_n[2], *c_n[2], *outs[2];
    outs[0] = lstm_layer_forward(tp, &m->fwd, x, mask, op_select(tp, h0, 0), op_select(tp, c0, 0), 0,
                                 &h_n[0], &c_n[0]);
    outs[1] = lstm_layer_forward(tp, &m->bwd, x, mask, op_select(tp, h0, 1), op_select(tp, c0, 1), 1,
                                 &h_n[1], &c_n[1]);
    return (RFStates){op_concat(tp, 2, outs), op_stack(tp, 2, h_n), op_stack(tp, 2, c_n)};   // (T, B, 2H)
}

// nn.LSTM(4, 3, bidirectional=True) on packed sequences of lengths 2, 5, 4, h0 and c0 given.
START_TEST(test_bidirectional_layer_matches_torch) {
    RFParity p;
    rf_parity_begin(&p, LSTM_FIXTURE);
    BiLayer m;
    m.fwd = lstm_layer_create(&p.P, &p.rng, "bi", 0, "", 4, 3);
    m.bwd = lstm_layer_create(&p.P, &p.rng, "bi", 0, "_reverse", 4, 3);
    rf_parity_load(&p, 8 << 20);
    rf_check_recurrent(&p, "bi", 3, 1, bi_layer_states, &m);
    rf_parity_end(&p);
}
END_TEST

// ---- lstm_step equals lstm_forward -----------------------------------------------------------------
// A decoder feeds one token at a time. Step by step the arithmetic is the same (each row of
// the input projection is the same dot products), so the values agree exactly; the parameter
// gradients are summed in another order (per step instead of one product), so to 1e-5.
START_TEST(test_step_equals_forward) {
    enum { T = 5, B = 2, I = 3, H = 4, L = 3 };
    Rng rng;
    rng_seed(&rng, 31);
    Params P;
    params_init(&P);
    LSTM m = lstm_create(&P, &rng, "dec", I, H, L, 0.0f);
    // the inputs live on their own tape; each way of running gets a fresh tape
    Tape inputs, tp;
    tape_init(&inputs, 1 << 20, NULL);
    tape_init(&tp, 8 << 20, &rng);
    Tensor *x = tensor_new(&inputs, 3, (int[]){T, B, I});
    Tensor *h0 = tensor_new(&inputs, 3, (int[]){L, B, H}), *c0 = tensor_new(&inputs, 3, (int[]){L, B, H});
    rf_fill_uniform(x, &rng, 1.0f);
    rf_fill_uniform(h0, &rng, 0.5f);
    rf_fill_uniform(c0, &rng, 0.5f);
    float R[T * B * H];
    for (int i = 0; i < T * B * H; i++) R[i] = rng_uniform(&rng, -1, 1);

    // the whole sequence
    params_zero_grad(&P);
    LSTMOutput r = lstm_forward(&tp, &m, x, NULL, h0, c0);
    tape_backward(&tp, rf_weighted(&tp, r.out, R));
    float *want = malloc(sizeof(float) * (P.size + 2 * (size_t)T * B * H + 2 * (size_t)L * B * H));
    float *grad_forward = want, *out_forward = want + P.size, *state_forward = out_forward + T * B * H;
    memcpy(grad_forward, P.grad, sizeof(float) * P.size);
    memcpy(out_forward, r.out->data, sizeof(float) * T * B * H);
    memcpy(state_forward, r.h_n->data, sizeof(float) * L * B * H);
    memcpy(state_forward + L * B * H, r.c_n->data, sizeof(float) * L * B * H);

    // one step at a time, on a fresh tape (a second backward over the first graph would add
    // its gradients twice)
    tape_reset(&tp);
    params_zero_grad(&P);
    LSTMState s = lstm_state_init(&tp, &m, B, h0, c0);
    Tensor *ys[T];
    for (int t = 0; t < T; t++) ys[t] = lstm_step(&tp, &m, op_select(&tp, x, t), &s);
    Tensor *y = op_stack(&tp, T, ys);
    ck_assert_mem_eq(y->data, out_forward, sizeof(float) * T * B * H);
    for (int k = 0; k < L; k++) {
        ck_assert_mem_eq(s.h[k]->data, state_forward + k * B * H, sizeof(float) * B * H);
        ck_assert_mem_eq(s.c[k]->data, state_forward + (L + k) * B * H, sizeof(float) * B * H);
    }
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
    rng_seed(&rng, 41);
    Params P;
    params_init(&P);
    LSTM m = lstm_create(&P, &rng, "rnn", 2, 3, 2, 0.0f);
    rf_check_padding_carries_state(lstm_states, &m, &rng, 2, 3, 2, 1);
    params_free(&P);
}
END_TEST

// ---- dropout between layers ------------------------------------------------------------------
// Training mode: the first layer's state is untouched (dropout acts on its OUTPUT, the second
// layer's input), the second layer's differs. Evaluation mode: exactly the dropout-0 model.
// One layer: no dropout at all, since it never follows the last layer.
START_TEST(test_dropout_between_layers) {
    enum { T = 4, B = 2, I = 3, H = 8 };
    Rng rng;
    rng_seed(&rng, 51);
    Params P;
    params_init(&P);
    LSTM m = lstm_create(&P, &rng, "rnn", I, H, 2, 0.5f);
    LSTM plain = m;
    plain.dropout = 0.0f;
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    Tensor *x = tensor_new(&tp, 3, (int[]){T, B, I});
    rf_fill_uniform(x, &rng, 1.0f);
    const size_t layer_bytes = sizeof(float) * B * H;

    LSTMOutput ref = lstm_forward(&tp, &plain, x, NULL, NULL, NULL);   // training, p = 0
    tp.training = 0;
    LSTMOutput eval = lstm_forward(&tp, &m, x, NULL, NULL, NULL);
    ck_assert_mem_eq(eval.out->data, ref.out->data, sizeof(float) * T * B * H);
    ck_assert_mem_eq(eval.h_n->data, ref.h_n->data, 2 * layer_bytes);
    tp.training = 1;
    LSTMOutput train = lstm_forward(&tp, &m, x, NULL, NULL, NULL);
    ck_assert_mem_eq(train.h_n->data, ref.h_n->data, layer_bytes);             // layer 0: same
    ck_assert_msg(memcmp(train.h_n->data + B * H, ref.h_n->data + B * H, layer_bytes) != 0,
                  "dropout 0.5 between the layers changed nothing in training mode");

    // lstm_step: the same rule
    LSTMState s = lstm_state_init(&tp, &m, B, NULL, NULL);
    lstm_step(&tp, &m, op_select(&tp, x, 0), &s);
    LSTMState s_ref = lstm_state_init(&tp, &plain, B, NULL, NULL);
    lstm_step(&tp, &plain, op_select(&tp, x, 0), &s_ref);
    ck_assert_mem_eq(s.h[0]->data, s_ref.h[0]->data, layer_bytes);
    ck_assert_msg(memcmp(s.h[1]->data, s_ref.h[1]->data, layer_bytes) != 0,
                  "lstm_step: dropout between the layers changed nothing in training mode");

    // one layer: nothing to drop
    LSTM one = lstm_create(&P, &rng, "one", I, H, 1, 0.5f), one_plain = one;
    one_plain.dropout = 0.0f;
    LSTMOutput a = lstm_forward(&tp, &one, x, NULL, NULL, NULL);
    LSTMOutput b = lstm_forward(&tp, &one_plain, x, NULL, NULL, NULL);
    ck_assert_mem_eq(a.out->data, b.out->data, sizeof(float) * T * B * H);
    tape_free(&tp);
    params_free(&P);
}
END_TEST

Suite *make_lstm_suite(void) {
    Suite *s = suite_create("lstm");
    TCase *grad = tcase_create("gradcheck");
    tcase_add_loop_test(grad, test_cell_gradcheck, 0, 2);
    tcase_add_loop_test(grad, test_lstm_forward_gradcheck, 0, 2);
    tcase_set_timeout(grad, 60);
    suite_add_tcase(s, grad);
    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_lstm_matches_torch);
    tcase_add_test(torch, test_bidirectional_layer_matches_torch);
    suite_add_tcase(s, torch);
    TCase *sem = tcase_create("semantics");
    tcase_add_test(sem, test_step_equals_forward);
    tcase_add_test(sem, test_padding_carries_state);
    tcase_add_test(sem, test_dropout_between_layers);
    suite_add_tcase(s, sem);
    return s;
}
