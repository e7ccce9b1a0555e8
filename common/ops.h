// ops.h: every differentiable operation. Introduced in the foundation (issue 2).
//
// Each op comes in two layers, side by side in one .c file:
//   * raw kernels on float arrays, `X_forward(out, ..., inp, ...)` and
//     `X_backward(dinp, ..., dout, saved...)` with the derivative as a one-line comment
//     above the backward (llm.c's argument order: outputs first, then inputs, then sizes;
//     d-inputs first, then dout, then what the forward saved). Chapter 01's hand-written BPTT
//     calls these kernels directly;
//   * the autograd op `op_X(tape, ...)`, which allocates the output, runs the forward kernel
//     and records a node whose backward calls the backward kernel.
// Every backward ADDS into its inputs' grads.
//
// Broadcasting (add, sub, mul): b may have a's shape, or be a suffix of it, e.g. a (B, H) and
// a bias b (H): b is repeated over the leading dimensions, and db sums over them.
#ifndef UNROLLED_OPS_H
#define UNROLLED_OPS_H

#include "tensor.h"

// ---- linear algebra (ops_linalg.c) ----
// (M, K) . (K, N); trans_a / trans_b use A^T / B^T. `a` may have leading dims when not
// transposed: a (T, B, K) . b (K, N) -> (T, B, N).
Tensor *op_matmul(Tape *tp, Tensor *a, Tensor *b, int trans_a, int trans_b);
// y = x W^T + b, PyTorch's F.linear: x (..., in), W (out, in), b (out) or NULL -> (..., out).
Tensor *op_linear(Tape *tp, Tensor *x, Tensor *W, Tensor *b);

// ---- elementwise arithmetic (ops_arith.c) ----
Tensor *op_add(Tape *tp, Tensor *a, Tensor *b);   // a + b  (b broadcast)
Tensor *op_sub(Tape *tp, Tensor *a, Tensor *b);   // a - b  (b broadcast)
Tensor *op_mul(Tape *tp, Tensor *a, Tensor *b);   // a * b  (b broadcast), elementwise
Tensor *op_scale(Tape *tp, Tensor *x, float s);   // s * x
Tensor *op_add_scalar(Tape *tp, Tensor *x, float s);  // x + s

// ---- activations (ops_activation.c) ----
void tanh_forward(float *out, const float *inp, int n);
void tanh_backward(float *dinp, const float *dout, const float *out, int n);
void sigmoid_forward(float *out, const float *inp, int n);
void sigmoid_backward(float *dinp, const float *dout, const float *out, int n);
void relu_forward(float *out, const float *inp, int n);
void relu_backward(float *dinp, const float *dout, const float *out, int n);
Tensor *op_tanh(Tape *tp, Tensor *x);
Tensor *op_sigmoid(Tape *tp, Tensor *x);
Tensor *op_relu(Tape *tp, Tensor *x);
Tensor *op_exp(Tape *tp, Tensor *x);
Tensor *op_log(Tape *tp, Tensor *x);

// ---- softmax family (ops_softmax.c), over the last dimension ----
void softmax_forward(float *out, const float *inp, int rows, int C);
void log_softmax_forward(float *out, const float *inp, int rows, int C);
Tensor *op_softmax(Tape *tp, Tensor *x);
Tensor *op_log_softmax(Tape *tp, Tensor *x);

// ---- losses (ops_loss.c); each returns a tensor holding one number ----
// Mean cross-entropy of logits (N, C) against class ids targets[N]; targets equal to
// ignore_index (use -1 for none) are skipped and not counted in the mean (PyTorch's
// CrossEntropyLoss(ignore_index=...)). All targets ignored: the loss is 0 (PyTorch: nan).
Tensor *op_cross_entropy(Tape *tp, Tensor *logits, const int *targets, int ignore_index);
// mean((a - b)^2) over every element.
Tensor *op_mse(Tape *tp, Tensor *a, Tensor *b);

// ---- reductions (ops_reduce.c) ----
Tensor *op_sum(Tape *tp, Tensor *x);    // sum of every element -> (1)
Tensor *op_mean(Tape *tp, Tensor *x);   // mean of every element -> (1)

// ---- gathering and reshaping (ops_shape.c) ----
// Rows of weight (V, E) picked by ids; out shape = ids_shape + (E). The gradient scatter-adds
// into the picked rows (a row picked twice gets both). Ids outside [0, V) are fatal.
Tensor *op_embedding(Tape *tp, Tensor *weight, const int *ids, int ids_ndim,
                     const int *ids_shape);
// Join along the last dimension: xs[i] (..., C_i) -> (..., sum C_i).
Tensor *op_concat(Tape *tp, int n, Tensor *const *xs);
// Columns [start, start + len) of the last dimension: x (..., C) -> (..., len).
Tensor *op_split(Tape *tp, Tensor *x, int start, int len);
// x[index] along the first dimension: x (T, ...) -> (...). A view: it shares x's memory
// and its gradient flows straight into x's grad, so it needs no node.
Tensor *op_select(Tape *tp, Tensor *x, int index);
// The same numbers with another shape (same size). A view, like op_select.
Tensor *op_reshape(Tape *tp, Tensor *x, int ndim, const int *shape);
// Stack n tensors of equal shape along a new first dimension: -> (n, ...).
Tensor *op_stack(Tape *tp, int n, Tensor *const *xs);

// ---- regularisation (ops_dropout.c) ----
// Training mode: zero each element with probability p, scale survivors by 1/(1-p) (inverted
// dropout, as PyTorch). Evaluation mode (tp->training == 0) or p == 0: returns x itself.
Tensor *op_dropout(Tape *tp, Tensor *x, float p);

#endif
