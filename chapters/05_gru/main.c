// Chapter 05 — The GRU, and Cho et al.'s decoder that sees the context at every step.
//
// New since chapters 03 and 04: a second gated cell. Chapter 03's LSTM keeps a separate cell
// state c_t and three gates; the Gated Recurrent Unit (Cho et al. 2014) has no separate cell:
// the hidden state itself is the memory, and one UPDATE gate decides, unit by unit, how much of
// it to keep. PyTorch's nn.GRU, gate order (r, z, n):
//
//     r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
//     z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
//     n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))     candidate
//     h_t = (1 - z_t) * n_t + z_t * h_{t-1}                         keep z, take 1 - z of the new
//
//     one step back:  dh_t/dh_{t-1} = diag(z_t) + diag(1 - z_t) dn_t/dh_{t-1}
//                                     + diag(h_{t-1} - n_t) dz_t/dh_{t-1}
//     z -> 1: the last two terms vanish and the Jacobian -> I, a highway (the LSTM's forget gate)
//
// The chapter's files (cells 1-4: the cell; Cho et al.'s encoder-decoder follows in cells 5+):
//     gru_lesson.c   the GRU built from primitive ops, one tensor per gate (cells 1 and 3)
//     bptt.c         1000 steps of ones, RNN / LSTM / GRU, in double with a running scale (2)
//     adding_runs.c  the three cells trained on the adding problem (cells 3 and 4)
// and common/gru.c (the fused nn.GRU, PyTorch-checked), common/lstm.c, common/rnn.c.
//
// Run:      ./bin/05_gru               (classroom default: 80-90 s of CPU, so about a minute on 2
//                                        idle cores, 3-4 minutes on a busy machine)
//           ./bin/05_gru --quick        (2 s of CPU; --help lists the options)
//
// Writes:   figures/05_gru/, each PNG with its CSV and gnuplot script:
//     grad_norms          log10 ||dL/dh_t|| over 1000 steps: RNN, LSTM, GRU (and GRU with b_z = 3)
//     update_gate         the mean update gate z_t along those steps (and the LSTM's forget gate)
//     gru_reset_gate, gru_update_gate, gru_hidden
//                         heatmaps (units x time) of a trained GRU reading one example
//     memory_vs_length    held-out MSE against the sequence length, RNN / LSTM / GRU
//     accuracy_vs_length  the share of held-out predictions within 0.04 of the target
//     memory_loss_curves  the training loss of the LSTM and GRU runs
//
// Expect (seed 1; any thread count gives the same numbers; README.md has the tables):
//     cell 1: primitive-op GRU vs fused: values identical, gradients within 1.0e-6 (largest 8.1)
//     cell 2: log10 ||dL/dh_0||: RNN -211.0, LSTM -170.5, GRU -183.2, GRU with b_z = 3 -13.2;
//             float32 dL/dh_t is exactly 0 for t <= 789 (RNN), 741 (LSTM); the GRU's stalls at 1e-44
//     cell 3: the T = 50 GRU leaves the baseline near update 250; held-out MSE 0.00008
//     cell 4: held-out MSE, RNN / LSTM / GRU: T = 10 0.0022 / 0.00008 / 0.00003,
//             50 0.163 / 0.0004 / 0.00008, 200 0.177 / 0.0002 / 0.0003 (baseline 0.167);
//             loss below 0.05 from update: LSTM 201 ... 1751 (longer gaps, later), GRU 101 ... 351
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adding_runs.h"
#include "adding_task.h"
#include "bptt.h"
#include "cli.h"
#include "gru_lesson.h"
#include "heatmap.h"
#include "narrate.h"
#include "plot.h"
#include "util.h"

enum { FLOW_T = 1000, FLOW_H = 32 };
// The cells of the GRU half. Cho et al.'s encoder-decoder (cells 5+) will raise this.
enum { CHAPTER_CELLS = 4 };

// Everything a cell needs: options, output, and the trained GRU that cell 3 hands to cell 4.
typedef struct Chapter {
    CliCommon common;
    Narrator nr;
    Gnuplot gp;
    int steps, hidden;      // --steps, --hidden of the training runs (cells 3 and 4)
    CliFloatList lengths;   // --lengths (cell 4)
    int heat_length;        // --heat-length: the example shown in cell 3
    float update_bias;      // --update-bias: cell 2's extra GRU curve
    AddingRun heat_run;     // cell 3's GRU run (kept for cell 4's table)
    // cells 5+ (the encoder-decoder) add their settings here
} Chapter;

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + 1e-9 * (double)(now.tv_nsec - start->tv_nsec);
}

static void write_plot(Chapter *ch, Plot *p) {
    char err[512];
    if (!ch->common.no_plots) {
        if (!plot_write(p, ch->common.out, &ch->gp, err, sizeof err)) die("%s", err);
        narrate_text(&ch->nr, "wrote %s/%s.png (+ .csv, .gp)", ch->common.out, p->name);
    }
    plot_free(p);
}

