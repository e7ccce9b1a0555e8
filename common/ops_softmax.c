// ops_softmax.c: softmax and log-softmax over the last dimension.
// Introduced in the foundation (issue 2).
#include <math.h>

#include "ops.h"

// Rows of C numbers each; the max is subtracted first so exp never overflows.
void softmax_forward(float *out, const float *inp, int rows, int C) {
    for (int r = 0; r < rows; r++) {
        const float *x = inp + (size_t)r * C;
        float *y = out + (size_t)r * C;
        float max = x[0];
        for (int c = 1; c < C; c++) max = x[c] > max ? x[c] : max;
        double sum = 0.0;
        for (int c = 0; c < C; c++) sum += (y[c] = expf(x[c] - max));
        float inv = (float)(1.0 / sum);
        for (int c = 0; c < C; c++) y[c] *= inv;
    }
}

// y = softmax(x)  =>  dx_c += y_c * (dy_c - sum_k dy_k y_k)
static void softmax_node_backward(Node *n) {
    Tensor *x = n->in[0], *y = n->out;
    int C = tensor_cols(y), rows = tensor_rows(y);
    for (int r = 0; r < rows; r++) {
        const float *yr = y->data + (size_t)r * C, *dy = y->grad + (size_t)r * C;
        float *dx = x->grad + (size_t)r * C;
        float dot = 0.0f;
        for (int c = 0; c < C; c++) dot += dy[c] * yr[c];
        for (int c = 0; c < C; c++) dx[c] += yr[c] * (dy[c] - dot);
    }
}

Tensor *op_softmax(Tape *tp, Tensor *x) {
    Tensor *y = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    softmax_forward(y->data, x->data, tensor_rows(x), tensor_cols(x));
    tape_record(tp, "softmax", softmax_node_backward, y, 1, &x);
    return y;
}

// y = x - max - log(sum exp(x - max))
void log_softmax_forward(float *out, const float *inp, int rows, int C) {
    for (int r = 0; r < rows; r++) {
        const float *x = inp + (size_t)r * C;
        float *y = out + (size_t)r * C;
        float max = x[0];
        for (int c = 1; c < C; c++) max = x[c] > max ? x[c] : max;
        double sum = 0.0;
        for (int c = 0; c < C; c++) sum += exp((double)(x[c] - max));
        float logsum = (float)log(sum);
        for (int c = 0; c < C; c++) y[c] = x[c] - max - logsum;
    }
}

// y = log_softmax(x)  =>  dx_c += dy_c - exp(y_c) * sum_k dy_k
static void log_softmax_node_backward(Node *n) {
    Tensor *x = n->in[0], *y = n->out;
    int C = tensor_cols(y), rows = tensor_rows(y);
    for (int r = 0; r < rows; r++) {
        const float *yr = y->data + (size_t)r * C, *dy = y->grad + (size_t)r * C;
        float *dx = x->grad + (size_t)r * C;
        float sum = 0.0f;
        for (int c = 0; c < C; c++) sum += dy[c];
        for (int c = 0; c < C; c++) dx[c] += dy[c] - expf(yr[c]) * sum;
    }
}

Tensor *op_log_softmax(Tape *tp, Tensor *x) {
    Tensor *y = tape_output(tp, x->ndim, x->shape, tape_any_grad(tp, 1, &x));
    log_softmax_forward(y->data, x->data, tensor_rows(x), tensor_cols(x));
    tape_record(tp, "log_softmax", log_softmax_node_backward, y, 1, &x);
    return y;
}
