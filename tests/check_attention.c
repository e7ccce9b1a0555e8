// check_attention.c: Bahdanau attention of common/attention.c, for chapter 07.
//  * gradcheck of two decoder steps sharing one AttentionMemory (the keys are computed once
//    and collect the gradient of both steps), with and without a padding mask: d attn.weight,
//    d attn.bias, d v.weight, d enc, d s for each step;
//  * the mask: padded positions get exactly 0 weight and exactly 0 gradient, their values
//    change nothing, and each row of alpha sums to 1 (to 1e-6);
//  * PyTorch parity (tests/fixtures/attention.bin, tests/ref/gen_fixtures_rnn_attention.py):
//    one step of bentrevett notebook 3's Attention with notebook 4's masked_fill(-1e10) on a
//    padded batch (source lengths 6, 2, 4): scores, alpha, context and the gradients wrt s,
//    the encoder outputs, attn.weight, attn.bias and v.weight. Notebook: one Linear on [s; h_j];
//    here: its two column blocks, keys once per batch. Same numbers to 1e-5.
//
//   CK_RUN_SUITE=attention ./build/check_unrolled     UNROLLED_MAXDIFF=1 prints the differences
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "gradcheck.h"
#include "ops.h"
#include "params.h"
#include "recurrent_fixture.h"
#include "test_util.h"

#define ATTENTION_FIXTURE "tests/fixtures/attention.bin"

// ---- two decoder steps over one memory --------------------------------------------------------
enum { S = 4, B = 3, E2 = 4, D = 3, A = 5, STEPS = 2 };
static const int src_len[B] = {4, 2, 3};

typedef struct StepCase {
    Params P;
    Attention att;
    Tensor *enc, *s[STEPS];   // (S, B, E2), (B, D) per step: checked like parameters
    const int *lengths;       // src_len, or NULL for no padding
    float Rc[STEPS][B * E2], Ra[STEPS][B * S];
} StepCase;

static void step_case_init(StepCase *k, int with_mask) {
    memset(k, 0, sizeof *k);
    params_init(&k->P);
    Rng rng;
    rng_seed(&rng, 401 + (uint64_t)with_mask);
    k->att = attention_create(&k->P, &rng, "decoder.attention", E2, D, A);
    for (int i = 0; i < k->P.n; i++) rf_fill_uniform(k->P.list[i], &rng, 0.8f);   // wider scores
    k->enc = params_new(&k->P, 3, (int[]){S, B, E2}, "enc");
    rf_fill_uniform(k->enc, &rng, 1.0f);
    for (int t = 0; t < STEPS; t++) {
        k->s[t] = params_new(&k->P, 2, (int[]){B, D}, "s%d", t);
        rf_fill_uniform(k->s[t], &rng, 1.0f);
        for (int i = 0; i < B * E2; i++) k->Rc[t][i] = rng_uniform(&rng, -1, 1);
        for (int i = 0; i < B * S; i++) k->Ra[t][i] = rng_uniform(&rng, -1, 1);
    }
    k->lengths = with_mask ? src_len : NULL;
}

// loss = sum over the steps of sum(context Rc) + sum(alpha Ra)
static Tensor *steps_loss(Tape *tp, void *ctx) {
    StepCase *k = ctx;
    AttentionMemory mem = attention_memory(tp, &k->att, k->enc, k->lengths);
    Tensor *loss = NULL;
    for (int t = 0; t < STEPS; t++) {
        AttentionStep a = attention_step(tp, &k->att, &mem, k->s[t]);
        Tensor *l = op_add(tp, rf_weighted(tp, a.context, k->Rc[t]), rf_weighted(tp, a.alpha, k->Ra[t]));
        loss = loss ? op_add(tp, loss, l) : l;
    }
    return loss;
}

START_TEST(test_steps_gradcheck) {
    StepCase k;
    step_case_init(&k, _i);
    GradcheckResult r = gradcheck(&k.P, steps_loss, &k, 1e-2f, 1e-2, 1e-3, 0);
    ck_assert_gradcheck(r, _i ? "attention, 2 steps, padding mask" : "attention, 2 steps");
    params_free(&k.P);
}
END_TEST

