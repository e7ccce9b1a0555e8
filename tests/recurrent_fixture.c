// recurrent_fixture.c: see recurrent_fixture.h. Shared by the recurrent tests of chapters 03 to
// 07 (check_rnn.c, check_lstm.c, check_gru.c, check_bidirectional.c, check_attention.c).
#include "recurrent_fixture.h"

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "test_util.h"

void rf_fill_uniform(Tensor *t, Rng *rng, float a) {
    for (int i = 0; i < t->size; i++) t->data[i] = rng_uniform(rng, -a, a);
}

Tensor *rf_weighted(Tape *tp, Tensor *out, const float *R) {
    return op_sum(tp, op_mul(tp, out, tensor_from(tp, out->ndim, out->shape, R)));
}

void rf_expect_close_at(const char *what, const float *got, const float *want, int n, double rtol,
                        double atol, const char *file, int line) {
    if (getenv("UNROLLED_MAXDIFF")) {
        double max_abs = 0.0, max_rel = 0.0;
        for (int i = 0; i < n; i++) {
            double d = fabs((double)got[i] - want[i]);
            max_abs = fmax(max_abs, d);
            max_rel = fmax(max_rel, d / fmax(fabs((double)want[i]), 1e-3));
        }
        printf("maxdiff %-36s abs %.3g  rel %.3g  (%d values)\n", what, max_abs, max_rel, n);
    }
    ck_floats_close_at(got, want, n, rtol, atol, what, file, line);
}

// ---- PyTorch parity ---------------------------------------------------------------------------
void rf_parity_begin(RFParity *p, const char *fixture_path) {
    p->fx = fixture_load(fixture_path);
    params_init(&p->P);
    rng_seed(&p->rng, 1);
}

void rf_parity_load(RFParity *p, size_t tape_bytes) {
    for (int i = 0; i < p->P.n; i++) fixture_copy_into(p->fx, p->P.list[i]->name, p->P.list[i]);
    params_zero_grad(&p->P);
    tape_init(&p->tp, tape_bytes, &p->rng);
}

void rf_parity_end(RFParity *p) {
    tape_free(&p->tp);
    params_free(&p->P);
    fixture_free(p->fx);
}

// key = "<before><name_fmt % args>"
static void format_key(char *key, size_t size, const char *before, const char *name_fmt, va_list args) {
    int used = snprintf(key, size, "%s", before);
    vsnprintf(key + used, size - (size_t)used, name_fmt, args);
}

Tensor *rf_input(RFParity *p, const char *name_fmt, ...) {
    char key[160];
    va_list args;
    va_start(args, name_fmt);
    format_key(key, sizeof key, "", name_fmt, args);
    va_end(args);
    Tensor *t = fixture_tensor(&p->tp, p->fx, key);
    tensor_requires_grad(&p->tp, t);
    return t;
}

// values (t's data or grad) equal the fixture tensor "<before><name>" of t's shape.
static void expect_named(RFParity *p, const Tensor *t, const float *values, const char *before,
                         const char *name_fmt, va_list args) {
    char key[160];
    format_key(key, sizeof key, before, name_fmt, args);
    rf_expect_close(key, values, fixture_floats(p->fx, key, t->ndim, t->shape), t->size, RF_RTOL, RF_ATOL);
}

void rf_expect_value(RFParity *p, const Tensor *t, const char *name_fmt, ...) {
    va_list args;
    va_start(args, name_fmt);
    expect_named(p, t, t->data, "", name_fmt, args);
    va_end(args);
}

void rf_expect_grad(RFParity *p, const Tensor *t, const char *name_fmt, ...) {
    va_list args;
    va_start(args, name_fmt);
    expect_named(p, t, t->grad, "grad.", name_fmt, args);
    va_end(args);
}

void rf_expect_param_grads(RFParity *p) {
    for (int i = 0; i < p->P.n; i++) rf_expect_grad(p, p->P.list[i], "%s", p->P.list[i]->name);
}

Tensor *rf_fixture_loss(RFParity *p, const char *prefix, int n, Tensor *const *ts) {
    Tensor *loss = NULL;
    char key[160];
    for (int k = 0; k < n; k++) {
        snprintf(key, sizeof key, "%s.R%d", prefix, k + 1);
        Tensor *term = rf_weighted(&p->tp, ts[k], fixture_floats(p->fx, key, ts[k]->ndim, ts[k]->shape));
        loss = loss ? op_add(&p->tp, loss, term) : term;
    }
    return loss;
}

