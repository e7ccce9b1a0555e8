// ops_activation.c: tanh, sigmoid, relu, exp, log. Introduced in the foundation (issue 2).
// The raw kernels are public: chapter 01's hand-written BPTT calls them.
#include <math.h>

#include "activation_kernels.h"
#include "ops.h"

// Each activation's backward needs only its OUTPUT y (and dout), so one node shape serves
// them all: in[0] = x, out = y, and the backward adds dout * f'(x) written in terms of y.

static Tensor *activation_op(Tape *tp, const char *name, Tensor *x,
                             void (*forward)(float *, const float *, int), BackwardFn backward) {
    Tensor *y = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    forward(y->data, x->data, x->size);
    tape_record(tp, name, backward, y, 1, &x);
    return y;
}

// ---- tanh --------------------------------------------------------------------------------
// The elementwise loop itself lives in activation_kernels.c, where the plain libm loop and the
// vectorised kernel sit side by side (`make LIBM_ACTIVATIONS=1` picks the libm one).
void tanh_forward(float *out, const float *inp, int n) {
#ifdef UNROLLED_LIBM_ACTIVATIONS
    tanh_libm(out, inp, n);
#else
    tanh_kernel(out, inp, n);
#endif
}
// y = tanh(x)  =>  dx += dy * (1 - y*y)
void tanh_backward(float *dinp, const float *dout, const float *out, int n) {
    for (int i = 0; i < n; i++) dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}
static void tanh_node_backward(Node *n) {
    tanh_backward(n->in[0]->grad, n->out->grad, n->out->data, n->out->size);
}
Tensor *op_tanh(Tape *tp, Tensor *x) {
    return activation_op(tp, "tanh", x, tanh_forward, tanh_node_backward);
}

// ---- sigmoid -----------------------------------------------------------------------------
void sigmoid_forward(float *out, const float *inp, int n) {
#ifdef UNROLLED_LIBM_ACTIVATIONS
    sigmoid_libm(out, inp, n);
#else
    sigmoid_kernel(out, inp, n);
#endif
}
// y = 1 / (1 + e^-x)  =>  dx += dy * y * (1 - y)
void sigmoid_backward(float *dinp, const float *dout, const float *out, int n) {
    for (int i = 0; i < n; i++) dinp[i] += dout[i] * out[i] * (1.0f - out[i]);
}
static void sigmoid_node_backward(Node *n) {
    sigmoid_backward(n->in[0]->grad, n->out->grad, n->out->data, n->out->size);
}
Tensor *op_sigmoid(Tape *tp, Tensor *x) {
    return activation_op(tp, "sigmoid", x, sigmoid_forward, sigmoid_node_backward);
}

// ---- relu --------------------------------------------------------------------------------
void relu_forward(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}
// y = max(0, x)  =>  dx += dy * [y > 0]   (the kink at 0 gets derivative 0, as in PyTorch)
void relu_backward(float *dinp, const float *dout, const float *out, int n) {
    for (int i = 0; i < n; i++) dinp[i] += out[i] > 0.0f ? dout[i] : 0.0f;
}
static void relu_node_backward(Node *n) {
    relu_backward(n->in[0]->grad, n->out->grad, n->out->data, n->out->size);
}
Tensor *op_relu(Tape *tp, Tensor *x) {
    return activation_op(tp, "relu", x, relu_forward, relu_node_backward);
}

// ---- exp ---------------------------------------------------------------------------------
static void exp_forward(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) out[i] = expf(inp[i]);
}
// y = e^x  =>  dx += dy * y
static void exp_node_backward(Node *n) {
    for (int i = 0; i < n->out->size; i++) n->in[0]->grad[i] += n->out->grad[i] * n->out->data[i];
}
Tensor *op_exp(Tape *tp, Tensor *x) {
    return activation_op(tp, "exp", x, exp_forward, exp_node_backward);
}

// ---- log ---------------------------------------------------------------------------------
static void log_forward(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) out[i] = logf(inp[i]);
}
// y = ln x  =>  dx += dy / x
static void log_node_backward(Node *n) {
    Tensor *x = n->in[0];
    for (int i = 0; i < x->size; i++) x->grad[i] += n->out->grad[i] / x->data[i];
}
Tensor *op_log(Tape *tp, Tensor *x) {
    return activation_op(tp, "log", x, log_forward, log_node_backward);
}
