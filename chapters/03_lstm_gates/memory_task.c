// memory_task.c: see memory_task.h. Chapter 03.
#include "memory_task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adding_task.h"
#include "grad_flow.h"
#include "ops.h"
#include "optim.h"
#include "util.h"

const char *memory_kind_name(MemoryKind kind) { return kind == MEMORY_RNN ? "RNN" : "LSTM"; }

void memory_net_init(MemoryNet *net, MemoryKind kind, int H, float forget_bias, Rng *rng) {
    memset(net, 0, sizeof *net);
    net->kind = kind;
    net->H = H;
    params_init(&net->P);
    if (kind == MEMORY_RNN) {
        net->rnn = rnn_create(&net->P, rng, "rnn", 2, H, 1, RNN_TANH, 0.0f);
    } else {
        net->lstm = lstm_create(&net->P, rng, "lstm", 2, H, 1, 0.0f);
        flow_set_forget_bias(&net->lstm.layer[0], forget_bias);
    }
    net->fc = linear_create(&net->P, rng, "fc", H, 1, 1);
}

void memory_net_free(MemoryNet *net) { params_free(&net->P); }

Tensor *memory_net_forward(Tape *tp, const MemoryNet *net, Tensor *x) {
    Tensor *h_n = net->kind == MEMORY_RNN ? rnn_forward(tp, &net->rnn, x, NULL, NULL).h_n
                                          : lstm_forward(tp, &net->lstm, x, NULL, NULL, NULL).h_n;
    return linear_forward(tp, &net->fc, op_select(tp, h_n, 0));   // h_T (B, H) -> (B, 1)
}

MemoryRun memory_run_config(MemoryKind kind, int T, int quick, uint64_t seed) {
    MemoryRun run;
    memset(&run, 0, sizeof run);
    run.kind = kind;
    run.T = T;
    run.hidden = 16;
    run.batch = 32;
    run.steps = quick ? 300 : 3000;
    run.lr = 1e-2f;
    run.clip = 1.0f;
    run.forget_bias = 1.0f;
    run.seed = seed;
    run.eval_batch = 512;
    run.diverged_step = -1;
    return run;
}

int memory_lengths(int quick, int *lengths) {
    static const int classroom[] = {10, 25, 50, 100, 200}, short_ones[] = {5, 10, 20};
    const int *src = quick ? short_ones : classroom;
    int n = quick ? 3 : 5;
    memcpy(lengths, src, sizeof(int) * (size_t)n);
    return n;
}

// The arena for one update: about 40 (B, 4H)-sized tensors and their grads per time step.
static size_t step_bytes(int T, int B, int H) {
    return (size_t)T * (size_t)B * (size_t)H * 4u * 48u + (size_t)T * 64u * 1024u + (8u << 20);
}