// ---- a recurrent layer against its PyTorch twin --------------------------------------------------
void rf_check_recurrent(RFParity *p, const char *prefix, int batch, int with_c, RFForward forward,
                        const void *model) {
    char key[160];
    Tensor *x = rf_input(p, "%s.x", prefix);
    Tensor *h0 = rf_input(p, "%s.h0", prefix);
    Tensor *c0 = with_c ? rf_input(p, "%s.c0", prefix) : NULL;
    snprintf(key, sizeof key, "%s.lengths", prefix);
    const int *lengths = fixture_ints(p->fx, key, 1, (int[]){batch});

    RFStates r = forward(&p->tp, model, x, lengths, h0, c0);
    rf_expect_value(p, r.out, "%s.out", prefix);
    rf_expect_value(p, r.h_n, "%s.h_n", prefix);
    if (with_c) rf_expect_value(p, r.c_n, "%s.c_n", prefix);
    else ck_assert_ptr_null(r.c_n);

    tape_backward(&p->tp, rf_fixture_loss(p, prefix, with_c ? 3 : 2, (Tensor *[]){r.out, r.h_n, r.c_n}));
    rf_expect_param_grads(p);
    rf_expect_grad(p, x, "%s.x", prefix);
    rf_expect_grad(p, h0, "%s.h0", prefix);
    if (with_c) rf_expect_grad(p, c0, "%s.c0", prefix);
}

// ---- padding carries the state ------------------------------------------------------------------
void rf_check_padding_carries_state(RFForward forward, const void *model, Rng *rng, int I, int H, int L,
                                    int with_c) {
    enum { T = 4, B = 3 };
    Tape tp;
    tape_init(&tp, 8 << 20, rng);
    tp.no_grad = 1;
    Tensor *x = tensor_new(&tp, 3, (int[]){T, B, I});
    Tensor *h0 = tensor_new(&tp, 3, (int[]){L, B, H}), *c0 = with_c ? tensor_new(&tp, 3, (int[]){L, B, H}) : NULL;
    rf_fill_uniform(x, rng, 1.0f);
    rf_fill_uniform(h0, rng, 0.5f);
    if (with_c) rf_fill_uniform(c0, rng, 0.5f);
    RFStates r = forward(&tp, model, x, (int[]){4, 0, 2}, h0, c0);
    for (int k = 0; k < L; k++)
        for (int j = 0; j < H; j++) {
            int at = (k * B + 1) * H + j;   // [k][b = 1][j]
            ck_assert_float_eq(r.h_n->data[at], h0->data[at]);
            if (with_c) ck_assert_float_eq(r.c_n->data[at], c0->data[at]);
        }
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {
            ck_assert_float_eq(r.out->data[(t * B + 1) * H + j], 0.0f);
            if (t >= 2) ck_assert_float_eq(r.out->data[(t * B + 2) * H + j], 0.0f);
        }
    // sequence 2 alone: its first 2 steps, B = 1, its own slices of h0 (and c0)
    Tensor *x2 = tensor_new(&tp, 3, (int[]){2, 1, I});
    Tensor *h02 = tensor_new(&tp, 3, (int[]){L, 1, H}), *c02 = with_c ? tensor_new(&tp, 3, (int[]){L, 1, H}) : NULL;
    for (int t = 0; t < 2; t++) memcpy(x2->data + t * I, x->data + (t * B + 2) * I, sizeof(float) * I);
    for (int k = 0; k < L; k++) {
        memcpy(h02->data + k * H, h0->data + (k * B + 2) * H, sizeof(float) * H);
        if (with_c) memcpy(c02->data + k * H, c0->data + (k * B + 2) * H, sizeof(float) * H);
    }
    RFStates alone = forward(&tp, model, x2, NULL, h02, c02);
    for (int k = 0; k < L; k++) {
        ck_assert_mem_eq(alone.h_n->data + k * H, r.h_n->data + (k * B + 2) * H, sizeof(float) * H);
        if (with_c) ck_assert_mem_eq(alone.c_n->data + k * H, r.c_n->data + (k * B + 2) * H, sizeof(float) * H);
    }
    for (int t = 0; t < 2; t++)
        ck_assert_mem_eq(alone.out->data + t * H, r.out->data + (t * B + 2) * H, sizeof(float) * H);
    ck_assert_int_eq(tp.n_nodes, 0);   // no_grad: nothing recorded
    ck_assert_ptr_null(r.out->grad);
    tape_free(&tp);
}
