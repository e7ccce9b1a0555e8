// ops_loss.c: cross-entropy over class logits, mean squared error.
// Introduced in the foundation (issue 2).
#include <math.h>
#include <string.h>

#include "ops.h"
#include "util.h"

// ---- cross-entropy ----------------------------------------------------------------------
// logits (N, C), targets (N). With p = softmax(logits row n) and the counted rows K:
//     loss = -(1/|K|) sum_{n in K} log p[n][target_n]
// saved: the log-probabilities (N, C) and a copy of the targets.

// loss = mean -log p_target  =>  dlogits[n][c] += dloss * (p[n][c] - [c == target_n]) / |K|
static void cross_entropy_node_backward(Node *n) {
    Tensor *logits = n->in[0];
    int N = tensor_rows(logits), C = tensor_cols(logits), counted = n->iarg[0],
        ignore = n->iarg[1];
    if (counted == 0) return;
    const float *logp = n->saved;
    const int *targets = (const int *)(logp + (size_t)N * C);
    float g = n->out->grad[0] / (float)counted;
    for (int r = 0; r < N; r++) {
        if (targets[r] == ignore) continue;
        float *dx = logits->grad + (size_t)r * C;
        const float *lp = logp + (size_t)r * C;
        for (int c = 0; c < C; c++) dx[c] += g * expf(lp[c]);
        dx[targets[r]] -= g;
    }
}

Tensor *op_cross_entropy(Tape *tp, Tensor *logits, const int *targets, int ignore_index) {
    int N = tensor_rows(logits), C = tensor_cols(logits);
    // log-probabilities and the targets, saved together for the backward
    float *logp = arena_alloc(&tp->arena, sizeof(float) * (size_t)N * C + sizeof(int) * (size_t)N);
    int *saved_targets = (int *)(logp + (size_t)N * C);
    memcpy(saved_targets, targets, sizeof(int) * (size_t)N);
    log_softmax_forward(logp, logits->data, N, C);
    double total = 0.0;
    int counted = 0;
    for (int r = 0; r < N; r++) {
        if (targets[r] == ignore_index) continue;
        if (targets[r] < 0 || targets[r] >= C)
            die("cross_entropy: target %d of row %d is outside the %d classes", targets[r], r, C);
        total -= logp[(size_t)r * C + targets[r]];
        counted++;
    }
    Tensor *loss = tape_output(tp, 1, (int[]){1}, tape_any_grad(tp, 1, &logits));
    loss->data[0] = counted ? (float)(total / counted) : 0.0f;
    Node *n = tape_record(tp, "cross_entropy", cross_entropy_node_backward, loss, 1, &logits);
    if (n) {
        n->saved = logp;
        n->iarg[0] = counted;
        n->iarg[1] = ignore_index;
    }
    return loss;
}

// ---- mean squared error -----------------------------------------------------------------
// loss = (1/n) sum (a - b)^2  =>  da += dloss * 2 (a - b) / n,  db -= the same
static void mse_node_backward(Node *n) {
    Tensor *a = n->in[0], *b = n->in[1];
    float g = 2.0f * n->out->grad[0] / (float)a->size;
    for (int i = 0; i < a->size; i++) {
        float d = g * (a->data[i] - b->data[i]);
        if (a->grad) a->grad[i] += d;
        if (b->grad) b->grad[i] -= d;
    }
}

Tensor *op_mse(Tape *tp, Tensor *a, Tensor *b) {
    if (!tensor_same_shape(a, b)) {
        char sa[64], sb[64];
        die("mse: shapes differ: %s and %s", shape_str(a, sa, 64), shape_str(b, sb, 64));
    }
    double total = 0.0;
    for (int i = 0; i < a->size; i++) {
        double d = (double)a->data[i] - b->data[i];
        total += d * d;
    }
    Tensor *in[2] = {a, b};
    Tensor *loss = tape_output(tp, 1, (int[]){1}, tape_any_grad(tp, 2, in));
    loss->data[0] = (float)(total / a->size);
    tape_record(tp, "mse", mse_node_backward, loss, 2, in);
    return loss;
}
