// init.c: see init.h. Introduced in the foundation (issue 2).
#include "init.h"

#include <math.h>

void init_constant(Tensor *t, float value) {
    for (int i = 0; i < t->size; i++) t->data[i] = value;
}

void init_uniform(Tensor *t, Rng *rng, float a) {
    for (int i = 0; i < t->size; i++) t->data[i] = rng_uniform(rng, -a, a);
}

void init_normal(Tensor *t, Rng *rng, float mean, float std) {
    for (int i = 0; i < t->size; i++) t->data[i] = rng_normal(rng, mean, std);
}

void init_xavier_uniform(Tensor *t, Rng *rng) {
    int fan_out = t->shape[0], fan_in = t->ndim > 1 ? t->size / fan_out : 1;
    init_uniform(t, rng, sqrtf(6.0f / (float)(fan_in + fan_out)));
}

void init_linear_default(Tensor *weight, Tensor *bias, Rng *rng) {
    int fan_in = weight->shape[1];
    float bound = 1.0f / sqrtf((float)fan_in);
    init_uniform(weight, rng, bound);
    if (bias) init_uniform(bias, rng, bound);
}

void init_rnn_default(Tensor *t, Rng *rng, int hidden) {
    init_uniform(t, rng, 1.0f / sqrtf((float)hidden));
}

void init_embedding_default(Tensor *t, Rng *rng) { init_normal(t, rng, 0.0f, 1.0f); }
