// optim.h: SGD with momentum, Adam, gradient clipping, and the finite-ness check.
// Introduced in the foundation (issue 2); clipping is the subject of chapter 02.
//
// A training step has three explicit phases, and these functions are phases 2 and 3:
//   1. compute every gradient     params_zero_grad(P); forward; tape_backward(&tape, loss)
//   2. look at them / clip them   norm = clip_grad_norm(P, 1.0f)
//   3. apply the update           adam_step(&adam)
// Both optimisers run over Params' flat buffers: one loop for the whole model.
#ifndef UNROLLED_OPTIM_H
#define UNROLLED_OPTIM_H

#include <stddef.h>

#include "params.h"

// torch.optim.SGD: buf = momentum * buf + g (buf = g at the first step); p -= lr * buf.
typedef struct Sgd {
    Params *params;
    float lr, momentum;
    float *velocity;   // (params->size), allocated at the first step when momentum != 0
    size_t size;
    long step;
} Sgd;

Sgd sgd_create(Params *P, float lr, float momentum);
void sgd_step(Sgd *opt);
void sgd_free(Sgd *opt);

// torch.optim.Adam (PyTorch 1.13, weight_decay = 0, amsgrad off), step by step the same
// float operations in the same order:
//   m = b1*m + (1-b1)*g;   v = b2*v + (1-b2)*g*g
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
typedef struct Adam {
    Params *params;
    float lr, eps;
    double beta1, beta2;   // doubles, as PyTorch's Python floats: 1 - beta is rounded once
    float *m, *v;      // (size) first and second moments, Params' layout
    size_t size;
    long step;         // t, the number of updates made
} Adam;

Adam adam_create(Params *P, float lr);   // betas (0.9, 0.999), eps 1e-8: PyTorch's defaults
void adam_step(Adam *opt);
void adam_free(Adam *opt);

// Global L2 norm of every gradient, as one vector: sqrt(sum over all params of g^2).
double grad_norm(const Params *P);
// torch.nn.utils.clip_grad_norm_: if the norm exceeds max_norm, scale every gradient by
// max_norm / (norm + 1e-6). Returns the norm BEFORE clipping.
double clip_grad_norm(Params *P, float max_norm);
// torch.nn.utils.clip_grad_value_: clamp every gradient to [-value, value].
void clip_grad_value(Params *P, float value);

// 1 if every value and gradient is finite; else 0, and *bad names the first bad parameter
// and *in_grad says whether the gradient (1) or the value (0) went bad.
int params_all_finite(const Params *P, const char **bad, int *in_grad);

#endif
