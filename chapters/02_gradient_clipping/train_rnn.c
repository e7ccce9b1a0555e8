// train_rnn.c: see train_rnn.h. Chapter 02.
#include "train_rnn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adding_task.h"
#include "checkpoint.h"
#include "init.h"
#include "interrupt.h"
#include "json.h"
#include "step_history.h"
#include "layers.h"
#include "ops.h"
#include "optim.h"
#include "params.h"
#include "util.h"

const char *clip_mode_name(ClipMode mode) {
    return mode == CLIP_NONE ? "no clipping" : mode == CLIP_VALUE ? "clip by value" : "clip by norm";
}

typedef struct AddingRNN {
    Tensor *w_ih, *w_hh, *b_ih, *b_hh;   // (H, 2), (H, H), (H), (H): nn.RNN's names
    Linear out;                           // (1, H): the prediction from h_T
    int H;
} AddingRNN;

static AddingRNN model_create(Params *P, Rng *rng, int H) {
    AddingRNN m = {.H = H};
    m.w_ih = params_new(P, 2, (int[]){H, 2}, "rnn.weight_ih_l0");
    m.w_hh = params_new(P, 2, (int[]){H, H}, "rnn.weight_hh_l0");
    m.b_ih = params_new(P, 1, (int[]){H}, "rnn.bias_ih_l0");
    m.b_hh = params_new(P, 1, (int[]){H}, "rnn.bias_hh_l0");
    for (int i = 0; i < P->n; i++) init_rnn_default(P->list[i], rng, H);
    m.out = linear_create(P, rng, "fc", H, 1, 1);
    return m;
}

// h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh);  prediction = fc(h_T).  x (T, B, 2).
static Tensor *model_forward(Tape *tp, const AddingRNN *m, Tensor *x) {
    int T = x->shape[0], B = x->shape[1];
    Tensor *xproj = op_linear(tp, x, m->w_ih, m->b_ih);   // (T, B, H): all steps in one product
    Tensor *h = tensor_zeros(tp, 2, (int[]){B, m->H});     // h_0 = 0, (B, H)
    for (int t = 0; t < T; t++)
        h = op_tanh(tp, op_add(tp, op_select(tp, xproj, t), op_linear(tp, h, m->w_hh, m->b_hh)));
    return linear_forward(tp, &m->out, h);                 // (B, 1)
}

// ---- checkpoints ---------------------------------------------------------------------------

static const char *mode_key(ClipMode mode) { return mode == CLIP_NONE ? "none" : mode == CLIP_VALUE ? "value" : "norm"; }

char *clip_run_config_json(const ClipRun *run) {
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "{\"model\":\"adding_rnn\",\"T\":%d,\"hidden\":%d,\"batch\":%d,\"lr\":%.9g,\"clip\":\"%s\","
              "\"threshold\":%.9g,\"seed\":%llu}", run->T, run->hidden, run->batch, (double)run->lr,
              mode_key(run->mode), run->mode == CLIP_NONE ? 0.0 : (double)run->threshold,
              (unsigned long long)run->seed);
    return sb.s;
}

// The run's record as a StepHistory view (common/step_history.h).
static StepHistory history_of(ClipRun *run) {
    return (StepHistory){.loss = run->loss, .grad_norm = run->grad_norm, .capacity = run->steps,
                         .done = run->steps_done, .diverged_step = run->diverged_step,
                         .diverged_what = run->diverged_what, .diverged_what_size = sizeof run->diverged_what};
}

static char *history_json(const ClipRun *run) {
    StepHistory h = history_of((ClipRun *)run);   // only read
    return step_history_json(&h);
}

// Fills loss, grad_norm (room for run->steps), steps_done and diverged_*; 0 and err if malformed.
static int read_history(ClipRun *run, const char *text, char *err, size_t errlen) {
    StepHistory h = history_of(run);
    if (!step_history_read(&h, text, err, errlen)) return 0;
    run->steps_done = h.done;
    run->diverged_step = h.diverged_step;
    return 1;
}

// The updates applied so far: a diverged run stopped before updating at its last step.
static long updates_done(const ClipRun *run) { return run->diverged_step >= 0 ? run->diverged_step : run->steps_done; }

static void save_run(const ClipRun *run, const Params *P, Rng *data_rng) {
    char *config = clip_run_config_json(run), *history = history_json(run), run_id[64];
    checkpoint_run_id(run_id, sizeof run_id, "adding_rnn", config);
    const char *extra[2] = {"history", history};
    CheckpointMeta meta = {.config = config, .run_id = run_id, .step = updates_done(run), .extra = extra, .n_extra = 1};
    interrupt_hold();   // a second Ctrl-C waits until both files are written
    checkpoint_save_or_die(run->ckpt, P, &meta, &(TrainState){.rng = data_rng});
    interrupt_release();
    free(config), free(history);
}

