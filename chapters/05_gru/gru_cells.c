// gru_cells.c: chapter 05's cells 3 and 4, the GRU trained on chapter 03's adding problem
// (see gru_chapter.h; main.c runs them). Moved out of main.c when the Seq2Seq half arrived.
// The training itself, its checkpoints and its Ctrl-C handling are common/adding_train.c's,
// the code chapter 03 runs.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adding_figures.h"
#include "adding_task.h"
#include "fileio.h"
#include "gru_chapter.h"
#include "gru_lesson.h"
#include "heatmap.h"
#include "interrupt.h"
#include "util.h"

#define GRU05_DEFAULT_OUT "figures/05_gru"

double gru05_seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + 1e-9 * (double)(now.tv_nsec - start->tv_nsec);
}

void gru05_write_plot(Chapter *ch, Plot *p) {
    char err[512];
    if (!ch->common.no_plots) {
        if (!plot_write(p, ch->common.out, &ch->gp, err, sizeof err)) die("%s", err);
        narrate_text(&ch->nr, "wrote %s/%s.png (+ .csv, .gp)", ch->common.out, p->name);
    }
    plot_free(p);
}

// ---- checkpoints -----------------------------------------------------------------------------------
// A run's checkpoint NAME: BASE-gru-T50, BASE-lstm-T10, BASE-rnn-T5, ...
static void run_ckpt_name(char *buf, size_t n, const Chapter *ch, CellKind kind, int T) {
    snprintf(buf, n, "%s-%s-T%d", ch->base, kind == CELL_GRU ? "gru" : kind == CELL_LSTM ? "lstm" : "rnn", T);
}

void gru05_prepare_checkpoints(Chapter *ch) {
    const char *save = ch->cho.save;   // the second half's NAME: our runs go beside it
    const char *slash = save ? strrchr(save, '/') : NULL;
    if (save) snprintf(ch->base, sizeof ch->base, "%.*sadding", slash ? (int)(slash - save + 1) : 0, save);
    else if (strcmp(ch->common.out, GRU05_DEFAULT_OUT) == 0) snprintf(ch->base, sizeof ch->base, "runs/05_gru/adding");
    else snprintf(ch->base, sizeof ch->base, "%s/adding", ch->common.out);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", ch->base);
    char *end = strrchr(dir, '/');
    if (end && end != dir) {
        *end = '\0';
        make_dirs_or_die(dir);
    }
    char first[1200], path[1300];
    run_ckpt_name(first, sizeof first, ch, CELL_GRU, ch->heat_length);
    snprintf(path, sizeof path, "%s.safetensors", first);
    FILE *probe = ch->cho.resume ? fopen(path, "rb") : NULL;
    if (ch->cho.resume && !probe)
        die("--resume: %s: no such checkpoint (HINT: a run writes it when its first training run ends or is "
            "interrupted; cells 3-4 save beside --save's NAME, or in --out)", path);
    if (probe) fclose(probe);
}

// Ctrl-C or SIGTERM stopped training and the runs are saved: say where and how to go on, and
// exit as a shell reports the signal (130, 143).
static _Noreturn void stop_interrupted(const Chapter *ch, const char *saved) {
    interrupt_report(saved, ch->cho.resume_hint);
    exit(interrupt_exit_status());
}

// ---- cell 3: the gates of a trained GRU ---------------------------------------------------------
// A (H, T) matrix as a heatmap with the two marks (common/adding_figures.c).
static void write_unit_heatmap(Chapter *ch, const char *name, const char *title, const char *value_label,
                               const float *values, int H, int T, HeatmapColormap cmap, double lo, double hi,
                               const char *const *col_labels, const int marks[2]) {
    if (ch->common.no_plots) return;
    char err[512];
    if (!adding_units_heatmap(ch->common.out, name, title, value_label, values, H, T, cmap, lo, hi, col_labels, marks,
                              &ch->gp, err, sizeof err))
        die("%s", err);
    narrate_text(&ch->nr, "wrote %s/%s.png (+ .csv, .gp)", ch->common.out, name);
}

