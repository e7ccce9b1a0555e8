// Chapter 01 — the vanilla RNN and its gradients.
//
// New: everything. The recurrence, backpropagation through time (BPTT), and the product of
// per-step factors that decides whether a recurrent network can learn from the distant past.
//
//     z_t = W_h h_{t-1} + W_x x_t + b        h_t = f(z_t)        h_0 = 0,  x_t = 1 (1000 steps)
//     dL/dh_{t-1} = W_h^T (f'(z_t) * dL/dh_t)
//     dh_T/dh_{T-k} = prod_{t=T-k+1..T} diag(f'(z_t)) W_h      (one unit: prod f'(z_t) w)
//
// Run:      ./bin/01_rnn_gradients            (--help for every option, --quick for a tiny run)
// Writes:   figures/01_rnn_gradients/  scalar_gradients.csv, scalar_gradients_log10.{csv,gp,png},
//           float32_limits.csv,
//           grad_norms_{linear,tanh,relu}.{csv,gp,png}, where_gradient_lives.{png,csv,gp},
//           sharp_edge.{csv,gp,png}
// Expect:   one unit, identity: dh_1000/dh_1 = w^999: 0.5 -> 1.9e-301, 2.0 -> 5.4e+300;
//           in float32 0.5^k is exactly 0 from k = 150 and 2^k is inf from k = 128;
//           hand-written BPTT and autograd agree to 0 (bit for bit);
//           linear network: ||dL/dh_t|| falls or grows like rho^(1000-t).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "heatmap.h"
#include "narrate.h"
#include "plot.h"
#include "util.h"
#include "vanilla_rnn.h"

// ---- the chapter's options (one table) ----------------------------------------------------
typedef struct Config {
    CliFloatList weights;   // cell 1-2: the one-unit recurrent weights w
    int hidden;             // cells 3-6: H
    CliFloatList rhos;      // cell 4: spectral radii of W_h
    int steps;              // T
    double heatmap_rho;     // cell 5
    int sweep_points;       // cell 6
} Config;

static const char *const activation_names[] = {"linear", "tanh", "relu"};

// Write a figure or die with its one-line error; nothing under --no-plots.
static void write_plot(const CliCommon *common, Gnuplot *gp, Plot *p) {
    char err[512];
    if (!common->no_plots && !plot_write(p, common->out, gp, err, sizeof err)) die("%s", err);
    plot_free(p);
}

// A number given by its log10, printed as 3.2e-153 even when it is far outside double's range.
static void table_pow10(Table *t, double log10_value) {
    if (isinf(log10_value) && log10_value < 0) {
        table_str(t, "0");
        return;
    }
    if (fabs(log10_value) < 4) {   // representable and readable as it is
        table_num(t, pow(10.0, log10_value));
        return;
    }
    double e = floor(log10_value);
    table_fmt(t, "%.3fe%+.0f", pow(10.0, log10_value - e), e);
}

