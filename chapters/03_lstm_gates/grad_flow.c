// grad_flow.c: see grad_flow.h. Chapter 03.
#include "grad_flow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gates.h"
#include "ops.h"
#include "util.h"

void flow_set_forget_bias(LSTMLayer *l, float b_f) {
    int H = l->hidden;
    for (int j = 0; j < H; j++) {
        l->bias_ih->data[H + j] = b_f;   // [b_i | b_f | b_g | b_o]: the second block
        l->bias_hh->data[H + j] = 0.0f;
    }
}

double flow_log10_norm(const float *v, int n) {
    double sq = 0.0;
    for (int i = 0; i < n; i++) sq += (double)v[i] * v[i];
    return sq > 0.0 ? 0.5 * log10(sq) : -INFINITY;
}

int flow_last_zero_row(const float *rows, int T, int H) {
    for (int t = T; t >= 0; t--) {
        int zero = 1;
        for (int j = 0; j < H && zero; j++) zero = rows[(size_t)t * H + j] == 0.0f;
        if (zero) return t;
    }
    return -1;
}

static double norm2(const double *v, int n) {
    double sq = 0.0;
    for (int i = 0; i < n; i++) sq += v[i] * v[i];
    return sqrt(sq);
}

// ---- float32, by autograd ---------------------------------------------------------------------

// The tape for T steps of B = 1: about 20 small tensors per step, each a few cache lines.
static size_t flow_tape_bytes(int T, int H) { return (size_t)(T + 1) * (size_t)(H + 16) * 4096u + (4u << 20); }

void flow_lstm_grads_f32(const LSTMLayer *l, int T, float *dh, float *dc, float *forget) {
    int H = l->hidden;
    if (l->input_size != 1) die("flow_lstm_grads_f32: the layer must have 1 input, not %d", l->input_size);
    Tape tp;
    tape_init(&tp, flow_tape_bytes(T, H), NULL);
    Tensor *x = tensor_new(&tp, 3, (int[]){T, 1, 1});                  // (T, B = 1, I = 1)
    for (int t = 0; t < T; t++) x->data[t] = 1.0f;
    Tensor *h0 = tensor_zeros(&tp, 2, (int[]){1, H}), *c0 = tensor_zeros(&tp, 2, (int[]){1, H});
    tensor_requires_grad(&tp, h0);   // we want dL/dh_0 and dL/dc_0 too
    tensor_requires_grad(&tp, c0);
    GateStep *steps = xmalloc(sizeof(GateStep) * (size_t)T);
    Tensor *h_last, *c_last;
    gates_forward(&tp, l, x, h0, c0, steps, &h_last, &c_last);
    tape_backward(&tp, op_sum(&tp, h_last));   // L = sum_j h_T[j]
    size_t row = sizeof(float) * (size_t)H;
    memcpy(dh, h0->grad, row);
    memcpy(dc, c0->grad, row);
    if (forget) memset(forget, 0, row);
    for (int t = 1; t <= T; t++) {
        memcpy(dh + (size_t)t * H, steps[t - 1].hidden->grad, row);
        memcpy(dc + (size_t)t * H, steps[t - 1].cell->grad, row);
        if (forget) memcpy(forget + (size_t)t * H, steps[t - 1].forget_gate->data, row);
    }
    free(steps);
    tape_free(&tp);
}