// ---- cell 1: the GRU from primitive ops equals the fused cell --------------------------------------
static void cell_gru_by_hand(Chapter *ch) {
    Narrator *nr = &ch->nr;
    narrate_cell(nr, "The GRU, gate by gate");
    narrate_text(nr, "gru_lesson_step() in gru_lesson.c writes each gate as ops of common/ops.h:\n"
                     "  gx = linear(x, W_ih, b_ih)     gh = linear(h, W_hh, b_hh)         (B, 3H) each\n"
                     "  reset_gate  = sigmoid(gx[:, 0:H]   + gh[:, 0:H])\n"
                     "  update_gate = sigmoid(gx[:, H:2H]  + gh[:, H:2H])\n"
                     "  candidate   = tanh(gx[:, 2H:3H] + reset_gate * gh[:, 2H:3H])\n"
                     "  hidden      = (1 - update_gate) * candidate + update_gate * h\n"
                     "(1 - z is op_add_scalar(op_scale(z, -1), 1)), and autograd derives the backward.\n"
                     "common/gru.c's op_gru_cell computes the same in one fused kernel with a hand-written\n"
                     "backward, checked against PyTorch's nn.GRU. Both run a random layer over T = 20 steps\n"
                     "of a batch of 4 (I = 3, H = 16); the loss sum(out R1) + sum(h_T R2) is backpropagated.");
    GRUComparison c = gru_lesson_compare(20, 4, 3, 16, ch->common.seed);
    Table t;
    table_init(&t, 2, "compared", "max |primitive ops - fused|");
    const struct { const char *what; double diff; } rows[] = {
        {"out (T, B, H)", c.out}, {"h_T", c.h_last}, {"every parameter gradient", c.grad_params},
        {"dL/dx", c.grad_x},      {"dL/dh_0", c.grad_h0},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        table_str(&t, rows[r].what);
        table_num(&t, rows[r].diff);
    }
    narrate_table(nr, &t);
    narrate_result(nr, "%d values and %d gradients compared; largest gradient %.3g", c.n_values, c.n_grads,
                   c.largest_grad);
    narrate_text(nr, "The forward is the same float arithmetic in the same order, so the values agree to the\n"
                     "last bit. The gradients agree to float32 rounding, not bit for bit: the primitive graph gets\n"
                     "dL/dz from two nodes, dh * h_prev - dh * n, where the fused kernel computes dh * (h_prev - n),\n"
                     "and the fused layer forms x W_ih^T for all steps in one product, so its sums over time run in\n"
                     "another order (float32's epsilon is 1.2e-7).");
}

// ---- cell 2: 1000 steps of ones, three cells ------------------------------------------------------
// How log10 ||.|| changes per step back in time, from t = 900 to t = 500 (the steady state).
static double slope(const double *logs) { return (logs[500] - logs[900]) / 400.0; }

// The mean, smallest and largest over units of gate (T + 1, H) at every step t = 1..T, each
// (T + 1) (row 0 is not a step: NaN).
static void gate_over_units(const double *gate, int T, int H, double *mean, double *lo, double *hi) {
    mean[0] = lo[0] = hi[0] = NAN;
    for (int t = 1; t <= T; t++) {
        const double *row = gate + (size_t)t * H;
        double s = 0.0;
        lo[t] = hi[t] = row[0];
        for (int j = 0; j < H; j++) s += row[j], lo[t] = fmin(lo[t], row[j]), hi[t] = fmax(hi[t], row[j]);
        mean[t] = s / H;
    }
}

// A one-unit GRU whose gates do not read h (W_hh = 0): with x_t = 1 every gate is a constant, the
// Jacobian is exactly z, and dL/dh_t = z^(1000 - t): the highway alone, in closed form.
static void one_unit_highway(Chapter *ch) {
    Rng rng;
    rng_seed(&rng, ch->common.seed);
    Params P;
    params_init(&P);
    RecurrentLayer one = recurrent_layer_create(&P, &rng, CELL_GRU, "one", 0, "", 1, 1);
    GRULayer *g = &one.cell.gru;
    for (int r = 0; r < 3; r++) g->weight_hh->data[r] = 0.0f;
    gru_lesson_set_update_bias(g, ch->update_bias);
    double a_z = (double)g->weight_ih->data[1] + g->bias_ih->data[1] + g->bias_hh->data[1];
    double z = 1.0 / (1.0 + exp(-a_z));
    double *log_dh = xmalloc(sizeof(double) * (FLOW_T + 1));
    bptt_log10_norms(&one, FLOW_T, log_dh, NULL);
    narrate_result(&ch->nr, "one unit, W_hh = 0, b_z = %g: z = %.4f, so dL/dh_0 = z^1000 = 10^%.3f; the double "
                   "engine gives 10^%.3f", ch->update_bias, z, FLOW_T * log10(z), log_dh[0]);
    free(log_dh);
    params_free(&P);
}

// One model of cell 2 and what was measured on it.
typedef struct FlowModel {
    CellKind kind;
    const char *name;      // parameter prefix
    char label[96];        // legend and table
    const char *colour;
    RecurrentLayer layer;
    double *log_dh;        // (T + 1) log10 ||dL/dh_t||, double engine
    double *gate;          // (T + 1, H) LSTM f_t, GRU z_t
    double *gate_mean, *gate_lo, *gate_hi;   // (T + 1) each: its mean, min and max over units
    double *f32_log_dh;    // (T + 1) log10 ||dL/dh_t|| of float32 autograd (-inf where 0)
    int f32_zero;          // float32 autograd: dL/dh_t = 0 for t <= this (-1: never)
} FlowModel;

