// check_bidirectional.c: the bidirectional wrapper of common/bidirectional.c, for chapter 06.
//  * PyTorch parity (tests/fixtures/bidirectional.bin, tests/ref/gen_fixtures_rnn_attention.py):
//    nn.GRU, nn.LSTM and nn.RNN with bidirectional=True, num_layers=2, on a batch of lengths
//    3, 5, 1, 4 through pack_padded_sequence(enforce_sorted=False), with h0 (and c0): out,
//    h_n (and c_n), every parameter gradient, d x, d h0 (d c0); the parameters are created in
//    PyTorch's named_parameters() order;
//  * gradcheck of the wrapper for each cell (2 layers, lengths, h0/c0; and with dropout);
//  * the padding trap: with naive_reverse the backward direction starts on padding, so the
//    padded sequences' outputs and final states change while the full-length one's do not;
//    done right, a padded sequence computes exactly what it computes alone.
//
//   CK_RUN_SUITE=bidirectional ./build/check_unrolled     UNROLLED_MAXDIFF=1 prints differences
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bidirectional.h"
#include "gradcheck.h"
#include "ops.h"
#include "params.h"
#include "recurrent_fixture.h"
#include "test_util.h"

#define BI_FIXTURE "tests/fixtures/bidirectional.bin"

// ---- PyTorch parity ---------------------------------------------------------------------------
static const struct {
    const char *prefix;
    CellKind kind;
} torch_cases[] = {{"bigru", CELL_GRU}, {"bilstm", CELL_LSTM}, {"birnn", CELL_RNN_TANH}};

static RFStates bi_states(Tape *tp, const void *model, Tensor *x, const int *lengths, Tensor *h0,
                          Tensor *c0) {
    BiOutput r = bidirectional_forward(tp, model, x, lengths, h0, c0);
    ck_assert_int_eq(r.out->shape[2], 8);   // 2H
    return (RFStates){r.out, r.h_n, r.c_n};
}

// <cell>(3, 4, num_layers=2, bidirectional=True); loss = sum(out R1) + sum(h_n R2) [+ sum(c_n R3)]
START_TEST(test_matches_torch) {
    const char *prefix = torch_cases[_i].prefix;
    CellKind kind = torch_cases[_i].kind;
    RFParity p;
    rf_parity_begin(&p, BI_FIXTURE);
    Bidirectional m = bidirectional_create(&p.P, &p.rng, kind, prefix, 3, 4, 2, 0.0f);
    // our creation order is PyTorch's named_parameters() order (the fixture's file order)
    char key[128];
    snprintf(key, sizeof key, "%s.weight_ih_l0", prefix);
    int first = (int)(fixture_find(p.fx, key) - p.fx->tensors);
    ck_assert_int_eq(p.P.n, 16);   // 2 layers x 2 directions x 4 tensors
    for (int i = 0; i < p.P.n; i++) ck_assert_str_eq(p.P.list[i]->name, p.fx->tensors[first + i].name);
    rf_parity_load(&p, 8 << 20);
    rf_check_recurrent(&p, prefix, 4, kind == CELL_LSTM, bi_states, &m);
    rf_parity_end(&p);
}
END_TEST

// ---- gradcheck ----------------------------------------------------------------------------------
// _i: 0 RNN (tanh), 1 LSTM, 2 GRU, 3 GRU with dropout 0.3 between the layers.
enum { ST = 4, SB = 3, SI = 3, SH = 3, SL = 2 };

typedef struct SeqCase {
    Params P;
    Bidirectional m;
    Tensor *x, *h0, *c0;     // (T, B, I), (2L, B, H), (2L, B, H) or NULL: checked like parameters
    int lengths[SB];
    float R1[ST * SB * 2 * SH], R2[2 * SL * SB * SH], R3[2 * SL * SB * SH];
    uint64_t dropout_seed;   // 0: evaluation mode
} SeqCase;

static Tensor *seq_loss(Tape *tp, void *ctx) {
    SeqCase *k = ctx;
    Rng rng;
    rng_seed(&rng, k->dropout_seed);   // the same dropout masks at every evaluation
    tp->rng = &rng;
    tp->training = k->dropout_seed != 0;
    BiOutput r = bidirectional_forward(tp, &k->m, k->x, k->lengths, k->h0, k->c0);
    Tensor *loss = op_add(tp, rf_weighted(tp, r.out, k->R1), rf_weighted(tp, r.h_n, k->R2));
    if (r.c_n) loss = op_add(tp, loss, rf_weighted(tp, r.c_n, k->R3));
    tp->rng = NULL;
    return loss;
}

START_TEST(test_gradcheck) {
    static const CellKind kinds[] = {CELL_RNN_TANH, CELL_LSTM, CELL_GRU, CELL_GRU};
    static const char *labels[] = {"bidirectional rnn", "bidirectional lstm", "bidirectional gru",
                                   "bidirectional gru, dropout 0.3"};
    SeqCase k;
    memset(&k, 0, sizeof k);
    params_init(&k.P);
    Rng rng;
    rng_seed(&rng, 201 + (uint64_t)_i);
    k.m = bidirectional_create(&k.P, &rng, kinds[_i], "enc", SI, SH, SL, _i == 3 ? 0.3f : 0.0f);
    for (int i = 0; i < k.P.n; i++) rf_fill_uniform(k.P.list[i], &rng, 0.8f);   // wider than 1/sqrt(H)
    k.x = params_new(&k.P, 3, (int[]){ST, SB, SI}, "x");
    k.h0 = params_new(&k.P, 3, (int[]){2 * SL, SB, SH}, "h0");
    rf_fill_uniform(k.x, &rng, 1.0f);
    rf_fill_uniform(k.h0, &rng, 0.5f);
    if (kinds[_i] == CELL_LSTM) {
        k.c0 = params_new(&k.P, 3, (int[]){2 * SL, SB, SH}, "c0");
        rf_fill_uniform(k.c0, &rng, 0.5f);
    }
    k.lengths[0] = 2, k.lengths[1] = 4, k.lengths[2] = 3;
    for (int i = 0; i < ST * SB * 2 * SH; i++) k.R1[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < 2 * SL * SB * SH; i++) k.R2[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < 2 * SL * SB * SH; i++) k.R3[i] = rng_uniform(&rng, -1, 1);
    k.dropout_seed = _i == 3 ? 77 : 0;
    GradcheckResult r = gradcheck(&k.P, seq_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, labels[_i]);
    params_free(&k.P);
}
END_TEST

