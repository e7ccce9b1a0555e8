// Chapter 02 — gradient clipping.
//
// New since chapter 01: chapter 01 showed that BPTT's product of per-step factors explodes
// when they exceed 1. Here we train, and an exploding gradient becomes one enormous update
// that throws the weights far away (or to Inf/NaN). The fix (Pascanu et al. 2013) is to look
// at all the gradients before using them:
//
//     1. compute every gradient   g = dL/dtheta           (tape_backward)
//     2. clip them together       if ||g|| > c:  g <- g * c / ||g||     (clip_grad_norm)
//     3. apply the update         theta <- theta - lr * g                (sgd_step)
//
// Clipping by norm keeps the gradient's direction and bounds the step to lr * c; clipping
// each value at +-v (clip_grad_value) bounds it too, but bends the direction.
//
// Run:      ./bin/02_gradient_clipping        (--help for the options, --quick for a tiny run)
//           Ctrl-C saves the run in progress; the same command with --resume goes on from there
// Writes:   figures/02_gradient_clipping/  cliff.{png,csv,gp}, training_loss.{csv,gp,png},
//           training_grad_norm.{csv,gp,png}, threshold_sweep.{csv,gp,png}
//           runs/02_gradient_clipping/adding-RUN{,.train}.safetensors  each training run's
//           checkpoint (--save NAME: NAME-RUN; with --out DIR: DIR/adding-RUN)
// Expect:   on the cliff, plain gradient descent meets a gradient of ~1e4 and jumps far off
//           the map; the clipped path never moves more than lr * c per step. Training a tanh
//           RNN on the adding problem at lr 0.5: without clipping the loss is Inf within ~20
//           steps (detected and reported with its step); both clipped runs finish.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adding_task.h"
#include "cli.h"
#include "cliff.h"
#include "fileio.h"
#include "heatmap.h"
#include "interrupt.h"
#include "narrate.h"
#include "plot.h"
#include "progress.h"
#include "train_rnn.h"
#include "util.h"

typedef struct Config {
    // cell 1: the cliff
    double start_w, start_b, cliff_lr, cliff_clip;
    int cliff_steps;
    // cells 2-3: training on the adding problem
    int T, hidden, batch, steps;
    float lr, clip_norm, clip_value;
    CliFloatList thresholds;
    // checkpoints: run R is saved as BASE-R (BASE: --save, else runs/CHAPTER/adding)
    const char *save;
    int resume;
    char base[1100];
    char resume_hint[2048];   // this command line with --resume: printed if Ctrl-C stops training
} Config;

#define CHAPTER "02_gradient_clipping"
#define DEFAULT_OUT "figures/" CHAPTER

// The window of (w, b) the loss surface is drawn over.
enum { GRID_W = 241, GRID_B = 161 };
static const double W_MIN = 0.0, W_MAX = 12.0, B_MIN = -7.0, B_MAX = 1.0;

// ---- cell 1: the cliff --------------------------------------------------------------------
// A path in matrix coordinates (col = w axis, row = b axis), cut where it leaves the window.
static int path_to_grid(const double *path, int n, float *col, float *row) {
    int m = 0;
    for (int i = 0; i < n; i++) {
        double w = path[2 * i], b = path[2 * i + 1];
        int inside = w >= W_MIN && w <= W_MAX && b >= B_MIN && b <= B_MAX;
        double cw = fmin(fmax(w, W_MIN), W_MAX), cb = fmin(fmax(b, B_MIN), B_MAX);
        col[m] = (float)((cw - W_MIN) / (W_MAX - W_MIN) * (GRID_W - 1));
        row[m] = (float)((cb - B_MIN) / (B_MAX - B_MIN) * (GRID_B - 1));
        m++;
        if (!inside) break;   // the rest is off the map: stop at its edge
    }
    return m;
}

