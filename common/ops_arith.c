// ops_arith.c: elementwise add, sub, mul (with suffix broadcasting), scale, add_scalar.
// Introduced in the foundation (issue 2).
#include "ops.h"
#include "util.h"

// b broadcasts over a when b's shape is a's shape or a suffix of it.
static void check_broadcast(const char *op, const Tensor *a, const Tensor *b) {
    int ok = b->ndim <= a->ndim;
    for (int i = 0; ok && i < b->ndim; i++)
        ok = b->shape[b->ndim - 1 - i] == a->shape[a->ndim - 1 - i];
    if (!ok) {
        char sa[64], sb[64];
        die("%s: shape %s does not broadcast over %s (it must be a suffix of it)", op,
            shape_str(b, sb, 64), shape_str(a, sa, 64));
    }
}

static Tensor *binary_output(Tape *tp, const char *op, Tensor *a, Tensor *b) {
    check_broadcast(op, a, b);
    Tensor *in[2] = {a, b};
    return tape_output(tp, a->ndim, a->shape, tape_any_grad(tp, 2, in));
}

// ---- add: out = a + b --------------------------------------------------------------------
// da += dout       db += dout (summed over the broadcast dimensions)
static void add_node_backward(Node *n) {
    Tensor *a = n->in[0], *b = n->in[1], *out = n->out;
    int nb = b->size;
    if (a->grad)
        for (int i = 0; i < a->size; i++) a->grad[i] += out->grad[i];
    if (b->grad)
        for (int r = 0; r < a->size; r += nb)   // b repeats every nb elements of a
            for (int j = 0; j < nb; j++) b->grad[j] += out->grad[r + j];
}

Tensor *op_add(Tape *tp, Tensor *a, Tensor *b) {
    Tensor *out = binary_output(tp, "add", a, b);
    for (int r = 0, nb = b->size; r < a->size; r += nb)   // b repeats every nb elements of a
        for (int j = 0; j < nb; j++) out->data[r + j] = a->data[r + j] + b->data[j];
    tape_record(tp, "add", add_node_backward, out, 2, (Tensor *[]){a, b});
    return out;
}

// ---- sub: out = a - b --------------------------------------------------------------------
// da += dout       db -= dout (summed over the broadcast dimensions)
static void sub_node_backward(Node *n) {
    Tensor *a = n->in[0], *b = n->in[1], *out = n->out;
    int nb = b->size;
    if (a->grad)
        for (int i = 0; i < a->size; i++) a->grad[i] += out->grad[i];
    if (b->grad)
        for (int r = 0; r < a->size; r += nb)
            for (int j = 0; j < nb; j++) b->grad[j] -= out->grad[r + j];
}

Tensor *op_sub(Tape *tp, Tensor *a, Tensor *b) {
    Tensor *out = binary_output(tp, "sub", a, b);
    for (int r = 0, nb = b->size; r < a->size; r += nb)
        for (int j = 0; j < nb; j++) out->data[r + j] = a->data[r + j] - b->data[j];
    tape_record(tp, "sub", sub_node_backward, out, 2, (Tensor *[]){a, b});
    return out;
}

// ---- mul: out = a * b (elementwise) ------------------------------------------------------
// da += dout * b   db += dout * a (summed over the broadcast dimensions)
static void mul_node_backward(Node *n) {
    Tensor *a = n->in[0], *b = n->in[1], *out = n->out;
    int nb = b->size;
    if (a->grad)
        for (int r = 0; r < a->size; r += nb)
            for (int j = 0; j < nb; j++) a->grad[r + j] += out->grad[r + j] * b->data[j];
    if (b->grad)
        for (int r = 0; r < a->size; r += nb)
            for (int j = 0; j < nb; j++) b->grad[j] += out->grad[r + j] * a->data[r + j];
}

Tensor *op_mul(Tape *tp, Tensor *a, Tensor *b) {
    Tensor *out = binary_output(tp, "mul", a, b);
    for (int r = 0, nb = b->size; r < a->size; r += nb)
        for (int j = 0; j < nb; j++) out->data[r + j] = a->data[r + j] * b->data[j];
    tape_record(tp, "mul", mul_node_backward, out, 2, (Tensor *[]){a, b});
    return out;
}

// ---- scale: out = s * x ------------------------------------------------------------------
// dx += s * dout
static void scale_node_backward(Node *n) {
    float s = n->farg[0];
    for (int i = 0; i < n->out->size; i++) n->in[0]->grad[i] += s * n->out->grad[i];
}

Tensor *op_scale(Tape *tp, Tensor *x, float s) {
    Tensor *out = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    for (int i = 0; i < x->size; i++) out->data[i] = s * x->data[i];
    Node *n = tape_record(tp, "scale", scale_node_backward, out, 1, &x);
    if (n) n->farg[0] = s;
    return out;
}

// ---- add_scalar: out = x + s -------------------------------------------------------------
// dx += dout
static void add_scalar_node_backward(Node *n) {
    for (int i = 0; i < n->out->size; i++) n->in[0]->grad[i] += n->out->grad[i];
}

Tensor *op_add_scalar(Tape *tp, Tensor *x, float s) {
    Tensor *out = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    for (int i = 0; i < x->size; i++) out->data[i] = x->data[i] + s;
    tape_record(tp, "add_scalar", add_scalar_node_backward, out, 1, &x);
    return out;
}