// ---- cell 1: one unit, by hand ------------------------------------------------------------
// scalar_gradients.csv: column k, then one column per (f, w) with dh_T/dh_{T-k} in double.
static void cell_scalar(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    int T = cfg->steps, nw = cfg->weights.n;
    narrate_cell(nr, "One unit, by hand: the product of f'(z_t) w");
    narrate_text(nr, "h_t = f(w h_{t-1} + 1), h_0 = 0, for %d steps. Each step back multiplies the", T);
    narrate_text(nr, "gradient by f'(z_t) w, so dh_%d/dh_{%d-k} is a product of k such factors.", T, T);
    narrate_text(nr, "Identity: every factor is w. tanh: f' = 1 - tanh(z)^2 < 1, and the constant");
    narrate_text(nr, "input 1 pushes z away from 0, where tanh saturates and f' is small.");

    double *values = xmalloc(sizeof(double) * (size_t)T * nw * 2);   // (2, nw, T)
    Plot p;
    plot_init(&p, "scalar_gradients_log10", "One unit: how much of the gradient at step 1000 reaches step 1000 - k",
              "k (steps back in time)", "log10 |dh_1000 / dh_(1000-k)|");
    Table t;
    table_init(&t, 7, "f", "w", "last factor", "k = 1", "k = 10", "k = 100", "k = 999");
    double *logs = xmalloc(sizeof(double) * (size_t)T);
    for (int a = 0; a < 2; a++) {
        Activation f = a == 0 ? ACT_LINEAR : ACT_TANH;
        for (int i = 0; i < nw; i++) {
            double w = cfg->weights.v[i], *prod = values + ((size_t)a * nw + i) * T;
            scalar_gradient_products(prod, f, w, T);
            scalar_gradient_log10(logs, f, w, T);
            char label[64];
            snprintf(label, sizeof label, "%s, w = %g", activation_name(f), w);
            int s = plot_add_series(&p, label, NULL, logs, T);
            if (f == ACT_TANH) plot_set_style(&p, s, PLOT_DASHED, NULL);
            table_str(&t, activation_name(f));
            table_num(&t, w);
            table_num(&t, prod[1]);   // the factor of the last step, f'(z_T) w
            int ks[4] = {1, 10, 100, 999};
            for (int j = 0; j < 4; j++) {
                if (ks[j] >= T) table_str(&t, "-");
                else if (prod[ks[j]] != 0.0 || logs[ks[j]] > -307) table_num(&t, prod[ks[j]]);
                else table_fmt(&t, "1e%.0f", floor(logs[ks[j]]));   // below double's range
            }
        }
    }
    narrate_table(nr, &t);
    narrate_text(nr, "(1e-1703 and the like are below double's range of 1e-308: the log10 column of");
    narrate_text(nr, "the figure is summed as logs and shows them anyway.)");

    if (!common->no_plots) {
        char path[1200], err[512];
        cli_prepare_out(common);
        AtomicFile af;
        FILE *fp = atomic_open_or_die(&af, path_join(path, sizeof path, common->out, "scalar_gradients.csv"));
        fprintf(fp, "k");
        for (int a = 0; a < 2; a++)
            for (int i = 0; i < nw; i++) fprintf(fp, ",%s_w%g", a == 0 ? "linear" : "tanh", cfg->weights.v[i]);
        fprintf(fp, "\n");
        for (int k = 0; k < T; k++) {
            fprintf(fp, "%d", k);
            for (int c = 0; c < 2 * nw; c++) fprintf(fp, ",%.17g", values[(size_t)c * T + k]);
            fprintf(fp, "\n");
        }
        if (!atomic_commit(&af, err, sizeof err)) die("%s", err);
    }
    write_plot(common, gp, &p);
    narrate_result(nr, "wrote scalar_gradients.csv (dh_%d/dh_{%d-k} for k = 0..%d, in double)", T, T, T - 1);
    free(values), free(logs);
}