// Load NAME into the model, the data Rng and the history; returns the updates it has done,
// or 0 when there is no NAME.safetensors (the run starts afresh).
static int resume_run(ClipRun *run, Params *P, Rng *data_rng) {
    char path[4200], err[1300];
    snprintf(path, sizeof path, "%s.safetensors", run->ckpt);
    FILE *probe = fopen(path, "rb");
    if (!probe) return 0;
    fclose(probe);
    Checkpoint ck;
    char *config = clip_run_config_json(run);
    if (!checkpoint_open(&ck, run->ckpt, err, sizeof err)) die("--resume: %s", err);
    checkpoint_check_config_or_die(&ck, config);
    checkpoint_load_params_or_die(&ck, P);
    checkpoint_load_train_or_die(&ck, P, &(TrainState){.rng = data_rng});
    if (!read_history(run, checkpoint_meta(&ck, "history"), err, sizeof err)) die("--resume: %s: %s", path, err);
    if (updates_done(run) != ck.step)
        die("--resume: %s: the history has %d updates but the checkpoint is at update %ld", path, run->steps_done,
            ck.step);
    checkpoint_close(&ck);
    free(config);
    return run->steps_done;
}

// ---- training --------------------------------------------------------------------------------

void clip_run_train(ClipRun *run) {
    Rng init_rng, data_rng;
    rng_seed(&init_rng, run->seed);
    rng_seed(&data_rng, run->seed ^ 0x5eed5eedull);
    Params P;
    params_init(&P);
    AddingRNN m = model_create(&P, &init_rng, run->hidden);
    Sgd opt = sgd_create(&P, run->lr, 0.0f);   // no momentum: no state to checkpoint but the step
    Tape tp;
    // a step keeps about 8 (B, H) tensors per time step; the evaluation batch is 1024
    size_t widest = run->batch > 1024 ? (size_t)run->batch : 1024;
    tape_init(&tp, (size_t)run->T * widest * run->hidden * 4 * 8 + (8u << 20), &init_rng);

    run->loss = xcalloc((size_t)run->steps, sizeof(float));
    run->grad_norm = xcalloc((size_t)run->steps, sizeof(float));
    run->steps_done = 0;
    run->diverged_step = -1;
    run->diverged_what[0] = '\0';
    run->interrupted = 0;
    int T = run->T, B = run->batch;
    float *x = xmalloc(sizeof(float) * (size_t)T * B * 2), *y = xmalloc(sizeof(float) * (size_t)B);
    int start = run->ckpt && run->resume ? resume_run(run, &P, &data_rng) : 0;
    run->start_step = start;
    opt.step = start;

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
        params_zero_grad(&P);
        Tensor *pred = model_forward(&tp, &m, tensor_from(&tp, 3, (int[]){T, B, 2}, x));
        Tensor *loss = op_mse(&tp, pred, tensor_from(&tp, 2, (int[]){B, 1}, y));
        tape_backward(&tp, loss);
        run->loss[step] = loss->data[0];
        run->grad_norm[step] = (float)grad_norm(&P);
        run->steps_done = step + 1;
        const char *bad = NULL;
        int in_grad = 0;
        if (!isfinite(loss->data[0])) {
            snprintf(run->diverged_what, sizeof run->diverged_what, "the loss (%g)", loss->data[0]);
        } else if (!params_all_finite(&P, &bad, &in_grad)) {
            snprintf(run->diverged_what, sizeof run->diverged_what, "the %s of %s",
                     in_grad ? "gradient" : "value", bad);
        }
        if (run->diverged_what[0]) {  // stop this run cleanly; the caller reports it
            run->diverged_step = step;
            break;
        }
        // 2. clip them, all together
        if (run->mode == CLIP_NORM) clip_grad_norm(&P, run->threshold);
        else if (run->mode == CLIP_VALUE) clip_grad_value(&P, run->threshold);
        // 3. apply the update
        sgd_step(&opt);
        if (run->on_step) run->on_step(run->ctx, step, loss->data[0]);
    }

    if (run->ckpt) save_run(run, &P, &data_rng);

    run->eval_mse = NAN;
    if (run->diverged_step < 0 && !run->interrupted) {  // held-out evaluation: 1024 fresh sequences, no gradients
        Rng eval_rng;
        rng_seed(&eval_rng, 424242);
        int EB = 1024;
        float *ex = xmalloc(sizeof(float) * (size_t)T * EB * 2), *ey = xmalloc(sizeof(float) * EB);
        adding_batch(&eval_rng, T, EB, ex, ey, NULL, NULL);
        tape_reset(&tp);
        tp.no_grad = 1;
        Tape *t = &tp;
        Tensor *pred = model_forward(t, &m, tensor_from(t, 3, (int[]){T, EB, 2}, ex));
        run->eval_mse = op_mse(t, pred, tensor_from(t, 2, (int[]){EB, 1}, ey))->data[0];
        tp.no_grad = 0;
        free(ex), free(ey);
    }
    free(x), free(y);
    tape_free(&tp);
    sgd_free(&opt);
    params_free(&P);
}

void clip_run_free(ClipRun *run) {
    free(run->loss);
    free(run->grad_norm);
    run->loss = run->grad_norm = NULL;
}
