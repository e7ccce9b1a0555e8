// Chapter 03 — LSTM gates, and why the cell state keeps the gradient alive.
//
// New since chapter 02: the cell state and its gates. Chapters 01 and 02 showed that a vanilla RNN's gradient is a product
// of one factor diag(f'(z_t)) W_hh per step, which vanishes or explodes, and that clipping
// tames the explosions. This chapter adds a second state, the cell c_t, that is updated by
// ADDITION, gated by the forget gate (Hochreiter and Schmidhuber 1997; Gers et al. 2000):
//
//     a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh           (B, 4H) = [a_i | a_f | a_g | a_o]
//     i_t = sigmoid(a_i)   f_t = sigmoid(a_f)   g_t = tanh(a_g)   o_t = sigmoid(a_o)
//     c_t = f_t * c_{t-1} + i_t * g_t                           the cell: an additive path
//     h_t = o_t * tanh(c_t)
//
//     along the cell:  dL/dc_{t-1} = f_t * dL/dc_t + (paths through h_{t-1} and the gates)
//     over k steps:    f_{t+1} * ... * f_{t+k}    (no W_hh, no tanh': the forget gates decide)
//
// The cell fixes vanishing only when the forget gates stay near 1, and it does nothing against
// exploding gradients, so the training loop still clips. The chapter's files:
//     gates.c        the cell built from primitive ops, one tensor per gate (cells 1 and 4)
//     grad_flow.c    1000 steps of ones: ||dL/dc_t||, ||dL/dh_t||, float32 and double (2, 3)
// and common/adding_train.c (RNN and LSTM trained on the adding problem, with checkpoints and
// resume; cells 4 and 5), common/lstm.c (the fused nn.LSTM) and common/rnn.c (nn.RNN), both
// PyTorch-checked.
//
// Run:      ./bin/03_lstm_gates              (53.6 s with --threads 1 on a busy 2-core machine;
//                                             --quick: 2 s of CPU; --help: options)
//           ./bin/03_lstm_gates --forget-bias 2    (the trained LSTMs' b_f; cell 3 adds a curve)
//           Ctrl-C saves the runs in progress; the same command with --resume goes on from there
//
// Writes:   figures/03_lstm_gates/, each PNG with its CSV and gnuplot script:
//     grad_norms          log10 ||dL/dc_t|| and ||dL/dh_t|| over 1000 steps, RNN and LSTM
//     gates_input, gates_forget, gates_candidate, gates_output, cell_state
//                         heatmaps (units x time) of a trained LSTM reading one example
//     memory_vs_length    held-out MSE against the sequence length, RNN vs LSTM, baseline 1/6
//     memory_loss_curves  the training loss of every run
//           runs/03_lstm_gates/adding-{lstm,rnn}-TN{,.train}.safetensors  each training run's
//           checkpoint (--save NAME: NAME-...; with --out DIR: DIR/adding-...)
//
// Expect (seed 1; any thread count gives the same numbers; README.md has the tables):
//     cell 1: primitive-op cell vs fused cell: values identical, parameter gradients within 1e-6
//     cell 2: f = 0.9: float32 follows f^k to 1e-40, then stalls at 7.0e-45 (5 subnormals)
//     cell 3: log10 ||dL/dh_0||: RNN -211, LSTM b_f = 0 -201, b_f = 1 -68, b_f = 3 +0.8;
//             float32 dL/dh_t is exactly 0 for t <= 789 (RNN), 779 (b_f = 0), 349 (b_f = 1)
//     cell 4: the T = 50 LSTM leaves the baseline near update 780; held-out MSE 0.0004
//     cell 5: held-out MSE, RNN / LSTM: T = 10 9.030e-04 / 7.607e-05, 25 0.02220 / 9.596e-05,
//             50 0.1605 / 4.126e-04, 100 0.1575 / 1.671e-04, 200 0.1712 / 2.123e-04
//             (baseline 0.1667)
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adding_task.h"
#include "cli.h"
#include "fileio.h"
#include "gates.h"
#include "grad_flow.h"
#include "heatmap.h"
#include "interrupt.h"
#include "adding_figures.h"
#include "adding_train.h"
#include "narrate.h"
#include "plot.h"
#include "util.h"

enum { FLOW_T = 1000, FLOW_H = 32, MAX_BIASES = 4 };

#define CHAPTER "03_lstm_gates"
#define DEFAULT_OUT "figures/" CHAPTER

// Everything a cell needs: options, output, and the trained LSTM that cell 4 hands to cell 5.
typedef struct Chapter {
    CliCommon common;
    Narrator nr;
    Gnuplot gp;
    float forget_bias;      // --forget-bias: the trained LSTMs' b_f
    int steps, hidden;      // --steps, --hidden of the training runs
    CliFloatList lengths;   // --lengths
    int heat_length;        // --heat-length: the example shown in cell 4
    AddingRun heat_run;     // cell 4's LSTM run (kept for cell 5's table)
    // checkpoints: a run is saved as BASE-lstm-T50 etc. (BASE: --save, else runs/CHAPTER/adding)
    const char *save;
    int resume;
    char base[1100];
    char heat_ckpt[1200];     // cell 4's run's NAME
    char resume_hint[2048];   // this command line with --resume: printed if Ctrl-C stops training
} Chapter;

