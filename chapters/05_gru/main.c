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
// Then Cho et al.'s encoder-decoder (cells 5-11), chapter 04's Seq2Seq with the GRU and one
// change: the encoder's summary z goes to EVERY decoder step, not only into its first state:
//
//     z = GRU_enc(E_src[x_1 .. x_S])                 the final state, at each sentence's own end
//     s_0 = z,   s_t = GRU_dec(cat(d_t, z), s_{t-1}),   d_t = dropout(E_tgt[y_{t-1}])
//     logits_t = fc_out(cat(d_t, s_t, z))            (--context-every-step off: GRU(d_t), fc_out(s_t))
//
// The chapter's files:
//     main.c         the driver, cells 1 and 2
//     gru_lesson.c   the GRU built from primitive ops, one tensor per gate (cells 1 and 3)
//     bptt.c         1000 steps of ones, RNN / LSTM / GRU, in double with a running scale (2)
//     gru_cells.c    cells 3 and 4 (common/adding_train.c, chapter 03's trainer, trains the
//                    three cells on the adding problem, with checkpoints and --resume)
//     cho_seq2seq.c  Cho et al.'s model as a Seq2SeqModel (bentrevett notebook 2's names)
//     cho_runs.c     one trained model, the comparison tables, the Seq2Seq figures
//     cho_lesson.c   cells 5-11, the options of the second half, --load / --translate
// and common/gru.c (the fused nn.GRU, PyTorch-checked), common/lstm.c, common/rnn.c,
// common/seq2seq_*.c (chapter 04's training loop, checkpoints, BLEU), common/lstm_seq2seq.c.
//
// Run:      ./bin/05_gru               (classroom default, both halves: README.md "Timing")
//           ./bin/05_gru --quick        (4 s of CPU; --help lists the options)
//           Ctrl-C saves the runs in progress; the same command with --resume goes on from there
//           ./bin/05_gru --part seq2seq --context-every-step off     (the ablation as the main run)
//           ./bin/05_gru --data multi30k --preset bentrevett --out runs/05_multi30k
//           ./bin/05_gru --load runs/05_gru/dates.best --translate "3. märz 1998"
//
// Writes:   figures/05_gru/, each PNG with its CSV and gnuplot script:
//     grad_norms          log10 ||dL/dh_t|| over 1000 steps: RNN, LSTM, GRU (and GRU with b_z = 3)
//     update_gate         the mean update gate z_t along those steps (and the LSTM's forget gate)
//     gru_reset_gate, gru_update_gate, gru_hidden
//                         heatmaps (units x time) of a trained GRU reading one example
//     memory_vs_length    held-out MSE against the sequence length, RNN / LSTM / GRU
//     accuracy_vs_length  the share of held-out predictions within 0.04 of the target
//     memory_loss_curves  the training loss of the LSTM and GRU runs
//     seq2seq_loss_curves validation and training loss per epoch: Cho GRU, no-context GRU, LSTM
//     seq2seq_by_length   test exact match against source length, the same three
//     bottleneck_by_length  the copy task (3-30 symbols): exact match and BLEU against length
//     copy_by_length.csv  the same numbers for chapter 07 (common/seq2seq_report.h)
//           runs/05_gru/adding-{rnn,lstm,gru}-TN{,.train}.safetensors  each training run of cells
//           3-4 (with --out DIR: DIR/adding-...; with --save NAME: adding-... beside NAME), and the
//           second half's checkpoints (runs/05_gru/DATA...)
//
// Expect (seed 1; any thread count gives the same numbers; README.md has the tables):
//     cell 1: primitive-op GRU vs fused: values identical, gradients within 1.907e-6 (largest 8.11)
//     cell 2: log10 ||dL/dh_0||: RNN -211.0, LSTM -170.5, GRU -183.2, GRU with b_z = 3 -13.2;
//             float32 dL/dh_t is exactly 0 for t <= 789 (RNN), 741 (LSTM); the GRU's stalls at 1e-44
//     cell 3: the T = 50 GRU leaves the baseline near update 250; held-out MSE 0.00008
//     cell 4: held-out MSE, RNN / LSTM / GRU: T = 10 9.030e-04 / 7.607e-05 / 3.030e-05,
//             50 0.1605 / 4.126e-04 / 8.446e-05, 200 0.1712 / 2.123e-04 / 3.444e-04 (baseline 0.167);
//             loss below 0.05 from update: LSTM 201 ... 1751 (longer gaps, later), GRU 101 ... 351
//     cells 5-9 (dates, first 8,000 pairs, 5 epochs): validation loss after epoch 2 / test exact match:
//             Cho GRU 0.747 / 92.0%, no-context GRU 1.409 / 90.7%, LSTM 1.675 / 1.5%
//     cell 10 (copy): exact match 100.0% at 1-3 symbols, 84.3% at 4-6, 30.0% at 7-9, 0% from 13 on
//     --data multi30k --preset bentrevett (10 epochs, ~10 min each on one core): best validation
//             epoch 8; test loss 3.580 (PPL 35.9), BLEU 20.64 (notebook 2 published: PPL 37.5, BLEU 20.6)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adding_task.h"
#include "adding_train.h"
#include "bptt.h"
#include "cli.h"
#include "gru_chapter.h"
#include "gru_lesson.h"
#include "heatmap.h"
#include "interrupt.h"
#include "narrate.h"
#include "plot.h"
#include "util.h"

