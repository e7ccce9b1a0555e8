// adding_train.h: one recurrent layer trained on the adding problem, with checkpoints, exact
// resume and clean interrupts. Introduced in chapter 03 (RNN against LSTM); chapter 05 races
// the GRU on it too. Both chapters call this one implementation, so chapter 03's numbers
// reappear in chapter 05 unchanged.
//
// An nn.RNN (tanh), an nn.LSTM or an nn.GRU, one layer of H units, reads the adding problem
// (adding_task.h: two numbers per step, add the two marked values) and a linear layer predicts
// the sum from the last hidden state:
//
//     h_T = cell(x_1 .. x_T),    prediction = fc(h_T) = h_T w^T + b,    loss = MSE
//
// Every cell is trained the same way: Adam, clip_grad_norm, the same batches (same seed), the
// same number of updates, a stop at the first NaN or Inf naming the update and the tensor.
// Predicting 1.0 every time gives MSE 1/6 (ADDING_BASELINE_MSE); below it the network
// remembers something across the gap between the two marks.
//
// Checkpoints (checkpoint.h), with ckpt = NAME: when a run ends (finished or diverged) or is
// stopped (Ctrl-C, SIGTERM, stop_after), it writes
//     NAME.safetensors        the model (nn.RNN's, nn.LSTM's or nn.GRU's names + "fc"), its
//                             config as JSON and the history: the loss and gradient norm of
//                             every update so far
//     NAME.train.safetensors  Adam's moments and step, and the data Rng (the batches to come)
// both atomically. With resume, a run whose NAME exists goes on from there: the config must
// match (steps may grow), and the result equals a run never stopped, bit for bit.
#ifndef UNROLLED_ADDING_TRAIN_H
#define UNROLLED_ADDING_TRAIN_H

#include <stdint.h>

#include "bidirectional.h"   // CellKind and RecurrentLayer: one layer of any of the three cells
#include "layers.h"
#include "params.h"

// "RNN", "LSTM" or "GRU" ("RNN (relu)" for CELL_RNN_RELU).
const char *adding_cell_name(CellKind kind);

// The model: its parameters, the recurrent layer and the output layer.
typedef struct AddingNet {
    Params P;
    RecurrentLayer cell;   // "rnn.weight_ih_l0", "lstm.weight_ih_l0" or "gru.weight_ih_l0", ...
    Linear fc;             // "fc.weight" (1, H), "fc.bias" (1)
    int H;
} AddingNet;

// PyTorch's initialisation; then the LSTM's forget-gate bias is set to forget_bias and, unless
// update_bias is NaN, the GRU's update-gate bias to update_bias (b_ih = value, b_hh = 0).
void adding_net_init(AddingNet *net, CellKind kind, int H, float forget_bias, float update_bias, Rng *rng);
void adding_net_free(AddingNet *net);
// x (T, B, 2) -> prediction (B, 1)
Tensor *adding_net_forward(Tape *tp, const AddingNet *net, Tensor *x);

typedef struct AddingRun {
    // what to run
    CellKind kind;       // CELL_RNN_TANH, CELL_LSTM or CELL_GRU
    int T;               // sequence length
    int hidden;          // H
    int batch;           // B
    int steps;           // Adam updates
    float lr;
    float clip;          // global gradient norm to clip at
    float forget_bias;   // LSTM only (chapter 03's default: 1)
    float update_bias;   // GRU only; NaN keeps PyTorch's initialisation (the default)
    uint64_t seed;       // initialisation and batches: equal seeds, equal runs
    int eval_batch;      // held-out sequences for the final scores
    // optional: checkpoints (see above)
    const char *ckpt;    // NAME, or NULL: nothing saved, Ctrl-C not polled
    int resume;          // 1: continue from NAME when it exists (start afresh when it does not)
    long stop_after;     // > 0: stop after this many updates in this process, saving as on Ctrl-C
    // what happened
    float *loss;         // (steps) training MSE per update (filled up to steps_done)
    float *grad_norm;    // (steps) global gradient norm per update, BEFORE clipping
    int steps_done;
    int diverged_step;   // the update (from 0) whose loss, values or gradients were NaN/Inf, or -1
    char diverged_what[160];   // which tensor went bad
    double eval_mse;     // MSE on eval_batch fresh sequences after training (NaN if diverged or stopped)
    double eval_hits;    // share of those predicted within ADDING_HIT_TOLERANCE (NaN likewise)
    long n_params;       // trainable scalars
    int start_step;      // updates done before this process (read from the checkpoint), else 0
    int interrupted;     // stopped early and saved: SIGINT / SIGTERM's number, or -1 for stop_after
    double seconds;      // wall-clock time of the run (printed, never written to a file)
} AddingRun;

// The settings shared by chapters 03 and 05 and their tests:
//   classroom default  H = 16, B = 32, 3000 Adam updates, lr 1e-2, clip at norm 1, LSTM forget
//                      bias 1, GRU as initialised; lengths 10, 25, 50, 100, 200
//   quick (--quick)    the same with 300 updates and lengths 5, 10, 20
// adding_run_config fills in everything "what to run" holds for one cell and length.
#define ADDING_MAX_LENGTHS 8
#define ADDING_HIT_TOLERANCE 0.04   // |prediction - target| < 0.04 counts as a hit
AddingRun adding_run_config(CellKind kind, int T, int quick, uint64_t seed);
// The lengths to compare; returns how many (at most ADDING_MAX_LENGTHS).
int adding_lengths(int quick, int *lengths);

// Trains a new net (adding_net_init with the run's settings) and fills in the results. If net
// is not NULL it receives the trained model (free it with adding_net_free); else it is freed.
// Allocates run->loss and run->grad_norm: free them with adding_run_free.
// With a ckpt, it polls interrupt_requested() before every update (the caller installs the
// handler, interrupt.h): a signal finishes the update in progress, saves and returns with
// `interrupted` set. Checkpoint errors are fatal (one line).
void adding_run_train(AddingRun *run, AddingNet *net);
void adding_run_free(AddingRun *run);

// The run's configuration as saved in its checkpoint (a JSON object; free() it).
char *adding_run_config_json(const AddingRun *run);

// Train n independent runs, up to `threads` at a time (OpenMP; 1 without it), the most work
// first. Every run has its own seed, tape and model and the kernels give the same numbers on
// any number of threads, so the results do not depend on `threads`. Runs with a ckpt save in
// turn (one at a time); after a Ctrl-C the runs in flight finish their update and save, and
// the runs not yet started save their state at update 0 (or as resumed) without training.
void adding_run_all(AddingRun *runs, int n, int threads);

// The mean of loss[from, to) (to clipped to steps_done), e.g. one window of a training curve.
double adding_mean_loss(const AddingRun *run, int from, int to);

#endif