// A run's checkpoint NAME: BASE-lstm-T50, BASE-rnn-T10, ...
static void run_ckpt_name(char *buf, size_t n, const Chapter *ch, CellKind kind, int T) {
    snprintf(buf, n, "%s-%s-T%d", ch->base, kind == CELL_RNN_TANH ? "rnn" : "lstm", T);
}

// Ctrl-C or SIGTERM stopped training and the runs are saved: say where and how to go on, and
// exit as a shell reports the signal (130, 143).
static _Noreturn void stop_interrupted(const Chapter *ch, const char *saved) {
    interrupt_report(saved, ch->resume_hint);
    exit(interrupt_exit_status());
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + 1e-9 * (double)(now.tv_nsec - start->tv_nsec);
}

static void write_plot(Chapter *ch, Plot *p) {
    char err[512];
    if (!ch->common.no_plots && !plot_write(p, ch->common.out, &ch->gp, err, sizeof err)) die("%s", err);
    if (!ch->common.no_plots) narrate_text(&ch->nr, "wrote %s/%s.png (+ .csv, .gp)", ch->common.out, p->name);
    plot_free(p);
}

// ---- cell 1: the cell from primitive ops equals the fused cell ------------------------------------
static void cell_gates_by_hand(Chapter *ch) {
    Narrator *nr = &ch->nr;
    narrate_cell(nr, "The LSTM cell, gate by gate");
    narrate_text(nr, "gates_step() in gates.c writes each gate as one op of common/ops.h:\n"
                     "  a = linear(x, W_ih, b_ih) + linear(h, W_hh, b_hh)      (B, 4H)\n"
                     "  input_gate = sigmoid(a[:, 0:H])     forget_gate = sigmoid(a[:, H:2H])\n"
                     "  candidate = tanh(a[:, 2H:3H])       output_gate = sigmoid(a[:, 3H:4H])\n"
                     "  cell = forget_gate * c_prev + input_gate * candidate\n"
                     "  hidden = output_gate * tanh(cell)\n"
                     "and autograd derives its backward. common/lstm.c's op_lstm_cell computes the same\n"
                     "in one fused kernel with a hand-written backward (checked against PyTorch's nn.LSTM).\n"
                     "Both run a random layer over T = 20 steps of a batch of 4 (I = 3, H = 16), and the\n"
                     "loss sum(out R1) + sum(h_T R2) + sum(c_T R3) is backpropagated through each.");
    GateComparison c = gates_compare(20, 4, 3, 16, ch->common.seed);
    Table t;
    table_init(&t, 2, "compared", "max |primitive ops - fused|");
    const struct { const char *what; double diff; } rows[] = {
        {"out (T, B, H)", c.out},           {"h_T", c.h_last},          {"c_T", c.c_last},
        {"every parameter gradient", c.grad_params}, {"dL/dx", c.grad_x},
        {"dL/dh_0", c.grad_h0},             {"dL/dc_0", c.grad_c0},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        table_str(&t, rows[r].what);
        table_num(&t, rows[r].diff);
    }
    narrate_table(nr, &t);
    narrate_result(nr, "%d values and %d gradients compared; largest gradient %.3g", c.n_values, c.n_grads,
                   c.largest_grad);
    narrate_text(nr, "The forward is the same float arithmetic in the same order, so the values agree to\n"
                     "the last bit. The parameter gradients are sums over time steps: the fused layer forms\n"
                     "x W_ih^T for all steps in one product, the primitive cell step by step, so those sums\n"
                     "run in another order and differ in the last bits (float32's epsilon is 1.2e-7).");
}

