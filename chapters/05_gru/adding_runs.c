// adding_runs.c: see adding_runs.h. Chapter 05.
#include "adding_runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adding_task.h"
#include "ops.h"
#include "optim.h"
#include "util.h"

const char *adding_cell_name(CellKind kind) {
    switch (kind) {
    case CELL_RNN_TANH: return "RNN";
    case CELL_RNN_RELU: return "RNN (relu)";
    case CELL_LSTM: return "LSTM";
    case CELL_GRU: return "GRU";
    }
    return "?";
}

static const char *cell_prefix(CellKind kind) {
    return kind == CELL_LSTM ? "lstm" : kind == CELL_GRU ? "gru" : "rnn";
}

void adding_net_init(AddingNet *net, CellKind kind, int H, float forget_bias, float update_bias, Rng *rng) {
    memset(net, 0, sizeof *net);
    net->H = H;
    params_init(&net->P);
    net->cell = recurrent_layer_create(&net->P, rng, kind, cell_prefix(kind), 0, "", 2, H);
    // bias blocks: LSTM [i | f | g | o], GRU [r | z | n]; the second is the gate we may set
    Tensor *b_ih = NULL, *b_hh = NULL;
    float value = 0.0f;
    if (kind == CELL_LSTM) b_ih = net->cell.cell.lstm.bias_ih, b_hh = net->cell.cell.lstm.bias_hh, value = forget_bias;
    if (kind == CELL_GRU && !isnan(update_bias))
        b_ih = net->cell.cell.gru.bias_ih, b_hh = net->cell.cell.gru.bias_hh, value = update_bias;
    for (int j = 0; b_ih && j < H; j++) {
        b_ih->data[H + j] = value;
        b_hh->data[H + j] = 0.0f;
    }
    net->fc = linear_create(&net->P, rng, "fc", H, 1, 1);
}

void adding_net_free(AddingNet *net) { params_free(&net->P); }

Tensor *adding_net_forward(Tape *tp, const AddingNet *net, Tensor *x) {
    Tensor *h_last;   // (B, H)
    recurrent_layer_forward(tp, &net->cell, x, NULL, NULL, NULL, 0, &h_last, NULL);
    return linear_forward(tp, &net->fc, h_last);   // (B, 1)
}

AddingRun adding_run_config(CellKind kind, int T, int quick, uint64_t seed) {
    AddingRun run;
    memset(&run, 0, sizeof run);
    run.kind = kind;
    run.T = T;
    run.hidden = 16;
    run.batch = 32;
    run.steps = quick ? 300 : 3000;
    run.lr = 1e-2f;
    run.clip = 1.0f;
    run.forget_bias = 1.0f;
    run.update_bias = NAN;
    run.seed = seed;
    run.eval_batch = 512;
    run.diverged_step = -1;
    return run;
}

int adding_lengths(int quick, int *lengths) {
    static const int classroom[] = {10, 25, 50, 100, 200}, short_ones[] = {5, 10, 20};
    int n = quick ? 3 : 5;
    memcpy(lengths, quick ? short_ones : classroom, sizeof(int) * (size_t)n);
    return n;
}