void gru05_cell_gates_at_work(Chapter *ch) {
    Narrator *nr = &ch->nr;
    int T = ch->heat_length;
    narrate_cell(nr, "Gates at work on the adding problem");
    narrate_text(nr, "Train one GRU (H = %d, PyTorch's initialisation) on chapter 03's adding problem at T = %d:\n"
                     "%d Adam updates of batches of 32, lr 1e-2, clip at norm 1. Then read one example through\n"
                     "gru_lesson_step() and draw the gates over time: rows are units, columns time steps.",
                 ch->hidden, T, ch->steps);
    narrate_text(nr, "(Every training run of cells 3-4 is saved as %s-CELL-TN.safetensors; Ctrl-C saves, --resume\n"
                     "goes on.)", ch->base);
    AddingRun *run = &ch->heat_run;
    *run = adding_run_config(CELL_GRU, T, ch->common.quick, ch->common.seed);
    run->steps = ch->steps, run->hidden = ch->hidden;
    run_ckpt_name(ch->heat_ckpt, sizeof ch->heat_ckpt, ch, CELL_GRU, T);
    run->ckpt = ch->heat_ckpt, run->resume = ch->cho.resume;
    AddingNet net;
    adding_run_train(run, &net);
    ch->adding_trained |= run->steps_done > run->start_step;
    if (run->interrupted || interrupt_requested()) {
        char path[1300];
        snprintf(path, sizeof path, "%s.safetensors", ch->heat_ckpt);
        stop_interrupted(ch, path);
    }
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
    adding_pick_example(T, x, &y, &first, &second);
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

void gru05_cell_lengths(Chapter *ch) {
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
    AddingRun **pending = xmalloc(sizeof(AddingRun *) * (size_t)N_KINDS * n_len);
    char (*ckpt)[1200] = xmalloc(sizeof *ckpt * (size_t)N_KINDS * n_len);   // the runs' checkpoint NAMEs
    int n_pending = 0;
    for (int k = 0; k < n_len; k++)
        for (int c = 0; c < N_KINDS; c++) {
            AddingRun *r = &runs[N_KINDS * k + c];
            int T = (int)lrintf(ch->lengths.v[k]);
            *r = adding_run_config(race_kinds[c], T, ch->common.quick, ch->common.seed);
            r->steps = ch->steps, r->hidden = ch->hidden;
            run_ckpt_name(ckpt[N_KINDS * k + c], sizeof ckpt[0], ch, race_kinds[c], T);
            r->ckpt = ckpt[N_KINDS * k + c], r->resume = ch->cho.resume;
            if (race_kinds[c] == CELL_GRU && T == ch->heat_run.T && ch->heat_run.loss) {
                *r = ch->heat_run;   // cell 3 trained it already (same seed and settings): reuse it
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
    int stopped = interrupt_requested() != 0;
    for (int k = 0; k < n_pending; k++) {
        *pending[k] = batch[k];
        stopped |= batch[k].interrupted != 0;
        ch->adding_trained |= batch[k].steps_done > batch[k].start_step;
    }
    free(batch), free(pending);
    if (stopped) {   // every run that had started is saved
        char saved[1300];
        snprintf(saved, sizeof saved, "%s-*.safetensors", ch->base);
        stop_interrupted(ch, saved);
    }
    double wall = gru05_seconds_since(&start);

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
                       "time", n_len, seconds[0], seconds[1], seconds[2], n_pending, wall);

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
    gru05_write_plot(ch, &p);

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
    gru05_write_plot(ch, &p);

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
    gru05_write_plot(ch, &p);
    narrate_text(nr, "'loss<0.05 from' is the first update after which 50 updates in a row average below 0.05: the\n"
                     "moment the network found the first mark. Chapter 03's LSTM needs longer for every longer gap;\n"
                     "compare the GRU's column and memory_loss_curves. The RNN and LSTM rows are chapter 03's,\n"
                     "number for number (the same code path, seed and batches).");
    for (int k = 0; k < N_KINDS * n_len; k++) adding_run_free(&runs[k]);
    for (int c = 0; c < N_KINDS; c++) free(mse[c]), free(hits[c]);
    ch->heat_run.ckpt = NULL;
    free(ckpt), free(runs), free(lens), free(xs), free(ys);
}