// ---- cell 2: one unit, the cell path alone ------------------------------------------------------------
static void cell_one_unit(Chapter *ch) {
    Narrator *nr = &ch->nr;
    narrate_cell(nr, "One unit: the cell path is a product of forget gates");
    narrate_text(nr, "Chapter 01's one-unit RNN multiplied the gradient by f'(z) w per step. Take a one-unit\n"
                     "LSTM whose gates ignore h (W_hh = 0) and read x_t = 1: every gate is a constant, the only\n"
                     "way back from L = h_1000 is the cell, and dL/dc_t = dL/dc_1000 * f^(1000 - t).\n"
                     "Here f = sigmoid(2.2) = 0.900.");
    Rng rng;
    rng_seed(&rng, ch->common.seed);
    Params P;
    params_init(&P);
    LSTMLayer l = lstm_layer_create(&P, &rng, "one", 0, "", 1, 1);
    const float w_ih[4] = {0.4f, 2.2f, 0.9f, 0.7f};   // i, f, g, o: the gates' pre-activations
    for (int r = 0; r < 4; r++) {
        l.weight_ih->data[r] = w_ih[r];
        l.weight_hh->data[r] = l.bias_ih->data[r] = l.bias_hh->data[r] = 0.0f;
    }
    float *dh = xmalloc(sizeof(float) * (FLOW_T + 1)), *dc = xmalloc(sizeof(float) * (FLOW_T + 1));
    float *forget = xmalloc(sizeof(float) * (FLOW_T + 1));
    double *log_dh = xmalloc(sizeof(double) * (FLOW_T + 1)), *log_dc = xmalloc(sizeof(double) * (FLOW_T + 1));
    flow_lstm_grads_f32(&l, FLOW_T, dh, dc, forget);
    flow_lstm_log10_norms(&l, FLOW_T, log_dh, log_dc);
    double f = forget[FLOW_T];
    Table t;
    table_init(&t, 5, "k = 1000 - t", "dL/dc_T * f^k", "double engine", "float32 autograd", "float32 / theory");
    static const int ks[] = {0, 1, 10, 100, 500, 800, 900, 950, 1000};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        int k = ks[i];
        double theory = pow(10.0, log_dc[FLOW_T] + k * log10(f)), engine = pow(10.0, log_dc[FLOW_T - k]);
        table_int(&t, k);
        table_num(&t, theory);
        table_num(&t, engine);
        table_num(&t, dc[FLOW_T - k]);
        table_num(&t, dc[FLOW_T - k] / theory);
    }
    narrate_table(nr, &t);
    int zero = flow_last_zero_row(dc, FLOW_T, 1);
    narrate_result(nr, "f = %.4f; float32 keeps 7 digits down to 1.2e-38 (k = %d), then loses them and stops at "
                       "%.3g = %d x 2^-149 (%s)", f, (int)ceil((log10(FLT_MIN) - log_dc[FLOW_T]) / log10(f)),
                   dc[0], (int)lrintf(dc[0] / ldexpf(1.0f, -149)), zero < 0 ? "never exactly 0" : "reaches 0");
    narrate_text(nr, "Below the smallest normal float (1.2e-38) float32 has fewer and fewer digits; near the\n"
                     "smallest subnormal 2^-149 = 1.4e-45, n * 2^-149 * 0.9 rounds back to n * 2^-149 once\n"
                     "n <= 5, so the float32 gradient stops shrinking there: it is rounding, not signal. With\n"
                     "f < 0.5 it rounds to exactly 0 instead. The double engine (which rescales the vector at\n"
                     "every step and keeps the scale as a logarithm) follows the product exactly.");
    free(dh), free(dc), free(forget), free(log_dh), free(log_dc);
    params_free(&P);
}

// ---- cell 3: 1000 steps of ones, RNN vs LSTM ------------------------------------------------------------
// A step number, or "never" for -1 (flow_last_zero_row found no zero row).
static void table_step(Table *t, int step) {
    if (step < 0) table_str(t, "never");
    else table_int(t, step);
}

// How log10 ||.|| changes per step back in time, from t = 900 to t = 500 (the steady state).
static double slope(const double *logs) { return (logs[500] - logs[900]) / 400.0; }