static void cell_cliff(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    narrate_cell(nr, "The cliff: one unit, 50 steps, a wall in the loss surface");
    narrate_text(nr, "x_t = w sigmoid(x_{t-1}) + b, x_0 = 0.5, L = (x_50 - 0.7)^2  (Pascanu et al. 2013).");
    narrate_text(nr, "Where the map x -> w sigmoid(x) + b gains or loses a fixed point, x_50 jumps: the");
    narrate_text(nr, "loss has a wall there and its gradient is huge on the wall, small everywhere else.");
    float *loss = xmalloc(sizeof(float) * GRID_W * GRID_B);   // (GRID_B, GRID_W), row = b
    for (int r = 0; r < GRID_B; r++)
        for (int c = 0; c < GRID_W; c++) {
            double w = W_MIN + (W_MAX - W_MIN) * c / (GRID_W - 1), b = B_MIN + (B_MAX - B_MIN) * r / (GRID_B - 1);
            loss[r * GRID_W + c] = (float)cliff_loss_grad(w, b, NULL, NULL);
        }

    int n = cfg->cliff_steps;
    double *plain = xmalloc(sizeof(double) * 2 * (size_t)(n + 1)), *clipped = xmalloc(sizeof(double) * 2 * (size_t)(n + 1));
    double plain_max, clipped_max;
    int n_plain = cliff_descent(cfg->start_w, cfg->start_b, cfg->cliff_lr, 0.0, n, plain, &plain_max);
    int n_clip = cliff_descent(cfg->start_w, cfg->start_b, cfg->cliff_lr, cfg->cliff_clip, n, clipped, &clipped_max);
    double biggest_jump = 0.0;
    int jump_at = 0;
    for (int i = 1; i < n_plain; i++) {
        double d = hypot(plain[2 * i] - plain[2 * i - 2], plain[2 * i + 1] - plain[2 * i - 1]);
        if (d > biggest_jump) biggest_jump = d, jump_at = i;
    }

    Table t;
    table_init(&t, 6, "descent", "steps", "largest ||g||", "largest step", "ends at (w, b)", "final loss");
    table_str(&t, "plain");
    table_int(&t, n_plain - 1);
    table_num(&t, plain_max);
    table_num(&t, biggest_jump);
    table_fmt(&t, "(%.3g, %.3g)", plain[2 * (n_plain - 1)], plain[2 * (n_plain - 1) + 1]);
    table_num(&t, cliff_loss_grad(plain[2 * (n_plain - 1)], plain[2 * (n_plain - 1) + 1], NULL, NULL));
    table_fmt(&t, "clipped at %g", cfg->cliff_clip);
    table_int(&t, n_clip - 1);
    table_num(&t, clipped_max);
    table_num(&t, cfg->cliff_lr * cfg->cliff_clip);
    table_fmt(&t, "(%.3g, %.3g)", clipped[2 * (n_clip - 1)], clipped[2 * (n_clip - 1) + 1]);
    table_num(&t, cliff_loss_grad(clipped[2 * (n_clip - 1)], clipped[2 * (n_clip - 1) + 1], NULL, NULL));
    narrate_text(nr, "Gradient descent from (w, b) = (%g, %g), learning rate %g, %d steps:", cfg->start_w,
                 cfg->start_b, cfg->cliff_lr, n);
    narrate_table(nr, &t);
    narrate_result(nr, "plain descent's largest step (%.3g, at step %d) is %.0f times what clipping allows",
                   biggest_jump, jump_at, biggest_jump / (cfg->cliff_lr * cfg->cliff_clip));

    float *pc = xmalloc(sizeof(float) * (size_t)(n + 1) * 4), *pr = pc + (n + 1), *cc = pr + (n + 1), *cr = cc + (n + 1);
    int m_plain = path_to_grid(plain, n_plain, pc, pr), m_clip = path_to_grid(clipped, n_clip, cc, cr);
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.title = "Loss (x_50 - 0.7)^2 over (w, b), with two descents";
    o.x_label = "w (recurrent weight)";
    o.y_label = "b (bias)";
    o.value_label = "loss (log scale)";
    o.log_scale = 1;
    o.vmin = 1e-2;   // the valley floor touches 0; below 1e-2 is all "solved" for the eye
    o.rows_bottom_up = 1;
    o.has_extent = 1;
    o.x_first = W_MIN, o.x_last = W_MAX, o.y_first = B_MIN, o.y_last = B_MAX;
    heatmap_add_path(&o, pc, pr, m_plain, (Rgb){230, 30, 30}, "plain gradient descent");
    heatmap_add_path(&o, cc, cr, m_clip, (Rgb){255, 255, 255}, "clipped gradient descent");
    char err[512];
    if (!common->no_plots && !heatmap_write(common->out, "cliff", loss, GRID_B, GRID_W, &o, gp, err, sizeof err))
        die("%s", err);
    if (m_plain < n_plain)
        narrate_text(nr, "The plain path leaves the picture at step %d (the red line ends at the edge).", m_plain - 1);
    free(loss), free(plain), free(clipped), free(pc);
}

// ---- cell 2: training three ways -----------------------------------------------------------
static void show_progress(void *ctx, int step, float loss) { progress_update(ctx, step + 1, loss); }