void flow_rnn_grads_f32(const RNNLayer *l, int T, float *dh) {
    int H = l->hidden;
    if (l->input_size != 1) die("flow_rnn_grads_f32: the layer must have 1 input, not %d", l->input_size);
    Tape tp;
    tape_init(&tp, flow_tape_bytes(T, H), NULL);
    Tensor *x = tensor_new(&tp, 3, (int[]){T, 1, 1});
    for (int t = 0; t < T; t++) x->data[t] = 1.0f;
    Tensor **hs = xmalloc(sizeof(Tensor *) * (size_t)(T + 1));
    hs[0] = tensor_zeros(&tp, 2, (int[]){1, H});
    tensor_requires_grad(&tp, hs[0]);
    // h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), as rnn_layer_forward computes it
    Tensor *xproj = op_linear(&tp, x, l->weight_ih, l->bias_ih);   // (T, 1, H)
    for (int t = 1; t <= T; t++) {
        Tensor *pre = op_add(&tp, op_select(&tp, xproj, t - 1), op_linear(&tp, hs[t - 1], l->weight_hh, l->bias_hh));
        hs[t] = op_rnn_cell(&tp, pre, hs[t - 1], NULL, l->f);
    }
    tape_backward(&tp, op_sum(&tp, hs[T]));
    for (int t = 0; t <= T; t++) memcpy(dh + (size_t)t * H, hs[t]->grad, sizeof(float) * (size_t)H);
    free(hs);
    tape_free(&tp);
}

// ---- double, rescaled --------------------------------------------------------------------------
// After each step back in time, the gradient vectors are divided by their norm s and log10 s is
// added to `log_scale`: the true gradient is 10^log_scale times the stored one. BPTT is linear
// in the gradient, so this changes nothing but the range of numbers that can be represented.

void flow_lstm_log10_norms(const LSTMLayer *l, int T, double *log_dh, double *log_dc) {
    int H = l->hidden, G = 4 * H;
    const float *W_ih = l->weight_ih->data, *W_hh = l->weight_hh->data;   // (4H, 1), (4H, H)
    const float *b_ih = l->bias_ih->data, *b_hh = l->bias_hh->data;       // (4H)
    double *acts = xmalloc(sizeof(double) * (size_t)(T + 1) * G);        // (T + 1, 4H) i f g o
    double *c = xcalloc((size_t)(T + 1) * H, sizeof(double));            // (T + 1, H), c_0 = 0
    double *tanh_c = xcalloc((size_t)(T + 1) * H, sizeof(double));       // (T + 1, H)
    double *h = xcalloc((size_t)(T + 1) * H, sizeof(double));            // (T + 1, H), h_0 = 0
    double *da = xmalloc(sizeof(double) * (size_t)G);                    // (4H)
    double *dh = xmalloc(sizeof(double) * (size_t)H), *dh_prev = xmalloc(sizeof(double) * (size_t)H);
    double *dc_future = xcalloc((size_t)H, sizeof(double)), *dc_all = xmalloc(sizeof(double) * (size_t)H);

    // forward: a = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh with x_t = 1
    for (int t = 1; t <= T; t++) {
        double *act = acts + (size_t)t * G;
        const double *hp = h + (size_t)(t - 1) * H;
        for (int r = 0; r < G; r++) {
            double a = (double)W_ih[r] + b_ih[r] + b_hh[r];
            for (int j = 0; j < H; j++) a += (double)W_hh[(size_t)r * H + j] * hp[j];
            act[r] = (r >= 2 * H && r < 3 * H) ? tanh(a) : 1.0 / (1.0 + exp(-a));
        }
        for (int j = 0; j < H; j++) {
            double i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j];
            c[(size_t)t * H + j] = f * c[(size_t)(t - 1) * H + j] + i * g;
            tanh_c[(size_t)t * H + j] = tanh(c[(size_t)t * H + j]);
            h[(size_t)t * H + j] = o * tanh_c[(size_t)t * H + j];
        }
    }

    // backward: dL/dh_T = 1, nothing reaches c_T from the future
    for (int j = 0; j < H; j++) dh[j] = 1.0;
    double log_scale = 0.0;
    for (int t = T; t >= 1; t--) {
        const double *act = acts + (size_t)t * G;
        const double *tc = tanh_c + (size_t)t * H, *cp = c + (size_t)(t - 1) * H;
        // c_t reaches the loss along the cell (dc_future) and through h_t = o tanh(c_t)
        for (int j = 0; j < H; j++) dc_all[j] = dc_future[j] + dh[j] * act[3 * H + j] * (1.0 - tc[j] * tc[j]);
        log_dh[t] = log_scale + log10(norm2(dh, H));
        log_dc[t] = log_scale + log10(norm2(dc_all, H));
        for (int j = 0; j < H; j++) {
            double i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j];
            da[j] = dc_all[j] * g * i * (1.0 - i);             // input gate
            da[H + j] = dc_all[j] * cp[j] * f * (1.0 - f);     // forget gate
            da[2 * H + j] = dc_all[j] * i * (1.0 - g * g);     // candidate
            da[3 * H + j] = dh[j] * tc[j] * o * (1.0 - o);     // output gate
            dc_future[j] = dc_all[j] * f;                      // along the cell: times f_t
        }
        // dL/dh_{t-1} = W_hh^T da (every gate reads h_{t-1})
        for (int j = 0; j < H; j++) {
            double acc = 0.0;
            for (int r = 0; r < G; r++) acc += (double)W_hh[(size_t)r * H + j] * da[r];
            dh_prev[j] = acc;
        }
        memcpy(dh, dh_prev, sizeof(double) * (size_t)H);
        double s = fmax(norm2(dh, H), norm2(dc_future, H));
        if (s > 0.0) {
            for (int j = 0; j < H; j++) dh[j] /= s, dc_future[j] /= s;
            log_scale += log10(s);
        }
    }
    log_dh[0] = log_scale + log10(norm2(dh, H));          // h_0 feeds only the first gates
    log_dc[0] = log_scale + log10(norm2(dc_future, H));   // c_0 feeds only c_1
    free(acts), free(c), free(tanh_c), free(h), free(da), free(dh), free(dh_prev), free(dc_future),
        free(dc_all);
}

