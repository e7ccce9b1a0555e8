// train_rnn.c: see train_rnn.h. Chapter 02.
#include "train_rnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adding_task.h"
#include "init.h"
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

void clip_run_train(ClipRun *run) {
    Rng init_rng, data_rng;
    rng_seed(&init_rng, run->seed);
    rng_seed(&data_rng, run->seed ^ 0x5eed5eedull);
    Params P;
    params_init(&P);
    AddingRNN m = model_create(&P, &init_rng, run->hidden);
    Sgd opt = sgd_create(&P, run->lr, 0.0f);
    Tape tp;
    // a step keeps about 8 (B, H) tensors per time step; the evaluation batch is 1024
    size_t widest = run->batch > 1024 ? (size_t)run->batch : 1024;
    tape_init(&tp, (size_t)run->T * widest * run->hidden * 4 * 8 + (8u << 20), &init_rng);

    run->loss = xcalloc((size_t)run->steps, sizeof(float));
    run->grad_norm = xcalloc((size_t)run->steps, sizeof(float));
    run->steps_done = 0;
    run->diverged_step = -1;
    run->diverged_what[0] = '\0';
    int T = run->T, B = run->batch;
    float *x = xmalloc(sizeof(float) * (size_t)T * B * 2), *y = xmalloc(sizeof(float) * (size_t)B);

    for (int step = 0; step < run->steps; step++) {
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

    run->eval_mse = NAN;
    if (run->diverged_step < 0) {  // held-out evaluation: 1024 fresh sequences, no gradients
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