static void cell_long_sequence(Chapter *ch) {
    Narrator *nr = &ch->nr;
    narrate_cell(nr, "1000 steps of ones, a third time: RNN, LSTM and GRU");
    narrate_text(nr, "Chapter 01's experiment with the three cells: H = %d, PyTorch's default initialisation for\n"
                     "each (the same seed), x_t = 1, L = sum_j h_1000[j]. A fourth model is the same GRU with its\n"
                     "update-gate bias set to b_z = %g (bias_ih[H:2H] = b_z, bias_hh[H:2H] = 0), so z starts near\n"
                     "sigmoid(b_z). The norms are computed in double by bptt.c, which divides the gradient by its\n"
                     "norm after every step and keeps the scale as a running log10: values far below float32's\n"
                     "range (1.4e-45) and even double's (4.9e-324) come out exact. float32 autograd runs alongside,\n"
                     "to see where a real network's gradient becomes exactly 0.", FLOW_H, ch->update_bias);
    enum { N_MODELS = 4 };
    FlowModel m[N_MODELS] = {
        {.kind = CELL_RNN_TANH, .name = "rnn", .colour = "#000000"},
        {.kind = CELL_LSTM, .name = "lstm", .colour = "#0072B2"},
        {.kind = CELL_GRU, .name = "gru", .colour = "#D55E00"},
        {.kind = CELL_GRU, .name = "gru_bz", .colour = "#009E73"},
    };
    snprintf(m[0].label, sizeof m[0].label, "tanh RNN");
    snprintf(m[1].label, sizeof m[1].label, "LSTM");
    snprintf(m[2].label, sizeof m[2].label, "GRU");
    snprintf(m[3].label, sizeof m[3].label, "GRU, b_z = %g", ch->update_bias);
    Params P;
    params_init(&P);
    Rng rng;
    float *dh32 = xmalloc(sizeof(float) * (size_t)(FLOW_T + 1) * FLOW_H);   // (T + 1, H) float32 dL/dh_t
    for (int k = 0; k < N_MODELS; k++) {
        rng_seed(&rng, ch->common.seed);   // the same draws for every cell; the GRUs share their weights
        m[k].layer = recurrent_layer_create(&P, &rng, m[k].kind, m[k].name, 0, "", 1, FLOW_H);
        if (k == 3) gru_lesson_set_update_bias(&m[k].layer.cell.gru, ch->update_bias);
        m[k].log_dh = xmalloc(sizeof(double) * (FLOW_T + 1));
        m[k].gate = xmalloc(sizeof(double) * (size_t)(FLOW_T + 1) * FLOW_H);
        m[k].gate_mean = xmalloc(sizeof(double) * 4 * (FLOW_T + 1));
        m[k].gate_lo = m[k].gate_mean + (FLOW_T + 1);
        m[k].gate_hi = m[k].gate_lo + (FLOW_T + 1);
        m[k].f32_log_dh = m[k].gate_hi + (FLOW_T + 1);
        bptt_log10_norms(&m[k].layer, FLOW_T, m[k].log_dh, m[k].gate);
        gate_over_units(m[k].gate, FLOW_T, FLOW_H, m[k].gate_mean, m[k].gate_lo, m[k].gate_hi);
        bptt_f32_grads(&m[k].layer, FLOW_T, dh32);
        m[k].f32_zero = bptt_last_zero_row(dh32, FLOW_T, FLOW_H);
        for (int s = 0; s <= FLOW_T; s++) m[k].f32_log_dh[s] = bptt_log10_norm(dh32 + (size_t)s * FLOW_H, FLOW_H);
    }

    Table t;
    table_init(&t, 8, "model", "gate", "mean gate", "log10 mean gate", "slope/step", "log10|dL/dh_0|",
               "f32: log10|dh_0|", "f32 dh=0 at t<=");
    for (int k = 0; k < N_MODELS; k++) {
        table_str(&t, m[k].label);
        if (m[k].kind == CELL_RNN_TANH) {
            table_str(&t, "-"), table_str(&t, "-"), table_str(&t, "-");
        } else {
            double g = 0.0;   // the gate's mean over units and over the steady state t = 500..900
            for (int s = 500; s <= 900; s++) g += m[k].gate_mean[s] / 401.0;
            table_str(&t, m[k].kind == CELL_LSTM ? "f" : "z");
            table_fmt(&t, "%.3f", g);
            table_fmt(&t, "%.4f", log10(g));
        }
        table_fmt(&t, "%.4f", slope(m[k].log_dh));
        table_fmt(&t, "%.1f", m[k].log_dh[0]);
        if (isinf(m[k].f32_log_dh[0])) table_str(&t, "(exactly 0)");
        else table_fmt(&t, "%.1f", m[k].f32_log_dh[0]);
        if (m[k].f32_zero < 0) table_str(&t, "never");
        else table_int(&t, m[k].f32_zero);
    }
    narrate_table(nr, &t);
    narrate_result(nr, "||dL/dh_0||: RNN 10^%.1f, LSTM 10^%.1f, GRU 10^%.1f, GRU with b_z = %g 10^%.1f", m[0].log_dh[0],
                   m[1].log_dh[0], m[2].log_dh[0], ch->update_bias, m[3].log_dh[0]);

    double *ts = xmalloc(sizeof(double) * (FLOW_T + 1));
    for (int s = 0; s <= FLOW_T; s++) ts[s] = s;
    Plot p;
    plot_init(&p, "grad_norms", "Gradient of L = sum h_1000 reaching step t (H = 32, x_t = 1, PyTorch init)",
              "time step t", "log10 ||dL/dh_t||  (log scale: -100 means 1e-100)");
    plot_set_xrange(&p, 0, FLOW_T);
    double zero_x[N_MODELS], zero_y[N_MODELS];
    int n_zero = 0;
    for (int k = 0; k < N_MODELS; k++) {
        int s = plot_add_series(&p, m[k].label, ts, m[k].log_dh, FLOW_T + 1);
        plot_set_style(&p, s, PLOT_LINES, m[k].colour);
        if (m[k].f32_zero >= 0) zero_x[n_zero] = m[k].f32_zero, zero_y[n_zero++] = m[k].log_dh[m[k].f32_zero];
    }
    // float32 never reaches 0 for the GRU: its gradient stalls at a few subnormals (rounding)
    int s = plot_add_series(&p, "GRU, float32 autograd (stalls at subnormals)", ts, m[2].f32_log_dh, FLOW_T + 1);
    plot_set_style(&p, s, PLOT_DASHED, m[2].colour);
    double floor_x[2] = {0, FLOW_T}, floor_y[2] = {log10(ldexp(1.0, -149)), log10(ldexp(1.0, -149))};
    s = plot_add_series(&p, "float32's smallest subnormal, 1.4e-45", floor_x, floor_y, 2);
    plot_set_style(&p, s, PLOT_DASHED, "#888888");
    if (n_zero > 0) {
        s = plot_add_series(&p, "float32 autograd: dL/dh_t = 0 from here back", zero_x, zero_y, n_zero);
        plot_set_style(&p, s, PLOT_POINTS, "#000000");
    }
    write_plot(ch, &p);

    plot_init(&p, "update_gate", "The highway gates along the 1000 steps: mean over the 32 units, and the GRUs' spread", "time step t",
              "gate value");
    plot_set_xrange(&p, 0, FLOW_T);
    plot_set_yrange(&p, 0, 1);
    for (int k = 1; k < N_MODELS; k++) {
        char label[192];
        snprintf(label, sizeof label, "%s: mean %s_t", m[k].label, m[k].kind == CELL_LSTM ? "forget gate f" : "update gate z");
        s = plot_add_series(&p, label, ts + 1, m[k].gate_mean + 1, FLOW_T);
        plot_set_style(&p, s, m[k].kind == CELL_LSTM ? PLOT_DASHED : PLOT_LINES, m[k].colour);
    }
    for (int k = 2; k < N_MODELS; k++) {   // the GRUs' spread: the unit with the smallest and the largest z
        char label[192];
        snprintf(label, sizeof label, "%s: smallest and largest z_t of a unit", m[k].label);
        s = plot_add_series(&p, label, ts + 1, m[k].gate_lo + 1, FLOW_T);
        plot_set_style(&p, s, PLOT_DASHED, m[k].colour);
        s = plot_add_series(&p, "", ts + 1, m[k].gate_hi + 1, FLOW_T);
        plot_set_style(&p, s, PLOT_DASHED, m[k].colour);
    }
    write_plot(ch, &p);

    narrate_text(nr, "What the update gate does to the product. One step back multiplies the gradient by\n"
                     "  dh_t/dh_{t-1} = diag(z_t) + diag(1 - z_t) dn_t/dh_{t-1} + diag(h_{t-1} - n_t) dz_t/dh_{t-1}\n"
                     "The first term is the identity, weighted by z: no W_hh, no tanh'. The second is a vanilla\n"
                     "RNN's factor (through W_hn and the reset gate), weighted by 1 - z; the third carries z (1 - z).\n"
                     "As z -> 1 both vanish and the Jacobian -> I: the gradient passes back untouched, as along\n"
                     "the LSTM's cell when f -> 1. With PyTorch's initialisation z sits near 0.5: the highway alone\n"
                     "would halve the gradient at every step (0.30 decades); the other two terms change that rate\n"
                     "only a little ('slope/step'), and the GRU loses its gradient almost as fast as the RNN. Push z\n"
                     "up with its bias and the loss per step shrinks towards log10 z. In float32 (the dashed curve)\n"
                     "the GRU's gradient never becomes exactly 0: the highway term z * dh rounds a few subnormals\n"
                     "back to themselves (chapter 03's cell 2). That floor is rounding, not signal.");
    one_unit_highway(ch);
    narrate_text(nr, "Even a pure highway is a product of numbers below 1: z^k. A unit remembers for about\n"
                     "1 / (1 - z) steps, so to hold a value across 200 steps a trained GRU must drive its z to\n"
                     "0.995 and beyond; cell 3 looks for such units in a trained GRU.");
    for (int k = 0; k < N_MODELS; k++) free(m[k].log_dh), free(m[k].gate), free(m[k].gate_mean);
    free(dh32), free(ts);
    params_free(&P);
}

