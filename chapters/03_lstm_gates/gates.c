// gates.c: see gates.h. Chapter 03.
#include "gates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "params.h"
#include "util.h"

GateStep gates_step(Tape *tp, const LSTMLayer *l, Tensor *x_t, Tensor *h_prev, Tensor *c_prev) {
    int H = l->hidden;
    // a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh   (B, 4H), in the order op_lstm_cell adds
    Tensor *a = op_add(tp, op_linear(tp, x_t, l->weight_ih, l->bias_ih),
                       op_linear(tp, h_prev, l->weight_hh, l->bias_hh));
    GateStep s;
    s.input_gate = op_sigmoid(tp, op_split(tp, a, 0 * H, H));
    s.forget_gate = op_sigmoid(tp, op_split(tp, a, 1 * H, H));
    s.candidate = op_tanh(tp, op_split(tp, a, 2 * H, H));
    s.output_gate = op_sigmoid(tp, op_split(tp, a, 3 * H, H));
    // the cell: the old cell, scaled by the forget gate, PLUS what the input gate lets in
    s.cell = op_add(tp, op_mul(tp, s.forget_gate, c_prev), op_mul(tp, s.input_gate, s.candidate));
    s.hidden = op_mul(tp, s.output_gate, op_tanh(tp, s.cell));
    return s;
}

Tensor *gates_forward(Tape *tp, const LSTMLayer *l, Tensor *x, Tensor *h0, Tensor *c0,
                      GateStep *steps, Tensor **h_last, Tensor **c_last) {
    char buf[64];
    if (x->ndim != 3 || x->shape[2] != l->input_size)
        die("gates_forward: input %s, want (T, B, %d)", shape_str(x, buf, 64), l->input_size);
    int T = x->shape[0], B = x->shape[1], H = l->hidden;
    Tensor *h = h0 ? h0 : tensor_zeros(tp, 2, (int[]){B, H});   // (B, H)
    Tensor *c = c0 ? c0 : tensor_zeros(tp, 2, (int[]){B, H});   // (B, H)
    Tensor **hs = arena_alloc(&tp->arena, sizeof(Tensor *) * (size_t)T);
    for (int t = 0; t < T; t++) {
        GateStep s = gates_step(tp, l, op_select(tp, x, t), h, c);
        if (steps) steps[t] = s;
        h = s.hidden;
        c = s.cell;
        hs[t] = h;
    }
    *h_last = h;
    *c_last = c;
    return op_stack(tp, T, hs);   // (T, B, H)
}

void gates_trace(const LSTMLayer *l, const float *x, int T, GateTrace *trace) {
    int H = l->hidden, I = l->input_size;
    Tape tp;
    tape_init(&tp, (size_t)T * (size_t)(H + 16) * 2048u + (1u << 20), NULL);
    tp.no_grad = 1;   // inference: nothing is recorded
    GateStep *steps = xmalloc(sizeof(GateStep) * (size_t)T);
    Tensor *h_last, *c_last;
    gates_forward(&tp, l, tensor_from(&tp, 3, (int[]){T, 1, I}, x), NULL, NULL, steps, &h_last, &c_last);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {   // step t's (1, H) row becomes column t of each matrix
            size_t at = (size_t)j * T + t;
            trace->input_gate[at] = steps[t].input_gate->data[j];
            trace->forget_gate[at] = steps[t].forget_gate->data[j];
            trace->candidate[at] = steps[t].candidate->data[j];
            trace->output_gate[at] = steps[t].output_gate->data[j];
            trace->cell[at] = steps[t].cell->data[j];
        }
    free(steps);
    tape_free(&tp);
}

// ---- the two cells side by side ---------------------------------------------------------------

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > m || isnan(d)) m = isnan(d) ? INFINITY : d;
    }
    return m;
}

static double max_abs(const float *a, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i]));
    return m;
}

static void fill_uniform(float *v, size_t n, Rng *rng, float a) {
    for (size_t i = 0; i < n; i++) v[i] = rng_uniform(rng, -a, a);
}

// What one run leaves behind: the values and every gradient, copied out of the tape.
typedef struct CellRun {
    float *out, *h_last, *c_last;   // (T, B, H), (B, H), (B, H)
    float *grad_params;             // (P.size)
    float *grad_x, *grad_h0, *grad_c0;
} CellRun;