// ---- the padding trap ---------------------------------------------------------------------------
// Lengths (5, 2, 3): sequence 0 fills the batch, 1 and 2 are padded. For each cell:
//  * right (with the mask): a padded sequence gives exactly what it gives alone, unpadded;
//  * naive_reverse: sequence 0 is unchanged, bit for bit; sequences 1 and 2 change in the
//    backward direction (its final state and its outputs at real tokens), while layer 0's
//    forward direction, which never reads the future, does not; padded steps stay 0.
START_TEST(test_padding_trap) {
    static const CellKind kinds[] = {CELL_RNN_TANH, CELL_LSTM, CELL_GRU};
    enum { T = 5, B = 3, I = 3, H = 4, L = 2 };
    static const int lengths[B] = {5, 2, 3};
    Rng rng;
    rng_seed(&rng, 301 + (uint64_t)_i);
    Params P;
    params_init(&P);
    Bidirectional m = bidirectional_create(&P, &rng, kinds[_i], "enc", I, H, L, 0.0f);
    Bidirectional naive = m;
    naive.naive_reverse = 1;
    Tape tp;
    tape_init(&tp, 8 << 20, &rng);
    tp.no_grad = 1;
    Tensor *x = tensor_new(&tp, 3, (int[]){T, B, I});
    rf_fill_uniform(x, &rng, 1.0f);   // the padding holds numbers too, as an embedded <pad> would
    BiOutput right = bidirectional_forward(&tp, &m, x, lengths, NULL, NULL);
    BiOutput wrong = bidirectional_forward(&tp, &naive, x, lengths, NULL, NULL);

    // sequence 0 (full length): identical
    for (int t = 0; t < T; t++)
        ck_assert_mem_eq(wrong.out->data + t * B * 2 * H, right.out->data + t * B * 2 * H,
                         sizeof(float) * 2 * H);
    for (int i = 0; i < 2 * L; i++)
        ck_assert_mem_eq(wrong.h_n->data + i * B * H, right.h_n->data + i * B * H, sizeof(float) * H);
    // sequences 1 and 2: the backward direction differs, layer 0's forward direction does not
    for (int b = 1; b < B; b++) {
        size_t row = sizeof(float) * H;
        ck_assert_mem_eq(wrong.h_n->data + (0 * B + b) * H, right.h_n->data + (0 * B + b) * H, row);
        for (int k = 0; k < L; k++)
            ck_assert_msg(memcmp(wrong.h_n->data + ((2 * k + 1) * B + b) * H,
                                 right.h_n->data + ((2 * k + 1) * B + b) * H, row) != 0,
                          "layer %d backward final state of padded sequence %d is unchanged", k, b);
        for (int t = 0; t < T; t++) {
            const float *w = wrong.out->data + (t * B + b) * 2 * H, *r = right.out->data + (t * B + b) * 2 * H;
            if (t < lengths[b])
                ck_assert_msg(memcmp(w + H, r + H, row) != 0,
                              "backward output of padded sequence %d at real step %d is unchanged", b, t);
            else
                for (int j = 0; j < 2 * H; j++) ck_assert_float_eq(w[j], 0.0f);
        }
    }
    // done right, sequence 2 alone (3 steps, batch 1, no padding) gives the same numbers
    Tensor *x2 = tensor_new(&tp, 3, (int[]){3, 1, I});
    for (int t = 0; t < 3; t++) memcpy(x2->data + t * I, x->data + (t * B + 2) * I, sizeof(float) * I);
    BiOutput alone = bidirectional_forward(&tp, &m, x2, NULL, NULL, NULL);
    for (int t = 0; t < 3; t++)
        ck_assert_mem_eq(alone.out->data + t * 2 * H, right.out->data + (t * B + 2) * 2 * H,
                         sizeof(float) * 2 * H);
    for (int i = 0; i < 2 * L; i++)
        ck_assert_mem_eq(alone.h_n->data + i * H, right.h_n->data + (i * B + 2) * H, sizeof(float) * H);
    if (right.c_n)
        for (int i = 0; i < 2 * L; i++)
            ck_assert_mem_eq(alone.c_n->data + i * H, right.c_n->data + (i * B + 2) * H, sizeof(float) * H);
    tape_free(&tp);
    params_free(&P);
}
END_TEST

Suite *make_bidirectional_suite(void) {
    Suite *s = suite_create("bidirectional");
    TCase *torch = tcase_create("pytorch");
    tcase_add_loop_test(torch, test_matches_torch, 0, 3);
    suite_add_tcase(s, torch);
    TCase *grad = tcase_create("gradcheck");
    tcase_add_loop_test(grad, test_gradcheck, 0, 4);
    tcase_set_timeout(grad, 60);
    suite_add_tcase(s, grad);
    TCase *trap = tcase_create("padding_trap");
    tcase_add_loop_test(trap, test_padding_trap, 0, 3);
    suite_add_tcase(s, trap);
    return s;
}