// ---- cell 3: the gates of a trained GRU ---------------------------------------------------------
// One example with well separated marks: the first in the first quarter, the second in the last.
static void pick_example(int T, float *x, float *y, int *first, int *second) {
    Rng rng;
    rng_seed(&rng, 2024);
    for (int tries = 0; tries < 1000; tries++) {
        adding_batch(&rng, T, 1, x, y, first, second);
        if (*first < T / 4 && *second >= T - T / 4) return;
    }
}

// A (H, T) matrix as a heatmap, with a vertical line just left of each marked step.
static void write_unit_heatmap(Chapter *ch, const char *name, const char *title, const char *value_label,
                               const float *values, int H, int T, HeatmapColormap cmap, double lo, double hi,
                               const char *const *col_labels, const int marks[2]) {
    if (ch->common.no_plots) return;
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.title = title;
    o.x_label = "time step t";
    o.y_label = "unit";
    o.value_label = value_label;
    o.colormap = cmap;
    o.vmin = lo, o.vmax = hi;
    o.col_labels = col_labels;
    float mark_col[2][2], mark_row[2] = {-0.5f, (float)H - 0.5f};
    Rgb line = cmap == HEATMAP_SIGNED ? (Rgb){0, 0, 0} : (Rgb){255, 60, 60};
    char legend[2][64];
    for (int k = 0; k < 2; k++) {
        snprintf(legend[k], sizeof legend[k], "%s mark, t = %d (right of the line)", k ? "second" : "first", marks[k]);
        mark_col[k][0] = mark_col[k][1] = (float)marks[k] - 0.5f;
        heatmap_add_path(&o, mark_col[k], mark_row, 2, line, legend[k]);
    }
    char err[512];
    if (!heatmap_write(ch->common.out, name, values, H, T, &o, &ch->gp, err, sizeof err)) die("%s", err);
    narrate_text(&ch->nr, "wrote %s/%s.png (+ .csv, .gp)", ch->common.out, name);
}