static void cell_long_sequence(Chapter *ch) {
    Narrator *nr = &ch->nr;
    narrate_cell(nr, "1000 steps of ones: RNN vs LSTM");
    narrate_text(nr, "Chapter 01's experiment with both cells, H = %d, PyTorch's initialisation, x_t = 1,\n"
                     "L = sum_j h_1000[j]. For the LSTM the forget gate's bias b_f is set (bias_ih[H:2H] = b_f,\n"
                     "bias_hh[H:2H] = 0), so f starts near sigmoid(b_f): 0.5 for b_f = 0, 0.73 for b_f = 1,\n"
                     "0.95 for b_f = 3. Norms in double (grad_flow.c rescales each step); float32 autograd\n"
                     "alongside, to see where a real network's gradient becomes exactly 0.", FLOW_H);
    float biases[MAX_BIASES] = {0.0f};
    int n_bias = 1;
    const float wanted[2] = {ch->forget_bias, 3.0f};
    for (int k = 0; k < 2; k++) {
        int seen = 0;
        for (int j = 0; j < n_bias; j++) seen |= biases[j] == wanted[k];
        if (!seen) biases[n_bias++] = wanted[k];
    }
    for (int a = 1; a < n_bias; a++)   // ascending
        for (int b = a; b > 0 && biases[b] < biases[b - 1]; b--) {
            float tmp = biases[b];
            biases[b] = biases[b - 1], biases[b - 1] = tmp;
        }
    size_t rows = (size_t)(FLOW_T + 1) * FLOW_H;
    float *dh = xmalloc(sizeof(float) * rows), *dc = xmalloc(sizeof(float) * rows);
    float *forget = xmalloc(sizeof(float) * rows);
    double *log_dh = xmalloc(sizeof(double) * (FLOW_T + 1)), *log_dc = xmalloc(sizeof(double) * (FLOW_T + 1));
    double *ts = xmalloc(sizeof(double) * (FLOW_T + 1));
    for (int t = 0; t <= FLOW_T; t++) ts[t] = t;

    Plot p;
    plot_init(&p, "grad_norms", "Gradient of L = sum h_1000 reaching step t (H = 32, x_t = 1)", "time step t",
              "log10 of the gradient norm");
    plot_set_xrange(&p, 0, FLOW_T);
    static const char *const colours[MAX_BIASES] = {"#D55E00", "#0072B2", "#009E73", "#CC79A7"};
    Table t;
    table_init(&t, 9, "model", "mean f", "max f", "log10 f_max", "slope/step", "log10|dh_0|", "log10|dc_0|",
               "f32 dh=0 at t<=", "f32 dc=0 at t<=");
    double zero_x[MAX_BIASES + 1], zero_y[MAX_BIASES + 1];
    int n_zero = 0;

    // the RNN first
    Rng rng;
    rng_seed(&rng, ch->common.seed);
    Params P;
    params_init(&P);
    RNNLayer rnn = rnn_layer_create(&P, &rng, "rnn", 0, "", 1, FLOW_H, RNN_TANH);
    flow_rnn_grads_f32(&rnn, FLOW_T, dh);
    flow_rnn_log10_norms(&rnn, FLOW_T, log_dh);
    int s = plot_add_series(&p, "RNN (tanh): ||dL/dh_t||", ts, log_dh, FLOW_T + 1);
    plot_set_style(&p, s, PLOT_LINES, "#000000");
    int z = flow_last_zero_row(dh, FLOW_T, FLOW_H);
    if (z >= 0) zero_x[n_zero] = z, zero_y[n_zero++] = log_dh[z];
    table_str(&t, "RNN (tanh)");
    for (int c = 0; c < 3; c++) table_str(&t, "-");
    table_fmt(&t, "%.4f", slope(log_dh));
    table_fmt(&t, "%.1f", log_dh[0]);
    table_str(&t, "-");
    table_step(&t, z);
    table_str(&t, "-");

    for (int k = 0; k < n_bias; k++) {
        rng_seed(&rng, ch->common.seed);   // the same weights for every b_f: only the bias moves
        LSTMLayer l = lstm_layer_create(&P, &rng, "lstm", k, "", 1, FLOW_H);
        flow_set_forget_bias(&l, biases[k]);
        flow_lstm_grads_f32(&l, FLOW_T, dh, dc, forget);
        flow_lstm_log10_norms(&l, FLOW_T, log_dh, log_dc);
        char label[128];
        snprintf(label, sizeof label, "LSTM, b_f = %g: ||dL/dc_t||", biases[k]);
        s = plot_add_series(&p, label, ts, log_dc, FLOW_T + 1);
        plot_set_style(&p, s, PLOT_LINES, colours[k]);
        snprintf(label, sizeof label, "LSTM, b_f = %g: ||dL/dh_t||", biases[k]);
        s = plot_add_series(&p, label, ts, log_dh, FLOW_T + 1);
        plot_set_style(&p, s, PLOT_DASHED, colours[k]);
        double mean_f = 0.0, max_f = 0.0;
        for (int j = 0; j < FLOW_H; j++) {
            double f = forget[(size_t)FLOW_T * FLOW_H + j];
            mean_f += f / FLOW_H;
            max_f = fmax(max_f, f);
        }
        int zh = flow_last_zero_row(dh, FLOW_T, FLOW_H), zc = flow_last_zero_row(dc, FLOW_T, FLOW_H);
        if (zh >= 0) zero_x[n_zero] = zh, zero_y[n_zero++] = log_dh[zh];
        snprintf(label, sizeof label, "LSTM b_f = %g", biases[k]);
        table_str(&t, label);
        table_fmt(&t, "%.3f", mean_f);
        table_fmt(&t, "%.3f", max_f);
        table_fmt(&t, "%.4f", log10(max_f));
        table_fmt(&t, "%.4f", slope(log_dc));
        table_fmt(&t, "%.1f", log_dh[0]);
        table_fmt(&t, "%.1f", log_dc[0]);
        table_step(&t, zh);
        table_step(&t, zc);
    }
    narrate_table(nr, &t);
    double floor_y[2] = {log10(ldexp(1.0, -149)), log10(ldexp(1.0, -149))}, floor_x[2] = {0, FLOW_T};
    s = plot_add_series(&p, "float32's smallest subnormal", floor_x, floor_y, 2);
    plot_set_style(&p, s, PLOT_DASHED, "#888888");
    if (n_zero > 0) {
        s = plot_add_series(&p, "float32: dL/dh_t = 0 from here back", zero_x, zero_y, n_zero);
        plot_set_style(&p, s, PLOT_POINTS, "#000000");
    }
    write_plot(ch, &p);
    narrate_text(nr, "Reading the table: 'slope/step' is the change of log10 ||dL/dc_t|| (RNN: ||dL/dh_t||) per\n"
                     "step back in time, from t = 900 to 500. -0.2 loses a factor of 10 every 5 steps. The\n"
                     "measured decay is slower than the largest forget gate alone predicts (log10 f_max per step):\n"
                     "paths through h and W_hh add to the cell path. In float32, dL/dh_t underflows to exactly 0\n"
                     "at the step shown; dL/dc_t instead stops at a few subnormals (1e-44, cell 2's rounding).");
    free(dh), free(dc), free(forget), free(log_dh), free(log_dc), free(ts);
    params_free(&P);
}