// loss = sum(out R1) + sum(h_T R2) + sum(c_T R3), forward and backward, with either cell.
static void run_cell(CellRun *r, int fused, Params *P, const LSTMLayer *l, const float *x,
                     const float *h0, const float *c0, const float *R, int T, int B, int I, int H) {
    Tape tp;
    tape_init(&tp, 16u << 20, NULL);
    Tensor *xt = tensor_from(&tp, 3, (int[]){T, B, I}, x);
    Tensor *h0t = tensor_from(&tp, 2, (int[]){B, H}, h0), *c0t = tensor_from(&tp, 2, (int[]){B, H}, c0);
    tensor_requires_grad(&tp, xt);
    tensor_requires_grad(&tp, h0t);
    tensor_requires_grad(&tp, c0t);
    params_zero_grad(P);
    Tensor *out, *h_last, *c_last;
    if (fused) out = lstm_layer_forward(&tp, l, xt, NULL, h0t, c0t, 0, &h_last, &c_last);
    else out = gates_forward(&tp, l, xt, h0t, c0t, NULL, &h_last, &c_last);
    const float *R1 = R, *R2 = R + (size_t)T * B * H, *R3 = R2 + (size_t)B * H;
    Tensor *loss = op_add(&tp, op_sum(&tp, op_mul(&tp, out, tensor_from(&tp, 3, out->shape, R1))),
                          op_add(&tp, op_sum(&tp, op_mul(&tp, h_last, tensor_from(&tp, 2, h_last->shape, R2))),
                                 op_sum(&tp, op_mul(&tp, c_last, tensor_from(&tp, 2, c_last->shape, R3)))));
    tape_backward(&tp, loss);
    size_t TBH = (size_t)T * B * H, BH = (size_t)B * H, TBI = (size_t)T * B * I;
    r->out = xmalloc(sizeof(float) * (TBH + 2 * BH + P->size + TBI + 2 * BH));
    r->h_last = r->out + TBH;
    r->c_last = r->h_last + BH;
    r->grad_params = r->c_last + BH;
    r->grad_x = r->grad_params + P->size;
    r->grad_h0 = r->grad_x + TBI;
    r->grad_c0 = r->grad_h0 + BH;
    memcpy(r->out, out->data, sizeof(float) * TBH);
    memcpy(r->h_last, h_last->data, sizeof(float) * BH);
    memcpy(r->c_last, c_last->data, sizeof(float) * BH);
    memcpy(r->grad_params, P->grad, sizeof(float) * P->size);
    memcpy(r->grad_x, xt->grad, sizeof(float) * TBI);
    memcpy(r->grad_h0, h0t->grad, sizeof(float) * BH);
    memcpy(r->grad_c0, c0t->grad, sizeof(float) * BH);
    tape_free(&tp);
}

GateComparison gates_compare(int T, int B, int I, int H, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    Params P;
    params_init(&P);
    LSTMLayer l = lstm_layer_create(&P, &rng, "lstm", 0, "", I, H);
    size_t TBH = (size_t)T * B * H, BH = (size_t)B * H, TBI = (size_t)T * B * I;
    float *inputs = xmalloc(sizeof(float) * (TBI + 2 * BH + TBH + 2 * BH));
    float *x = inputs, *h0 = x + TBI, *c0 = h0 + BH, *R = c0 + BH;   // R = R1 | R2 | R3
    fill_uniform(x, TBI, &rng, 1.0f);
    fill_uniform(h0, 2 * BH, &rng, 0.5f);   // h0 and c0
    fill_uniform(R, TBH + 2 * BH, &rng, 1.0f);

    CellRun prim, fused;
    run_cell(&prim, 0, &P, &l, x, h0, c0, R, T, B, I, H);
    run_cell(&fused, 1, &P, &l, x, h0, c0, R, T, B, I, H);

    GateComparison c = {0};
    c.out = max_abs_diff(prim.out, fused.out, TBH);
    c.h_last = max_abs_diff(prim.h_last, fused.h_last, BH);
    c.c_last = max_abs_diff(prim.c_last, fused.c_last, BH);
    c.grad_params = max_abs_diff(prim.grad_params, fused.grad_params, P.size);
    c.grad_x = max_abs_diff(prim.grad_x, fused.grad_x, TBI);
    c.grad_h0 = max_abs_diff(prim.grad_h0, fused.grad_h0, BH);
    c.grad_c0 = max_abs_diff(prim.grad_c0, fused.grad_c0, BH);
    c.largest_grad = fmax(fmax(max_abs(fused.grad_params, P.size), max_abs(fused.grad_x, TBI)),
                          fmax(max_abs(fused.grad_h0, BH), max_abs(fused.grad_c0, BH)));
    c.n_values = (int)(TBH + 2 * BH);
    c.n_grads = (int)(params_count(&P) + TBI + 2 * BH);
    free(prim.out), free(fused.out), free(inputs);
    params_free(&P);
    return c;
}
