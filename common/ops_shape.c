// ops_shape.c: embedding lookup, concat/split on the last dimension, select/stack along the
// first (time) dimension, reshape. Introduced in the foundation (issue 2).
#include <string.h>

#include "ops.h"
#include "util.h"

// ---- embedding: out[i] = weight[ids[i]] ---------------------------------------------------
// weight (V, E), ids (N) (any shape), out (N, E). saved: a copy of the ids.

// out[i] = W[ids[i]]  =>  dW[ids[i]] += dout[i]   (scatter-add: repeated ids accumulate)
static void embedding_node_backward(Node *n) {
    Tensor *W = n->in[0], *out = n->out;
    const int *ids = n->saved;
    int E = W->shape[1], N = out->size / E;
    for (int i = 0; i < N; i++) {
        float *dw = W->grad + (size_t)ids[i] * E;
        const float *dy = out->grad + (size_t)i * E;
        for (int e = 0; e < E; e++) dw[e] += dy[e];
    }
}

Tensor *op_embedding(Tape *tp, Tensor *weight, const int *ids, int ids_ndim,
                     const int *ids_shape) {
    if (weight->ndim != 2) die("embedding: the weight must be (V, E)");
    if (ids_ndim + 1 > TENSOR_MAX_DIMS) die("embedding: ids have too many dimensions");
    int V = weight->shape[0], E = weight->shape[1], N = shape_size(ids_ndim, ids_shape);
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, ids_shape, sizeof(int) * (size_t)ids_ndim);
    shape[ids_ndim] = E;
    Tensor *out = tape_output(tp, ids_ndim + 1, shape, tape_any_grad(tp, 1, &weight));
    int *saved = arena_alloc(&tp->arena, sizeof(int) * (size_t)N);
    for (int i = 0; i < N; i++) {
        if (ids[i] < 0 || ids[i] >= V)
            die("embedding: id %d at position %d is outside the vocabulary of %d", ids[i], i, V);
        saved[i] = ids[i];
        memcpy(out->data + (size_t)i * E, weight->data + (size_t)ids[i] * E, sizeof(float) * (size_t)E);
    }
    Node *n = tape_record(tp, "embedding", embedding_node_backward, out, 1, &weight);
    if (n) n->saved = saved;
    return out;
}

// ---- concat along the last dimension -----------------------------------------------------
// xs[i] (R, C_i) -> out (R, sum C_i), R = every leading dimension.

// out = [x_0 | x_1 | ...]  =>  dx_i += its columns of dout
static void concat_node_backward(Node *n) {
    int R = tensor_rows(n->out), C = tensor_cols(n->out), at = 0;
    for (int k = 0; k < n->n_in; k++) {
        Tensor *x = n->in[k];
        int Ck = tensor_cols(x);
        if (x->grad)
            for (int r = 0; r < R; r++)
                for (int c = 0; c < Ck; c++)
                    x->grad[(size_t)r * Ck + c] += n->out->grad[(size_t)r * C + at + c];
        at += Ck;
    }
}

Tensor *op_concat(Tape *tp, int n, Tensor *const *xs) {
    if (n < 1 || n > NODE_MAX_INPUTS) die("concat: between 1 and %d tensors, got %d", NODE_MAX_INPUTS, n);
    int R = tensor_rows(xs[0]), C = 0;
    for (int k = 0; k < n; k++) {
        int same_lead = xs[k]->ndim == xs[0]->ndim;
        for (int d = 0; same_lead && d < xs[0]->ndim - 1; d++)
            same_lead = xs[k]->shape[d] == xs[0]->shape[d];
        if (!same_lead) {
            char s0[64], sk[64];
            die("concat: %s and %s differ before the last dimension", shape_str(xs[0], s0, 64),
                shape_str(xs[k], sk, 64));
        }
        C += tensor_cols(xs[k]);
    }
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, xs[0]->shape, sizeof shape);
    shape[xs[0]->ndim - 1] = C;
    Tensor *out = tape_output(tp, xs[0]->ndim, shape, tape_any_grad(tp, n, xs));
    int at = 0;
    for (int k = 0; k < n; k++) {
        int Ck = tensor_cols(xs[k]);
        for (int r = 0; r < R; r++)
            memcpy(out->data + (size_t)r * C + at, xs[k]->data + (size_t)r * Ck, sizeof(float) * (size_t)Ck);
        at += Ck;
    }
    tape_record(tp, "concat", concat_node_backward, out, n, xs);
    return out;
}

