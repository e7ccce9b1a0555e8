// recurrent_fixture.h: the helpers that check_rnn.c, check_lstm.c, check_gru.c,
// check_bidirectional.c and check_attention.c share, written once: random fills, a weighted-sum
// loss, a close-enough comparison that can print its max difference, and a PyTorch parity run
// against a fixture of tests/ref/gen_fixtures*.py (fixture.h).
//
//     RFParity p;
//     rf_parity_begin(&p, "tests/fixtures/gru.bin");        // fixture, empty Params, rng seed 1
//     GRU m = gru_create(&p.P, &p.rng, "gru", 4, 5, 2, 0.0f); // PyTorch's parameter names
//     rf_parity_load(&p, 8 << 20);                          // tape; every parameter from the fixture
//     rf_check_recurrent(&p, "gru", 3, 0, gru_states, &m);  // out, h_n, every gradient
//     rf_parity_end(&p);
//
// A parity comparison uses RF_RTOL and RF_ATOL; UNROLLED_MAXDIFF=1 prints every difference.
#ifndef UNROLLED_RECURRENT_FIXTURE_H
#define UNROLLED_RECURRENT_FIXTURE_H

#include "fixture.h"
#include "params.h"
#include "tensor.h"

#define RF_RTOL 1e-5
#define RF_ATOL 1e-6

// t's values uniform in (-a, a).
void rf_fill_uniform(Tensor *t, Rng *rng, float a);
// loss = sum(out * R) with R (out's size) a fixed array.
Tensor *rf_weighted(Tape *tp, Tensor *out, const float *R);

// ck_floats_close (test_util.h) named `what`, reported at the caller's line; with
// UNROLLED_MAXDIFF set, first prints the largest absolute and relative difference.
void rf_expect_close_at(const char *what, const float *got, const float *want, int n, double rtol,
                        double atol, const char *file, int line);
#define rf_expect_close(what, got, want, n, rtol, atol) \
    rf_expect_close_at((what), (got), (want), (n), (rtol), (atol), __FILE__, __LINE__)

// ---- PyTorch parity ---------------------------------------------------------------------------
// One parity test's state. The test creates its model in P with rng, named as PyTorch names
// the parameters, between rf_parity_begin and rf_parity_load.
typedef struct RFParity {
    Fixture *fx;
    Params P;
    Rng rng;   // seeded 1; the model's initial values are overwritten by the fixture's
    Tape tp;
} RFParity;

void rf_parity_begin(RFParity *p, const char *fixture_path);
// A tape of tape_bytes; every parameter's values from the fixture tensor of its name; grads 0.
void rf_parity_load(RFParity *p, size_t tape_bytes);
void rf_parity_end(RFParity *p);

// The names below are printf formats (for a prefix such as "bilstm"): "%s.x", prefix.
// A copy of the fixture tensor on the tape, with a gradient.
Tensor *rf_input(RFParity *p, const char *name_fmt, ...) __attribute__((format(printf, 2, 3)));
// t's values equal the fixture tensor `name` (same shape), to RF_RTOL / RF_ATOL.
void rf_expect_value(RFParity *p, const Tensor *t, const char *name_fmt, ...)
    __attribute__((format(printf, 3, 4)));
// t's gradient equals the fixture tensor "grad.<name>".
void rf_expect_grad(RFParity *p, const Tensor *t, const char *name_fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Every parameter's gradient equals "grad.<its name>".
void rf_expect_param_grads(RFParity *p);
// loss = sum_k sum(ts[k] * <prefix>.R<k+1>), each R of ts[k]'s shape.
Tensor *rf_fixture_loss(RFParity *p, const char *prefix, int n, Tensor *const *ts);

// ---- a recurrent layer against its PyTorch twin --------------------------------------------------
// What a recurrent model returns: out (T, B, D H), h_n and c_n (L D, B, H); c_n NULL but for
// an LSTM.
typedef struct RFStates {
    Tensor *out, *h_n, *c_n;
} RFStates;
// Runs the model under test: x (T, B, I), lengths (B), h0 and c0 (c0 NULL but for an LSTM).
typedef RFStates (*RFForward)(Tape *tp, const void *model, Tensor *x, const int *lengths, Tensor *h0,
                              Tensor *c0);

// The fixture holds <prefix>.x, .h0 (.c0 when with_c), .lengths (B ints), .out, .h_n (.c_n),
// .R1 .R2 (.R3) and the gradients of loss = sum(out R1) + sum(h_n R2) [+ sum(c_n R3)]. Checks
// out, h_n (c_n), every parameter gradient and d x, d h0 (d c0) against it.
void rf_check_recurrent(RFParity *p, const char *prefix, int batch, int with_c, RFForward forward,
                        const void *model);

// ---- padding carries the state ------------------------------------------------------------------
// Under no_grad, on a fresh tape, model (input size I, hidden H, L layers; with_c for an LSTM)
// on T = 4, B = 3 with lengths (4, 0, 2) and x, h0 (c0) ~ rng: the 0-length sequence keeps h0
// (c0) and outputs zeros; the 2-step sequence ends exactly as the same sequence run alone;
// nothing is recorded.
void rf_check_padding_carries_state(RFForward forward, const void *model, Rng *rng, int I, int H, int L,
                                    int with_c);

#endif
