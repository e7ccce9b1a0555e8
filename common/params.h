// params.h: a model's named parameters, stored contiguously.
// Introduced in the foundation (issue 2).
//
// Parameters live for the whole program, so they do not go in the step arena. Params keeps
// every parameter's values in ONE buffer and every gradient in a second buffer with the same
// layout. That makes the optimisers and clip_grad_norm flat loops over `size` floats, and
// zero_grad one memset (llm.c's layout).
//
// Each parameter has the name PyTorch's state_dict would give it ("encoder.rnn.weight_ih_l0"),
// so checkpoints load into the matching PyTorch module. The Tensor structs never move, so a
// layer may keep Tensor pointers; the buffers may grow while parameters are being added,
// so do not keep raw float pointers into them across params_new calls.
#ifndef UNROLLED_PARAMS_H
#define UNROLLED_PARAMS_H

#include <stddef.h>

#include "tensor.h"

typedef struct Params {
    Tensor **list;      // every parameter, in creation order
    int n, cap;
    float *data;        // (size) all values, each tensor 64-byte aligned
    float *grad;        // (size) all gradients, same layout
    size_t size;        // floats in use, padding included (padding stays 0)
    size_t capacity;
} Params;

void params_init(Params *p);
void params_free(Params *p);
// A new zero-filled parameter with a printf-style name, e.g. ("%s.weight", prefix).
Tensor *params_new(Params *p, int ndim, const int *shape, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
Tensor *params_find(const Params *p, const char *name);  // NULL when absent
void params_zero_grad(Params *p);
size_t params_count(const Params *p);  // number of trainable scalars (no padding)

#endif