static void cell_gates_at_work(Chapter *ch) {
    Narrator *nr = &ch->nr;
    int T = ch->heat_length;
    narrate_cell(nr, "Gates at work on the adding problem");
    narrate_text(nr, "Train one GRU (H = %d, PyTorch's initialisation) on chapter 03's adding problem at T = %d:\n"
                     "%d Adam updates of batches of 32, lr 1e-2, clip at norm 1. Then read one example through\n"
                     "gru_lesson_step() and draw the gates over time: rows are units, columns time steps.",
                 ch->hidden, T, ch->steps);
    AddingRun *run = &ch->heat_run;
    *run = adding_run_config(CELL_GRU, T, ch->common.quick, ch->common.seed);
    run->steps = ch->steps, run->hidden = ch->hidden;
    AddingNet net;
    adding_run_train(run, &net);
    if (run->diverged_step >= 0)
        die("training diverged at update %d: %s (try a smaller --lr)", run->diverged_step + 1, run->diverged_what);
    Table t;
    table_init(&t, 2, "updates", "training MSE (mean)");
    int window = run->steps / 10 > 0 ? run->steps / 10 : 1;
    for (int s0 = 0; s0 < run->steps; s0 += window) {
        table_fmt(&t, "%d-%d", s0 + 1, s0 + window < run->steps ? s0 + window : run->steps);
        table_num(&t, adding_mean_loss(run, s0, s0 + window));
    }
    narrate_table(nr, &t);
    narrate_result(nr, "held-out MSE %.4f (baseline 1/6 = 0.1667), %.0f%% of predictions within 0.04; %.1f s",
                   run->eval_mse, 100.0 * run->eval_hits, run->seconds);

    const GRULayer *g = &net.cell.cell.gru;
    int H = g->hidden, first, second;
    float *x = xmalloc(sizeof(float) * (size_t)T * 2), y;   // (T, 2) one example
    pick_example(T, x, &y, &first, &second);
    float *trace_mem = xmalloc(sizeof(float) * 4 * (size_t)H * T);
    GRUTrace tr = {trace_mem, trace_mem + (size_t)H * T, trace_mem + 2 * (size_t)H * T, trace_mem + 3 * (size_t)H * T};
    gru_lesson_trace(g, x, T, &tr);
    Tape tp;
    tape_init(&tp, 8u << 20, NULL);
    tp.no_grad = 1;
    float pred = adding_net_forward(&tp, &net, tensor_from(&tp, 3, (int[]){T, 1, 2}, x))->data[0];
    tape_free(&tp);
    narrate_result(nr, "the example: marks at t = %d (u = %.3f) and t = %d (u = %.3f); target %.3f, prediction %.3f",
                   first, x[first * 2], second, x[second * 2], y, pred);

    // which units hold on to something: the update gate stays near 1 from the first mark to the end
    int keepers = 0;
    for (int j = 0; j < H; j++) {
        float min_z = 1.0f;
        for (int s = first + 1; s < T; s++) min_z = fminf(min_z, tr.update_gate[(size_t)j * T + s]);
        float before = first > 0 ? tr.hidden[(size_t)j * T + first - 1] : 0.0f;
        if (min_z > 0.9f) {
            narrate_result(nr, "unit %2d: update gate >= %.3f from t = %d to the end; h moved by %+.3f at the first "
                               "mark (z = %.2f there), h_T = %+.3f", j, min_z, first + 1,
                           tr.hidden[(size_t)j * T + first] - before, tr.update_gate[(size_t)j * T + first],
                           tr.hidden[(size_t)j * T + T - 1]);
            keepers++;
        }
    }
    if (keepers == 0) narrate_result(nr, "no unit keeps its update gate above 0.9 all the way from the first mark");

    char (*label_buf)[12] = xmalloc(sizeof *label_buf * (size_t)T);
    const char **col_labels = xmalloc(sizeof(char *) * (size_t)T);
    int every = T <= 20 ? 2 : T <= 60 ? 5 : 10;
    for (int s = 0; s < T; s++) {
        if (s % every == 0) snprintf(label_buf[s], sizeof label_buf[s], "%d", s);
        else label_buf[s][0] = '\0';
        col_labels[s] = label_buf[s];
    }
    const int marks[2] = {first, second};
    write_unit_heatmap(ch, "gru_reset_gate", "Reset gate r_t: how much of h_{t-1} the candidate sees", "r",
                       tr.reset_gate, H, T, HEATMAP_MAGNITUDE, 0, 1, col_labels, marks);
    write_unit_heatmap(ch, "gru_update_gate", "Update gate z_t: how much of h_{t-1} is kept", "z", tr.update_gate, H,
                       T, HEATMAP_MAGNITUDE, 0, 1, col_labels, marks);
    write_unit_heatmap(ch, "gru_hidden", "Hidden state h_t = (1 - z_t) n_t + z_t h_{t-1}", "h", tr.hidden, H, T,
                       HEATMAP_SIGNED, -1, 1, col_labels, marks);
    narrate_text(nr, "Look for: units whose update gate drops (dark) exactly at a marked step, letting the\n"
                     "candidate in, and stays near 1 (yellow) elsewhere, keeping h; their rows of h are flat bands\n"
                     "that change only at the marks. The reset gate decides what the candidate is made of.");
    free(x), free(trace_mem), free(label_buf), free(col_labels);
    adding_net_free(&net);
}