// ---- split: columns [start, start + len) of the last dimension ---------------------------
// out = x[..., start:start+len]  =>  dx[..., start:start+len] += dout
static void split_node_backward(Node *n) {
    Tensor *x = n->in[0];
    int R = tensor_rows(x), C = tensor_cols(x), start = n->iarg[0], len = n->iarg[1];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < len; c++)
            x->grad[(size_t)r * C + start + c] += n->out->grad[(size_t)r * len + c];
}

Tensor *op_split(Tape *tp, Tensor *x, int start, int len) {
    int R = tensor_rows(x), C = tensor_cols(x);
    if (start < 0 || len < 1 || start + len > C)
        die("split: columns [%d, %d) are outside the last dimension of size %d", start, start + len, C);
    int shape[TENSOR_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = len;
    Tensor *out = tape_output(tp, x->ndim, shape, tape_any_grad(tp, 1, &x));
    for (int r = 0; r < R; r++)
        memcpy(out->data + (size_t)r * len, x->data + (size_t)r * C + start, sizeof(float) * (size_t)len);
    Node *n = tape_record(tp, "split", split_node_backward, out, 1, &x);
    if (n) n->iarg[0] = start, n->iarg[1] = len;
    return out;
}

// ---- views: select and reshape ------------------------------------------------------------
// A view shares its base's data AND grad, so whatever flows into the view's grad is already
// in the base's grad: no node, no copy. Safe because every consumer of a view is recorded
// after the view's base, so its backward runs before the base's producer reads the grad.

static Tensor *view_of(Tape *tp, Tensor *x, int ndim, const int *shape, size_t offset) {
    Tensor *v = arena_alloc(&tp->arena, sizeof(Tensor));
    memset(v, 0, sizeof *v);
    v->ndim = ndim;
    memcpy(v->shape, shape, sizeof(int) * (size_t)ndim);
    v->size = shape_size(ndim, shape);
    v->data = x->data + offset;
    v->grad = (x->grad && !tp->no_grad) ? x->grad + offset : NULL;
    v->name = "view";
    return v;
}

Tensor *op_select(Tape *tp, Tensor *x, int index) {
    if (x->ndim < 2) die("select: needs at least 2 dimensions");
    if (index < 0 || index >= x->shape[0])
        die("select: index %d is outside the first dimension of size %d", index, x->shape[0]);
    int inner = x->size / x->shape[0];
    return view_of(tp, x, x->ndim - 1, x->shape + 1, (size_t)index * inner);
}

Tensor *op_reshape(Tape *tp, Tensor *x, int ndim, const int *shape) {
    if (ndim < 1 || ndim > TENSOR_MAX_DIMS || shape_size(ndim, shape) != x->size)
        die("reshape: %d elements cannot take the new shape", x->size);
    return view_of(tp, x, ndim, shape, 0);
}

// ---- stack along a new first dimension ---------------------------------------------------
// out[k] = xs[k]  =>  dxs[k] += dout[k]
static void stack_node_backward(Node *n) {
    Tensor **xs = n->saved;
    int count = n->iarg[0], inner = n->out->size / count;
    for (int k = 0; k < count; k++)
        if (xs[k]->grad)
            for (int i = 0; i < inner; i++) xs[k]->grad[i] += n->out->grad[(size_t)k * inner + i];
}

Tensor *op_stack(Tape *tp, int n, Tensor *const *xs) {
    if (n < 1 || xs[0]->ndim + 1 > TENSOR_MAX_DIMS) die("stack: needs 1+ tensors of at most 3 dimensions");
    int shape[TENSOR_MAX_DIMS] = {n};
    memcpy(shape + 1, xs[0]->shape, sizeof(int) * (size_t)xs[0]->ndim);
    int needs_grad = 0;
    for (int k = 0; k < n; k++) {
        if (!tensor_same_shape(xs[k], xs[0])) die("stack: tensor %d has another shape than tensor 0", k);
        needs_grad |= tape_any_grad(tp, 1, &xs[k]);
    }
    Tensor *out = tape_output(tp, xs[0]->ndim + 1, shape, needs_grad);
    int inner = xs[0]->size;
    for (int k = 0; k < n; k++)
        memcpy(out->data + (size_t)k * inner, xs[k]->data, sizeof(float) * (size_t)inner);
    // A stack can have more inputs than a node holds: keep the list in the arena instead.
    Node *node = tape_record(tp, "stack", stack_node_backward, out, 0, NULL);
    if (node) {
        Tensor **list = arena_alloc(&tp->arena, sizeof(Tensor *) * (size_t)n);
        memcpy(list, xs, sizeof(Tensor *) * (size_t)n);
        node->saved = list;
        node->iarg[0] = n;
    }
    return out;
}
