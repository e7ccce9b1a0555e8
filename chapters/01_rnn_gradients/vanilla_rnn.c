// vanilla_rnn.c: see vanilla_rnn.h. Chapter 01.
#include "vanilla_rnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "init.h"
#include "ops.h"
#include "util.h"

const char *activation_name(Activation f) {
    return f == ACT_LINEAR ? "linear" : f == ACT_TANH ? "tanh" : "relu";
}

// f(z) and f'(z) in double, for the scalar and figure computations.
static double act(Activation f, double z) {
    return f == ACT_LINEAR ? z : f == ACT_TANH ? tanh(z) : (z > 0 ? z : 0);
}
static double act_deriv(Activation f, double z) {
    if (f == ACT_LINEAR) return 1.0;
    if (f == ACT_TANH) {
        double y = tanh(z);
        return 1.0 - y * y;
    }
    return z > 0 ? 1.0 : 0.0;
}

// ---- one unit ------------------------------------------------------------------------------

// The forward pass stores z_1..z_T; the factor of step t is f'(z_t) w, and
// dh_T/dh_{T-k} = prod_{t=T-k+1}^{T} f'(z_t) w.
static void scalar_forward(double *z, Activation f, double w, int T) {
    double h = 0.0;
    for (int t = 1; t <= T; t++) {
        z[t] = w * h + 1.0;
        h = act(f, z[t]);
    }
}

void scalar_gradient_products(double *out, Activation f, double w, int T) {
    double *z = xmalloc(sizeof(double) * (size_t)(T + 1));
    scalar_forward(z, f, w, T);
    out[0] = 1.0;
    for (int k = 1; k < T; k++) out[k] = out[k - 1] * act_deriv(f, z[T - k + 1]) * w;
    free(z);
}

void scalar_gradient_log10(double *out, Activation f, double w, int T) {
    double *z = xmalloc(sizeof(double) * (size_t)(T + 1));
    scalar_forward(z, f, w, T);
    out[0] = 0.0;
    for (int k = 1; k < T; k++) out[k] = out[k - 1] + log10(fabs(act_deriv(f, z[T - k + 1]) * w));
    free(z);
}

int scalar_gradient_products_f32(float *out, Activation f, float w, int T) {
    float *z = xmalloc(sizeof(float) * (size_t)(T + 1));
    float h = 0.0f;
    for (int t = 1; t <= T; t++) {
        z[t] = w * h + 1.0f;
        h = f == ACT_LINEAR ? z[t] : f == ACT_TANH ? tanhf(z[t]) : (z[t] > 0 ? z[t] : 0);
    }
    int first_bad = -1;
    out[0] = 1.0f;
    for (int k = 1; k < T; k++) {
        float zt = z[T - k + 1], y = tanhf(zt);
        float deriv = f == ACT_LINEAR ? 1.0f : f == ACT_TANH ? 1.0f - y * y : (zt > 0 ? 1.0f : 0.0f);
        out[k] = out[k - 1] * deriv * w;
        if (first_bad < 0 && (out[k] == 0.0f || isinf(out[k]))) first_bad = k;
    }
    free(z);
    return first_bad;
}

// ---- H units ---------------------------------------------------------------------------------

double spectral_radius(const double *A, int n) {
    // B = A / s with s = ||A||_F; square 40 times, tracking log ||A^m|| = m log s + log ||B_m||.
    double *B = xmalloc(sizeof(double) * (size_t)n * n), *C = xmalloc(sizeof(double) * (size_t)n * n);
    double frob = 0.0;
    for (int i = 0; i < n * n; i++) frob += A[i] * A[i];
    frob = sqrt(frob);
    if (frob == 0.0) {
        free(B), free(C);
        return 0.0;
    }
    for (int i = 0; i < n * n; i++) B[i] = A[i] / frob;
    // Invariant: A^m = exp(m * log_scale) * B with m = 2^s.
    double log_scale = log(frob), m = 1.0;
    for (int s = 0; s < 40; s++) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double acc = 0.0;
                for (int k = 0; k < n; k++) acc += B[i * n + k] * B[k * n + j];
                C[i * n + j] = acc;
            }
        // (e^{m ls} B)^2 = e^{2m ls} B^2: renormalise B^2 and fold its norm into log_scale.
        double norm = 0.0;
        for (int i = 0; i < n * n; i++) norm += C[i] * C[i];
        norm = sqrt(norm);
        if (norm == 0.0) {  // nilpotent
            free(B), free(C);
            return 0.0;
        }
        m *= 2.0;
        log_scale += log(norm) / m;
        for (int i = 0; i < n * n; i++) B[i] = C[i] / norm;
    }
    free(B), free(C);
    return exp(log_scale);  // ||A^m||^(1/m) with ||B|| = 1
}

