// cho_runs.c: see cho_runs.h. Chapter 05.
#include "cho_runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu.h"
#include "fileio.h"
#include "seq2seq_io.h"
#include "util.h"

// ---- one experiment ----------------------------------------------------------------------------

void cho_experiment_run(ChoExperiment *x, const Seq2SeqData *d, Narrator *nr, int quiet, int resume, int max_len,
                        int n_samples, const char *resume_hint) {
    Seq2SeqRun how = {.nr = nr, .quiet = quiet, .n_samples = n_samples, .max_len = max_len, .resume = resume,
                      .resume_hint = resume_hint};
    seq2seq_experiment_run(&x->s, d, &x->r, x->r.train.seed, &how);
    x->n_params = params_count(&x->s.m->P);
}

void cho_experiment_free(ChoExperiment *x) { seq2seq_experiment_free(&x->s); }

double cho_seconds_per_epoch(const ChoExperiment *x) {
    return seq2seq_seconds_per_epoch(&x->s.run);
}

// ---- tables ------------------------------------------------------------------------------------

void cho_compare_table(Narrator *nr, const ChoExperiment *const *xs, int n, int at_epoch) {
    char col[64];
    snprintf(col, sizeof col, "val loss, epoch %d", at_epoch);
    Table t;
    table_init(&t, 8, "model", "parameters", "s/epoch", "best val loss (epoch)", col, "test exact match", "test BLEU",
               "test PPL");
    for (int k = 0; k < n; k++) {
        const ChoExperiment *x = xs[k];
        table_str(&t, x->s.label);
        table_int(&t, (long long)x->n_params);
        double sec = cho_seconds_per_epoch(x);
        if (isnan(sec)) table_str(&t, "(resumed)");
        else table_fmt(&t, "%.1f", sec);
        table_fmt(&t, "%.3f (%d)", x->s.run.best_val, x->s.run.best_epoch);
        if (at_epoch >= 1 && at_epoch <= x->s.run.epochs_done) table_fmt(&t, "%.3f", x->s.run.val_loss[at_epoch - 1]);
        else table_fmt(&t, "-");
        table_fmt(&t, "%.1f%%", 100.0 * x->s.test.accuracy);
        table_fmt(&t, "%.2f", 100.0 * x->s.test.bleu.bleu);
        table_fmt(&t, "%.2f", perplexity(x->s.test.loss));
    }
    narrate_table(nr, &t);
}

void cho_length_table(Narrator *nr, const ChoExperiment *const *xs, int n) {
    const Seq2SeqEval *evs[3];
    const char *labels[3];
    for (int k = 0; k < n && k < 3; k++) evs[k] = &xs[k]->s.test, labels[k] = xs[k]->s.label;
    seq2seq_length_table(nr, evs, labels, n < 3 ? n : 3);
}

// ---- figures -----------------------------------------------------------------------------------

static void write_plot(Plot *p, const CliCommon *c, Gnuplot *gp) {
    char err[1024];
    if (!plot_write(p, c->out, gp, err, sizeof err)) die("%s", err);
    plot_free(p);
}

// One curve of ev's buckets: exact match (metric 0) or BLEU (1), in %, at each bucket's middle;
// buckets of fewer than 5 sentences, or without a 4-gram, are left out.
static int by_length_points(const Seq2SeqEval *ev, int metric, double *x, double *y) {
    int m = 0;
    for (int b = 0; b < ev->n_buckets; b++) {
        double v = metric ? ev->bucket_bleu[b] : ev->bucket_accuracy[b];
        if (ev->bucket_n[b] < 5 || isnan(v)) continue;
        x[m] = 0.5 * (ev->bucket_lo[b] + ev->bucket_hi[b]);
        y[m++] = 100.0 * v;
    }
    return m;
}

