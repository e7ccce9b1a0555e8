// layers.h: Linear and Embedding, with PyTorch's parameter names.
// Introduced in the foundation (issue 2). The recurrent cells have files of their own.
#ifndef UNROLLED_LAYERS_H
#define UNROLLED_LAYERS_H

#include "params.h"
#include "tensor.h"

// nn.Linear: y = x W^T + b. Parameters "<prefix>.weight" (out, in), "<prefix>.bias" (out).
typedef struct Linear {
    Tensor *weight;   // (out, in)
    Tensor *bias;     // (out), or NULL
    int in, out;
} Linear;

// Declares the parameters in P and gives them PyTorch's default initialisation.
Linear linear_create(Params *P, Rng *rng, const char *prefix, int in, int out, int with_bias);
Tensor *linear_forward(Tape *tp, const Linear *l, Tensor *x);  // x (..., in) -> (..., out)

// nn.Embedding: row lookup. Parameter "<prefix>.weight" (V, E).
typedef struct Embedding {
    Tensor *weight;   // (V, E)
    int V, E;
} Embedding;

Embedding embedding_create(Params *P, Rng *rng, const char *prefix, int V, int E);
// ids of any shape (ndim, shape) -> (shape..., E)
Tensor *embedding_forward(Tape *tp, const Embedding *e, const int *ids, int ndim, const int *shape);

#endif