enum { FLOW_T = 1000, FLOW_H = 32 };
// The cells of the GRU half; Cho et al.'s encoder-decoder adds cho_lesson_cells().
enum { CHAPTER_CELLS = 4 };


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
    gru05_write_plot(ch, &p);

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
    gru05_write_plot(ch, &p);

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
    cho_options_init(&ch.cho, argc, argv);
    CliOption options[48] = {
        {"update-bias", CLI_FLOAT, &ch.update_bias, "update-gate bias b_z of the extra GRU in cell 2", .min = -10,
         .max = 10},
        {"steps", CLI_INT, &ch.steps, "Adam updates per training run (cells 3-4)", .min = 1, .max = 1000000},
        {"adding-hidden", CLI_INT, &ch.hidden, "hidden size of the trained RNN, LSTM and GRU (cells 3-4)", .min = 1,
         .max = 1024},
        {"lengths", CLI_FLOAT_LIST, &ch.lengths, "sequence lengths to compare (cell 4)", .min = 2, .max = 5000},
        {"heat-length", CLI_INT, &ch.heat_length, "length of the example in the gate heatmaps (cell 3)", .min = 2,
         .max = 1000},
    };
    int n_options = cho_options_add(&ch.cho, options, 5);   // cells 5+: chapter 04's options and more
    options[n_options] = (CliOption){0};
    cli_parse(&ch.common, options, argc, argv,
              "Chapter 05: the GRU, and Cho et al.'s decoder that sees the context at every step");
    int status = cho_options_finish(&ch.cho, "05_gru", argc, argv);
    if (status) return status;
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
    if (ch.cho.load) return cho_run_loaded(&ch.cho, &ch.common);
    if (!ch.common.no_plots) cli_prepare_out(&ch.common);
    int gru_half = ch.cho.part != CHO_PART_SEQ2SEQ, cho_half = ch.cho.part != CHO_PART_GRU;
    if (gru_half) gru05_prepare_checkpoints(&ch);
    narrate_init(&ch.nr, gru_half * CHAPTER_CELLS + cho_half * cho_lesson_cells(&ch.cho), ch.common.quiet,
                 ch.common.pause);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);

    if (gru_half) {   // the GRU itself
        cell_gru_by_hand(&ch);
        cell_long_sequence(&ch);
        interrupt_install();   // from here on, Ctrl-C finishes the update, saves and says how to resume
        gru05_cell_gates_at_work(&ch);
        gru05_cell_lengths(&ch);
        interrupt_reset();
    }
    // Cho et al.'s encoder-decoder, on chapter 04's machinery (cho_lesson.c). With --resume, if
    // cells 3-4 still had to train, the last run was stopped there: the second half had not begun
    // (or an older run of it would give the same numbers), so it starts afresh.
    if (gru_half && ch.adding_trained) ch.cho.resume = 0;
    if (cho_half) cho_lesson_run(&ch.cho, &ch.common, &ch.nr, &ch.gp);

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
        "Feed the context only to the output layer (fc_out over cat(d_t, s_t, z), the GRU reading d_t alone): a\n"
        "     third variant in cho_seq2seq.c. Which half of Cho et al.'s wiring buys the ablation's gain?",
        "Run the bottleneck (copy task) with --context-every-step off as well: does z at every step move the\n"
        "     cliff, or only the short lengths?",
        "Equal parameters, again: the Cho GRU at H = 128 against the LSTM at the H that matches its count.\n"
        "     Does the LSTM row of cell 8 change its verdict?",
        NULL};
    narrate_summary(&ch.nr,
                    "the GRU folds the LSTM's cell into h and its forget and input gates into one update gate z:\n"
                    "h' = (1 - z) n + z h. One step back multiplies the gradient by diag(z) + (terms that carry 1 - z),\n"
                    "so units with z near 1 are a highway, as the LSTM's cell is when f is near 1. Trained, it learns\n"
                    "the adding problem where the RNN cannot, with 3/4 of the LSTM's parameters, and in our runs it\n"
                    "found the first mark sooner than the LSTM at every length. Keep clipping. Cho et al.'s\n"
                    "encoder-decoder then hands the encoder's summary z to every decoder step and to the output layer,\n"
                    "so the decoder's state no longer has to carry the source; on the same budget it learns much faster\n"
                    "than chapter 04's wiring (the ablation) and than the LSTM, but z is still a fixed-size bottleneck\n"
                    "for long inputs: chapter 07's attention removes it.",
                    exercises);
    if (!ch.common.quiet) printf("\n(%.1f s in all)\n", gru05_seconds_since(&start));
    adding_run_free(&ch.heat_run);
    return 0;
}