VanillaRNN vanilla_rnn_create(Params *P, Rng *rng, int H, Activation f, double rho) {
    VanillaRNN m = {.H = H, .f = f};
    m.W_h = params_new(P, 2, (int[]){H, H}, "weight_hh");
    m.W_x = params_new(P, 2, (int[]){H, 1}, "weight_ih");
    m.b = params_new(P, 1, (int[]){H}, "bias");
    double *W = xmalloc(sizeof(double) * (size_t)H * H);
    for (int i = 0; i < H * H; i++) W[i] = rng_normal(rng, 0.0f, 1.0f);
    double r = spectral_radius(W, H);
    for (int i = 0; i < H * H; i++) m.W_h->data[i] = (float)(W[i] * rho / r);
    init_uniform(m.W_x, rng, 1.0f);
    init_constant(m.b, 0.0f);
    free(W);
    return m;
}

// ---- backpropagation through time, by hand ---------------------------------------------------

// f(z) for a whole vector with the same kernels autograd's ops use.
static void act_forward_f32(Activation f, float *h, const float *z, int n) {
    if (f == ACT_TANH) tanh_forward(h, z, n);
    else if (f == ACT_RELU) relu_forward(h, z, n);
    else memcpy(h, z, sizeof(float) * (size_t)n);
}
// dz += dh * f'(z), written in terms of h = f(z) like the kernels.
static void act_backward_f32(Activation f, float *dz, const float *dh, const float *h, int n) {
    if (f == ACT_TANH) tanh_backward(dz, dh, h, n);
    else if (f == ACT_RELU) relu_backward(dz, dh, h, n);
    else
        for (int i = 0; i < n; i++) dz[i] += dh[i];
}

void vanilla_bptt_by_hand(const VanillaRNN *m, int T, float *dh, float *dW_h, float *dW_x, float *db) {
    int H = m->H;
    const float *W_h = m->W_h->data, *W_x = m->W_x->data, *b = m->b->data;
    float *hs = xcalloc((size_t)(T + 1) * H, sizeof(float));   // (T + 1, H), hs[0] = h_0 = 0
    float *z = xmalloc(sizeof(float) * (size_t)H);               // (H)
    float *dz = xmalloc(sizeof(float) * (size_t)H);              // (H)

    // forward: z_t = W_h h_{t-1} + W_x x_t + b, x_t = 1;  h_t = f(z_t).
    // The product W_h h_{t-1} goes through the gemm kernel that autograd's op_linear uses, in
    // the same order of additions, so the two computations agree bit for bit.
    for (int t = 1; t <= T; t++) {
        const float *h_prev = hs + (size_t)(t - 1) * H;
        memcpy(z, b, sizeof(float) * (size_t)H);
        gemm(0, 1, 1, H, H, h_prev, H, W_h, H, 1.0f, z, H);  // z = b + W_h h_{t-1}
        for (int i = 0; i < H; i++) z[i] += W_x[i];         // + W_x x_t
        act_forward_f32(m->f, hs + (size_t)t * H, z, H);
    }

    // backward. L = sum_j h_T[j], so dL/dh_T = 1 for every unit.
    memset(dW_h, 0, sizeof(float) * (size_t)H * H);
    memset(dW_x, 0, sizeof(float) * (size_t)H);
    memset(db, 0, sizeof(float) * (size_t)H);
    for (int i = 0; i < H; i++) dh[(size_t)T * H + i] = 1.0f;
    for (int t = T; t >= 1; t--) {
        const float *h_t = hs + (size_t)t * H, *h_prev = hs + (size_t)(t - 1) * H;
        const float *dh_t = dh + (size_t)t * H;
        float *dh_prev = dh + (size_t)(t - 1) * H;
        // dz_t = f'(z_t) * dL/dh_t
        memset(dz, 0, sizeof(float) * (size_t)H);
        act_backward_f32(m->f, dz, dh_t, h_t, H);
        // dW_h += dz_t h_{t-1}^T,  dW_x += dz_t x_t,  db += dz_t
        for (int i = 0; i < H; i++) {
            for (int j = 0; j < H; j++) dW_h[i * H + j] += dz[i] * h_prev[j];
            dW_x[i] += dz[i];
            db[i] += dz[i];
        }
        // dL/dh_{t-1} = W_h^T dz_t: the one factor per step that vanishes or explodes
        for (int j = 0; j < H; j++) {
            float acc = 0.0f;
            for (int i = 0; i < H; i++) acc += W_h[i * H + j] * dz[i];
            dh_prev[j] = acc;
        }
    }
    free(hs), free(z), free(dz);
}

