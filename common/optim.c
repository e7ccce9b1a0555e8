// optim.c: see optim.h. Introduced in the foundation (issue 2).
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

Sgd sgd_create(Params *P, float lr, float momentum) {
    Sgd s = {.params = P, .lr = lr, .momentum = momentum, .size = P->size};
    if (momentum != 0.0f) s.velocity = xcalloc(P->size, sizeof(float));
    return s;
}

void sgd_step(Sgd *opt) {
    Params *P = opt->params;
    if (P->size != opt->size) die("sgd: the model gained parameters after the optimiser was made");
    for (size_t i = 0; i < opt->size; i++) {
        float g = P->grad[i];
        if (opt->velocity) {
            float *buf = &opt->velocity[i];
            *buf = opt->step == 0 ? g : opt->momentum * *buf + g;
            g = *buf;
        }
        P->data[i] -= opt->lr * g;
    }
    opt->step++;
}

void sgd_free(Sgd *opt) {
    free(opt->velocity);
    opt->velocity = NULL;
}

Adam adam_create(Params *P, float lr) {
    Adam a = {.params = P, .lr = lr, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8f, .size = P->size};
    a.m = xcalloc(P->size, sizeof(float));
    a.v = xcalloc(P->size, sizeof(float));
    return a;
}

void adam_step(Adam *opt) {
    Params *P = opt->params;
    if (P->size != opt->size) die("adam: the model gained parameters after the optimiser was made");
    opt->step++;
    // PyTorch computes the bias corrections as Python floats (double), then uses them as
    // float scalars against float tensors; we do the same.
    double bc1 = 1.0 - pow(opt->beta1, (double)opt->step);
    double bc2 = 1.0 - pow(opt->beta2, (double)opt->step);
    float step_size = (float)(opt->lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float b1 = (float)opt->beta1, b2 = (float)opt->beta2, eps = opt->eps;
    float one_minus_b1 = (float)(1.0 - opt->beta1), one_minus_b2 = (float)(1.0 - opt->beta2);
    for (size_t i = 0; i < opt->size; i++) {
        float g = P->grad[i];
        opt->m[i] = opt->m[i] * b1 + g * one_minus_b1;
        opt->v[i] = opt->v[i] * b2 + one_minus_b2 * g * g;
        float denom = sqrtf(opt->v[i]) / bc2_sqrt + eps;
        P->data[i] -= step_size * (opt->m[i] / denom);
    }
}

void adam_free(Adam *opt) {
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

double grad_norm(const Params *P) {
    double sum = 0.0;
    for (size_t i = 0; i < P->size; i++) sum += (double)P->grad[i] * P->grad[i];
    return sqrt(sum);
}

double clip_grad_norm(Params *P, float max_norm) {
    double norm = grad_norm(P);
    float coef = (float)(max_norm / (norm + 1e-6));
    if (coef < 1.0f)
        for (size_t i = 0; i < P->size; i++) P->grad[i] *= coef;
    return norm;
}

void clip_grad_value(Params *P, float value) {
    for (size_t i = 0; i < P->size; i++) {
        if (P->grad[i] > value) P->grad[i] = value;
        else if (P->grad[i] < -value) P->grad[i] = -value;
    }
}

int params_all_finite(const Params *P, const char **bad, int *in_grad) {
    for (int k = 0; k < P->n; k++) {
        const Tensor *t = P->list[k];
        for (int i = 0; i < t->size; i++) {
            if (!isfinite(t->grad[i]) || !isfinite(t->data[i])) {
                if (bad) *bad = t->name;
                if (in_grad) *in_grad = !isfinite(t->grad[i]);
                return 0;
            }
        }
    }
    return 1;
}