// ---- cell 4: three cells as the gap grows -------------------------------------------------------
enum { N_KINDS = 3, LEARN_WINDOW = 50 };

// The first update from which a window of LEARN_WINDOW updates has a mean training loss below
// 0.05 (the baseline is 0.167): when the network found the first mark. -1 if it never did.
static int learned_at(const AddingRun *r) {
    for (int w = 0; (w + 1) * LEARN_WINDOW <= r->steps_done; w++)
        if (adding_mean_loss(r, w * LEARN_WINDOW, (w + 1) * LEARN_WINDOW) < 0.05) return w * LEARN_WINDOW + 1;
    return -1;
}
static const CellKind race_kinds[N_KINDS] = {CELL_RNN_TANH, CELL_LSTM, CELL_GRU};
static const char *const race_colours[N_KINDS] = {"#000000", "#0072B2", "#D55E00"};

static void cell_lengths(Chapter *ch) {
    Narrator *nr = &ch->nr;
    int n_len = ch->lengths.n;
    narrate_cell(nr, "RNN, LSTM and GRU as the gap grows");
    narrate_text(nr, "Chapter 03's race with a third runner. The same task at every length for a tanh RNN, an LSTM\n"
                     "(forget-gate bias 1, as in chapter 03) and a GRU (PyTorch's initialisation), all with H = %d,\n"
                     "the same seed and batches, %d Adam updates, lr 1e-2, clipping at norm 1, and a stop at the\n"
                     "first NaN or Inf. Held-out MSE on 512 fresh sequences (predicting 1 every time scores 1/6)\n"
                     "and the share of them predicted within 0.04. Up to %d runs train at once (--threads).",
                 ch->hidden, ch->steps, ch->common.threads);
    AddingRun *runs = xcalloc((size_t)N_KINDS * n_len, sizeof(AddingRun));
    AddingRun **todo = xmalloc(sizeof(AddingRun *) * (size_t)N_KINDS * n_len);
    int n_todo = 0;
    for (int k = 0; k < n_len; k++)
        for (int c = 0; c < N_KINDS; c++) {
            AddingRun *r = &runs[N_KINDS * k + c];
            int T = (int)lrintf(ch->lengths.v[k]);
            *r = adding_run_config(race_kinds[c], T, ch->common.quick, ch->common.seed);
            r->steps = ch->steps, r->hidden = ch->hidden;
            if (race_kinds[c] == CELL_GRU && T == ch->heat_run.T && ch->heat_run.loss) {
                *r = ch->heat_run;   // cell 3 trained it already (same seed and settings): reuse it
                ch->heat_run.loss = ch->heat_run.grad_norm = NULL;   // the table owns it now
            } else {
                todo[n_todo++] = r;
            }
        }
    AddingRun *batch = xmalloc(sizeof(AddingRun) * (size_t)(n_todo > 0 ? n_todo : 1));
    for (int k = 0; k < n_todo; k++) batch[k] = *todo[k];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    adding_run_all(batch, n_todo, ch->common.threads);
    for (int k = 0; k < n_todo; k++) *todo[k] = batch[k];
    free(batch), free(todo);
    double wall = seconds_since(&start);

    Table t;
    table_init(&t, 9, "cell", "T", "parameters", "held-out MSE", "within 0.04", "loss<0.05 from", "clipped", "max norm",
               "s/run");
    double *lens = xmalloc(sizeof(double) * (size_t)n_len), *mse[N_KINDS], *hits[N_KINDS];
    double seconds[N_KINDS] = {0};
    for (int c = 0; c < N_KINDS; c++) {
        mse[c] = xmalloc(sizeof(double) * (size_t)n_len);
        hits[c] = xmalloc(sizeof(double) * (size_t)n_len);
    }
    for (int k = 0; k < n_len; k++) {
        lens[k] = runs[N_KINDS * k].T;
        for (int c = 0; c < N_KINDS; c++) {
            const AddingRun *r = &runs[N_KINDS * k + c];
            if (r->diverged_step >= 0)
                narrate_result(nr, "%s at T = %d diverged at update %d: %s", adding_cell_name(r->kind), r->T,
                               r->diverged_step + 1, r->diverged_what);
            int clipped = 0;
            float max_norm = 0.0f;
            for (int s = 0; s < r->steps_done; s++) {
                clipped += r->grad_norm[s] > r->clip;
                max_norm = fmaxf(max_norm, r->grad_norm[s]);
            }
            mse[c][k] = r->eval_mse;
            hits[c][k] = 100.0 * r->eval_hits;
            seconds[c] += r->seconds;
            table_str(&t, adding_cell_name(r->kind));
            table_int(&t, r->T);
            table_int(&t, r->n_params);
            table_num(&t, r->eval_mse);
            table_fmt(&t, "%.1f%%", 100.0 * r->eval_hits);
            int learned = learned_at(r);
            if (learned < 0) table_str(&t, "never");
            else table_int(&t, learned);
            table_fmt(&t, "%.1f%%", 100.0 * clipped / (r->steps_done > 0 ? r->steps_done : 1));
            table_num(&t, max_norm);
            table_fmt(&t, "%.1f", r->seconds);
        }
    }
    narrate_table(nr, &t);
    narrate_result(nr, "parameters (H = %d, with the output layer): RNN %ld, LSTM %ld, GRU %ld: the GRU has 3/4 of the "
                       "LSTM's gate matrices", ch->hidden, runs[0].n_params, runs[1].n_params, runs[2].n_params);
    narrate_result(nr, "seconds summed over the %d lengths: RNN %.1f, LSTM %.1f, GRU %.1f; %d runs in %.1f s of wall "
                       "time", n_len, seconds[0], seconds[1], seconds[2], n_todo, wall);

    double len_lo = lens[0], len_hi = lens[0];
    for (int k = 1; k < n_len; k++) len_lo = fmin(len_lo, lens[k]), len_hi = fmax(len_hi, lens[k]);
    double base_x[2] = {len_lo, len_hi}, base_y[2];
    Plot p;
    plot_init(&p, "memory_vs_length", "The adding problem: error after the same training budget", "sequence length T",
              "held-out MSE");
    plot_set_log_x(&p, 1);
    plot_set_log_y(&p, 1);
    plot_set_xrange(&p, 0.8 * len_lo, 1.25 * len_hi);
    for (int c = 0; c < N_KINDS; c++) {
        int s = plot_add_series(&p, c == 0 ? "tanh RNN" : adding_cell_name(race_kinds[c]), lens, mse[c], n_len);
        plot_set_style(&p, s, PLOT_LINESPOINTS, race_colours[c]);
    }
    base_y[0] = base_y[1] = ADDING_BASELINE_MSE;
    int s = plot_add_series(&p, "baseline: always predict 1 (MSE 1/6)", base_x, base_y, 2);
    plot_set_style(&p, s, PLOT_DASHED, "#888888");
    write_plot(ch, &p);

    plot_init(&p, "accuracy_vs_length", "The adding problem: held-out predictions within 0.04 of the target",
              "sequence length T", "predictions within 0.04 (%)");
    plot_set_log_x(&p, 1);
    plot_set_xrange(&p, 0.8 * len_lo, 1.25 * len_hi);
    plot_set_yrange(&p, 0, 100);
    for (int c = 0; c < N_KINDS; c++) {
        s = plot_add_series(&p, c == 0 ? "tanh RNN" : adding_cell_name(race_kinds[c]), lens, hits[c], n_len);
        plot_set_style(&p, s, PLOT_LINESPOINTS, race_colours[c]);
    }
    // always predicting 1: |u + u' - 1| < 0.04 for a triangular sum has probability 0.08 - 0.04^2
    base_y[0] = base_y[1] = 100.0 * (2 * ADDING_HIT_TOLERANCE - ADDING_HIT_TOLERANCE * ADDING_HIT_TOLERANCE);
    s = plot_add_series(&p, "baseline: always predict 1 (7.8%)", base_x, base_y, 2);
    plot_set_style(&p, s, PLOT_DASHED, "#888888");
    write_plot(ch, &p);

    // training curves of the two gated cells, averaged over windows of 50 updates (batches are noisy)
    plot_init(&p, "memory_loss_curves", "Training loss on the adding problem (mean of 50 updates): LSTM dashed, GRU solid",
              "update", "training MSE");
    plot_set_log_y(&p, 1);
    plot_set_xrange(&p, 0, ch->steps);
    int window = LEARN_WINDOW, n_points = ch->steps / window + 1;
    double *xs = xmalloc(sizeof(double) * (size_t)n_points), *ys = xmalloc(sizeof(double) * (size_t)n_points);
    static const char *const length_colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                                 "#000000"};
    for (int k = 0; k < n_len; k++)
        for (int c = 1; c < N_KINDS; c++) {
            const AddingRun *r = &runs[N_KINDS * k + c];
            int n = 0;
            for (int w = 0; w * window < r->steps_done && n < n_points; w++, n++) {
                int end = (w + 1) * window < r->steps_done ? (w + 1) * window : r->steps_done;
                xs[n] = 0.5 * (w * window + end);   // the middle of the window (the last may be short)
                ys[n] = adding_mean_loss(r, w * window, (w + 1) * window);
            }
            char label[64];
            snprintf(label, sizeof label, "%s, T = %d", adding_cell_name(r->kind), r->T);
            s = plot_add_series(&p, label, xs, ys, n);
            plot_set_style(&p, s, r->kind == CELL_LSTM ? PLOT_DASHED : PLOT_LINES, length_colours[k % 7]);
        }
    write_plot(ch, &p);
    narrate_text(nr, "'loss<0.05 from' is the first update after which 50 updates in a row average below 0.05: the\n"
                     "moment the network found the first mark. Chapter 03's LSTM needs longer for every longer gap;\n"
                     "compare the GRU's column and memory_loss_curves. The RNN and LSTM rows are chapter 03's,\n"
                     "number for number (the same code path, seed and batches).");
    for (int k = 0; k < N_KINDS * n_len; k++) adding_run_free(&runs[k]);
    for (int c = 0; c < N_KINDS; c++) free(mse[c]), free(hits[c]);
    free(runs), free(lens), free(xs), free(ys);
}

