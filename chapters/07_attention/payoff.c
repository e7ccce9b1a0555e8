// payoff.c: see payoff.h. Introduced in chapter 07.
#include "payoff.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *chapter, *label, *colour;
} compared[ATTN07_N_COMPARED] = {
    {"04_seq2seq_lstm", "ch04 LSTM, fixed context", "#d55e00"},
    {"05_gru", "ch05 GRU, context at every step", "#e69f00"},
    {"06_bidirectional", "ch06 bidirectional encoder", "#56b4e9"},
};

void attn07_by_length_from_eval(Seq2SeqByLength *r, const char *model, const Seq2SeqEval *ev) {
    memset(r, 0, sizeof *r);
    snprintf(r->model, sizeof r->model, "%s", model);
    r->n_buckets = ev->n_buckets;
    for (int b = 0; b < ev->n_buckets; b++) {
        r->lo[b] = ev->bucket_lo[b], r->hi[b] = ev->bucket_hi[b], r->n[b] = ev->bucket_n[b];
        r->exact_match[b] = 100.0 * ev->bucket_accuracy[b];
        r->bleu[b] = 100.0 * ev->bucket_bleu[b];   // NaN stays NaN
    }
}

int attn07_payoff_read(Attn07Payoff *p, const char *compare_dir, const char *task) {
    memset(p, 0, sizeof *p);
    int found = 0;
    for (int k = 0; k < ATTN07_N_COMPARED; k++) {
        char dir[1200], file[1300];
        snprintf(dir, sizeof dir, "%.1000s/%s", compare_dir, compared[k].chapter);
        seq2seq_by_length_path(file, sizeof file, dir, task);
        p->have[k] = seq2seq_read_by_length(file, &p->theirs[k], p->why[k], sizeof p->why[k]);
        found += p->have[k];
    }
    return found;
}

// The value of bucket [lo, hi] in r, or NaN (no such bucket; BLEU-4 of strings shorter than 4).
static double bucket_value(const Seq2SeqByLength *r, int lo, int hi, int bleu) {
    for (int j = 0; r && j < r->n_buckets; j++)
        if (r->lo[j] == lo && r->hi[j] == hi) return bleu ? (hi < 4 ? NAN : r->bleu[j]) : r->exact_match[j];
    return NAN;
}

void attn07_payoff_table(Narrator *nr, const Attn07Payoff *p, const Seq2SeqByLength *mine) {
    Table t;
    table_init(&t, 10, "length", "n", "ch04 exact", "ch05 exact", "ch06 exact", "ch07 exact", "ch04 BLEU",
               "ch05 BLEU", "ch06 BLEU", "ch07 BLEU");
    for (int b = 0; b < mine->n_buckets; b++) {
        table_fmt(&t, "%d-%d", mine->lo[b], mine->hi[b]);
        table_int(&t, mine->n[b]);
        for (int metric = 0; metric < 2; metric++)
            for (int k = 0; k <= ATTN07_N_COMPARED; k++) {
                const Seq2SeqByLength *r = k < ATTN07_N_COMPARED ? (p->have[k] ? &p->theirs[k] : NULL) : mine;
                double v = bucket_value(r, mine->lo[b], mine->hi[b], metric);
                if (isnan(v)) table_fmt(&t, "-");
                else table_fmt(&t, metric ? "%.1f" : "%.1f%%", v);
            }
    }
    narrate_table(nr, &t);
}

// metric_from 0: exact match (solid) and BLEU (dashed); 1: BLEU alone (solid).
static void add_by_length(Plot *p, const Seq2SeqByLength *r, const char *label, const char *colour, int metric_from) {
    for (int metric = metric_from; metric < 2; metric++) {
        double x[SEQ2SEQ_MAX_BUCKETS], y[SEQ2SEQ_MAX_BUCKETS];
        int m = 0;
        for (int b = 0; b < r->n_buckets; b++) {
            double v = metric ? r->bleu[b] : r->exact_match[b];
            if (r->n[b] < 5 || isnan(v)) continue;       // too few strings to say anything
            if (metric && r->hi[b] < 4) continue;        // BLEU-4 of strings shorter than 4: undefined
            x[m] = 0.5 * (r->lo[b] + r->hi[b]);
            y[m++] = v;
        }
        char name[160];
        snprintf(name, sizeof name, "%s: %s", label, metric ? "BLEU" : "exact match");
        int s = plot_add_series(p, name, x, y, m);
        plot_set_style(p, s, metric && !metric_from ? PLOT_DASHED : PLOT_LINESPOINTS, colour);
    }
}

int attn07_payoff_figure(const Attn07Payoff *p, const Seq2SeqByLength *mine, const char *task, const char *out_dir,
                         Gnuplot *gp, char *err, size_t errlen) {
    int multi30k = strcmp(task, "multi30k") == 0;
    Plot pl;
    if (multi30k)
        plot_init(&pl, "payoff_multi30k_by_length", "Multi30k: greedy translation quality against source length (test set)",
                  "source length (words, bucket centre)", "BLEU");
    else
        plot_init(&pl, "payoff_by_length", "Copying 3-30 symbols: the fixed-size context against attention (test set)",
                  "source length (symbols, bucket centre)", "exact match or BLEU (%)");
    for (int k = 0; k < ATTN07_N_COMPARED; k++)
        if (p->have[k]) add_by_length(&pl, &p->theirs[k], compared[k].label, compared[k].colour, multi30k);
    add_by_length(&pl, mine, "ch07 attention", "#009e73", multi30k);
    plot_set_yrange(&pl, 0.0, multi30k ? NAN : 105.0);
    int ok = plot_write(&pl, out_dir, gp, err, errlen);
    plot_free(&pl);
    return ok;
}