void flow_rnn_log10_norms(const RNNLayer *l, int T, double *log_dh) {
    int H = l->hidden;
    const float *W_ih = l->weight_ih->data, *W_hh = l->weight_hh->data;   // (H, 1), (H, H)
    const float *b_ih = l->bias_ih->data, *b_hh = l->bias_hh->data;
    double *h = xcalloc((size_t)(T + 1) * H, sizeof(double));            // (T + 1, H)
    double *dh = xmalloc(sizeof(double) * (size_t)H), *dz = xmalloc(sizeof(double) * (size_t)H);
    for (int t = 1; t <= T; t++)
        for (int r = 0; r < H; r++) {
            double z = (double)W_ih[r] + b_ih[r] + b_hh[r];
            for (int j = 0; j < H; j++) z += (double)W_hh[(size_t)r * H + j] * h[(size_t)(t - 1) * H + j];
            h[(size_t)t * H + r] = l->f == RNN_TANH ? tanh(z) : fmax(z, 0.0);
        }
    for (int j = 0; j < H; j++) dh[j] = 1.0;
    double log_scale = 0.0;
    for (int t = T; t >= 1; t--) {
        log_dh[t] = log_scale + log10(norm2(dh, H));
        const double *ht = h + (size_t)t * H;
        // dz = f'(z_t) dh_t;  dL/dh_{t-1} = W_hh^T dz: chapter 01's factor per step
        for (int r = 0; r < H; r++)
            dz[r] = dh[r] * (l->f == RNN_TANH ? 1.0 - ht[r] * ht[r] : (ht[r] > 0.0 ? 1.0 : 0.0));
        for (int j = 0; j < H; j++) {
            double acc = 0.0;
            for (int r = 0; r < H; r++) acc += (double)W_hh[(size_t)r * H + j] * dz[r];
            dh[j] = acc;
        }
        double s = norm2(dh, H);
        if (s > 0.0) {
            for (int j = 0; j < H; j++) dh[j] /= s;
            log_scale += log10(s);
        }
    }
    log_dh[0] = log_scale + log10(norm2(dh, H));
    free(h), free(dh), free(dz);
}