// The arena for one update: about 40 (B, 4H)-sized tensors and their grads per time step.
static size_t update_bytes(int T, int B, int H) {
    return (size_t)T * (size_t)B * (size_t)H * 4u * 48u + (size_t)T * 64u * 1024u + (8u << 20);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// Held-out sequences (the same for every run): the MSE and the share of hits.
static void evaluate(AddingRun *run, const AddingNet *net, Tape *tp) {
    int T = run->T, EB = run->eval_batch;
    Rng eval_rng;
    rng_seed(&eval_rng, 31337);
    float *x = xmalloc(sizeof(float) * (size_t)T * EB * 2), *y = xmalloc(sizeof(float) * (size_t)EB);
    adding_batch(&eval_rng, T, EB, x, y, NULL, NULL);
    tape_reset(tp);
    tp->no_grad = 1;
    Tensor *pred = adding_net_forward(tp, net, tensor_from(tp, 3, (int[]){T, EB, 2}, x));   // (EB, 1)
    run->eval_mse = op_mse(tp, pred, tensor_from(tp, 2, (int[]){EB, 1}, y))->data[0];
    int hits = 0;
    for (int b = 0; b < EB; b++) hits += fabs((double)pred->data[b] - y[b]) < ADDING_HIT_TOLERANCE;
    run->eval_hits = (double)hits / EB;
    tp->no_grad = 0;
    free(x), free(y);
}

void adding_run_train(AddingRun *run, AddingNet *keep) {
    double start = now_seconds();
    Rng init_rng, data_rng;
    rng_seed(&init_rng, run->seed);
    rng_seed(&data_rng, run->seed ^ 0xadd1e5ull);   // every cell sees the same batches
    AddingNet net;
    adding_net_init(&net, run->kind, run->hidden, run->forget_bias, run->update_bias, &init_rng);
    run->n_params = (long)params_count(&net.P);
    Adam opt = adam_create(&net.P, run->lr);
    int T = run->T, B = run->batch;
    if (run->eval_batch <= 0) run->eval_batch = 512;
    Tape tp;
    tape_init(&tp, update_bytes(T, B > run->eval_batch ? B : run->eval_batch, run->hidden), &init_rng);

    int n_steps = run->steps > 0 ? run->steps : 1;
    run->loss = xcalloc((size_t)n_steps, sizeof(float));
    run->grad_norm = xcalloc((size_t)n_steps, sizeof(float));
    run->steps_done = 0;
    run->diverged_step = -1;
    run->diverged_what[0] = '\0';
    float *x = xmalloc(sizeof(float) * (size_t)T * B * 2);   // (T, B, 2)
    float *y = xmalloc(sizeof(float) * (size_t)B);           // (B)

    for (int step = 0; step < run->steps; step++) {
        adding_batch(&data_rng, T, B, x, y, NULL, NULL);
        tape_reset(&tp);
        // 1. compute every gradient
        params_zero_grad(&net.P);
        Tensor *pred = adding_net_forward(&tp, &net, tensor_from(&tp, 3, (int[]){T, B, 2}, x));
        Tensor *loss = op_mse(&tp, pred, tensor_from(&tp, 2, (int[]){B, 1}, y));
        tape_backward(&tp, loss);
        run->loss[step] = loss->data[0];
        run->steps_done = step + 1;
        // 2. look at them: stop at the first NaN or Inf, naming the tensor ...
        const char *bad = NULL;
        int in_grad = 0;
        if (!isfinite(loss->data[0]))
            snprintf(run->diverged_what, sizeof run->diverged_what, "the loss (%g)", loss->data[0]);
        else if (!params_all_finite(&net.P, &bad, &in_grad))
            snprintf(run->diverged_what, sizeof run->diverged_what, "the %s of %s", in_grad ? "gradient" : "value", bad);
        if (run->diverged_what[0]) {
            run->diverged_step = step;
            break;
        }
        // ... and clip them (gates fix vanishing, not exploding)
        run->grad_norm[step] = (float)clip_grad_norm(&net.P, run->clip);
        // 3. apply the update
        adam_step(&opt);
    }

    run->eval_mse = run->eval_hits = NAN;
    if (run->diverged_step < 0) evaluate(run, &net, &tp);
    free(x), free(y);
    tape_free(&tp);
    adam_free(&opt);
    if (keep) *keep = net;   // the Tensor structs stay where they are: the copy is the model
    else adding_net_free(&net);
    run->seconds = now_seconds() - start;
}

void adding_run_free(AddingRun *run) {
    free(run->loss);
    free(run->grad_norm);
    run->loss = run->grad_norm = NULL;
}

// Work of a run: T x updates x the cell's matrices (1 RNN, 4 LSTM, 3 GRU).
static double run_work(const AddingRun *r) {
    int gates = r->kind == CELL_LSTM ? 4 : r->kind == CELL_GRU ? 3 : 1;
    return (double)r->T * r->steps * gates;
}

void adding_run_all(AddingRun *runs, int n, int threads) {
    int *order = xmalloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    for (int k = 0; k < n; k++) order[k] = k;
    for (int a = 1; a < n; a++)   // insertion sort, most work first (so no long run starts last)
        for (int b = a; b > 0 && run_work(&runs[order[b]]) > run_work(&runs[order[b - 1]]); b--) {
            int tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    (void)threads;   // unused without OpenMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : 1)
    for (int k = 0; k < n; k++) adding_run_train(&runs[order[k]], NULL);
    free(order);
}

double adding_mean_loss(const AddingRun *run, int from, int to) {
    if (to > run->steps_done) to = run->steps_done;
    if (from < 0) from = 0;
    if (to <= from) return NAN;
    double sum = 0.0;
    for (int s = from; s < to; s++) sum += run->loss[s];
    return sum / (to - from);
}