void cho_write_figures(const ChoExperiment *const *xs, int n, const ChoExperiment *copy, const Seq2SeqByLength *ch04,
                       const Seq2SeqData *d, const CliCommon *c, Gnuplot *gp, Narrator *nr) {
    if (c->no_plots) return;
    cli_prepare_out(c);
    char label[200];
    Plot p;
    plot_init(&p, "seq2seq_loss_curves", "Same data, budget and seed: validation (solid) and training (dashed) loss",
              "epoch", "cross-entropy (nats per target word)");
    for (int k = 0; k < n; k++) {
        const Seq2SeqRun *r = &xs[k]->s.run;
        double *ep = xmalloc(sizeof(double) * (size_t)(r->epochs_done > 0 ? r->epochs_done : 1));
        for (int e = 0; e < r->epochs_done; e++) ep[e] = e + 1;
        snprintf(label, sizeof label, "%s: validation (own predictions fed back)", xs[k]->s.label);
        int s = plot_add_series(&p, label, ep, r->val_loss, r->epochs_done);
        plot_set_style(&p, s, PLOT_LINESPOINTS, xs[k]->colour);
        snprintf(label, sizeof label, "%s: training (teacher forcing %.2g)", xs[k]->s.label, r->tc.teacher_forcing);
        s = plot_add_series(&p, label, ep, r->train_loss, r->epochs_done);
        plot_set_style(&p, s, PLOT_DASHED, xs[k]->colour);
        free(ep);
    }
    plot_set_yrange(&p, 0.0, NAN);
    plot_set_xtic_step(&p, 1);   // whole epochs
    write_plot(&p, c, gp);

    int bleu = strcmp(d->name, "multi30k") == 0;   // nothing is ever exact there
    char path[4200];   // the first model's length table, for chapter 07's Multi30k comparison
    if (bleu) seq2seq_save_by_length(c->out, "multi30k", xs[0]->s.model, &xs[0]->s.test, path, sizeof path);
    double x[SEQ2SEQ_MAX_BUCKETS], y[SEQ2SEQ_MAX_BUCKETS];
    plot_init(&p, "seq2seq_by_length", bleu ? "Greedy translation quality against source length (test set)"
                                            : "Exact match against source length (test set)",
              "source length (words, <sos> and <eos> not counted)", bleu ? "BLEU" : "exact match (%)");
    for (int k = 0; k < n; k++) {
        int m = by_length_points(&xs[k]->s.test, bleu, x, y);
        if (bleu) snprintf(label, sizeof label, "%s: BLEU %.2f overall", xs[k]->s.label, 100.0 * xs[k]->s.test.bleu.bleu);
        else snprintf(label, sizeof label, "%s: %.1f%% exact overall", xs[k]->s.label, 100.0 * xs[k]->s.test.accuracy);
        int s = plot_add_series(&p, label, x, y, m);
        plot_set_style(&p, s, PLOT_LINESPOINTS, xs[k]->colour);
    }
    plot_set_yrange(&p, 0.0, bleu ? NAN : 105.0);
    if (xs[0]->s.test.n_buckets > 0 && xs[0]->s.test.bucket_lo[0] == xs[0]->s.test.bucket_hi[0])
        plot_set_xtic_step(&p, 1);   // one bucket per length: whole words
    write_plot(&p, c, gp);
    narrate_result(nr, "figures: %s/seq2seq_loss_curves.png, %s/seq2seq_by_length.png", c->out, c->out);
    if (!copy) return;

    seq2seq_save_by_length(c->out, "copy", copy->s.model, &copy->s.test, path, sizeof path);   // for chapter 07
    plot_init(&p, "bottleneck_by_length", "Copying 3 to 30 symbols through one context vector (test set)",
              "source length (symbols)", "exact match or BLEU (%)");
    for (int metric = 0; metric < 2; metric++) {
        int m = by_length_points(&copy->s.test, metric, x, y);
        snprintf(label, sizeof label, "%s, H = %d: %s", copy->s.label, copy->r.model.hidden, metric ? "BLEU" : "exact match");
        int s = plot_add_series(&p, label, x, y, m);
        plot_set_style(&p, s, metric ? PLOT_DASHED : PLOT_LINESPOINTS, copy->colour);
    }
    if (ch04) {   // chapter 04's LSTM on the same task, as its run left it
        for (int metric = 0; metric < 2; metric++) {
            int m = 0;
            for (int b = 0; b < ch04->n_buckets; b++) {
                double v = metric ? ch04->bleu[b] : ch04->exact_match[b];
                if (ch04->n[b] < 5 || isnan(v)) continue;
                x[m] = 0.5 * (ch04->lo[b] + ch04->hi[b]);
                y[m++] = v;
            }
            snprintf(label, sizeof label, "chapter 04's %s (its copy_by_length.csv): %s", ch04->model,
                     metric ? "BLEU" : "exact match");
            int s = plot_add_series(&p, label, x, y, m);
            plot_set_style(&p, s, metric ? PLOT_DASHED : PLOT_LINESPOINTS, "#000000");
        }
    }
    plot_set_yrange(&p, 0.0, 105.0);
    write_plot(&p, c, gp);
    narrate_result(nr, "figure: %s/bottleneck_by_length.png; for chapter 07: %s", c->out, path);
}
