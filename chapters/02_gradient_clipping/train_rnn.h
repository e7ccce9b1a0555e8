// train_rnn.h: chapter 02's training experiment. A vanilla tanh RNN (one layer, PyTorch's
// nn.RNN parameter names) reads the adding problem (common/adding_task.h) and a linear layer
// predicts the sum from h_T. Trained with plain SGD three ways, same seed and learning rate:
// no clipping, clipping each gradient value, clipping the global norm.
//
// Checkpoints (common/checkpoint.h), with ckpt = NAME: when a run ends (finished or diverged)
// or is stopped (Ctrl-C, SIGTERM, stop_after), it writes
//     NAME.safetensors        the model (nn.RNN's names + "fc"), its config as JSON and the
//                             history: the loss and gradient norm of every update so far
//     NAME.train.safetensors  the data Rng (the batches still to come); SGD without momentum
//                             has no other state
// both atomically. With resume, a run whose NAME exists goes on from there: the config must
// match (--steps may grow), and the result equals a run never stopped, bit for bit.
#ifndef CH02_TRAIN_RNN_H
#define CH02_TRAIN_RNN_H

#include <stdint.h>

typedef enum { CLIP_NONE, CLIP_VALUE, CLIP_NORM } ClipMode;

const char *clip_mode_name(ClipMode mode);

typedef struct ClipRun {
    // what to run
    int T;              // sequence length of the adding problem
    int hidden;         // H
    int batch;          // B
    int steps;          // SGD updates
    float lr;
    ClipMode mode;
    float threshold;    // the norm (CLIP_NORM) or the value (CLIP_VALUE) to clip at
    uint64_t seed;      // model initialisation and data: equal seeds, equal runs
    // optional: called after every step (progress display)
    void (*on_step)(void *ctx, int step, float loss);
    void *ctx;
    // optional: checkpoints (see above)
    const char *ckpt;   // NAME, or NULL: nothing saved, Ctrl-C not polled
    int resume;         // 1: continue from NAME when it exists (start afresh when it does not)
    long stop_after;    // > 0: stop after this many updates in this process, saving as on Ctrl-C
    // what happened
    float *loss;        // (steps) training MSE per step (filled up to steps_done)
    float *grad_norm;   // (steps) global gradient norm per step, BEFORE clipping
    int steps_done;
    int diverged_step;  // first step whose loss or gradients were NaN/Inf, or -1
    char diverged_what[160];  // which number went bad ("loss", "gradient of rnn.weight_hh_l0")
    double eval_mse;    // MSE on 1024 held-out sequences after training (NaN if diverged or stopped)
    int start_step;     // updates done before this process (read from the checkpoint), else 0
    int interrupted;    // stopped early and saved: SIGINT / SIGTERM's number, or -1 for stop_after
} ClipRun;

// Allocates run->loss and run->grad_norm (free with clip_run_free) and trains. With a ckpt,
// it polls interrupt_requested() before every update (the caller installs the handler,
// common/interrupt.h): a signal finishes the update in progress, saves and returns with
// `interrupted` set. Checkpoint errors are fatal (one line).
void clip_run_train(ClipRun *run);

// The run's configuration as saved in its checkpoint (a JSON object; free() it).
char *clip_run_config_json(const ClipRun *run);
void clip_run_free(ClipRun *run);

#endif