void memory_run_train(MemoryRun *run, MemoryNet *keep) {
    Rng init_rng, data_rng;
    rng_seed(&init_rng, run->seed);
    rng_seed(&data_rng, run->seed ^ 0xadd1e5ull);   // both models see the same batches
    MemoryNet net;
    memory_net_init(&net, run->kind, run->hidden, run->forget_bias, &init_rng);
    Adam opt = adam_create(&net.P, run->lr);
    int T = run->T, B = run->batch, EB = run->eval_batch > 0 ? run->eval_batch : 512;
    Tape tp;
    tape_init(&tp, step_bytes(T, B > EB ? B : EB, run->hidden), &init_rng);

    run->loss = xcalloc((size_t)(run->steps > 0 ? run->steps : 1), sizeof(float));
    run->grad_norm = xcalloc((size_t)(run->steps > 0 ? run->steps : 1), sizeof(float));
    run->steps_done = 0;
    run->diverged_step = -1;
    run->diverged_what[0] = '\0';
    float *x = xmalloc(sizeof(float) * (size_t)T * B * 2), *y = xmalloc(sizeof(float) * (size_t)B);   // (T, B, 2), (B)

    for (int step = 0; step < run->steps; step++) {
        adding_batch(&data_rng, T, B, x, y, NULL, NULL);
        tape_reset(&tp);
        // 1. compute every gradient
        params_zero_grad(&net.P);
        Tensor *pred = memory_net_forward(&tp, &net, tensor_from(&tp, 3, (int[]){T, B, 2}, x));
        Tensor *loss = op_mse(&tp, pred, tensor_from(&tp, 2, (int[]){B, 1}, y));
        tape_backward(&tp, loss);
        run->loss[step] = loss->data[0];
        run->steps_done = step + 1;
        // 2. look at them: stop at the first NaN or Inf, naming the tensor
        const char *bad = NULL;
        int in_grad = 0;
        if (!isfinite(loss->data[0]))
            snprintf(run->diverged_what, sizeof run->diverged_what, "the loss (%g)", loss->data[0]);
        else if (!params_all_finite(&net.P, &bad, &in_grad))
            snprintf(run->diverged_what, sizeof run->diverged_what, "the %s of %s",
                     in_grad ? "gradient" : "value", bad);
        if (run->diverged_what[0]) {
            run->diverged_step = step;
            break;
        }
        // ... and clip them: the LSTM's gradient does not vanish along the cell, but nothing
        // stops it from growing
        run->grad_norm[step] = (float)clip_grad_norm(&net.P, run->clip);
        // 3. apply the update
        adam_step(&opt);
    }

    run->eval_mse = NAN;
    if (run->diverged_step < 0) {   // held-out sequences, the same for every run
        Rng eval_rng;
        rng_seed(&eval_rng, 31337);
        float *ex = xmalloc(sizeof(float) * (size_t)T * EB * 2), *ey = xmalloc(sizeof(float) * (size_t)EB);
        adding_batch(&eval_rng, T, EB, ex, ey, NULL, NULL);
        tape_reset(&tp);
        tp.no_grad = 1;
        Tensor *pred = memory_net_forward(&tp, &net, tensor_from(&tp, 3, (int[]){T, EB, 2}, ex));
        run->eval_mse = op_mse(&tp, pred, tensor_from(&tp, 2, (int[]){EB, 1}, ey))->data[0];
        tp.no_grad = 0;
        free(ex), free(ey);
    }
    free(x), free(y);
    tape_free(&tp);
    adam_free(&opt);
    if (keep) *keep = net;   // the Tensor structs stay where they are: the copy is the model
    else memory_net_free(&net);
}

void memory_run_free(MemoryRun *run) {
    free(run->loss);
    free(run->grad_norm);
    run->loss = run->grad_norm = NULL;
}

void memory_run_all(MemoryRun *runs, int n, int threads) {
    // the work of a run is about T x updates x (4 for the LSTM's four gates, 1 for the RNN)
    int *order = xmalloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    for (int k = 0; k < n; k++) order[k] = k;
    for (int a = 1; a < n; a++)   // insertion sort, most work first
        for (int b = a; b > 0; b--) {
            const MemoryRun *x = &runs[order[b]], *y = &runs[order[b - 1]];
            double wx = (double)x->T * x->steps * (x->kind == MEMORY_LSTM ? 4 : 1);
            double wy = (double)y->T * y->steps * (y->kind == MEMORY_LSTM ? 4 : 1);
            if (wx <= wy) break;
            int tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    (void)threads;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : 1)
    for (int k = 0; k < n; k++) memory_run_train(&runs[order[k]], NULL);
    free(order);
}

double memory_mean_loss(const MemoryRun *run, int from, int to) {
    if (to > run->steps_done) to = run->steps_done;
    if (from < 0) from = 0;
    if (to <= from) return NAN;
    double sum = 0.0;
    for (int s = from; s < to; s++) sum += run->loss[s];
    return sum / (to - from);
}
