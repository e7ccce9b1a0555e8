// fixture.h: read the golden tensors that tests/ref/gen_fixtures.py writes with PyTorch.
// The format ("UNRF" version 1) is described in tests/README.md and at the top of the
// generator. Used by check_torch_ops.c and check_lstm.c.
//
//     Fixture *fx = fixture_load("tests/fixtures/ops.bin");
//     Tensor *x = fixture_tensor(&tape, fx, "tanh.x0");              // a copy, on the tape
//     const float *want = fixture_floats(fx, "tanh.out", y->ndim, y->shape);  // shape checked
//     ck_assert_floats_close(y->data, want, y->size, 1e-5, 1e-6);
//     fixture_free(fx);
//
// Every error (missing file, bad magic, truncated data, missing name, wrong shape or type)
// fails the current test with one message that names the file and the tensor.
#ifndef UNROLLED_FIXTURE_H
#define UNROLLED_FIXTURE_H

#include "tensor.h"

typedef enum { FIXTURE_F32 = 0, FIXTURE_I32 = 1 } FixtureDtype;

typedef struct FixtureTensor {
    char *name;
    FixtureDtype dtype;
    int ndim;                       // 1 to 4 (a scalar is stored as (1))
    int shape[TENSOR_MAX_DIMS];
    int size;                       // product of the shape
    void *data;                     // (size) float or int32_t values
} FixtureTensor;

typedef struct Fixture {
    char path[256];
    FixtureTensor *tensors;         // (count), in file order
    int count;
} Fixture;

Fixture *fixture_load(const char *path);
void fixture_free(Fixture *fx);

// NULL when the file has no tensor of that name.
const FixtureTensor *fixture_find(const Fixture *fx, const char *name);
// The values of a tensor that must exist with this type and, when shape is not NULL, exactly
// this shape (ndim, shape). Owned by the fixture.
const float *fixture_floats(const Fixture *fx, const char *name, int ndim, const int *shape);
const int *fixture_ints(const Fixture *fx, const char *name, int ndim, const int *shape);
// A new tape tensor with the fixture's shape and a copy of its float values (no grad).
Tensor *fixture_tensor(Tape *tp, const Fixture *fx, const char *name);
// Overwrite t's values (e.g. a parameter's) with the fixture's; the shapes must match.
void fixture_copy_into(const Fixture *fx, const char *name, Tensor *t);

#endif
