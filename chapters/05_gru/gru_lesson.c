// gru_lesson.c: see gru_lesson.h. Chapter 05.
#include "gru_lesson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "params.h"
#include "util.h"

GRUGateStep gru_lesson_step(Tape *tp, const GRULayer *l, Tensor *x_t, Tensor *h_prev) {
    int H = l->hidden;
    Tensor *gx = op_linear(tp, x_t, l->weight_ih, l->bias_ih);      // (B, 3H) = [W_ir x + b_ir | z | n]
    Tensor *gh = op_linear(tp, h_prev, l->weight_hh, l->bias_hh);   // (B, 3H) = [W_hr h + b_hr | z | n]
    GRUGateStep s;
    s.reset_gate = op_sigmoid(tp, op_add(tp, op_split(tp, gx, 0 * H, H), op_split(tp, gh, 0 * H, H)));
    s.update_gate = op_sigmoid(tp, op_add(tp, op_split(tp, gx, 1 * H, H), op_split(tp, gh, 1 * H, H)));
    // the reset gate scales what h says about the candidate, b_hn included
    s.candidate = op_tanh(tp, op_add(tp, op_split(tp, gx, 2 * H, H),
                                     op_mul(tp, s.reset_gate, op_split(tp, gh, 2 * H, H))));
    // h' = (1 - z) n + z h: with z near 1 the old state passes through untouched
    Tensor *one_minus_z = op_add_scalar(tp, op_scale(tp, s.update_gate, -1.0f), 1.0f);
    s.hidden = op_add(tp, op_mul(tp, one_minus_z, s.candidate), op_mul(tp, s.update_gate, h_prev));
    return s;
}

Tensor *gru_lesson_forward(Tape *tp, const GRULayer *l, Tensor *x, Tensor *h0, GRUGateStep *steps,
                           Tensor **h_last) {
    char buf[64];
    if (x->ndim != 3 || x->shape[2] != l->input_size)
        die("gru_lesson_forward: input %s, want (T, B, %d)", shape_str(x, buf, 64), l->input_size);
    int T = x->shape[0], B = x->shape[1], H = l->hidden;
    Tensor *h = h0 ? h0 : tensor_zeros(tp, 2, (int[]){B, H});      // (B, H)
    Tensor **hs = arena_alloc(&tp->arena, sizeof(Tensor *) * (size_t)T);
    for (int t = 0; t < T; t++) {
        GRUGateStep s = gru_lesson_step(tp, l, op_select(tp, x, t), h);
        if (steps) steps[t] = s;
        h = hs[t] = s.hidden;
    }
    *h_last = h;
    return op_stack(tp, T, hs);   // (T, B, H)
}

void gru_lesson_set_update_bias(GRULayer *l, float b_z) {
    int H = l->hidden;
    for (int j = 0; j < H; j++) {
        l->bias_ih->data[H + j] = b_z;   // [b_r | b_z | b_n]: the second block
        l->bias_hh->data[H + j] = 0.0f;
    }
}

void gru_lesson_trace(const GRULayer *l, const float *x, int T, GRUTrace *trace) {
    int H = l->hidden, I = l->input_size;
    Tape tp;
    // about 20 small tensors per step (B = 1): structs, values, no grads
    tape_init(&tp, (size_t)T * (size_t)(3 * H + 64) * 256u + (1u << 20), NULL);
    tp.no_grad = 1;   // inference: nothing is recorded
    GRUGateStep *steps = xmalloc(sizeof(GRUGateStep) * (size_t)T);
    Tensor *h_last;
    gru_lesson_forward(&tp, l, tensor_from(&tp, 3, (int[]){T, 1, I}, x), NULL, steps, &h_last);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {   // step t's (1, H) row becomes column t of each matrix
            size_t at = (size_t)j * T + t;
            trace->reset_gate[at] = steps[t].reset_gate->data[j];
            trace->update_gate[at] = steps[t].update_gate->data[j];
            trace->candidate[at] = steps[t].candidate->data[j];
            trace->hidden[at] = steps[t].hidden->data[j];
        }
    free(steps);
    tape_free(&tp);
}

// ---- the two cells side by side -------------------------------------------------------------------

// max |a - b| over n numbers; a NaN anywhere counts as infinitely different.
static double largest_difference(const float *a, const float *b, size_t n) {
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (isnan(d)) return INFINITY;
        if (d > worst) worst = d;
    }
    return worst;
}

static double largest_magnitude(const float *a, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i]));
    return m;
}