int main(int argc, char **argv) {
    Chapter ch;
    memset(&ch, 0, sizeof ch);
    cli_common_init(&ch.common, "05_gru", 1);
    // the classroom defaults (what --help shows); --quick shrinks them below
    AddingRun classroom = adding_run_config(CELL_GRU, 50, 0, 1), quick = adding_run_config(CELL_GRU, 10, 1, 1);
    int lengths[ADDING_MAX_LENGTHS];
    ch.lengths.n = adding_lengths(0, lengths);
    for (int k = 0; k < ch.lengths.n; k++) ch.lengths.v[k] = (float)lengths[k];
    ch.steps = classroom.steps;
    ch.hidden = classroom.hidden;
    ch.heat_length = classroom.T;
    ch.update_bias = 3.0f;
    CliFloatList default_lengths = ch.lengths;
    CliOption options[] = {
        {"update-bias", CLI_FLOAT, &ch.update_bias, "update-gate bias b_z of the extra GRU in cell 2", .min = -10,
         .max = 10},
        {"steps", CLI_INT, &ch.steps, "Adam updates per training run (cells 3-4)", .min = 1, .max = 1000000},
        {"hidden", CLI_INT, &ch.hidden, "hidden size of the trained RNN, LSTM and GRU (cells 3-4)", .min = 1,
         .max = 1024},
        {"lengths", CLI_FLOAT_LIST, &ch.lengths, "sequence lengths to compare (cell 4)", .min = 2, .max = 5000},
        {"heat-length", CLI_INT, &ch.heat_length, "length of the example in the gate heatmaps (cell 3)", .min = 2,
         .max = 1000},
        {0}};
    cli_parse(&ch.common, options, argc, argv,
              "Chapter 05: the GRU, and Cho et al.'s decoder that sees the context at every step");
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
    gnuplot_init(&ch.gp);
    if (!ch.common.no_plots) cli_prepare_out(&ch.common);
    narrate_init(&ch.nr, CHAPTER_CELLS, ch.common.quiet, ch.common.pause);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);

    // the GRU itself
    cell_gru_by_hand(&ch);
    cell_long_sequence(&ch);
    cell_gates_at_work(&ch);
    cell_lengths(&ch);
    // Cho et al.'s encoder-decoder, on chapter 04's machinery, goes here as cells 5+ (raise
    // CHAPTER_CELLS, extend the summary and the exercises below).

    static const char *const exercises[] = {
        "A minimal gated unit (Zhou et al. 2016): one gate f does both jobs, n = tanh(W_in x + b_in +\n"
        "     W_hn (f * h) + b_hn), h' = (1 - f) h + f n. Write it like gru_lesson_step() and race it in cell 4.",
        "Drop the reset gate (r = 1 always). Does the adding problem care? What changes in cell 3's heatmaps?",
        "Why does the GRU find the first mark so early? Every 50 updates of the T = 200 run, record the mean z\n"
        "     over unmarked and over marked steps: does z on unmarked steps rise before the loss drops? Then set\n"
        "     AddingRun.update_bias = 2 for the GRUs: do they learn sooner still?",
        "Cho et al.'s paper puts the reset gate before the product: n = tanh(W_in x + W_hn (r * h)), no b_hn.\n"
        "     Change gru_lesson_step() to that form: does cell 1 still match common/gru.c? Should it?",
        "Equal parameters: a GRU with H = 16 has 977 of them, an LSTM with H = 14 has 1023.\n"
        "     Rerun cell 4 with the LSTM at H = 14: who wins now?",
        NULL};
    narrate_summary(&ch.nr,
                    "the GRU folds the LSTM's cell into h and its forget and input gates into one update gate z:\n"
                    "h' = (1 - z) n + z h. One step back multiplies the gradient by diag(z) + (terms that carry 1 - z),\n"
                    "so units with z near 1 are a highway, as the LSTM's cell is when f is near 1. Trained, it learns\n"
                    "the adding problem where the RNN cannot, with 3/4 of the LSTM's parameters, and in our runs it\n"
                    "found the first mark sooner than the LSTM at every length. Keep clipping.",
                    exercises);
    if (!ch.common.quiet) printf("\n(%.1f s in all)\n", seconds_since(&start));
    adding_run_free(&ch.heat_run);
    return 0;
}
