// ops_reduce.c: sum and mean of every element. Introduced in the foundation (issue 2).
#include "ops.h"

// y = sum x  =>  dx += dy
static void sum_node_backward(Node *n) {
    for (int i = 0; i < n->in[0]->size; i++) n->in[0]->grad[i] += n->out->grad[0];
}

Tensor *op_sum(Tape *tp, Tensor *x) {
    double total = 0.0;
    for (int i = 0; i < x->size; i++) total += x->data[i];
    Tensor *y = tape_output(tp, 1, (int[]){1}, tape_any_grad(tp, 1, &x));
    y->data[0] = (float)total;
    tape_record(tp, "sum", sum_node_backward, y, 1, &x);
    return y;
}

// y = (1/n) sum x  =>  dx += dy / n
static void mean_node_backward(Node *n) {
    float g = n->out->grad[0] / (float)n->in[0]->size;
    for (int i = 0; i < n->in[0]->size; i++) n->in[0]->grad[i] += g;
}

Tensor *op_mean(Tape *tp, Tensor *x) {
    double total = 0.0;
    for (int i = 0; i < x->size; i++) total += x->data[i];
    Tensor *y = tape_output(tp, 1, (int[]){1}, tape_any_grad(tp, 1, &x));
    y->data[0] = (float)(total / x->size);
    tape_record(tp, "mean", mean_node_backward, y, 1, &x);
    return y;
}
