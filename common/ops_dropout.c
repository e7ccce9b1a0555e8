// ops_dropout.c: inverted dropout. Introduced in the foundation (issue 2).
#include "ops.h"
#include "util.h"

// y = x * m, with m = 1/(1-p) kept (probability 1-p) or 0  =>  dx += dy * m
static void dropout_node_backward(Node *n) {
    const float *mask = n->saved;
    for (int i = 0; i < n->out->size; i++) n->in[0]->grad[i] += n->out->grad[i] * mask[i];
}

Tensor *op_dropout(Tape *tp, Tensor *x, float p) {
    if (!(p >= 0.0f && p < 1.0f)) die("dropout: p must be in [0, 1), got %g", p);
    if (!tp->training || p == 0.0f) return x;
    if (!tp->rng) die("dropout: the tape has no rng (give tape_init one)");
    float keep_scale = 1.0f / (1.0f - p);
    float *mask = arena_alloc(&tp->arena, sizeof(float) * (size_t)x->size);
    for (int i = 0; i < x->size; i++) mask[i] = rng_uniform01(tp->rng) < p ? 0.0f : keep_scale;
    Tensor *y = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    for (int i = 0; i < x->size; i++) y->data[i] = x->data[i] * mask[i];
    Node *n = tape_record(tp, "dropout", dropout_node_backward, y, 1, &x);
    if (n) n->saved = mask;
    return y;
}