// ---- cell 2: the same in float32 ----------------------------------------------------------
static void cell_float32(Narrator *nr, const CliCommon *common, const Config *cfg) {
    int T = cfg->steps;
    narrate_cell(nr, "Float32 reality: vanishing and exploding made literal");
    narrate_text(nr, "Networks compute in float32: smallest positive number 1.4e-45 (subnormal),");
    narrate_text(nr, "largest 3.4e+38. The same products, every number a float32:");
    Table t;
    table_init(&t, 4, "f", "w", "first k with exactly 0 or inf", "the exact value there (double)");
    float *prod32 = xmalloc(sizeof(float) * (size_t)T);
    double *prod64 = xmalloc(sizeof(double) * (size_t)T), *logs = xmalloc(sizeof(double) * (size_t)T);
    AtomicFile af;
    FILE *fp = NULL;
    char path[1200], err[512];
    if (!common->no_plots) {
        cli_prepare_out(common);
        fp = atomic_open_or_die(&af, path_join(path, sizeof path, common->out, "float32_limits.csv"));
        fprintf(fp, "f,w,first_k,float32_value,exact_log10\n");
    }
    for (int a = 0; a < 2; a++) {
        Activation f = a == 0 ? ACT_LINEAR : ACT_TANH;
        for (int i = 0; i < cfg->weights.n; i++) {
            float w = cfg->weights.v[i];
            int k = scalar_gradient_products_f32(prod32, f, w, T);
            scalar_gradient_log10(logs, f, w, T);
            table_str(&t, activation_name(f));
            table_num(&t, w);
            if (k < 0) {
                table_str(&t, "never");
                table_str(&t, "-");
            } else {
                table_fmt(&t, "%d (%s)", k, isinf(prod32[k]) ? "inf" : "0");
                table_fmt(&t, "1e%+.1f", logs[k]);
            }
            if (fp) fprintf(fp, "%s,%g,%d,%g,%.17g\n", activation_name(f), w, k, k < 0 ? prod32[T - 1] : prod32[k], k < 0 ? logs[T - 1] : logs[k]);
        }
    }
    if (fp && !atomic_commit(&af, err, sizeof err)) die("%s", err);
    narrate_table(nr, &t);
    narrate_text(nr, "Past that k the gradient is not small or large: it is exactly 0 (no signal at");
    narrate_text(nr, "all reaches the early steps) or inf (and the next update turns weights into NaN).");
    free(prod32), free(prod64), free(logs);
}