// Ctrl-C or SIGTERM stopped training and the run is saved: say where and how to go on, and
// exit as a shell reports the signal (130, 143).
static _Noreturn void stop_interrupted(const Config *cfg, const char *ckpt) {
    char path[1300];
    snprintf(path, sizeof path, "%s.safetensors", ckpt);
    interrupt_report(path, cfg->resume_hint);
    exit(interrupt_exit_status());
}

// One training run, checkpointed as BASE-name (and continued from there with --resume).
static ClipRun run_one(const CliCommon *common, const Config *cfg, ClipMode mode, float threshold, const char *label,
                       const char *name) {
    char ckpt[1200];
    snprintf(ckpt, sizeof ckpt, "%s-%s", cfg->base, name);
    ClipRun run = {.T = cfg->T, .hidden = cfg->hidden, .batch = cfg->batch, .steps = cfg->steps, .lr = cfg->lr,
                   .mode = mode, .threshold = threshold, .seed = common->seed, .ckpt = ckpt, .resume = cfg->resume};
    Progress pr;
    progress_start(&pr, label, cfg->steps, common->quiet);
    run.on_step = show_progress;
    run.ctx = &pr;
    clip_run_train(&run);
    progress_end(&pr);
    run.ckpt = NULL;   // (the name lives in this function)
    if (run.interrupted || interrupt_requested()) stop_interrupted(cfg, ckpt);
    return run;
}

static void cell_training(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    narrate_cell(nr, "Training with and without clipping");
    narrate_text(nr, "A tanh RNN (%d units) reads the adding problem: %d steps of (value, marker); the", cfg->hidden, cfg->T);
    narrate_text(nr, "target is the sum of the two marked values, one in each half. Predicting 1.0 every");
    narrate_text(nr, "time scores MSE %.4f. Plain SGD, lr %g, batch %d, %d steps, the same seed three ways:",
                 ADDING_BASELINE_MSE, cfg->lr, cfg->batch, cfg->steps);
    narrate_text(nr, "(Each run is saved as %s-RUN.safetensors; Ctrl-C saves it mid-run, --resume goes on.)", cfg->base);
    const ClipMode modes[3] = {CLIP_NONE, CLIP_VALUE, CLIP_NORM};
    const float thresholds[3] = {0.0f, cfg->clip_value, cfg->clip_norm};
    static const char *const names[3] = {"no-clipping", "clip-value", "clip-norm"};
    ClipRun runs[3];
    for (int i = 0; i < 3; i++)
        runs[i] = run_one(common, cfg, modes[i], thresholds[i], clip_mode_name(modes[i]), names[i]);

    Table t;
    table_init(&t, 5, "run", "steps done", "largest ||g||", "held-out MSE", "what happened");
    Plot loss_plot, norm_plot;
    plot_init(&loss_plot, "training_loss", "Adding problem: training loss, same seed and learning rate",
              "SGD step", "training MSE (batch)");
    plot_set_log_y(&loss_plot, 1);
    plot_init(&norm_plot, "training_grad_norm", "Adding problem: global gradient norm before clipping",
              "SGD step", "||g|| (all parameters)");
    plot_set_log_y(&norm_plot, 1);
    for (int i = 0; i < 3; i++) {
        ClipRun *r = &runs[i];
        char label[64];
        if (r->mode == CLIP_NONE) snprintf(label, sizeof label, "%s", clip_mode_name(r->mode));
        else snprintf(label, sizeof label, "%s (%g)", clip_mode_name(r->mode), r->threshold);
        plot_add_series_f(&loss_plot, label, NULL, r->loss, r->steps_done);
        plot_add_series_f(&norm_plot, label, NULL, r->grad_norm, r->steps_done);
        float biggest = 0.0f;
        for (int s = 0; s < r->steps_done; s++)
            if (!(r->grad_norm[s] <= biggest)) biggest = r->grad_norm[s];   // NaN and inf win
        table_str(&t, label);
        table_int(&t, r->steps_done);
        table_num(&t, biggest);
        table_num(&t, r->eval_mse);
        if (r->diverged_step >= 0) table_fmt(&t, "stopped: step %d, %s not finite", r->diverged_step, r->diverged_what);
        else table_str(&t, "finished");
    }
    int s = plot_add_series(&loss_plot, "predict the mean (1/6)", (double[]){0, cfg->steps - 1},
                            (double[]){ADDING_BASELINE_MSE, ADDING_BASELINE_MSE}, 2);
    plot_set_style(&loss_plot, s, PLOT_DASHED, "#555555");
    char err[512];
    if (!common->no_plots && (!plot_write(&loss_plot, common->out, gp, err, sizeof err) ||
                              !plot_write(&norm_plot, common->out, gp, err, sizeof err)))
        die("%s", err);
    plot_free(&loss_plot);
    plot_free(&norm_plot);
    narrate_table(nr, &t);
    for (int i = 0; i < 3; i++)
        if (runs[i].diverged_step >= 0)
            narrate_result(nr, "%s: NaN/Inf detected at step %d in %s; that run stopped, the others went on",
                           clip_mode_name(runs[i].mode), runs[i].diverged_step, runs[i].diverged_what);
    narrate_text(nr, "Clipping keeps training alive; it does not make a vanilla RNN remember across %d", cfg->T);
    narrate_text(nr, "steps (compare the held-out MSE with 1/6). That is the vanishing gradient of chapter");
    narrate_text(nr, "01, and it needs a different cell: chapter 03's LSTM.");
    for (int i = 0; i < 3; i++) clip_run_free(&runs[i]);
}