// ---- the mask -------------------------------------------------------------------------------------
START_TEST(test_mask_semantics) {
    StepCase k;
    step_case_init(&k, 1);
    Tape tp;
    tape_init(&tp, 1 << 20, NULL);
    params_zero_grad(&k.P);
    AttentionMemory mem = attention_memory(&tp, &k.att, k.enc, src_len);
    AttentionStep a = attention_step(&tp, &k.att, &mem, k.s[0]);
    for (int b = 0; b < B; b++) {
        double sum = 0.0;
        for (int j = 0; j < S; j++) {
            float w = a.alpha->data[b * S + j];
            if (j >= src_len[b]) ck_assert_float_eq(w, 0.0f);   // exactly, not just tiny
            else ck_assert_float_gt(w, 0.0f);
            sum += w;
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-6);
    }
    // the padded encoder outputs get exactly 0 gradient
    tape_backward(&tp, op_add(&tp, rf_weighted(&tp, a.context, k.Rc[0]), rf_weighted(&tp, a.alpha, k.Ra[0])));
    for (int b = 0; b < B; b++)
        for (int j = src_len[b]; j < S; j++)
            for (int i = 0; i < E2; i++) ck_assert_float_eq(k.enc->grad[(j * B + b) * E2 + i], 0.0f);
    // and their values change nothing: fill them with garbage, recompute
    float context[B * E2], alpha[B * S];
    memcpy(context, a.context->data, sizeof context);
    memcpy(alpha, a.alpha->data, sizeof alpha);
    for (int b = 0; b < B; b++)
        for (int j = src_len[b]; j < S; j++)
            for (int i = 0; i < E2; i++) k.enc->data[(j * B + b) * E2 + i] = 1e3f * (float)(i + j);
    tape_reset(&tp);
    tp.no_grad = 1;
    mem = attention_memory(&tp, &k.att, k.enc, src_len);
    a = attention_step(&tp, &k.att, &mem, k.s[0]);
    ck_assert_mem_eq(a.context->data, context, sizeof context);
    ck_assert_mem_eq(a.alpha->data, alpha, sizeof alpha);
    ck_assert_int_eq(tp.n_nodes, 0);   // no_grad: nothing recorded
    tape_free(&tp);
    params_free(&k.P);
}
END_TEST

// ---- PyTorch parity ---------------------------------------------------------------------------
// Notebook 3's Attention(enc_hid_dim 3, dec_hid_dim 5): attn = Linear(11, 5), v = Linear(5, 1,
// bias=False); S = 6, B = 3, source lengths 6, 2, 4; loss = sum(alpha R1) + sum(context R2).
START_TEST(test_attention_matches_torch) {
    RFParity p;
    rf_parity_begin(&p, ATTENTION_FIXTURE);
    Attention att = attention_create(&p.P, &p.rng, "decoder.attention", 6, 5, 5);
    rf_parity_load(&p, 1 << 20);
    Tensor *s = rf_input(&p, "attn.s"), *enc = rf_input(&p, "attn.enc");
    const int *lengths = fixture_ints(p.fx, "attn.src_len", 1, (int[]){3});

    AttentionMemory mem = attention_memory(&p.tp, &att, enc, lengths);
    AttentionStep a = attention_step(&p.tp, &att, &mem, s);
    rf_expect_value(&p, a.scores, "attn.scores");
    // PyTorch's padded weights are exactly 0 too (exp(-1e10 - max) underflows): compare exactly
    const float *alpha_torch = fixture_floats(p.fx, "attn.alpha", 2, a.alpha->shape);
    for (int b = 0; b < 3; b++)
        for (int j = lengths[b]; j < 6; j++) ck_assert_float_eq(alpha_torch[b * 6 + j], a.alpha->data[b * 6 + j]);
    rf_expect_value(&p, a.alpha, "attn.alpha");
    rf_expect_value(&p, a.context, "attn.context");

    tape_backward(&p.tp, rf_fixture_loss(&p, "attn", 2, (Tensor *[]){a.alpha, a.context}));
    rf_expect_param_grads(&p);
    rf_expect_grad(&p, s, "attn.s");
    rf_expect_grad(&p, enc, "attn.enc");
    rf_parity_end(&p);
}
END_TEST

Suite *make_attention_suite(void) {
    Suite *s = suite_create("attention");
    TCase *grad = tcase_create("gradcheck");
    tcase_add_loop_test(grad, test_steps_gradcheck, 0, 2);
    tcase_set_timeout(grad, 60);
    suite_add_tcase(s, grad);
    TCase *mask = tcase_create("mask");
    tcase_add_test(mask, test_mask_semantics);
    suite_add_tcase(s, mask);
    TCase *torch = tcase_create("pytorch");
    tcase_add_test(torch, test_attention_matches_torch);
    suite_add_tcase(s, torch);
    return s;
}
