// adding_train.c: see adding_train.h. Introduced in chapter 03; chapter 05 adds the GRU.
#include "adding_train.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adding_task.h"
#include "checkpoint.h"
#include "interrupt.h"
#include "json.h"
#include "step_history.h"
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

// The parameter prefix, PyTorch's attribute name in the reference model: rnn, lstm or gru.
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

// ---- checkpoints ---------------------------------------------------------------------------

char *adding_run_config_json(const AddingRun *run) {
    static const char *const models[] = {"adding_rnn", "adding_rnn_relu", "adding_lstm", "adding_gru"};
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "{\"model\":\"%s\",\"T\":%d,\"hidden\":%d,\"batch\":%d,\"lr\":%.9g,\"clip\":%.9g,", models[run->kind],
              run->T, run->hidden, run->batch, (double)run->lr, (double)run->clip);
    if (run->kind == CELL_LSTM) sb_printf(&sb, "\"forget_bias\":%.9g,", (double)run->forget_bias);
    if (run->kind == CELL_GRU && !isnan(run->update_bias))
        sb_printf(&sb, "\"update_bias\":%.9g,", (double)run->update_bias);
    sb_printf(&sb, "\"seed\":%llu}", (unsigned long long)run->seed);
    return sb.s;
}

// The run's record as a StepHistory view (common/step_history.h).
static StepHistory history_of(AddingRun *run) {
    return (StepHistory){.loss = run->loss, .grad_norm = run->grad_norm, .capacity = run->steps,
                         .done = run->steps_done, .diverged_step = run->diverged_step,
                         .diverged_what = run->diverged_what, .diverged_what_size = sizeof run->diverged_what};
}

static char *history_json(const AddingRun *run) {
    StepHistory h = history_of((AddingRun *)run);   // only read
    return step_history_json(&h);
}

// Fills loss, grad_norm (room for run->steps), steps_done and diverged_*; 0 and err if malformed.
static int read_history(AddingRun *run, const char *text, char *err, size_t errlen) {
    StepHistory h = history_of(run);
    if (!step_history_read(&h, text, err, errlen)) return 0;
    run->steps_done = h.done;
    run->diverged_step = h.diverged_step;
    return 1;
}

// The updates applied so far: a diverged run stopped before updating at its last step.
static long updates_done(const AddingRun *run) { return run->diverged_step >= 0 ? run->diverged_step : run->steps_done; }

static void save_run(const AddingRun *run, const Params *P, Adam *adam, Rng *data_rng) {
    char *config = adding_run_config_json(run), *history = history_json(run), run_id[64];
    checkpoint_run_id(run_id, sizeof run_id, "adding", config);
    const char *extra[2] = {"history", history};
    CheckpointMeta meta = {.config = config, .run_id = run_id, .step = updates_done(run), .extra = extra, .n_extra = 1};
    // One save at a time: adding_run_all's threads share the hold count of interrupt.c.
#pragma omp critical(adding_checkpoint)
    {
        interrupt_hold();   // a second Ctrl-C waits until both files are written
        checkpoint_save_or_die(run->ckpt, P, &meta, &(TrainState){.adam = adam, .rng = data_rng});
        interrupt_release();
    }
    free(config), free(history);
}

// Load NAME into the model, Adam, the data Rng and the history; returns the updates it has
// done, or 0 when there is no NAME.safetensors (the run starts afresh).
static int resume_run(AddingRun *run, Params *P, Adam *adam, Rng *data_rng) {
    char path[4200], err[1300];
    snprintf(path, sizeof path, "%s.safetensors", run->ckpt);
    FILE *probe = fopen(path, "rb");
    if (!probe) return 0;
    fclose(probe);
    Checkpoint ck;
    char *config = adding_run_config_json(run);
    if (!checkpoint_open(&ck, run->ckpt, err, sizeof err)) die("--resume: %s", err);
    checkpoint_check_config_or_die(&ck, config);
    checkpoint_load_params_or_die(&ck, P);
    checkpoint_load_train_or_die(&ck, P, &(TrainState){.adam = adam, .rng = data_rng});
    if (!read_history(run, checkpoint_meta(&ck, "history"), err, sizeof err)) die("--resume: %s: %s", path, err);
    if (updates_done(run) != ck.step || adam->step != ck.step)
        die("--resume: %s: the history has %d updates, Adam %ld, but the checkpoint is at update %ld", path,
            run->steps_done, adam->step, ck.step);
    checkpoint_close(&ck);
    free(config);
    return run->steps_done;
}

// ---- training --------------------------------------------------------------------------------

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
    double t0 = now_seconds();
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
    run->interrupted = 0;
    float *x = xmalloc(sizeof(float) * (size_t)T * B * 2);   // (T, B, 2)
    float *y = xmalloc(sizeof(float) * (size_t)B);           // (B)
    int start = run->ckpt && run->resume ? resume_run(run, &net.P, &opt, &data_rng) : 0;
    run->start_step = start;

    for (int step = start; step < run->steps && run->diverged_step < 0; step++) {
        // Ctrl-C arrived during the previous update (or a test's stop_after): stop and save
        int sig = run->ckpt ? interrupt_requested() : 0;
        if (sig || (run->stop_after > 0 && step - start >= run->stop_after)) {
            run->interrupted = sig ? sig : -1;
            break;
        }
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
        // ... and clip them: the gates fix vanishing gradients, but nothing stops them growing
        run->grad_norm[step] = (float)clip_grad_norm(&net.P, run->clip);
        // 3. apply the update
        adam_step(&opt);
    }

    if (run->ckpt) save_run(run, &net.P, &opt, &data_rng);

    run->eval_mse = run->eval_hits = NAN;
    if (run->diverged_step < 0 && !run->interrupted) evaluate(run, &net, &tp);
    free(x), free(y);
    tape_free(&tp);
    adam_free(&opt);
    if (keep) *keep = net;   // the Tensor structs stay where they are: the copy is the model
    else adding_net_free(&net);
    run->seconds = now_seconds() - t0;
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