// ---- cell 3: the threshold ----------------------------------------------------------------
static void cell_sweep(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    narrate_cell(nr, "Choosing the threshold");
    narrate_text(nr, "The same run, clipping the global norm at each threshold:");
    int n = cfg->thresholds.n;
    double *x = xmalloc(sizeof(double) * (size_t)n), *y = xmalloc(sizeof(double) * (size_t)n);
    Table t;
    table_init(&t, 4, "threshold", "held-out MSE", "final batch MSE", "what happened");
    int finished = 0;
    for (int i = 0; i < n; i++) {
        char label[48], name[48];
        snprintf(label, sizeof label, "threshold %g", cfg->thresholds.v[i]);
        snprintf(name, sizeof name, "threshold-%g", cfg->thresholds.v[i]);
        ClipRun r = run_one(common, cfg, CLIP_NORM, cfg->thresholds.v[i], label, name);
        table_num(&t, cfg->thresholds.v[i]);
        table_num(&t, r.eval_mse);
        table_num(&t, r.loss[r.steps_done - 1]);
        if (r.diverged_step >= 0) table_fmt(&t, "diverged at step %d", r.diverged_step);
        else {
            table_str(&t, "finished");
            x[finished] = cfg->thresholds.v[i];
            y[finished++] = r.eval_mse;
        }
        clip_run_free(&r);
    }
    narrate_table(nr, &t);
    Plot p;
    plot_init(&p, "threshold_sweep", "Adding problem: held-out MSE after training, by clipping threshold",
              "clipping threshold c (global norm)", "held-out MSE");
    plot_set_log_x(&p, 1);
    plot_set_log_y(&p, 1);
    plot_add_series(&p, "clip by norm", x, y, finished);
    plot_set_style(&p, 0, PLOT_LINESPOINTS, NULL);
    int s = plot_add_series(&p, "predict the mean (1/6)", (double[]){cfg->thresholds.v[0], cfg->thresholds.v[n - 1]},
                            (double[]){ADDING_BASELINE_MSE, ADDING_BASELINE_MSE}, 2);
    plot_set_style(&p, s, PLOT_DASHED, "#555555");
    char err[512];
    if (!common->no_plots && !plot_write(&p, common->out, gp, err, sizeof err)) die("%s", err);
    plot_free(&p);
    narrate_text(nr, "A small threshold makes every step lr * c long: stable but slow. A large one lets");
    narrate_text(nr, "the rare huge gradient through, and one such step can undo the run.");
    free(x), free(y);
}

// BASE from --save or --out, its folder created; with --resume the first run's file must exist.
static void prepare_checkpoints(Config *cfg, const CliCommon *common) {
    if (cfg->save) snprintf(cfg->base, sizeof cfg->base, "%s", cfg->save);
    else if (strcmp(common->out, DEFAULT_OUT) == 0) snprintf(cfg->base, sizeof cfg->base, "runs/%s/adding", CHAPTER);
    else snprintf(cfg->base, sizeof cfg->base, "%s/adding", common->out);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", cfg->base);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        make_dirs_or_die(dir);
    }
    char first[1200];
    snprintf(first, sizeof first, "%s-no-clipping.safetensors", cfg->base);
    FILE *probe = cfg->resume ? fopen(first, "rb") : NULL;
    if (cfg->resume && !probe)
        die("--resume: %s: no such checkpoint (HINT: a run writes it when its first training run ends or is "
            "interrupted; --save names it)", first);
    if (probe) fclose(probe);
}

