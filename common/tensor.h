// tensor.h: the tensor, the tape that records what was computed, and reverse-mode autograd.
// Introduced in the foundation (issue 2). Read this file first: everything else builds on it.
//
// A tour in five lines:
//
//     Tape tape;  tape_init(&tape, 64 << 20, &rng);      // 64 MB for one step's activations
//     Tensor *h = op_tanh(&tape, op_linear(&tape, x, W, b));   // each op appends to the tape
//     Tensor *loss = op_mse(&tape, h, target);
//     tape_backward(&tape, loss);                        // walk the tape in reverse: W->grad
//     tape_reset(&tape);                                 // forget the step, keep the memory
//
// Shapes. A tensor has 1 to 4 dimensions, stored contiguously in row-major order. Comments in
// unrolled write a buffer's shape next to it with these letters:
//     T  time steps          B  batch size         E  embedding size
//     H  hidden size         V  vocabulary size    S  source length (encoder time steps)
//     G  gates x H (4H for the LSTM, 3H for the GRU)
// so `// (T, B, H)` means element [t][b][j] lives at data[(t*B + b)*H + j]. Slices are written
// with that arithmetic, never by moving pointers step by step.
//
// Gradients. `grad` is NULL for a tensor nothing needs the gradient of (inputs, targets).
// An op's output gets a zeroed grad buffer when any of its inputs has one, so gradients flow
// to exactly the parameters and the activations between them. Every backward rule ADDS into
// the input's grad (+=): a tensor used twice (h_t feeds the output layer and step t+1)
// collects both contributions with no special case. That is the heart of BPTT.
//
// The tape. A Wengert list: ops append nodes in the order they run, which is already a
// topological order, so backward is a plain reverse loop; no recursion, no depth limit at
// 1000 time steps. Each node names its op, its inputs and a backward function that lives in
// the same file as the forward, right below it.
#ifndef UNROLLED_TENSOR_H
#define UNROLLED_TENSOR_H

#include <stddef.h>

#include "arena.h"
#include "rng.h"

#define TENSOR_MAX_DIMS 4

typedef struct Tensor {
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    int size;           // product of the shape
    float *data;        // (size) values
    float *grad;        // (size) dLoss/dvalue, or NULL when no gradient is needed
    const char *name;   // a parameter's state_dict name, or the op that made an activation
} Tensor;

// ---- the tape ---------------------------------------------------------------------------

#define NODE_MAX_INPUTS 8

typedef struct Node Node;
typedef void (*BackwardFn)(Node *node);

struct Node {
    const char *op;                     // "matmul", "tanh", ... (for errors and debugging)
    BackwardFn backward;                // adds d(out) into the inputs' grads
    Tensor *out;
    Tensor *in[NODE_MAX_INPUTS];
    int n_in;
    int iarg[4];                        // small integer arguments (e.g. transpose flags)
    float farg[2];                      // small float arguments (e.g. the scale, dropout p)
    void *saved;                        // op-specific memory in the arena (e.g. a mask)
};

typedef struct Tape {
    Arena arena;          // activations, their grads, saved values: lives for one step
    Node *nodes;          // the Wengert list, in creation order
    int n_nodes, cap_nodes;
    int training;         // 1: dropout is active; 0: evaluation mode
    Rng *rng;             // where dropout draws its masks from (owned by the caller)
    int no_grad;          // >0: record nothing and give no output a grad (inference)
    int backward_done;    // tape_backward ran since the last tape_reset
} Tape;

void tape_init(Tape *tp, size_t arena_bytes, Rng *rng);
void tape_free(Tape *tp);
// Forget every node and activation of this step; the memory is reused by the next one.
void tape_reset(Tape *tp);
// d(loss)/d(everything): loss must hold one number. Seeds dloss = 1, then runs every node's
// backward from the last to the first. Parameter grads ACCUMULATE: zero them first.
void tape_backward(Tape *tp, Tensor *loss);

// ---- making tensors ---------------------------------------------------------------------

// A new activation in the tape's arena, uninitialised, without a grad.
Tensor *tensor_new(Tape *tp, int ndim, const int *shape);
Tensor *tensor_zeros(Tape *tp, int ndim, const int *shape);
Tensor *tensor_1d(Tape *tp, int n);
Tensor *tensor_2d(Tape *tp, int rows, int cols);
Tensor *tensor_3d(Tape *tp, int d0, int d1, int d2);
// A copy of `values` (size = product of shape).
Tensor *tensor_from(Tape *tp, int ndim, const int *shape, const float *values);
// Give an input tensor a zeroed grad buffer, so backward computes dLoss/dinput.
void tensor_requires_grad(Tape *tp, Tensor *t);

// What an op calls to make its output: grad allocated (zeroed) iff `needs_grad`.
Tensor *tape_output(Tape *tp, int ndim, const int *shape, int needs_grad);
// 1 if any of the inputs has a grad (and the tape is not in no_grad mode).
int tape_any_grad(const Tape *tp, int n_in, Tensor *const *in);
// Append a node. Returns it so the op can fill iarg/farg/saved. Inputs are copied.
Node *tape_record(Tape *tp, const char *op, BackwardFn backward, Tensor *out, int n_in,
                  Tensor *const *in);

// ---- small helpers ----------------------------------------------------------------------

int shape_size(int ndim, const int *shape);
int tensor_same_shape(const Tensor *a, const Tensor *b);
// Rows and columns when the tensor is read as a matrix: rows = all but the last dimension.
int tensor_rows(const Tensor *t);
int tensor_cols(const Tensor *t);
// "(2, 3, 4)" into buf, for error messages.
const char *shape_str(const Tensor *t, char *buf, size_t n);

#endif
