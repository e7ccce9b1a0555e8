// ops_linalg.c: matrix products. Introduced in the foundation (issue 2).
#include <assert.h>

#include "gemm.h"
#include "ops.h"
#include "util.h"

// ---- matmul: C = op(A) . op(B) ----------------------------------------------------------
// Shapes as the math reads them: op(A) is (M, K), op(B) is (K, N), C is (M, N).

static void matmul_dims(const Tensor *a, const Tensor *b, int ta, int tb, int *M, int *K,
                        int *N) {
    char sa[64], sb[64];
    if (ta && a->ndim != 2) die("matmul: a transposed operand must be 2-D, got %s", shape_str(a, sa, 64));
    if (b->ndim != 2) die("matmul: the right operand must be 2-D, got %s", shape_str(b, sb, 64));
    int a_rows = tensor_rows(a), a_cols = tensor_cols(a);
    *M = ta ? a_cols : a_rows;
    *K = ta ? a_rows : a_cols;
    int kb = tb ? b->shape[1] : b->shape[0];
    *N = tb ? b->shape[0] : b->shape[1];
    if (kb != *K)
        die("matmul: inner dimensions differ: %s%s . %s%s", shape_str(a, sa, 64), ta ? "^T" : "",
            shape_str(b, sb, 64), tb ? "^T" : "");
}

// In the forward pass this was  C = op(A) op(B),  so now:
//   dA += dC . op(B)^T   (transposed back if A was used transposed)
//   dB += op(A)^T . dC   (likewise)
static void matmul_node_backward(Node *n) {
    Tensor *a = n->in[0], *b = n->in[1], *c = n->out;
    int ta = n->iarg[0], tb = n->iarg[1], M = n->iarg[2], K = n->iarg[3], N = c->shape[c->ndim - 1];
    int lda = tensor_cols(a), ldb = b->shape[1];
    if (a->grad) {
        if (!ta)  // dA (M, K) += dC (M, N) . op(B)^T (N, K)
            gemm(0, !tb, M, K, N, c->grad, N, b->data, ldb, 1.0f, a->grad, lda);
        else      // dA (K, M) += op(B) (K, N) . dC^T (N, M)
            gemm(tb, 1, K, M, N, b->data, ldb, c->grad, N, 1.0f, a->grad, lda);
    }
    if (b->grad) {
        if (!tb)  // dB (K, N) += op(A)^T (K, M) . dC (M, N)
            gemm(!ta, 0, K, N, M, a->data, lda, c->grad, N, 1.0f, b->grad, ldb);
        else      // dB (N, K) += dC^T (N, M) . op(A) (M, K)
            gemm(1, ta, N, K, M, c->grad, N, a->data, lda, 1.0f, b->grad, ldb);
    }
}

Tensor *op_matmul(Tape *tp, Tensor *a, Tensor *b, int trans_a, int trans_b) {
    int M, K, N;
    matmul_dims(a, b, trans_a, trans_b, &M, &K, &N);
    int shape[TENSOR_MAX_DIMS], ndim = trans_a ? 2 : a->ndim;
    for (int i = 0; i < ndim - 1; i++) shape[i] = trans_a ? M : a->shape[i];
    shape[ndim - 1] = N;
    Tensor *in[2] = {a, b};
    Tensor *c = tape_output(tp, ndim, shape, tape_any_grad(tp, 2, in));
    gemm(trans_a, trans_b, M, N, K, a->data, tensor_cols(a), b->data, b->shape[1], 0.0f, c->data, N);
    Node *n = tape_record(tp, "matmul", matmul_node_backward, c, 2, in);
    if (n) {
        n->iarg[0] = trans_a, n->iarg[1] = trans_b, n->iarg[2] = M, n->iarg[3] = K;
    }
    return c;
}

// ---- linear: y = x W^T + b --------------------------------------------------------------
// x (R, in) where R is every leading dimension of x, W (out, in), b (out), y (R, out).

// dx += dy . W      dW += dy^T . x      db += sum over rows of dy
static void linear_node_backward(Node *n) {
    Tensor *x = n->in[0], *W = n->in[1], *b = n->in[2], *y = n->out;
    int R = tensor_rows(x), in = W->shape[1], out = W->shape[0];
    if (x->grad) gemm(0, 0, R, in, out, y->grad, out, W->data, in, 1.0f, x->grad, in);
    if (W->grad) gemm(1, 0, out, in, R, y->grad, out, x->data, in, 1.0f, W->grad, in);
    if (b && b->grad)
        for (int r = 0; r < R; r++)
            for (int j = 0; j < out; j++) b->grad[j] += y->grad[(size_t)r * out + j];
}

Tensor *op_linear(Tape *tp, Tensor *x, Tensor *W, Tensor *b) {
    char sx[64], sw[64];
    if (W->ndim != 2 || tensor_cols(x) != W->shape[1])
        die("linear: input %s does not fit weight %s (out, in)", shape_str(x, sx, 64), shape_str(W, sw, 64));
    if (b && (b->ndim != 1 || b->shape[0] != W->shape[0]))
        die("linear: bias %s does not match weight %s", shape_str(b, sx, 64), shape_str(W, sw, 64));
    int R = tensor_rows(x), in = W->shape[1], out = W->shape[0];
    int shape[TENSOR_MAX_DIMS];
    for (int i = 0; i < x->ndim - 1; i++) shape[i] = x->shape[i];
    shape[x->ndim - 1] = out;
    Tensor *inputs[3] = {x, W, b};
    Tensor *y = tape_output(tp, x->ndim, shape, tape_any_grad(tp, 3, inputs));
    if (b)
        for (int r = 0; r < R; r++)
            for (int j = 0; j < out; j++) y->data[(size_t)r * out + j] = b->data[j];
    gemm(0, 1, R, out, in, x->data, in, W->data, in, b ? 1.0f : 0.0f, y->data, out);
    tape_record(tp, "linear", linear_node_backward, y, 3, inputs);
    return y;
}