int main(int argc, char **argv) {
    Config cfg = {
        .start_w = 6.4, .start_b = -4.4, .cliff_lr = 0.01, .cliff_clip = 1.0, .cliff_steps = 200,
        .T = 50, .hidden = 32, .batch = 32, .steps = 600, .lr = 0.5f, .clip_norm = 1.0f, .clip_value = 0.1f,
        .thresholds = {6, {0.1f, 0.3f, 1.0f, 3.0f, 10.0f, 100.0f}},
    };
    CliOption options[] = {
        {"start-w", CLI_DOUBLE, &cfg.start_w, "cliff: starting recurrent weight", .min = -50, .max = 50},
        {"start-b", CLI_DOUBLE, &cfg.start_b, "cliff: starting bias", .min = -50, .max = 50},
        {"cliff-lr", CLI_DOUBLE, &cfg.cliff_lr, "cliff: learning rate", .min = 1e-6, .max = 10},
        {"cliff-clip", CLI_DOUBLE, &cfg.cliff_clip, "cliff: norm threshold of the clipped path", .min = 1e-6, .max = 1e6},
        {"cliff-steps", CLI_INT, &cfg.cliff_steps, "cliff: descent steps", .min = 1, .max = 100000},
        {"steps-in-sequence", CLI_INT, &cfg.T, "adding problem: sequence length T", .min = 2, .max = 10000},
        {"hidden", CLI_INT, &cfg.hidden, "RNN hidden units", .min = 1, .max = 1024},
        {"batch", CLI_INT, &cfg.batch, "sequences per SGD step", .min = 1, .max = 4096},
        {"steps", CLI_INT, &cfg.steps, "SGD steps per run", .min = 1, .max = 1000000},
        {"lr", CLI_FLOAT, &cfg.lr, "SGD learning rate", .min = 1e-6, .max = 100},
        {"clip-norm", CLI_FLOAT, &cfg.clip_norm, "global-norm threshold (cell 2)", .min = 1e-6, .max = 1e6},
        {"clip-value", CLI_FLOAT, &cfg.clip_value, "per-value threshold (cell 2)", .min = 1e-6, .max = 1e6},
        {"thresholds", CLI_FLOAT_LIST, &cfg.thresholds, "norm thresholds to sweep (cell 3)", .min = 1e-6, .max = 1e6},
        {"save", CLI_STRING, &cfg.save, "checkpoint NAME: run R is saved as NAME-R (default runs/" CHAPTER
         "/adding, or OUT/adding with --out)", 0, 0, NULL},
        {"resume", CLI_BOOL, &cfg.resume, "continue the runs saved under --save", 0, 0, NULL},
        {0}};
    CliCommon common;
    cli_common_init(&common, CHAPTER, 1);
    cli_parse(&common, options, argc, argv, "Chapter 02: gradient clipping by global norm");
    if (common.quick) {   // seconds, for tests
        cfg.steps = cfg.steps < 40 ? cfg.steps : 40;
        cfg.thresholds.n = 2;
        cfg.thresholds.v[0] = 0.1f, cfg.thresholds.v[1] = 100.0f;
    }
    cli_resume_hint(cfg.resume_hint, sizeof cfg.resume_hint, argc, argv);
    prepare_checkpoints(&cfg, &common);

    Gnuplot gp;
    gnuplot_init(&gp);
    Narrator nr;
    narrate_init(&nr, 3, common.quiet, common.pause);
    cell_cliff(&nr, &common, &cfg, &gp);
    interrupt_install();   // from here on, Ctrl-C finishes the update, saves and says how to resume
    cell_training(&nr, &common, &cfg, &gp);
    cell_sweep(&nr, &common, &cfg, &gp);
    interrupt_reset();
    static const char *const exercises[] = {
        "Start the cliff descent at --start-w 7.2 --start-b -4.55 --cliff-lr 0.005: where is the plain path thrown?",
        "Give the unclipped run --lr 0.05: does it still blow up? What does it learn in 600 steps?",
        "Clip by value at 1e-3: how does the direction of the update change, and the loss curve?",
        "Replace SGD by Adam (common/optim.h) without clipping: why does Adam survive the cliff?",
        NULL};
    narrate_summary(&nr,
                    "An exploding gradient turns one update into a jump off the map; rescaling the whole "
                    "gradient when its norm exceeds a threshold bounds every step at lr * c and keeps its direction.",
                    exercises);
    return 0;
}
