// adding_runs.h: chapter 05's training experiment, chapter 03's with a third cell. An nn.RNN
// (tanh), an nn.LSTM or an nn.GRU, one layer of H units, reads the adding problem
// (common/adding_task.h: two numbers per step, add the two marked values) and a linear layer
// predicts the sum from the last hidden state:
//
//     h_T = cell(x_1 .. x_T),    prediction = fc(h_T) = h_T w^T + b,    loss = MSE
//
// All three are trained the same way: Adam, clip_grad_norm, the same batches (same seed), the
// same number of updates, a stop at the first NaN or Inf naming the update and the tensor.
// Predicting 1.0 every time gives MSE 1/6 (ADDING_BASELINE_MSE). For the RNN and the LSTM this
// computes exactly what chapter 03's memory_task.c computes (tests/check_ch05.c compares them
// bit for bit), so chapter 03's numbers reappear here unchanged.
#ifndef CH05_ADDING_RUNS_H
#define CH05_ADDING_RUNS_H

#include <stdint.h>

#include "bidirectional.h"   // CellKind and RecurrentLayer: one layer of any of the three cells
#include "layers.h"
#include "params.h"

// "RNN", "LSTM" or "GRU".
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
    float forget_bias;   // LSTM only (chapter 03's 1)
    float update_bias;   // GRU only; NaN keeps PyTorch's initialisation (the default)
    uint64_t seed;       // initialisation and batches: equal seeds, equal runs
    int eval_batch;      // held-out sequences for the final scores
    // what happened
    float *loss;         // (steps) training MSE per update (filled up to steps_done)
    float *grad_norm;    // (steps) global gradient norm per update, BEFORE clipping
    int steps_done;
    int diverged_step;   // the update whose loss, values or gradients were NaN/Inf, or -1
    char diverged_what[160];   // which tensor went bad
    double eval_mse;     // MSE on eval_batch fresh sequences after training (NaN if diverged)
    double eval_hits;    // share of those predicted within 0.04 of the target (NaN if diverged)
    long n_params;       // trainable scalars
    double seconds;      // wall-clock time of the run (printed, never written to a CSV)
} AddingRun;

// The settings shared by main.c and the tests:
//   classroom default  H = 16, B = 32, 3000 Adam updates, lr 1e-2, clip at norm 1, LSTM forget
//                      bias 1, GRU as initialised; lengths 10, 25, 50, 100, 200
//   quick (--quick)    the same with 300 updates and lengths 5, 10, 20
#define ADDING_MAX_LENGTHS 8
#define ADDING_HIT_TOLERANCE 0.04   // |prediction - target| < 0.04 counts as a hit
AddingRun adding_run_config(CellKind kind, int T, int quick, uint64_t seed);
// The lengths to compare; returns how many (at most ADDING_MAX_LENGTHS).
int adding_lengths(int quick, int *lengths);

// Trains a new net (adding_net_init with the run's settings) and fills in the results. If net
// is not NULL it receives the trained model (free it with adding_net_free); else it is freed.
// Allocates run->loss and run->grad_norm: free them with adding_run_free.
void adding_run_train(AddingRun *run, AddingNet *net);
void adding_run_free(AddingRun *run);

// Train n independent runs, up to `threads` at a time (OpenMP; 1 without it), the most work
// first. Every run has its own seed, tape and model, so the results do not depend on `threads`.
void adding_run_all(AddingRun *runs, int n, int threads);

// The mean of loss[from, to) (to clipped to steps_done), e.g. one window of a training curve.
double adding_mean_loss(const AddingRun *run, int from, int to);

#endif