// What one run leaves behind, copied out of its tape: one block, carved into named pieces.
typedef struct GRURunCopy {
    float *out;           // (T, B, H)
    float *h_last;        // (B, H)
    float *grad_params;   // (P->size)
    float *grad_x;        // (T, B, I)
    float *grad_h0;       // (B, H)
} GRURunCopy;

// loss = sum(out R1) + sum(h_T R2), forward and backward through the primitive-op GRU (fused = 0)
// or common/gru.c's layer (fused = 1). R = R1 (T, B, H) | R2 (B, H).
static void run_one_gru(GRURunCopy *r, int fused, Params *P, const GRULayer *l, const float *x,
                        const float *h0, const float *R, int T, int B, int I, int H) {
    Tape tp;
    tape_init(&tp, 16u << 20, NULL);
    Tensor *x_t = tensor_from(&tp, 3, (int[]){T, B, I}, x);
    Tensor *h0_t = tensor_from(&tp, 2, (int[]){B, H}, h0);
    tensor_requires_grad(&tp, x_t);
    tensor_requires_grad(&tp, h0_t);
    params_zero_grad(P);
    Tensor *h_last;
    Tensor *out = fused ? gru_layer_forward(&tp, l, x_t, NULL, h0_t, 0, &h_last)
                        : gru_lesson_forward(&tp, l, x_t, h0_t, NULL, &h_last);
    size_t TBH = (size_t)T * B * H, BH = (size_t)B * H, TBI = (size_t)T * B * I;
    Tensor *R1 = tensor_from(&tp, 3, out->shape, R), *R2 = tensor_from(&tp, 2, h_last->shape, R + TBH);
    Tensor *loss = op_add(&tp, op_sum(&tp, op_mul(&tp, out, R1)), op_sum(&tp, op_mul(&tp, h_last, R2)));
    tape_backward(&tp, loss);
    r->out = xmalloc(sizeof(float) * (TBH + BH + P->size + TBI + BH));
    r->h_last = r->out + TBH;
    r->grad_params = r->h_last + BH;
    r->grad_x = r->grad_params + P->size;
    r->grad_h0 = r->grad_x + TBI;
    memcpy(r->out, out->data, sizeof(float) * TBH);
    memcpy(r->h_last, h_last->data, sizeof(float) * BH);
    memcpy(r->grad_params, P->grad, sizeof(float) * P->size);
    memcpy(r->grad_x, x_t->grad, sizeof(float) * TBI);
    memcpy(r->grad_h0, h0_t->grad, sizeof(float) * BH);
    tape_free(&tp);
}

GRUComparison gru_lesson_compare(int T, int B, int I, int H, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    Params P;
    params_init(&P);
    GRULayer l = gru_layer_create(&P, &rng, "gru", 0, "", I, H);
    size_t TBH = (size_t)T * B * H, BH = (size_t)B * H, TBI = (size_t)T * B * I;
    float *inputs = xmalloc(sizeof(float) * (TBI + BH + TBH + BH));
    float *x = inputs, *h0 = x + TBI, *R = h0 + BH;   // x (T, B, I), h0 (B, H), R = R1 | R2
    for (size_t i = 0; i < TBI; i++) x[i] = rng_uniform(&rng, -1.0f, 1.0f);
    for (size_t i = 0; i < BH; i++) h0[i] = rng_uniform(&rng, -0.5f, 0.5f);
    for (size_t i = 0; i < TBH + BH; i++) R[i] = rng_uniform(&rng, -1.0f, 1.0f);

    GRURunCopy prim, fused;
    run_one_gru(&prim, 0, &P, &l, x, h0, R, T, B, I, H);
    run_one_gru(&fused, 1, &P, &l, x, h0, R, T, B, I, H);

    GRUComparison c;
    memset(&c, 0, sizeof c);
    c.out = largest_difference(prim.out, fused.out, TBH);
    c.h_last = largest_difference(prim.h_last, fused.h_last, BH);
    c.grad_params = largest_difference(prim.grad_params, fused.grad_params, P.size);
    c.grad_x = largest_difference(prim.grad_x, fused.grad_x, TBI);
    c.grad_h0 = largest_difference(prim.grad_h0, fused.grad_h0, BH);
    c.largest_grad = fmax(largest_magnitude(fused.grad_params, P.size),
                          fmax(largest_magnitude(fused.grad_x, TBI), largest_magnitude(fused.grad_h0, BH)));
    c.n_values = (int)(TBH + BH);
    c.n_grads = (int)(params_count(&P) + TBI + BH);
    free(prim.out), free(fused.out), free(inputs);
    params_free(&P);
    return c;
}