// ---- cell 3: hand-written BPTT against autograd --------------------------------------------
static double max_abs_diff(const float *a, const float *b, int n) {
    double m = 0.0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static void cell_bptt(Narrator *nr, const CliCommon *common, const Config *cfg) {
    int H = cfg->hidden, T = cfg->steps;
    narrate_cell(nr, "Hand-written BPTT against autograd");
    narrate_text(nr, "A %d-unit RNN, loss L = sum_j h_%d[j]. vanilla_bptt_by_hand() is the explicit", H, T);
    narrate_text(nr, "backward loop (dz = f'(z) * dh; dW_h += dz h_{t-1}^T; dh_{t-1} = W_h^T dz);");
    narrate_text(nr, "vanilla_bptt_autograd() builds the same graph from ops and calls tape_backward().");
    Table t;
    table_init(&t, 6, "f", "rho", "max |diff| dL/dh_t", "max |diff| dL/dW_h", "max |dL/dh_0|", "max |dL/dW_h|");
    for (int a = 0; a < 3; a++) {
        Rng rng;
        rng_seed(&rng, common->seed);
        Params P;
        params_init(&P);
        double rho = a == 1 ? 1.1 : 0.9;
        VanillaRNN m = vanilla_rnn_create(&P, &rng, H, (Activation)a, rho);
        float *dh_hand = xmalloc(sizeof(float) * (size_t)(T + 1) * H);
        float *dh_auto = xmalloc(sizeof(float) * (size_t)(T + 1) * H);
        float *dW_h = xmalloc(sizeof(float) * (size_t)H * H), *dW_x = xmalloc(sizeof(float) * (size_t)H),
              *db = xmalloc(sizeof(float) * (size_t)H);
        vanilla_bptt_by_hand(&m, T, dh_hand, dW_h, dW_x, db);
        Tape tp;
        tape_init(&tp, (size_t)T * H * 64 + (4u << 20), &rng);
        vanilla_bptt_autograd(&m, &P, &tp, T, dh_auto);
        double dh0 = 0.0, dw = 0.0;
        for (int j = 0; j < H; j++) dh0 = fmax(dh0, fabs(dh_hand[j]));
        for (int j = 0; j < H * H; j++) dw = fmax(dw, fabs(dW_h[j]));
        table_str(&t, activation_names[a]);
        table_num(&t, rho);
        table_num(&t, max_abs_diff(dh_auto, dh_hand, (T + 1) * H));
        table_num(&t, max_abs_diff(m.W_h->grad, dW_h, H * H));
        table_num(&t, dh0);
        table_num(&t, dw);
        tape_free(&tp);
        params_free(&P);
        free(dh_hand), free(dh_auto), free(dW_h), free(dW_x), free(db);
    }
    narrate_table(nr, &t);
    narrate_text(nr, "Both use the same gemm kernel in the same order, so they agree to the last bit:");
    narrate_text(nr, "autograd is nothing but this loop, written once per op and replayed in reverse.");
}

// ---- cell 4: H units, one line per spectral radius -----------------------------------------
static void cell_vector(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    int H = cfg->hidden, T = cfg->steps;
    narrate_cell(nr, "H units: the spectral radius decides");
    narrate_text(nr, "W_h is a Gaussian matrix rescaled to spectral radius rho (its largest |eigenvalue|).");
    narrate_text(nr, "For the linear network dL/dh_t = (W_h^T)^(%d-t) 1, so its norm follows rho^(%d-t).", T, T);
    narrate_text(nr, "Computed in double with a running power-of-ten scale: 1e-1000 is printed, not 0.");
    double *norms = xmalloc(sizeof(double) * (size_t)(T + 1)), *theory = xmalloc(sizeof(double) * (size_t)(T + 1));
    Table t;
    table_init(&t, 6, "f", "rho", "||dL/dh_T||", "||dL/dh_T/2||", "||dL/dh_0||", "rate per step");
    for (int a = 0; a < 3; a++) {
        Activation f = (Activation)a;
        char name[64], title[160];
        snprintf(name, sizeof name, "grad_norms_%s", activation_names[a]);
        snprintf(title, sizeof title, "%s RNN, %d units: gradient norm reaching step t from step %d",
                 a == 0 ? "Linear" : a == 1 ? "tanh" : "ReLU", H, T);
        Plot p;
        plot_init(&p, name, title, "time step t", "log10 ||dL/dh_t||");
        snprintf(p.key, sizeof p.key, "bottom right");
        for (int i = 0; i < cfg->rhos.n; i++) {
            double rho = cfg->rhos.v[i];
            Rng rng;
            rng_seed(&rng, common->seed);   // the same matrix, rescaled, for every rho
            Params P;
            params_init(&P);
            VanillaRNN m = vanilla_rnn_create(&P, &rng, H, f, rho);
            vanilla_grad_log10_norms(&m, T, norms, NULL);
            char label[64];
            snprintf(label, sizeof label, "rho = %g", rho);
            plot_add_series(&p, label, NULL, norms, T + 1);
            if (f == ACT_LINEAR) {   // the theory line, anchored 100 steps back from T
                int anchor = T > 100 ? T - 100 : 0;
                for (int s = 0; s <= T; s++) theory[s] = norms[anchor] + (anchor - s) * log10(rho);
                snprintf(label, sizeof label, "rho^(%d-t), rho = %g", T, rho);
                int k = plot_add_series(&p, label, NULL, theory, T + 1);
                plot_set_style(&p, k, PLOT_DASHED, "#555555");
            }
            table_str(&t, activation_names[a]);
            table_num(&t, rho);
            table_pow10(&t, norms[T]);
            table_pow10(&t, norms[T / 2]);
            table_pow10(&t, norms[0]);
            table_num(&t, isfinite(norms[0]) ? pow(10.0, (norms[0] - norms[T / 2]) / (T - T / 2)) : 0.0);
            params_free(&P);
        }
        write_plot(common, gp, &p);
    }
    narrate_table(nr, &t);
    narrate_text(nr, "Linear: the rate per step is rho itself. tanh: f' <= 1 and saturation make every");
    narrate_text(nr, "rate smaller, so even rho = 1.5 vanishes. ReLU: f' is 0 or 1, so no saturation");
    narrate_text(nr, "shrinks it; the active units' submatrix decides, and it can still vanish or explode.");
    free(norms), free(theory);
}

// ---- cell 5: per unit and time step ----------------------------------------------------------
static void cell_heatmap(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    int H = cfg->hidden, T = cfg->steps;
    narrate_cell(nr, "Where the gradient lives: units x time steps");
    narrate_text(nr, "log10 |dL/dh_t[j]| for the tanh RNN at rho = %g: every unit, every step.", cfg->heatmap_rho);
    Rng rng;
    rng_seed(&rng, common->seed);
    Params P;
    params_init(&P);
    VanillaRNN m = vanilla_rnn_create(&P, &rng, H, ACT_TANH, cfg->heatmap_rho);
    double *norms = xmalloc(sizeof(double) * (size_t)(T + 1));
    double *dh_log10 = xmalloc(sizeof(double) * (size_t)(T + 1) * H);   // (T + 1, H)
    vanilla_grad_log10_norms(&m, T, norms, dh_log10);
    float *image = xmalloc(sizeof(float) * (size_t)H * (T + 1));        // (H, T + 1): units down, time across
    double lo = 0.0;
    for (int t = 0; t <= T; t++)
        for (int j = 0; j < H; j++) {
            double v = dh_log10[(size_t)t * H + j];
            if (!isfinite(v)) v = (float)norms[0] - 10.0;   // an exact 0 (a dead ReLU): bottom colour
            image[(size_t)j * (T + 1) + t] = (float)v;
            lo = fmin(lo, v);
        }
    HeatmapOptions o;
    heatmap_options_init(&o);
    o.title = "tanh RNN: log10 |dL/dh_t[j]|, loss on h_T";
    o.x_label = "time step t";
    o.y_label = "hidden unit j";
    o.value_label = "log10 |dL/dh_t[j]|";
    o.has_extent = 1;
    o.x_first = 0, o.x_last = T, o.y_first = 0, o.y_last = H - 1;
    char err[512];
    if (!common->no_plots && !heatmap_write(common->out, "where_gradient_lives", image, H, T + 1, &o, gp, err, sizeof err))
        die("%s", err);
    narrate_result(nr, "||dL/dh_t|| falls from 10^%.1f at t = %d to 10^%.1f at t = 0 (smallest unit: 10^%.1f)",
                   norms[T], T, norms[0], lo);
    params_free(&P);
    free(norms), free(dh_log10), free(image);
}

// ---- cell 6: the sharp edge -----------------------------------------------------------------
static void cell_sweep(Narrator *nr, const CliCommon *common, const Config *cfg, Gnuplot *gp) {
    int H = cfg->hidden, T = cfg->steps, n = cfg->sweep_points;
    narrate_cell(nr, "The sharp edge: ||dL/dh_0|| against rho");
    narrate_text(nr, "The same matrix direction, rescaled to %d radii between 0.5 and 1.5.", n);
    double *rho = xmalloc(sizeof(double) * (size_t)n), *g = xmalloc(sizeof(double) * (size_t)n * 3);
    double *norms = xmalloc(sizeof(double) * (size_t)(T + 1));
    for (int i = 0; i < n; i++) {
        rho[i] = 0.5 + (n > 1 ? (double)i / (n - 1) : 0.5);
        for (int a = 0; a < 3; a++) {
            Rng rng;
            rng_seed(&rng, common->seed);
            Params P;
            params_init(&P);
            VanillaRNN m = vanilla_rnn_create(&P, &rng, H, (Activation)a, rho[i]);
            vanilla_grad_log10_norms(&m, T, norms, NULL);
            g[(size_t)a * n + i] = norms[0];   // log10 ||dL/dh_0||
            params_free(&P);
        }
    }
    Plot p;
    plot_init(&p, "sharp_edge", "Gradient reaching h_0 from h_1000, against the spectral radius",
              "spectral radius rho of W_h", "log10 ||dL/dh_0||");
    snprintf(p.key, sizeof p.key, "top left");
    for (int a = 0; a < 3; a++) plot_add_series(&p, activation_names[a], rho, g + (size_t)a * n, n);
    write_plot(common, gp, &p);
    Table t;
    table_init(&t, 4, "rho", "linear", "tanh", "relu");
    for (int i = 0; i < n; i += (n > 10 ? n / 10 : 1)) {
        table_num(&t, rho[i]);
        for (int a = 0; a < 3; a++) table_pow10(&t, g[(size_t)a * n + i]);
    }
    narrate_table(nr, &t);
    int below = 0, above = 0;   // the sweep points nearest rho = 0.9 and rho = 1.1
    for (int i = 0; i < n; i++) {
        if (fabs(rho[i] - 0.9) < fabs(rho[below] - 0.9)) below = i;
        if (fabs(rho[i] - 1.1) < fabs(rho[above] - 1.1)) above = i;
    }
    narrate_result(nr, "linear network: from rho = %.2f to rho = %.2f the gradient at h_0 moves by %.0f "
                   "orders of magnitude", rho[below], rho[above], g[above] - g[below]);
    narrate_text(nr, "There is no gentle middle ground over %d steps: only rho = 1 exactly keeps it.", T);
    free(rho), free(g), free(norms);
}

int main(int argc, char **argv) {
    Config cfg = {
        .weights = {5, {0.5f, 0.9f, 1.0f, 1.1f, 2.0f}},
        .hidden = 32,
        .rhos = {5, {0.5f, 0.9f, 1.0f, 1.1f, 1.5f}},
        .steps = 1000,
        .heatmap_rho = 1.1,
        .sweep_points = 101,
    };
    CliOption options[] = {
        {"weights", CLI_FLOAT_LIST, &cfg.weights, "one-unit recurrent weights w (cells 1-2)", .min = -100, .max = 100},
        {"hidden", CLI_INT, &cfg.hidden, "hidden units H (cells 3-6)", .min = 1, .max = 512},
        {"rhos", CLI_FLOAT_LIST, &cfg.rhos, "spectral radii of W_h (cell 4)", .min = 0.01, .max = 2},
        {"steps", CLI_INT, &cfg.steps, "sequence length T", .min = 2, .max = 100000},
        {"heatmap-rho", CLI_DOUBLE, &cfg.heatmap_rho, "spectral radius for the heatmap (cell 5)", .min = 0.01, .max = 2},
        {"sweep-points", CLI_INT, &cfg.sweep_points, "radii in the sweep (cell 6)", .min = 2, .max = 10000},
        {0}};
    CliCommon common;
    cli_common_init(&common, "01_rnn_gradients", 1);
    cli_parse(&common, options, argc, argv,
              "Chapter 01: vanishing and exploding gradients in a vanilla RNN over 1000 steps");
    if (common.quick) {   // seconds, for tests: fewer units and sweep points, same lesson
        cfg.hidden = cfg.hidden < 8 ? cfg.hidden : 8;
        cfg.sweep_points = cfg.sweep_points < 11 ? cfg.sweep_points : 11;
    }

    Gnuplot gp;
    gnuplot_init(&gp);
    Narrator nr;
    narrate_init(&nr, 6, common.quiet, common.pause);
    cell_scalar(&nr, &common, &cfg, &gp);
    cell_float32(&nr, &common, &cfg);
    cell_bptt(&nr, &common, &cfg);
    cell_vector(&nr, &common, &cfg, &gp);
    cell_heatmap(&nr, &common, &cfg, &gp);
    cell_sweep(&nr, &common, &cfg, &gp);

    static const char *const exercises[] = {
        "Set --weights 0.99,1.0,1.01 and find the k at which float32 gives up for each.",
        "Make the input zero after step 1 (edit vanilla_bptt_by_hand): does tanh still vanish at rho = 1.1? Why?",
        "Give W_h an orthogonal matrix (all |eigenvalues| = 1): what does cell 4 show for the linear network?",
        "Replace the loss on h_1000 by a loss on every h_t: which steps now get gradient, and from where?",
        NULL};
    narrate_summary(&nr,
                    "BPTT multiplies one factor diag(f'(z_t)) W_h per step; over 1000 steps that product "
                    "vanishes or explodes geometrically, at rate ~rho, and float32 turns it into exact 0 or inf.",
                    exercises);
    return 0;
}