// ---- cell 4: the gates of a trained LSTM ------------------------------------------------------------------
// A (H, T) matrix as a heatmap with the two marks (common/adding_figures.c).
static void write_gate_heatmap(Chapter *ch, const char *name, const char *title, const char *value_label,
                               const float *values, int H, int T, HeatmapColormap cmap, double lo, double hi,
                               const char *const *col_labels, const int marks[2]) {
    if (ch->common.no_plots) return;
    char err[512];
    if (!adding_units_heatmap(ch->common.out, name, title, value_label, values, H, T, cmap, lo, hi, col_labels, marks,
                              &ch->gp, err, sizeof err))
        die("%s", err);
    narrate_text(&ch->nr, "wrote %s/%s.png (+ .csv, .gp)", ch->common.out, name);
}

static void cell_gates_at_work(Chapter *ch) {
    Narrator *nr = &ch->nr;
    int T = ch->heat_length;
    narrate_cell(nr, "Gates at work on the adding problem");
    narrate_text(nr, "Train one LSTM (H = %d, b_f = %g) on the adding problem at T = %d: %d Adam updates of\n"
                     "batches of 32, lr 1e-2, clip at norm 1. Then read one example through gates_step() and\n"
                     "draw every gate over time: rows are units, columns time steps.",
                 ch->hidden, ch->forget_bias, T, ch->steps);
    narrate_text(nr, "(Every training run is saved as %s-MODEL-TN.safetensors; Ctrl-C saves, --resume goes on.)",
                 ch->base);
    AddingRun *run = &ch->heat_run;
    *run = adding_run_config(CELL_LSTM, T, ch->common.quick, ch->common.seed);
    run->steps = ch->steps, run->hidden = ch->hidden, run->forget_bias = ch->forget_bias;
    run_ckpt_name(ch->heat_ckpt, sizeof ch->heat_ckpt, ch, CELL_LSTM, T);
    run->ckpt = ch->heat_ckpt, run->resume = ch->resume;
    AddingNet net;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    adding_run_train(run, &net);
    if (run->interrupted || interrupt_requested()) {
        char path[1300];
        snprintf(path, sizeof path, "%s.safetensors", ch->heat_ckpt);
        stop_interrupted(ch, path);
    }
    if (run->diverged_step >= 0)
        die("training diverged at update %d: %s (try a smaller --lr)", run->diverged_step, run->diverged_what);
    Table t;
    table_init(&t, 2, "updates", "training MSE (mean)");
    int window = run->steps / 10 > 0 ? run->steps / 10 : 1;
    for (int s0 = 0; s0 < run->steps; s0 += window) {
        table_fmt(&t, "%d-%d", s0 + 1, s0 + window < run->steps ? s0 + window : run->steps);
        table_num(&t, adding_mean_loss(run, s0, s0 + window));
    }
    narrate_table(nr, &t);
    narrate_result(nr, "held-out MSE %.4f (baseline 1/6 = 0.1667), trained in %.1f s", run->eval_mse,
                   seconds_since(&start));

    int H = net.H, first, second;
    float *x = xmalloc(sizeof(float) * (size_t)T * 2), y;
    adding_pick_example(T, x, &y, &first, &second);
    float *trace_mem = xmalloc(sizeof(float) * 5 * (size_t)H * T);
    GateTrace tr = {trace_mem, trace_mem + (size_t)H * T, trace_mem + 2 * (size_t)H * T,
                    trace_mem + 3 * (size_t)H * T, trace_mem + 4 * (size_t)H * T};
    gates_trace(&net.cell.cell.lstm, x, T, &tr);
    Tape tp;
    tape_init(&tp, 8u << 20, NULL);
    tp.no_grad = 1;
    float pred = adding_net_forward(&tp, &net, tensor_from(&tp, 3, (int[]){T, 1, 2}, x))->data[0];
    tape_free(&tp);
    narrate_result(nr, "the example: marks at t = %d (u = %.3f) and t = %d (u = %.3f); target %.3f, prediction %.3f",
                   first, x[first * 2], second, x[second * 2], y, pred);

    // which units hold the first value: the forget gate stays open from the first mark to the end
    int keepers = 0;
    for (int j = 0; j < H; j++) {
        float min_f = 1.0f;
        for (int s = first + 1; s < T; s++) min_f = fminf(min_f, tr.forget_gate[(size_t)j * T + s]);
        float jump = tr.cell[(size_t)j * T + first] - (first > 0 ? tr.cell[(size_t)j * T + first - 1] : 0.0f);
        if (min_f > 0.9f) {
            narrate_result(nr, "unit %2d: forget gate >= %.3f from t = %d to the end; its cell moved by %+.3f at the "
                               "first mark, c_T = %+.3f", j, min_f, first + 1, jump, tr.cell[(size_t)j * T + T - 1]);
            keepers++;
        }
    }
    if (keepers == 0) narrate_result(nr, "no unit keeps its forget gate above 0.9 all the way from the first mark");

    char (*label_buf)[12] = xmalloc(sizeof *label_buf * (size_t)T);
    const char **col_labels = xmalloc(sizeof(char *) * (size_t)T);
    int every = T <= 20 ? 2 : T <= 60 ? 5 : 10;
    for (int s = 0; s < T; s++) {
        if (s % every == 0) snprintf(label_buf[s], sizeof label_buf[s], "%d", s);
        else label_buf[s][0] = '\0';
        col_labels[s] = label_buf[s];
    }
    const int marks[2] = {first, second};
    double c_max = 0.0;
    for (size_t i = 0; i < (size_t)H * T; i++) c_max = fmax(c_max, fabs(tr.cell[i]));
    write_gate_heatmap(ch, "gates_input", "Input gate i_t: how much of the candidate is written", "i", tr.input_gate, H,
                       T, HEATMAP_MAGNITUDE, 0, 1, col_labels, marks);
    write_gate_heatmap(ch, "gates_forget", "Forget gate f_t: how much of the old cell is kept", "f", tr.forget_gate, H,
                       T, HEATMAP_MAGNITUDE, 0, 1, col_labels, marks);
    write_gate_heatmap(ch, "gates_candidate", "Candidate g_t: what could be written", "g", tr.candidate, H, T,
                       HEATMAP_SIGNED, -1, 1, col_labels, marks);
    write_gate_heatmap(ch, "gates_output", "Output gate o_t: how much of the cell is shown in h_t", "o",
                       tr.output_gate, H, T, HEATMAP_MAGNITUDE, 0, 1, col_labels, marks);
    write_gate_heatmap(ch, "cell_state", "Cell state c_t = f_t c_{t-1} + i_t g_t", "c", tr.cell, H, T, HEATMAP_SIGNED,
                       -c_max, c_max, col_labels, marks);
    narrate_text(nr, "Look for: units whose input gate opens only at the marked steps (writing u into the\n"
                     "cell), whose forget gate stays near 1 afterwards (keeping it), and whose cell row is a\n"
                     "flat band between the marks: the memory the gradient travelled back along.");
    free(x), free(trace_mem), free(label_buf), free(col_labels);
    adding_net_free(&net);
}