// ---- the same by autograd --------------------------------------------------------------------

void vanilla_bptt_autograd(const VanillaRNN *m, Params *P, Tape *tp, int T, float *dh) {
    int H = m->H;
    Tensor **hs = xmalloc(sizeof(Tensor *) * (size_t)(T + 1));
    tape_reset(tp);
    params_zero_grad(P);
    Tensor *x = tensor_from(tp, 2, (int[]){1, 1}, (float[]){1.0f});  // x_t = 1, a (1, 1) batch
    hs[0] = tensor_zeros(tp, 2, (int[]){1, H});                       // h_0 = 0, (1, H)
    tensor_requires_grad(tp, hs[0]);                                  // we want dL/dh_0 too
    for (int t = 1; t <= T; t++) {
        Tensor *z = op_add(tp, op_linear(tp, hs[t - 1], m->W_h, m->b), op_linear(tp, x, m->W_x, NULL));
        hs[t] = m->f == ACT_TANH ? op_tanh(tp, z) : m->f == ACT_RELU ? op_relu(tp, z) : z;
    }
    tape_backward(tp, op_sum(tp, hs[T]));
    for (int t = 0; t <= T; t++) memcpy(dh + (size_t)t * H, hs[t]->grad, sizeof(float) * (size_t)H);
    free(hs);
}

// ---- the figure engine, in double with a running scale ------------------------------------

void vanilla_grad_log10_norms(const VanillaRNN *m, int T, double *log10_norms, double *dh_log10) {
    int H = m->H;
    double *W = xmalloc(sizeof(double) * (size_t)H * H);
    for (int i = 0; i < H * H; i++) W[i] = m->W_h->data[i];
    double *z = xmalloc(sizeof(double) * (size_t)(T + 1) * H);   // (T + 1, H)
    double *h = xcalloc((size_t)H, sizeof(double)), *h_next = xmalloc(sizeof(double) * (size_t)H);
    for (int t = 1; t <= T; t++) {
        for (int i = 0; i < H; i++) {
            double acc = m->b->data[i] + (double)m->W_x->data[i];
            for (int j = 0; j < H; j++) acc += W[i * H + j] * h[j];
            z[(size_t)t * H + i] = acc;
            h_next[i] = act(m->f, acc);
        }
        memcpy(h, h_next, sizeof(double) * (size_t)H);
    }
    // The backward loop keeps dL/dh_t = 10^scale * u with max |u| = 1, so neither 1e-1000 nor
    // 1e+1000 ever has to be stored: only its exponent grows.
    double *u = xmalloc(sizeof(double) * (size_t)H), *dz = xmalloc(sizeof(double) * (size_t)H);
    for (int i = 0; i < H; i++) u[i] = 1.0;   // dL/dh_T = 1
    double scale = 0.0;                        // log10 of the factor taken out of u
    for (int t = T;; t--) {
        double sq = 0.0;
        for (int i = 0; i < H; i++) {
            sq += u[i] * u[i];
            if (dh_log10) dh_log10[(size_t)t * H + i] = scale + log10(fabs(u[i]));
        }
        log10_norms[t] = scale + 0.5 * log10(sq);   // -inf when the gradient is exactly 0
        if (t == 0) break;
        for (int i = 0; i < H; i++) dz[i] = u[i] * act_deriv(m->f, z[(size_t)t * H + i]);
        double biggest = 0.0;
        for (int j = 0; j < H; j++) {   // u <- W_h^T dz
            double acc = 0.0;
            for (int i = 0; i < H; i++) acc += W[i * H + j] * dz[i];
            u[j] = acc;
            biggest = fmax(biggest, fabs(acc));
        }
        if (biggest > 0.0) {
            for (int j = 0; j < H; j++) u[j] /= biggest;
            scale += log10(biggest);
        }
    }
    free(W), free(z), free(h), free(h_next), free(u), free(dz);
}
