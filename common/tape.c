// tape.c: the tape (Wengert list) and reverse-mode autograd. See tensor.h.
// Introduced in the foundation (issue 2).
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor.h"
#include "util.h"

void tape_init(Tape *tp, size_t arena_bytes, Rng *rng) {
    arena_init(&tp->arena, "activations", arena_bytes);
    tp->cap_nodes = 1024;
    tp->nodes = xmalloc(sizeof(Node) * (size_t)tp->cap_nodes);
    tp->n_nodes = 0;
    tp->training = 1;
    tp->rng = rng;
    tp->no_grad = 0;
    tp->backward_done = 0;
}

void tape_free(Tape *tp) {
    arena_free(&tp->arena);
    free(tp->nodes);
    tp->nodes = NULL;
    tp->n_nodes = tp->cap_nodes = 0;
}

void tape_reset(Tape *tp) {
    tp->n_nodes = 0;
    tp->backward_done = 0;
    arena_reset(&tp->arena);
}

int shape_size(int ndim, const int *shape) {
    long long n = 1;
    for (int i = 0; i < ndim; i++) {
        assert(shape[i] >= 0 && "a dimension is negative");
        n *= shape[i];
    }
    assert(n <= 0x7fffffff && "tensor too large for an int size");
    return (int)n;
}

int tensor_same_shape(const Tensor *a, const Tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

int tensor_cols(const Tensor *t) { return t->shape[t->ndim - 1]; }
int tensor_rows(const Tensor *t) { return t->size / (tensor_cols(t) ? tensor_cols(t) : 1); }

const char *shape_str(const Tensor *t, char *buf, size_t n) {
    size_t at = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < t->ndim && at < n; i++)
        at += (size_t)snprintf(buf + at, n - at, i ? ", %d" : "%d", t->shape[i]);
    if (at < n) snprintf(buf + at, n - at, ")");
    return buf;
}

Tensor *tape_output(Tape *tp, int ndim, const int *shape, int needs_grad) {
    assert(ndim >= 1 && ndim <= TENSOR_MAX_DIMS && "tensors have 1 to 4 dimensions");
    Tensor *t = arena_alloc(&tp->arena, sizeof(Tensor));
    t->ndim = ndim;
    memset(t->shape, 0, sizeof t->shape);
    memcpy(t->shape, shape, sizeof(int) * (size_t)ndim);
    t->size = shape_size(ndim, shape);
    t->data = arena_alloc(&tp->arena, sizeof(float) * (size_t)t->size);
    t->grad = needs_grad ? arena_calloc(&tp->arena, sizeof(float) * (size_t)t->size) : NULL;
    t->name = "input";
    return t;
}

Tensor *tensor_new(Tape *tp, int ndim, const int *shape) {
    return tape_output(tp, ndim, shape, 0);
}

Tensor *tensor_zeros(Tape *tp, int ndim, const int *shape) {
    Tensor *t = tensor_new(tp, ndim, shape);
    memset(t->data, 0, sizeof(float) * (size_t)t->size);
    return t;
}

Tensor *tensor_1d(Tape *tp, int n) { return tensor_new(tp, 1, (int[]){n}); }
Tensor *tensor_2d(Tape *tp, int rows, int cols) { return tensor_new(tp, 2, (int[]){rows, cols}); }
Tensor *tensor_3d(Tape *tp, int d0, int d1, int d2) {
    return tensor_new(tp, 3, (int[]){d0, d1, d2});
}

Tensor *tensor_from(Tape *tp, int ndim, const int *shape, const float *values) {
    Tensor *t = tensor_new(tp, ndim, shape);
    memcpy(t->data, values, sizeof(float) * (size_t)t->size);
    return t;
}

void tensor_requires_grad(Tape *tp, Tensor *t) {
    if (!t->grad) t->grad = arena_calloc(&tp->arena, sizeof(float) * (size_t)t->size);
}

int tape_any_grad(const Tape *tp, int n_in, Tensor *const *in) {
    if (tp->no_grad) return 0;
    for (int i = 0; i < n_in; i++)
        if (in[i] && in[i]->grad) return 1;
    return 0;
}

Node *tape_record(Tape *tp, const char *op, BackwardFn backward, Tensor *out, int n_in,
                  Tensor *const *in) {
    assert(n_in <= NODE_MAX_INPUTS && "an op has at most NODE_MAX_INPUTS inputs");
    out->name = op;
    if (!out->grad) return NULL;  // nothing upstream needs a gradient: nothing to record
    if (tp->n_nodes == tp->cap_nodes) {
        // The list grows during the first step only; later steps reuse it.
        tp->cap_nodes *= 2;
        tp->nodes = xrealloc(tp->nodes, sizeof(Node) * (size_t)tp->cap_nodes);
    }
    Node *n = &tp->nodes[tp->n_nodes++];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->backward = backward;
    n->out = out;
    n->n_in = n_in;
    for (int i = 0; i < n_in; i++) n->in[i] = in[i];
    return n;
}

void tape_backward(Tape *tp, Tensor *loss) {
    assert(loss->size == 1 && "backward starts from a single number (the loss)");
    // A second backward over the same tape would run every node again and double every
    // gradient: the tape is spent once it has been walked.
    assert(!tp->backward_done && "backward ran twice on one tape: did you forget tape_reset()?");
    tp->backward_done = 1;
    if (!loss->grad)
        die("backward: the loss does not depend on anything that needs a gradient "
            "(did you create the parameters with params_new, and not call it under no_grad?)");
    loss->grad[0] += 1.0f;
    for (int i = tp->n_nodes - 1; i >= 0; i--) {
        Node *n = &tp->nodes[i];
        if (!n->backward) {
            fprintf(stderr, "%s: backward: op '%s' has no backward rule\n", program_name(), n->op);
            abort();
        }
        n->backward(n);
    }
}
