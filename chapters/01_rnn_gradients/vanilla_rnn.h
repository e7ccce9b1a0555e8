// vanilla_rnn.h: chapter 01's vanilla RNN, its hand-written backpropagation through time, and the
// same gradients from common/'s autograd. The driver (main.c) turns these into the lesson;
// tests/check_ch01.c checks them against closed forms and against each other.
//
//     z_t = W_h h_{t-1} + W_x x_t + b          h_t = f(z_t)          h_0 = 0
//
// Backpropagation through time multiplies one Jacobian per step:
//     dL/dh_{t-1} = W_h^T (f'(z_t) * dL/dh_t)
// so the gradient that reaches step t from step T is a product of T - t factors f'(z)·W_h.
#ifndef CH01_VANILLA_RNN_H
#define CH01_VANILLA_RNN_H

#include "params.h"
#include "rng.h"
#include "tensor.h"

typedef enum { ACT_LINEAR, ACT_TANH, ACT_RELU } Activation;

const char *activation_name(Activation f);

// ---- cell 1 and 2: one unit, by hand --------------------------------------------------------
// h_t = f(w h_{t-1} + 1), h_0 = 0. out[k] = dh_T/dh_{T-k} for k = 0..T-1 (out[0] = 1), i.e.
// the product of the last k factors f'(z_t)·w, in double precision.
void scalar_gradient_products(double *out, Activation f, double w, int T);
// The same products with every number a float32, as a network would compute them. Returns
// the first k whose product is exactly 0 or infinite, or -1 if none is.
int scalar_gradient_products_f32(float *out, Activation f, float w, int T);
// log10 |dh_T/dh_{T-k}|, summed as logs, so it is exact even where double underflows.
void scalar_gradient_log10(double *out, Activation f, double w, int T);

// ---- cells 3 to 6: H units -----------------------------------------------------------------
typedef struct VanillaRNN {
    int H;
    Activation f;
    Tensor *W_h;   // (H, H)  "weight_hh"
    Tensor *W_x;   // (H, 1)  "weight_ih": the input is one number per step
    Tensor *b;     // (H)     "bias"
} VanillaRNN;

// W_h: a Gaussian matrix rescaled to spectral radius rho. W_x ~ U(-1, 1), b = 0.
VanillaRNN vanilla_rnn_create(Params *P, Rng *rng, int H, Activation f, double rho);
// Spectral radius (largest |eigenvalue|) of a row-major (n, n) matrix, by Gelfand's formula
// rho = lim ||A^m||^(1/m), with m = 2^40 reached by repeated squaring in double.
double spectral_radius(const double *A, int n);

// Hand-written BPTT in float32 for L = sum_j h_T[j], with the input x_t = 1 for every step.
// dh (T + 1, H): dh[t] = dL/dh_t. dW_h, dW_x, db: the parameter gradients (overwritten).
// Uses the same activation kernels (tanh_backward, ...) as autograd's ops.
void vanilla_bptt_by_hand(const VanillaRNN *m, int T, float *dh, float *dW_h, float *dW_x, float *db);
// The same gradients by autograd: builds the graph on tp, runs backward, copies dL/dh_t
// into dh (T + 1, H). The parameter gradients land in the Params' grad buffers (zeroed first).
void vanilla_bptt_autograd(const VanillaRNN *m, Params *P, Tape *tp, int T, float *dh);

// The figure engine: log10 ||dL/dh_t|| for t = 0..T (log10_norms[t]) and, when dh_log10 is
// given, log10 |dL/dh_t[j]| as (T + 1, H). In double with a running power-of-ten scale, so
// 1e-1000 and 1e+1000 come out as -1000 and 1000 instead of 0 and inf. -inf means exactly 0.
void vanilla_grad_log10_norms(const VanillaRNN *m, int T, double *log10_norms, double *dh_log10);

#endif
