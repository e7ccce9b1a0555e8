// layers.c: see layers.h. Introduced in the foundation (issue 2).
#include "layers.h"

#include "init.h"
#include "ops.h"

Linear linear_create(Params *P, Rng *rng, const char *prefix, int in, int out, int with_bias) {
    Linear l = {.in = in, .out = out};
    l.weight = params_new(P, 2, (int[]){out, in}, "%s.weight", prefix);
    l.bias = with_bias ? params_new(P, 1, (int[]){out}, "%s.bias", prefix) : NULL;
    init_linear_default(l.weight, l.bias, rng);
    return l;
}

Tensor *linear_forward(Tape *tp, const Linear *l, Tensor *x) {
    return op_linear(tp, x, l->weight, l->bias);
}

Embedding embedding_create(Params *P, Rng *rng, const char *prefix, int V, int E) {
    Embedding e = {.V = V, .E = E};
    e.weight = params_new(P, 2, (int[]){V, E}, "%s.weight", prefix);
    init_embedding_default(e.weight, rng);
    return e;
}

Tensor *embedding_forward(Tape *tp, const Embedding *e, const int *ids, int ndim, const int *shape) {
    return op_embedding(tp, e->weight, ids, ndim, shape);
}
