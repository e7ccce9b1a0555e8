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

#include "fixture.h"
#include "gradcheck.h"
#include "lstm.h"
#include "ops.h"
#include "params.h"
#include "test_util.h"

#define LSTM_FIXTURE "tests/fixtures/lstm.bin"

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
    return weighted(tp, op_lstm_cell(tp, k->gates, k->h_prev, k->c_prev, k->mask), k->R);
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
    fill_uniform(k.gates, &rng, 2.0f);
    fill_uniform(k.h_prev, &rng, 1.0f);
    fill_uniform(k.c_prev, &rng, 1.5f);
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
        tape_backward(&tp, weighted(&tp, hc, k.R));
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
    Tensor *loss = op_add(tp, weighted(tp, r.out, k->R1),
                          op_add(tp, weighted(tp, r.h_n, k->R2), weighted(tp, r.c_n, k->R3)));
    tp->rng = NULL;
    return loss;
}

static void seq_case_init(SeqCase *k, float dropout, uint64_t dropout_seed) {
    memset(k, 0, sizeof *k);
    params_init(&k->P);
    Rng rng;
    rng_seed(&rng, 21);
    k->m = lstm_create(&k->P, &rng, "rnn", SI, SH, SL, dropout);
    for (int i = 0; i < k->P.n; i++) fill_uniform(k->P.list[i], &rng, 0.7f);   // wider than 1/sqrt(H)
    k->x = params_new(&k->P, 3, (int[]){ST, SB, SI}, "x");
    k->h0 = params_new(&k->P, 3, (int[]){SL, SB, SH}, "h0");
    k->c0 = params_new(&k->P, 3, (int[]){SL, SB, SH}, "c0");
    fill_uniform(k->x, &rng, 1.0f);
    fill_uniform(k->h0, &rng, 0.5f);
    fill_uniform(k->c0, &rng, 0.5f);
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
#define RTOL 1e-5
#define ATOL 1e-6

static void load_params(Params *P, const Fixture *fx) {
    for (int i = 0; i < P->n; i++) fixture_copy_into(fx, P->list[i]->name, P->list[i]);
}

static void expect_param_grads(const Params *P, const Fixture *fx) {
    char key[160];
    for (int i = 0; i < P->n; i++) {
        const Tensor *t = P->list[i];
        snprintf(key, sizeof key, "grad.%s", t->name);
        expect_close(key, t->grad, fixture_floats(fx, key, t->ndim, t->shape), t->size, RTOL, ATOL);
    }
}

static Tensor *input_with_grad(Tape *tp, const Fixture *fx, const char *name) {
    Tensor *t = fixture_tensor(tp, fx, name);
    tensor_requires_grad(tp, t);
    return t;
}

static void expect_input_grad(const Fixture *fx, const char *name, const Tensor *t) {
    char key[96];
    snprintf(key, sizeof key, "grad.%s", name);
    expect_close(key, t->grad, fixture_floats(fx, key, t->ndim, t->shape), t->size, RTOL, ATOL);
}

static void expect_value(const Fixture *fx, const char *name, const Tensor *t) {
    expect_close(name, t->data, fixture_floats(fx, name, t->ndim, t->shape), t->size, RTOL, ATOL);
}

// nn.LSTM(5, 6, num_layers=2), dropout 0, packed sequences of lengths 6, 3, 5 (unsorted),
// h0 and c0 given; loss = sum(out R1) + sum(h_n R2) + sum(c_n R3).
START_TEST(test_lstm_matches_torch) {
    Fixture *fx = fixture_load(LSTM_FIXTURE);
    Params P;
    params_init(&P);
    Rng rng;
    rng_seed(&rng, 1);
    LSTM m = lstm_create(&P, &rng, "lstm", 5, 6, 2, 0.0f);
    load_params(&P, fx);
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    Tensor *x = input_with_grad(&tp, fx, "lstm.x");
    Tensor *h0 = input_with_grad(&tp, fx, "lstm.h0");
    Tensor *c0 = input_with_grad(&tp, fx, "lstm.c0");
    const int *lengths = fixture_ints(fx, "lstm.lengths", 1, (int[]){3});
    params_zero_grad(&P);

    LSTMOutput r = lstm_forward(&tp, &m, x, lengths, h0, c0);
    expect_value(fx, "lstm.out", r.out);
    expect_value(fx, "lstm.h_n", r.h_n);
    expect_value(fx, "lstm.c_n", r.c_n);

    Tensor *loss = op_add(&tp, weighted(&tp, r.out, fixture_floats(fx, "lstm.R1", 0, NULL)),
                          op_add(&tp, weighted(&tp, r.h_n, fixture_floats(fx, "lstm.R2", 0, NULL)),
                                 weighted(&tp, r.c_n, fixture_floats(fx, "lstm.R3", 0, NULL))));
    tape_backward(&tp, loss);
    expect_param_grads(&P, fx);
    expect_input_grad(fx, "lstm.x", x);
    expect_input_grad(fx, "lstm.h0", h0);
    expect_input_grad(fx, "lstm.c0", c0);
    tape_free(&tp);
    params_free(&P);
    fixture_free(fx);
}
END_TEST

// nn.LSTM(4, 3, bidirectional=True) on packed sequences of lengths 2, 5, 4: the forward
// direction is lstm_layer_forward, the reverse direction the same function with reverse = 1
// and the "_reverse" parameters; out = [forward | reverse] on the last dimension.
START_TEST(test_bidirectional_layer_matches_torch) {
    Fixture *fx = fixture_load(LSTM_FIXTURE);
    Params P;
    params_init(&P);
    Rng rng;
    rng_seed(&rng, 1);
    LSTMLayer fwd = lstm_layer_create(&P, &rng, "bi", 0, "", 4, 3);
    LSTMLayer bwd = lstm_layer_create(&P, &rng, "bi", 0, "_reverse", 4, 3);
    load_params(&P, fx);
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    Tensor *x = input_with_grad(&tp, fx, "bi.x");
    Tensor *h0 = input_with_grad(&tp, fx, "bi.h0");   // (2, B, H): [forward, reverse]
    Tensor *c0 = input_with_grad(&tp, fx, "bi.c0");
    const int *lengths = fixture_ints(fx, "bi.lengths", 1, (int[]){3});
    const float *mask = length_mask(&tp, lengths, x->shape[0], x->shape[1]);
    params_zero_grad(&P);

    Tensor *h_n[2], *c_n[2], *outs[2];
    outs[0] = lstm_layer_forward(&tp, &fwd, x, mask, op_select(&tp, h0, 0), op_select(&tp, c0, 0), 0,
                                 &h_n[0], &c_n[0]);
    outs[1] = lstm_layer_forward(&tp, &bwd, x, mask, op_select(&tp, h0, 1), op_select(&tp, c0, 1), 1,
                                 &h_n[1], &c_n[1]);
    Tensor *out = op_concat(&tp, 2, outs);   // (T, B, 2H)
    Tensor *hn = op_stack(&tp, 2, h_n), *cn = op_stack(&tp, 2, c_n);
    expect_value(fx, "bi.out", out);
    expect_value(fx, "bi.h_n", hn);
    expect_value(fx, "bi.c_n", cn);

    Tensor *loss = op_add(&tp, weighted(&tp, out, fixture_floats(fx, "bi.R1", 0, NULL)),
                          op_add(&tp, weighted(&tp, hn, fixture_floats(fx, "bi.R2", 0, NULL)),
                                 weighted(&tp, cn, fixture_floats(fx, "bi.R3", 0, NULL))));
    tape_backward(&tp, loss);
    expect_param_grads(&P, fx);
    expect_input_grad(fx, "bi.x", x);
    expect_input_grad(fx, "bi.h0", h0);
    expect_input_grad(fx, "bi.c0", c0);
    tape_free(&tp);
    params_free(&P);
    fixture_free(fx);
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
    fill_uniform(x, &rng, 1.0f);
    fill_uniform(h0, &rng, 0.5f);
    fill_uniform(c0, &rng, 0.5f);
    float R[T * B * H];
    for (int i = 0; i < T * B * H; i++) R[i] = rng_uniform(&rng, -1, 1);

    // the whole sequence
    params_zero_grad(&P);
    LSTMOutput r = lstm_forward(&tp, &m, x, NULL, h0, c0);
    tape_backward(&tp, weighted(&tp, r.out, R));
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
    tape_backward(&tp, weighted(&tp, y, R));
    expect_close("step vs forward: parameter grads", P.grad, grad_forward, (int)P.size, 1e-5, 1e-6);
    free(want);
    tape_free(&tp);
    tape_free(&inputs);
    params_free(&P);
}
END_TEST

// ---- padding semantics ----------------------------------------------------------------------
// Lengths (4, 0, 2): a 0-length sequence keeps h0/c0 and outputs zeros; the 2-step sequence
// ends exactly as the same sequence run alone without padding.
START_TEST(test_padding_carries_state) {
    enum { T = 4, B = 3, I = 2, H = 3, L = 2 };
    Rng rng;
    rng_seed(&rng, 41);
    Params P;
    params_init(&P);
    LSTM m = lstm_create(&P, &rng, "rnn", I, H, L, 0.0f);
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    tp.no_grad = 1;
    Tensor *x = tensor_new(&tp, 3, (int[]){T, B, I});
    Tensor *h0 = tensor_new(&tp, 3, (int[]){L, B, H}), *c0 = tensor_new(&tp, 3, (int[]){L, B, H});
    fill_uniform(x, &rng, 1.0f);
    fill_uniform(h0, &rng, 0.5f);
    fill_uniform(c0, &rng, 0.5f);
    LSTMOutput r = lstm_forward(&tp, &m, x, (int[]){4, 0, 2}, h0, c0);
    for (int k = 0; k < L; k++)
        for (int j = 0; j < H; j++) {
            int at = (k * B + 1) * H + j;   // [k][b = 1][j]
            ck_assert_float_eq(r.h_n->data[at], h0->data[at]);
            ck_assert_float_eq(r.c_n->data[at], c0->data[at]);
        }
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {
            ck_assert_float_eq(r.out->data[(t * B + 1) * H + j], 0.0f);
            if (t >= 2) ck_assert_float_eq(r.out->data[(t * B + 2) * H + j], 0.0f);
        }
    // sequence 2 alone: its first 2 steps, B = 1, its own slices of h0 and c0
    Tensor *x2 = tensor_new(&tp, 3, (int[]){2, 1, I});
    Tensor *h02 = tensor_new(&tp, 3, (int[]){L, 1, H}), *c02 = tensor_new(&tp, 3, (int[]){L, 1, H});
    for (int t = 0; t < 2; t++) memcpy(x2->data + t * I, x->data + (t * B + 2) * I, sizeof(float) * I);
    for (int k = 0; k < L; k++) {
        memcpy(h02->data + k * H, h0->data + (k * B + 2) * H, sizeof(float) * H);
        memcpy(c02->data + k * H, c0->data + (k * B + 2) * H, sizeof(float) * H);
    }
    LSTMOutput alone = lstm_forward(&tp, &m, x2, NULL, h02, c02);
    for (int k = 0; k < L; k++) {
        ck_assert_mem_eq(alone.h_n->data + k * H, r.h_n->data + (k * B + 2) * H, sizeof(float) * H);
        ck_assert_mem_eq(alone.c_n->data + k * H, r.c_n->data + (k * B + 2) * H, sizeof(float) * H);
    }
    for (int t = 0; t < 2; t++)
        ck_assert_mem_eq(alone.out->data + t * H, r.out->data + (t * B + 2) * H, sizeof(float) * H);
    ck_assert_int_eq(tp.n_nodes, 0);   // no_grad: nothing recorded
    ck_assert_ptr_null(r.out->grad);
    tape_free(&tp);
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
    fill_uniform(x, &rng, 1.0f);
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