// ---- cell 5: RNN vs LSTM as the gap grows ------------------------------------------------------------------
static const CellKind race_kinds[2] = {CELL_RNN_TANH, CELL_LSTM};   // runs[2 k + kind]

static void cell_lengths(Chapter *ch) {
    Narrator *nr = &ch->nr;
    int n_len = ch->lengths.n;
    narrate_cell(nr, "RNN versus LSTM as the gap grows");
    narrate_text(nr, "The same task at every length, for a tanh RNN and an LSTM with the same H = %d, the same\n"
                     "seed, batches, %d Adam updates, lr 1e-2 and clipping at norm 1. Held-out MSE on 512 fresh\n"
                     "sequences; predicting 1 every time scores 1/6. Up to %d runs train at once (--threads).",
                 ch->hidden, ch->steps, ch->common.threads);
    AddingRun *runs = xcalloc(2 * (size_t)n_len, sizeof(AddingRun));
    char (*ckpt)[1200] = xmalloc(sizeof *ckpt * 2 * (size_t)n_len);   // the runs' checkpoint NAMEs
    int n_pending = 0;
    AddingRun *pending[2 * CLI_LIST_MAX];
    for (int k = 0; k < n_len; k++)
        for (int kind = 0; kind < 2; kind++) {
            AddingRun *r = &runs[2 * k + kind];
            int T = (int)lrintf(ch->lengths.v[k]);
            *r = adding_run_config(race_kinds[kind], T, ch->common.quick, ch->common.seed);
            r->steps = ch->steps, r->hidden = ch->hidden, r->forget_bias = ch->forget_bias;
            run_ckpt_name(ckpt[2 * k + kind], sizeof ckpt[0], ch, race_kinds[kind], T);
            r->ckpt = ckpt[2 * k + kind], r->resume = ch->resume;
            if (race_kinds[kind] == CELL_LSTM && T == ch->heat_run.T && ch->heat_run.loss) {
                *r = ch->heat_run;   // cell 4 trained it already (same seed and settings): reuse it
                ch->heat_run.loss = ch->heat_run.grad_norm = NULL;   // the table owns it now
            } else {
                pending[n_pending++] = r;
            }
        }
    AddingRun *batch = xmalloc(sizeof(AddingRun) * (size_t)(n_pending > 0 ? n_pending : 1));
    for (int k = 0; k < n_pending; k++) batch[k] = *pending[k];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    adding_run_all(batch, n_pending, ch->common.threads);
    for (int k = 0; k < n_pending; k++) *pending[k] = batch[k];
    free(batch);
    int stopped = interrupt_requested() != 0;
    for (int k = 0; k < n_pending; k++) stopped |= pending[k]->interrupted != 0;
    if (stopped) {   // every run that had started is saved
        char saved[1300];
        snprintf(saved, sizeof saved, "%s-*.safetensors", ch->base);
        stop_interrupted(ch, saved);
    }

    Table t;
    table_init(&t, 7, "T", "RNN MSE", "LSTM MSE", "baseline", "RNN clipped", "LSTM clipped", "LSTM max norm");
    double *lens = xmalloc(sizeof(double) * (size_t)n_len), *mse[2], base[2];
    mse[0] = xmalloc(sizeof(double) * (size_t)n_len), mse[1] = xmalloc(sizeof(double) * (size_t)n_len);
    for (int k = 0; k < n_len; k++) {
        lens[k] = runs[2 * k].T;
        table_int(&t, runs[2 * k].T);
        for (int kind = 0; kind < 2; kind++) {
            const AddingRun *r = &runs[2 * k + kind];
            if (r->diverged_step >= 0)
                narrate_result(nr, "%s at T = %d diverged at update %d: %s", adding_cell_name(r->kind), r->T,
                               r->diverged_step, r->diverged_what);
            mse[kind][k] = r->eval_mse;
            table_num(&t, r->eval_mse);
        }
        table_num(&t, ADDING_BASELINE_MSE);
        float lstm_max = 0.0f;
        for (int kind = 0; kind < 2; kind++) {
            const AddingRun *r = &runs[2 * k + kind];
            int clipped = 0;
            for (int s = 0; s < r->steps_done; s++) {
                clipped += r->grad_norm[s] > r->clip;
                if (r->kind == CELL_LSTM) lstm_max = fmaxf(lstm_max, r->grad_norm[s]);
            }
            table_fmt(&t, "%.1f%%", 100.0 * clipped / (r->steps_done > 0 ? r->steps_done : 1));
        }
        table_num(&t, lstm_max);
    }
    narrate_table(nr, &t);
    narrate_result(nr, "%d runs trained in %.1f s", n_pending, seconds_since(&start));

    Plot p;
    plot_init(&p, "memory_vs_length", "The adding problem: error after the same training budget",
              "sequence length T", "held-out MSE");
    plot_set_log_x(&p, 1);
    plot_set_log_y(&p, 1);
    double len_lo = lens[0], len_hi = lens[0];
    for (int k = 1; k < n_len; k++) len_lo = fmin(len_lo, lens[k]), len_hi = fmax(len_hi, lens[k]);
    plot_set_xrange(&p, 0.8 * len_lo, 1.25 * len_hi);
    int s = plot_add_series(&p, "tanh RNN", lens, mse[0], n_len);
    plot_set_style(&p, s, PLOT_LINESPOINTS, "#D55E00");
    s = plot_add_series(&p, "LSTM", lens, mse[1], n_len);
    plot_set_style(&p, s, PLOT_LINESPOINTS, "#0072B2");
    double base_x[2] = {len_lo, len_hi};
    base[0] = base[1] = ADDING_BASELINE_MSE;
    s = plot_add_series(&p, "baseline: always predict 1 (MSE 1/6)", base_x, base, 2);
    plot_set_style(&p, s, PLOT_DASHED, "#000000");
    write_plot(ch, &p);

    // training curves, averaged over windows of 50 updates (the batches are noisy)
    plot_init(&p, "memory_loss_curves", "Training loss on the adding problem (mean of 50 updates)", "update",
              "training MSE");
    plot_set_log_y(&p, 1);
    plot_set_xrange(&p, 0, ch->steps);
    int window = 50, n_points = ch->steps / window;
    double *xs = xmalloc(sizeof(double) * (size_t)(n_points + 1)), *ys = xmalloc(sizeof(double) * (size_t)(n_points + 1));
    static const char *const colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
    for (int k = 0; k < n_len; k++)
        for (int kind = 0; kind < 2; kind++) {
            const AddingRun *r = &runs[2 * k + kind];
            int n = 0;
            for (int w = 0; w * window < r->steps_done; w++, n++) {
                xs[n] = w * window + window / 2;
                ys[n] = adding_mean_loss(r, w * window, (w + 1) * window);
            }
            char label[64];
            snprintf(label, sizeof label, "%s, T = %d", adding_cell_name(r->kind), r->T);
            s = plot_add_series(&p, label, xs, ys, n);
            plot_set_style(&p, s, r->kind == CELL_LSTM ? PLOT_LINES : PLOT_DASHED, colours[k % 7]);
        }
    write_plot(ch, &p);
    narrate_text(nr, "The LSTM's loss sits at the baseline for a while, then drops within a hundred updates:\n"
                     "the moment the gradient from the prediction, carried back along the cell, finds the\n"
                     "first marked step. The longer the gap, the later the drop; past the budget there is none.\n"
                     "'clipped' counts the updates whose gradient norm exceeded 1: the LSTM needs clipping less\n"
                     "often than the RNN, but not never.");
    for (int k = 0; k < 2 * n_len; k++) adding_run_free(&runs[k]);
    ch->heat_run.ckpt = NULL;
    free(ckpt), free(runs), free(lens), free(mse[0]), free(mse[1]), free(xs), free(ys);
}

