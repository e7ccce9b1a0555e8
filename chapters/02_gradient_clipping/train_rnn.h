// train_rnn.h: chapter 02's training experiment. A vanilla tanh RNN (one layer, PyTorch's
// nn.RNN parameter names) reads the adding problem (common/adding_task.h) and a linear layer
// predicts the sum from h_T. Trained with plain SGD three ways, same seed and learning rate:
// no clipping, clipping each gradient value, clipping the global norm.
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
    // what happened
    float *loss;        // (steps) training MSE per step (filled up to steps_done)
    float *grad_norm;   // (steps) global gradient norm per step, BEFORE clipping
    int steps_done;
    int diverged_step;  // first step whose loss or gradients were NaN/Inf, or -1
    char diverged_what[160];  // which number went bad ("loss", "gradient of rnn.weight_hh_l0")
    double eval_mse;    // MSE on 1024 held-out sequences after training (NaN if diverged)
} ClipRun;

// Allocates run->loss and run->grad_norm (free with clip_run_free) and trains.
void clip_run_train(ClipRun *run);
void clip_run_free(ClipRun *run);

#endif
