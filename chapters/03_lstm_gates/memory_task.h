// memory_task.h: chapter 03's training experiment. An nn.RNN (tanh) or an nn.LSTM, one layer
// of H units, reads the adding problem (common/adding_task.h: two numbers per step, add the two
// marked values) and a linear layer predicts the sum from the last hidden state:
//
//     h_T = RNN or LSTM(x_1 .. x_T),    prediction = fc(h_T) = h_T w^T + b,    loss = MSE
//
// Both are trained the same way: Adam, clip_grad_norm, the same batches (same seed), the same
// number of updates. Predicting 1.0 every time gives MSE 1/6 (ADDING_BASELINE_MSE); below it
// the network remembers something across the gap between the two marks.
//
// Checkpoints (common/checkpoint.h), with ckpt = NAME: when a run ends (finished or diverged)
// or is stopped (Ctrl-C, SIGTERM, stop_after), it writes
//     NAME.safetensors        the model (nn.RNN's or nn.LSTM's names + "fc"), its config as JSON
//                             and the history: the loss and gradient norm of every update so far
//     NAME.train.safetensors  Adam's moments and step, and the data Rng (the batches to come)
// both atomically. With resume, a run whose NAME exists goes on from there: the config must
// match (steps may grow), and the result equals a run never stopped, bit for bit.
#ifndef CH03_MEMORY_TASK_H
#define CH03_MEMORY_TASK_H

#include <stdint.h>

#include "layers.h"
#include "lstm.h"
#include "params.h"
#include "rnn.h"

typedef enum { MEMORY_RNN, MEMORY_LSTM } MemoryKind;

const char *memory_kind_name(MemoryKind kind);   // "RNN" or "LSTM"

// The model: its parameters, the recurrent layer and the output layer.
typedef struct MemoryNet {
    MemoryKind kind;
    Params P;
    RNN rnn;     // when kind == MEMORY_RNN: "rnn.weight_ih_l0" ...
    LSTM lstm;   // when kind == MEMORY_LSTM: "lstm.weight_ih_l0" ...
    Linear fc;   // "fc.weight" (1, H), "fc.bias" (1)
    int H;
} MemoryNet;

// PyTorch's initialisation; for the LSTM the forget gate's bias is then set to forget_bias
// (grad_flow.h's flow_set_forget_bias).
void memory_net_init(MemoryNet *net, MemoryKind kind, int H, float forget_bias, Rng *rng);
void memory_net_free(MemoryNet *net);
// x (T, B, 2) -> prediction (B, 1)
Tensor *memory_net_forward(Tape *tp, const MemoryNet *net, Tensor *x);

typedef struct MemoryRun {
    // what to run
    MemoryKind kind;
    int T;               // sequence length
    int hidden;          // H
    int batch;           // B
    int steps;           // Adam updates
    float lr;
    float clip;          // global gradient norm to clip at
    float forget_bias;   // LSTM only
    uint64_t seed;       // initialisation and batches: equal seeds, equal runs
    int eval_batch;      // held-out sequences for the final MSE
    // optional: checkpoints (see above)
    const char *ckpt;    // NAME, or NULL: nothing saved, Ctrl-C not polled
    int resume;          // 1: continue from NAME when it exists (start afresh when it does not)
    long stop_after;     // > 0: stop after this many updates in this process, saving as on Ctrl-C
    // what happened
    float *loss;         // (steps) training MSE per update (filled up to steps_done)
    float *grad_norm;    // (steps) global gradient norm per update, BEFORE clipping
    int steps_done;
    int diverged_step;   // the step whose loss or gradients were NaN/Inf, or -1
    char diverged_what[160];   // which tensor went bad
    double eval_mse;     // MSE on eval_batch fresh sequences after training (NaN if diverged or stopped)
    int start_step;      // updates done before this process (read from the checkpoint), else 0
    int interrupted;     // stopped early and saved: SIGINT / SIGTERM's number, or -1 for stop_after
} MemoryRun;

// The settings of chapter 03's experiment, shared by main.c and the tests:
//   classroom default  H = 16, B = 32, 3000 Adam updates, lr 1e-2, clip at norm 1, forget bias 1,
//                      lengths 10, 25, 50, 100, 200
//   quick (--quick)    the same with 300 updates and lengths 5, 10, 20
// memory_run_config fills in everything "what to run" holds for one model and length.
#define MEMORY_MAX_LENGTHS 8
MemoryRun memory_run_config(MemoryKind kind, int T, int quick, uint64_t seed);
// The lengths to compare; returns how many (at most MEMORY_MAX_LENGTHS).
int memory_lengths(int quick, int *lengths);

// Trains a new net (memory_net_init with the run's settings) and fills in the results. If net
// is not NULL it receives the trained model (free it with memory_net_free); else it is freed.
// Allocates run->loss and run->grad_norm: free them with memory_run_free.
// With a ckpt, it polls interrupt_requested() before every update (the caller installs the
// handler, common/interrupt.h): a signal finishes the update in progress, saves and returns
// with `interrupted` set. Checkpoint errors are fatal (one line).
void memory_run_train(MemoryRun *run, MemoryNet *net);

// The run's configuration as saved in its checkpoint (a JSON object; free() it).
char *memory_run_config_json(const MemoryRun *run);
void memory_run_free(MemoryRun *run);

// Train n independent runs, up to `threads` at a time (OpenMP; 1 without it), longest first.
// Every run has its own seed, tape and model and the kernels give the same numbers on any
// number of threads, so the results do not depend on `threads`. Runs with a ckpt save in turn
// (one at a time); after a Ctrl-C the runs in flight finish their update and save, and the
// runs not yet started save their state at update 0 (or as resumed) without training.
void memory_run_all(MemoryRun *runs, int n, int threads);

// The mean of loss[from, to) (to clipped to steps_done), e.g. the last 10% of training.
double memory_mean_loss(const MemoryRun *run, int from, int to);

#endif