// BASE from --save or --out, its folder created; with --resume cell 4's run's file must exist.
static void prepare_checkpoints(Chapter *ch) {
    if (ch->save) snprintf(ch->base, sizeof ch->base, "%s", ch->save);
    else if (strcmp(ch->common.out, DEFAULT_OUT) == 0) snprintf(ch->base, sizeof ch->base, "runs/%s/adding", CHAPTER);
    else snprintf(ch->base, sizeof ch->base, "%s/adding", ch->common.out);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", ch->base);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        make_dirs_or_die(dir);
    }
    char first[1200], path[1300];
    run_ckpt_name(first, sizeof first, ch, CELL_LSTM, ch->heat_length);
    snprintf(path, sizeof path, "%s.safetensors", first);
    FILE *probe = ch->resume ? fopen(path, "rb") : NULL;
    if (ch->resume && !probe)
        die("--resume: %s: no such checkpoint (HINT: a run writes it when its first training run ends or is "
            "interrupted; --save names it)", path);
    if (probe) fclose(probe);
}

int main(int argc, char **argv) {
    Chapter ch;
    memset(&ch, 0, sizeof ch);
    cli_common_init(&ch.common, CHAPTER, 1);
    // the classroom defaults (what --help shows); --quick shrinks them below
    AddingRun classroom = adding_run_config(CELL_LSTM, 50, 0, 1), quick = adding_run_config(CELL_LSTM, 10, 1, 1);
    int lengths[ADDING_MAX_LENGTHS];
    ch.lengths.n = adding_lengths(0, lengths);
    for (int k = 0; k < ch.lengths.n; k++) ch.lengths.v[k] = (float)lengths[k];
    ch.forget_bias = classroom.forget_bias;
    ch.steps = classroom.steps;
    ch.hidden = classroom.hidden;
    ch.heat_length = classroom.T;
    CliFloatList default_lengths = ch.lengths;
    CliOption options[] = {
        {"forget-bias", CLI_FLOAT, &ch.forget_bias, "forget-gate bias b_f of the trained LSTMs (cell 3 shows 0, b_f, 3)",
         .min = -10, .max = 10},
        {"steps", CLI_INT, &ch.steps, "Adam updates per training run (cells 4-5)", .min = 1, .max = 1000000},
        {"hidden", CLI_INT, &ch.hidden, "hidden size of the trained RNN and LSTM (cells 4-5)", .min = 1, .max = 1024},
        {"lengths", CLI_FLOAT_LIST, &ch.lengths, "sequence lengths to compare (cell 5)", .min = 2, .max = 5000},
        {"heat-length", CLI_INT, &ch.heat_length, "length of the example in the gate heatmaps (cell 4)", .min = 2,
         .max = 1000},
        {"save", CLI_STRING, &ch.save, "checkpoint NAME: a run is saved as NAME-lstm-T50 etc. (default runs/" CHAPTER
         "/adding, or OUT/adding with --out)", 0, 0, NULL},
        {"resume", CLI_BOOL, &ch.resume, "continue the runs saved under --save", 0, 0, NULL},
        {0}};
    cli_parse(&ch.common, options, argc, argv,
              "Chapter 03: LSTM gates, and why the cell state keeps the gradient alive");
    if (ch.common.quick) {   // seconds, for tests: fewer updates, shorter sequences, same lesson
        ch.steps = ch.steps < quick.steps ? ch.steps : quick.steps;
        ch.heat_length = ch.heat_length < quick.T ? ch.heat_length : quick.T;
        if (memcmp(&ch.lengths, &default_lengths, sizeof ch.lengths) == 0) {
            ch.lengths.n = adding_lengths(1, lengths);
            for (int k = 0; k < ch.lengths.n; k++) ch.lengths.v[k] = (float)lengths[k];
        }
    }
    for (int k = 0; k < ch.lengths.n; k++)
        if (ch.lengths.v[k] != floorf(ch.lengths.v[k]))
            die("--lengths: %g is not a whole number of steps", ch.lengths.v[k]);
    cli_resume_hint(ch.resume_hint, sizeof ch.resume_hint, argc, argv);
    prepare_checkpoints(&ch);
    gnuplot_init(&ch.gp);
    if (!ch.common.no_plots) cli_prepare_out(&ch.common);
    narrate_init(&ch.nr, 5, ch.common.quiet, ch.common.pause);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);

    cell_gates_by_hand(&ch);
    cell_one_unit(&ch);
    cell_long_sequence(&ch);
    interrupt_install();   // from here on, Ctrl-C finishes the update, saves and says how to resume
    cell_gates_at_work(&ch);
    cell_lengths(&ch);
    interrupt_reset();

    static const char *const exercises[] = {
        "Peephole connections (Gers and Schmidhuber 2000): let the gates read the cell, a_f += w_cf * c_{t-1}\n"
        "     (and a_i, a_o likewise). Add them to gates_step() and rerun with --steps 1500: is T = 200 learned?",
        "Coupled input and forget gates: i_t = 1 - f_t (one gate fewer; the GRU of chapter 05 does this).\n"
        "     What happens to the heatmaps and to the gradient figure?",
        "Run with --forget-bias 0 and --forget-bias 3. At which update does the T = 100 LSTM's loss drop?\n"
        "     Relate it to cell 3's slopes.",
        "Remove clip_grad_norm from adding_run_train() in common/adding_train.c (keep the NaN check).\n"
        "     Does any run diverge, when, and which tensor goes bad first?",
        NULL};
    narrate_summary(&ch.nr,
                    "the cell state is updated by addition, so the gradient along it is multiplied by forget gates\n"
                    "instead of f'(z) W_hh: with f near 1 it survives hundreds of steps, and the LSTM learns the adding\n"
                    "problem at lengths where the RNN stays at the baseline. Nothing bounds it from above: keep clipping.",
                    exercises);
    if (!ch.common.quiet) printf("\n(%.1f s in all)\n", seconds_since(&start));
    adding_run_free(&ch.heat_run);
    return 0;
}
