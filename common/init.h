// init.h: parameter initialisers. Introduced in the foundation (issue 2).
// The *_default functions reproduce what PyTorch does when a module is created, so a model
// built here starts from the same distribution as its PyTorch twin.
#ifndef UNROLLED_INIT_H
#define UNROLLED_INIT_H

#include "rng.h"
#include "tensor.h"

void init_constant(Tensor *t, float value);
void init_uniform(Tensor *t, Rng *rng, float a);             // U(-a, a)
void init_normal(Tensor *t, Rng *rng, float mean, float std);
// Glorot and Bengio 2010: U(-a, a), a = sqrt(6 / (fan_in + fan_out)), W (fan_out, fan_in).
void init_xavier_uniform(Tensor *t, Rng *rng);
// nn.Linear: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a=sqrt(5)
// works out to exactly this bound for the weight). bias may be NULL.
void init_linear_default(Tensor *weight, Tensor *bias, Rng *rng);
// nn.RNN / nn.LSTM / nn.GRU: every weight and bias U(-1/sqrt(H), 1/sqrt(H)).
void init_rnn_default(Tensor *t, Rng *rng, int hidden);
// nn.Embedding: N(0, 1).
void init_embedding_default(Tensor *t, Rng *rng);

#endif
