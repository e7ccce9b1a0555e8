// Chapter 07: Bahdanau attention (Bahdanau, Cho and Bengio 2014), with maps you can read.
//
// NEW SINCE CHAPTERS 04-06. Chapter 04 squeezed the whole source into the encoder's last state
// and measured the price: on the copy task, exact match falls from 75-88% at 3-6 symbols to 0%
// from 16 on. Attention removes the squeeze. The encoder (chapter 06's bidirectional GRU) keeps
// ALL its states h_1 .. h_S; at every step the decoder scores each one against its own previous
// state, turns the scores into weights with a softmax, and reads their weighted average: a
// context made for this step. The weights are an alignment, and we can look at them.
//
// THE EQUATIONS (chapters/07_attention/bahdanau.h has them in full, common/attention.h the
// attention ops; S source, B batch, E embedding, H_e encoder, H_d decoder sizes):
//     h_s     = [GRU_fwd ; GRU_bwd](E_src[x])_s                  (S, B, 2H_e), 0 at padding
//     s_0     = tanh(W_fc [f_last ; g_first] + b_fc)              (B, H_d)
//     e_{t,s} = v^T tanh(W_s s_{t-1} + W_h h_s + b)               (B, S)  W_h h_s once per batch
//     a_t     = softmax over the real s of e_t                    (B, S)  padding: exactly 0
//     w_t     = sum_s a_{t,s} h_s                                 (B, 2H_e)
//     s_t     = GRU_dec([E_tgt[y_{t-1}] ; w_t], s_{t-1})          (B, H_d)
//     p(y_t)  = softmax(W_out [s_t ; w_t ; E_tgt[y_{t-1}]] + b)   (B, V_tgt)
//
// RUN IT:
//     make && ./bin/07_attention                 classroom default: dates, 96 s on one thread
//     ./bin/07_attention --quick                 seconds
//     ./bin/07_attention --data multi30k --preset bentrevett --out runs/07_multi30k
//     ./bin/07_attention --load runs/07_attention/dates.best --translate "3. märz 1998" --attention-map x.png
//
// FIGURES (figures/07_attention/): loss_curves (with and without the padding mask, log scale);
// attention_dates_{1..4} (token-labelled maps of four date formats, PNG + CSV + gnuplot script),
// alignment.csv (the weight on the right source token); attention_padding_{mask,nomask} (a short
// date in a padded batch); payoff_by_length (exact match and BLEU against source length on the
// copy task, chapters 04-07: Bahdanau et al.'s Figure 2) with copy_by_length.csv (this model's
// buckets); attention_own_sentence.png (cell 8's map). With --data multi30k: attention_multi30k_N,
// multi30k_by_length.csv and payoff_multi30k_by_length (BLEU by source length beside chapters
// 04-06's multi30k_by_length.csv, read from --compare-dir).
//
// EXPECTED (classroom default, seed 1234, measured; README.md has the tables):
//     dates, 3 epochs: test exact match 100.0%, BLEU 100.00, test loss 0.0004.
//     alignment over the 1,000 test dates: mean weight on the right source token 0.998 for the
//     year, 0.859 for the month, 0.972 for the day (uniform: 0.157); the largest weight is on it
//     in 100% of the sentences for all three.
//     no-mask variant: 3.7% of each step's weight on <pad>; test loss +0.00034, exact match and
//     BLEU unchanged at this budget (with --quick's budget the mask wins, 73.5% against 34.5%).
//     copy, chapter 04's recipe: exact match 100% up to 12 symbols, 91.1-100% up to 27, 74.6% at
//     28-30, BLEU 98.1-100 (chapter 04's LSTM: 0% from 16 on); all 500: 95.0%, BLEU 99.39.
//     96 s of wall time on one thread (the default: see main()), on a 2-core machine shared with
//     two long trainings.
//     --data multi30k --preset bentrevett: best validation epoch 6; test loss 3.213 (PPL 24.85),
//     BLEU 30.50 (notebook 3 published: PPL 25.6, BLEU 28.3); BLEU 31.4-32.3 from 7 to 18 words.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alignment.h"
#include "bahdanau.h"
#include "cli.h"
#include "fileio.h"
#include "heatmap.h"
#include "narrate.h"
#include "payoff.h"
#include "plot.h"
#include "seq2seq_chapter.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_report.h"
#include "seq2seq_train.h"
#include "util.h"

#define CHAPTER "07_attention"
#define DEFAULT_OUT "figures/" CHAPTER

// ---- options ---------------------------------------------------------------------------------

typedef struct Options {
    int emb, hidden, dec_hidden, batch, epochs, bucket, reverse, compare_mask, resume, preset;
    int train_pairs, eval_pairs, max_len, samples, n_maps;
    float dropout, teacher_forcing, lr, clip, init_range, init_std;
    const char *data, *load, *translate, *save, *bottleneck, *attention_map, *compare_dir, *by_length_csv;
    char resume_hint[2048];
} Options;

static const char *const presets[] = {"none", "bentrevett", NULL};

static void apply_recipe(Options *o, BahdanauRecipeName name) {
    Seq2SeqRecipe r = bahdanau_recipe(name);
    o->emb = r.model.emb, o->hidden = r.model.hidden, o->dec_hidden = r.model.dec_hidden;
    o->dropout = r.model.dropout, o->init_range = r.model.init_range, o->init_std = r.model.init_std;
    o->lr = r.train.lr, o->clip = r.train.clip, o->teacher_forcing = r.train.teacher_forcing;
    o->batch = r.train.batch, o->epochs = r.train.epochs, o->bucket = r.train.bucket;
    o->train_pairs = r.train_pairs, o->eval_pairs = r.eval_pairs;
}

static int argv_preset(int argc, char **argv) {
    const char *v = cli_argv_value(argc, argv, "--preset");
    return v && strcmp(v, "bentrevett") == 0;
}

// ---- one trained model -----------------------------------------------------------------------

typedef struct Experiment {
    Seq2SeqExperiment s; // the model (a Bahdanau, bahdanau.h), its run and its test evaluation
    const char *label;   // "mask", "no mask", ...
    AttnTraces traces;   // the test set's greedy translations with their weights
} Experiment;

static Seq2SeqConfig model_config(const Options *o, const Seq2SeqData *d, const char *variant) {
    Seq2SeqConfig c = {.src_vocab = d->src_vocab.size, .tgt_vocab = d->tgt_vocab.size, .emb = o->emb,
                       .hidden = o->hidden, .dec_hidden = o->dec_hidden, .layers = 1, .dropout = o->dropout,
                       .init_range = o->init_range, .init_std = o->init_std};
    snprintf(c.variant, sizeof c.variant, "%s", variant);
    return c;
}

static Seq2SeqTrainConfig train_config(const Options *o, unsigned long long seed) {
    return (Seq2SeqTrainConfig){.lr = o->lr, .clip = o->clip, .teacher_forcing = o->teacher_forcing,
                                .batch = o->batch, .bucket = o->bucket, .epochs = o->epochs, .seed = seed};
}

// Train (or resume) one model, reload its best epoch, measure it on the test set and trace it.
static void run_experiment(Experiment *x, const Options *o, const CliCommon *c, const Seq2SeqData *d, Narrator *nr,
                           int resume, int max_len, const char *variant) {
    x->s.model = BAHDANAU_NAME;
    x->s.build = bahdanau_new;
    snprintf(x->s.label, sizeof x->s.label, "%s", x->label);
    // the same seed, the same initial weights, with or without the mask
    Seq2SeqRecipe r = {.model = model_config(o, d, variant), .train = train_config(o, c->seed),
                       .train_pairs = o->train_pairs};
    Seq2SeqRun how = {.nr = nr, .quiet = c->quiet, .n_samples = o->samples, .max_len = max_len, .resume = resume,
                      .resume_hint = o->resume_hint};
    seq2seq_experiment_run(&x->s, d, &r, c->seed, &how);
    attn07_trace_pairs(&x->traces, (const Bahdanau *)x->s.m, &d->ids[SPLIT_TEST], d->ids[SPLIT_TEST].n, o->batch,
                       max_len);
}

static void free_experiment(Experiment *x) {
    seq2seq_experiment_free(&x->s);
    attn07_traces_free(&x->traces);
}

// ---- the cells -------------------------------------------------------------------------------

static void cell_data(Narrator *nr, const Seq2SeqData *d) {
    narrate_cell(nr, "The data, read in order");
    narrate_result(nr, "%s: %d training, %d validation, %d test pairs; vocabularies %d source, %d target tokens",
                   d->name, d->text[SPLIT_TRAIN].n, d->text[SPLIT_VAL].n, d->text[SPLIT_TEST].n, d->src_vocab.size,
                   d->tgt_vocab.size);
    char src[512], tgt[512];
    seq2seq_join(&d->text[SPLIT_TRAIN], CORPUS_SRC, 0, src, sizeof src);
    seq2seq_join(&d->text[SPLIT_TRAIN], CORPUS_TGT, 0, tgt, sizeof tgt);
    narrate_text(nr, "A training pair:   \"%s\"  ->  \"%s\"", src, tgt);
    narrate_text(nr, "Chapter 04 reversed the source so that the words the decoder needs first were the last the\n"
                     "encoder read. With attention the decoder can look anywhere at every step, so the source is\n"
                     "read in order (bentrevett's notebook 3 does not reverse either): %s.",
                 d->reverse ? "here REVERSED, as --reverse-source asked" : "as written");
}

static void cell_model(Narrator *nr, const Seq2SeqModel *m) {
    const Bahdanau *b = (const Bahdanau *)m;
    narrate_cell(nr, "The idea: a context made for every step");
    narrate_text(nr,
                 "Chapters 04-06 hand the decoder one vector for the whole source. Here the encoder keeps\n"
                 "every state and the decoder chooses, at every step, what to read from them:\n"
                 "    h_s     = [f_s ; g_s]  the bidirectional GRU at s     (S, B, 2H_e) = (S, B, %d)\n"
                 "    keys_s  = W_h h_s + b                                 (S, B, H_d)  once per batch\n"
                 "    e_{t,s} = v^T tanh(W_s s_{t-1} + keys_s)              (B, S)       a score per position\n"
                 "    a_t     = softmax over the REAL positions s of e_t    (B, S)       padding: exactly 0\n"
                 "    w_t     = sum_s a_{t,s} h_s                           (B, %d)      this step's context\n"
                 "    s_t     = GRU([E y_{t-1} ; w_t], s_{t-1})             (B, H_d) = (B, %d)\n"
                 "    logits  = W_out [s_t ; w_t ; E y_{t-1}] + b_out       (B, V_tgt)\n"
                 "W_s and W_h are the two column blocks of notebook 3's one attn.weight (H_d, H_d + 2H_e):\n"
                 "attn([s; h]) = W_s s + W_h h + b, so the encoder half is computed ONCE per batch\n"
                 "(attention_memory in common/attention.c), not again at each of the T decoder steps.",
                 2 * b->H_e, 2 * b->H_e, b->H_d);
    narrate_text(nr, "Parameter names are PyTorch's (bentrevett notebook 3), so checkpoints load there:");
    seq2seq_param_table(nr, m);
    narrate_result(nr, "%zu trainable parameters; H_e %d, H_d %d; the attention itself: %d + %d + %d of them",
                   params_count(&m->P), b->H_e, b->H_d, b->att.attn_weight->size, b->att.attn_bias->size,
                   b->att.v_weight->size);
}

static void print_test(Narrator *nr, const Experiment *x) {
    const Seq2SeqEval *ev = &x->s.test;
    char line[200];
    char best[48] = "";
    if (x->s.run.best_epoch > 0) snprintf(best, sizeof best, " (best epoch %d)", x->s.run.best_epoch);
    narrate_result(nr, "%s%s: test loss %.3f (PPL %.2f), teacher forced %.3f (PPL %.2f), exact match "
                   "%.1f%%, BLEU %.2f", x->label, best, ev->loss, perplexity(ev->loss), ev->loss_tf,
                   perplexity(ev->loss_tf), 100.0 * ev->accuracy, 100.0 * ev->bleu.bleu);
    narrate_text(nr, "    %s", bleu_format(&ev->bleu, line, sizeof line));
}

// ---- attention maps --------------------------------------------------------------------------

static void write_map(const AttnMap *map, const CliCommon *c, const char *name, Gnuplot *gp) {
    char err[1200];
    HeatmapOptions ho;
    attn07_map_options(&ho, map);
    if (!heatmap_write(c->out, name, map->values, map->rows, map->cols, &ho, gp, err, sizeof err)) die("%s", err);
}

// Dates examples of four kinds: German words, US numbers, an ordinal phrase, German numbers.
static int pick_date_examples(const Corpus *text, int *pick, int want) {
    static const char *const first_token[4] = {"dienstag", "/", "the", "."};
    int n = 0;
    for (int kind = 0; kind < 4 && n < want; kind++)
        for (int i = 0; i < text->n; i++) {
            int L = corpus_len(text, CORPUS_SRC, i), hit = 0;
            for (int k = 0; k < L && !hit; k++) {
                const char *tk = corpus_token(text, CORPUS_SRC, i, k);
                hit = kind == 0 ? strstr("montag dienstag mittwoch donnerstag freitag samstag sonntag", tk) != NULL &&
                                      strlen(tk) > 4
                                : strcmp(tk, first_token[kind]) == 0;
            }
            if (kind == 3) hit = hit && L == 5;   // "9 . 8 . 2032"
            if (hit) {
                pick[n++] = i;
                break;
            }
        }
    return n;
}

static void cell_maps(Narrator *nr, Experiment *x, const Seq2SeqData *d, const CliCommon *c, const Options *o,
                      Gnuplot *gp) {
    narrate_cell(nr, "Attention maps: where the decoder looked");
    narrate_text(nr, "One row per decoder step (the word it wrote), one column per source token (as the encoder\n"
                     "read it), the weight a_{t,s} as colour. Each row sums to 1.");
    int is_dates = strncmp(d->name, "dates", 5) == 0;
    int pick[8], n = 0;
    if (is_dates && strcmp(d->name, "dates") == 0) n = pick_date_examples(&d->text[SPLIT_TEST], pick, o->n_maps);
    for (int i = 0; n < o->n_maps && i < d->text[SPLIT_TEST].n && n < 8; i++) {
        int dup = 0;
        for (int k = 0; k < n; k++) dup |= pick[k] == i;
        if (!dup) pick[n++] = i;
    }
    for (int k = 0; k < n; k++) {
        AttnMap map;
        attn07_map_from_trace(&map, &x->traces, pick[k], &d->ids[SPLIT_TEST], &d->src_vocab, &d->tgt_vocab, 0);
        char src[512], out[512], name[128];
        seq2seq_join(&d->text[SPLIT_TEST], CORPUS_SRC, pick[k], src, sizeof src);
        vocab_decode(&d->tgt_vocab, x->traces.hyp + (size_t)pick[k] * x->traces.max_len, x->traces.hyp_len[pick[k]],
                     out, sizeof out);
        snprintf(map.title, sizeof map.title, "\"%.100s\" -> \"%.100s\"", src, out);
        snprintf(name, sizeof name, "attention_%s_%d", is_dates ? "dates" : d->name, k + 1);
        if (!c->no_plots) {
            cli_prepare_out(c);
            write_map(&map, c, name, gp);
        }
        // the map as text: the source token each output step looked at most
        char line[1024];
        size_t used = 0;
        for (int t = 0; t < map.rows && used < sizeof line - 80; t++) {
            int best = 0;
            for (int s = 1; s < map.cols; s++)
                if (map.values[(size_t)t * map.cols + s] > map.values[(size_t)t * map.cols + best]) best = s;
            used += (size_t)snprintf(line + used, sizeof line - used, "%s%s<-%s (%.2f)", t ? ", " : "",
                                     map.row_labels[t], map.col_labels[best],
                                     (double)map.values[(size_t)t * map.cols + best]);
        }
        narrate_result(nr, "%s.png: \"%s\" -> \"%s\"", name, src, out);
        narrate_text(nr, "    most weight: %s", line);
        attn07_map_free(&map);
    }
    if (!is_dates || strcmp(d->name, "dates") != 0) return;

    narrate_text(nr, "\nHow close is the learned alignment? For the dates we know it: the ISO output writes the\n"
                     "year first (step 0), the month at step 2 and the day at step 4, and every source holds each\n"
                     "in one token (\"1998\" or \"98\"; \"märz\", \"mar\" or \"03\"; \"3\", \"3rd\" or \"03\").\n"
                     "Over the whole test set, the weight those steps put on that token:");
    DateAlignment al;
    attn07_measure_dates(&al, &x->traces, &d->text[SPLIT_TEST], d->reverse);
    static const char *const field[3] = {"year (step 0)", "month (step 2)", "day (step 4)"};
    Table t;
    table_init(&t, 4, "output", "mean weight on its token", "largest weight there", "on it or a neighbour");
    for (int f = 0; f < 3; f++) {
        table_str(&t, field[f]);
        table_fmt(&t, "%.3f", al.weight[f]);
        table_fmt(&t, "%.1f%%", 100.0 * al.argmax_hit[f]);
        table_fmt(&t, "%.3f", al.weight_neighbour[f]);
    }
    narrate_table(nr, &t);
    narrate_result(nr, "%d test sentences; spread evenly the weight would be %.3f per token", al.n, al.uniform);
    if (!c->no_plots) {   // the numbers as a small CSV, for the README and for regression checks
        char path[1200], err[1200];
        cli_prepare_out(c);
        path_join(path, sizeof path, c->out, "alignment.csv");
        AtomicFile f;
        if (!atomic_open(&f, path, err, sizeof err)) die("%s", err);
        fprintf(f.fp, "output,mean_weight,argmax_share,weight_with_neighbours,uniform,n\n");
        for (int k = 0; k < 3; k++)
            fprintf(f.fp, "%s,%.6f,%.6f,%.6f,%.6f,%d\n", k == 0 ? "year" : k == 1 ? "month" : "day", al.weight[k],
                    al.argmax_hit[k], al.weight_neighbour[k], al.uniform, al.n);
        if (!atomic_commit(&f, err, sizeof err)) die("%s", err);
    }
    narrate_text(nr, "The encoder is bidirectional, so h_s already mixes in its neighbours: a decoder can read\n"
                     "\"1998\" from the state at \"1998\" or next to it. The weight still lands on the right token.");
}

// ---- masking matters -------------------------------------------------------------------------

// The shortest sentence of the first test batch, drawn with its batch's padding as columns.
static void padding_map(const Experiment *x, const Seq2SeqData *d, const CliCommon *c, const char *name,
                        int batch, Gnuplot *gp) {
    int n = x->traces.n < batch ? x->traces.n : batch, best = 0;
    for (int i = 1; i < n; i++)
        if (x->traces.src_len[i] < x->traces.src_len[best]) best = i;
    if (x->traces.batch_S[best] == x->traces.src_len[best] || c->no_plots) return;
    AttnMap map;
    attn07_map_from_trace(&map, &x->traces, best, &d->ids[SPLIT_TEST], &d->src_vocab, &d->tgt_vocab, 1);
    char src[512];
    seq2seq_join(&d->text[SPLIT_TEST], CORPUS_SRC, best, src, sizeof src);
    snprintf(map.title, sizeof map.title, "%s: \"%.80s\" in a batch padded to %d", x->label, src,
             x->traces.batch_S[best]);
    cli_prepare_out(c);
    write_map(&map, c, name, gp);
    attn07_map_free(&map);
}

static void cell_masking(Narrator *nr, Experiment *xs, const Seq2SeqData *d, const CliCommon *c, const Options *o,
                         Gnuplot *gp) {
    Table t;
    table_init(&t, 7, "softmax over", "best val loss", "test loss", "exact match", "BLEU", "weight on <pad>",
               "padded rows");
    for (int k = 0; k < 2; k++) {
        long rows = 0;
        double pad = attn07_mean_pad_weight(&xs[k].traces, &rows);
        table_str(&t, k == 0 ? "real positions (mask)" : "every position (no mask)");
        table_fmt(&t, "%.4f", xs[k].s.run.best_val);
        table_fmt(&t, "%.4f", xs[k].s.test.loss);
        table_fmt(&t, "%.1f%%", 100.0 * xs[k].s.test.accuracy);
        table_fmt(&t, "%.2f", 100.0 * xs[k].s.test.bleu.bleu);
        table_fmt(&t, "%.4f", pad);
        table_int(&t, rows);
    }
    narrate_table(nr, &t);
    long rows = 0;
    double pad = attn07_mean_pad_weight(&xs[1].traces, &rows);
    narrate_result(nr, "without the mask a decoder step puts %.1f%% of its weight on <pad> (mean over %ld steps of "
                   "sentences shorter than their batch); with it exactly %.1f%%", 100.0 * pad, rows,
                   100.0 * attn07_mean_pad_weight(&xs[0].traces, NULL));
    narrate_result(nr, "difference (no mask - mask): test loss %+.5f, exact match %+.1f points, BLEU %+.2f",
                   xs[1].s.test.loss - xs[0].s.test.loss, 100.0 * (xs[1].s.test.accuracy - xs[0].s.test.accuracy),
                   100.0 * (xs[1].s.test.bleu.bleu - xs[0].s.test.bleu.bleu));
    // The same test sentences translated one at a time (no padding at all): a masked model must
    // give exactly the batched translations; a model without the mask need not.
    for (int k = 0; k < 2; k++) {
        const AttnTraces *tr = &xs[k].traces;
        int *idx = xmalloc(sizeof(int) * (size_t)tr->n), *hyp = xmalloc(sizeof(int) * (size_t)tr->n * tr->max_len);
        int *len = xmalloc(sizeof(int) * (size_t)tr->n), changed = 0;
        for (int i = 0; i < tr->n; i++) idx[i] = i;
        seq2seq_translate_pairs(xs[k].s.m, &d->ids[SPLIT_TEST], idx, tr->n, 1, tr->max_len, hyp, len);
        for (int i = 0; i < tr->n; i++)
            changed += len[i] != tr->hyp_len[i] ||
                       memcmp(hyp + (size_t)i * tr->max_len, tr->hyp + (size_t)i * tr->max_len,
                              sizeof(int) * (size_t)tr->max_len) != 0;
        narrate_result(nr, "%s: %d of %d test translations change when the sentence is translated alone instead "
                       "of in its batch of %d", xs[k].label, changed, tr->n, o->batch);
        free(idx);
        free(hyp);
        free(len);
    }
    narrate_text(nr, "Padding holds h = 0, so weight on it reads nothing: the context of a short sentence in a\n"
                     "long batch shrinks, and its translation depends on which sentences share its batch.\n"
                     "attention_padding_mask.png and attention_padding_nomask.png show one such sentence.");
    padding_map(&xs[0], d, c, "attention_padding_mask", o->batch, gp);
    padding_map(&xs[1], d, c, "attention_padding_nomask", o->batch, gp);
}

// ---- the payoff: the bottleneck experiment, chapters 04-07 ---------------------------------------

// This model's length table for task ("copy", "multi30k") saved beside its figures, then the
// table and figure of it beside chapters 04-06's files.
static void save_and_compare(Narrator *nr, const Seq2SeqByLength *mine, const char *task, const Seq2SeqEval *ev,
                             const Options *o, const CliCommon *c, Gnuplot *gp) {
    char path[4200];
    if (!c->no_plots) {
        cli_prepare_out(c);
        seq2seq_save_by_length(c->out, task, BAHDANAU_NAME, ev, path, sizeof path);
    }
    Attn07Payoff pay;
    attn07_payoff_read(&pay, o->compare_dir, task);
    for (int k = 0; k < ATTN07_N_COMPARED; k++)
        if (!pay.have[k]) narrate_result(nr, "left out of the comparison: %s", pay.why[k]);
    attn07_payoff_table(nr, &pay, mine);
    narrate_text(nr, "(\"-\": that chapter's file is missing, or BLEU-4 is undefined: no 4-gram under 4 tokens.)");
    if (!c->no_plots) {
        char err[1200];
        if (!attn07_payoff_figure(&pay, mine, task, c->out, gp, err, sizeof err)) die("%s", err);
        narrate_result(nr, "figure: %s/%s.png; this model's buckets: %s", c->out,
                       strcmp(task, "multi30k") == 0 ? "payoff_multi30k_by_length" : "payoff_by_length", path);
    }
}

static void cell_payoff(Narrator *nr, Experiment *copy, const Options *o, const CliCommon *c, const char *base,
                        Gnuplot *gp) {
    narrate_cell(nr, "The payoff: the bottleneck experiment again, with attention");
    Options oc = *o;
    apply_recipe(&oc, c->quick ? BAHDANAU_RECIPE_COPY_QUICK : BAHDANAU_RECIPE_COPY);
    narrate_text(nr, "Chapter 04's experiment, unchanged (its %s): the %s task, 3 to 30 symbols,\n"
                     "source reversed, E %d, H %d, dropout %g, Adam %g, batch %d, %d epoch(s) of %d pairs, %d to\n"
                     "test; only the model is this chapter's (H_e = H_d = %d).",
                 c->quick ? "LSTM_RECIPE_COPY_QUICK" : "LSTM_RECIPE_COPY", o->bottleneck, oc.emb, oc.hidden,
                 oc.dropout, oc.lr, oc.batch, oc.epochs, oc.train_pairs, oc.eval_pairs, oc.hidden);
    oc.samples = 0;
    Seq2SeqData cd;
    seq2seq_data_load_or_die(&cd, &(Seq2SeqDataOptions){.spec = o->bottleneck, .reverse = 1,
                                                         .train_pairs = oc.train_pairs, .eval_pairs = oc.eval_pairs});
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", base);
    char *slash = strrchr(dir, '/');
    snprintf(copy->s.ckpt, sizeof copy->s.ckpt, "%.*s%s-bottleneck", slash ? (int)(slash - dir + 1) : 0, dir, cd.name);
    copy->label = "attention";
    copy->s.resume_if_saved = 1;
    run_experiment(copy, &oc, c, &cd, nr, o->resume, cd.max_tgt + 3, "");
    narrate_result(nr, "%s, H = %d, %d epochs of %d pairs: test exact match %.1f%%, BLEU %.2f (%.1f s of training "
                   "in this process)", cd.name, oc.hidden, copy->s.run.epochs_done, cd.text[SPLIT_TRAIN].n,
                   100.0 * copy->s.test.accuracy, 100.0 * copy->s.test.bleu.bleu, copy->s.run.seconds);

    Seq2SeqByLength mine;
    attn07_by_length_from_eval(&mine, BAHDANAU_NAME, &copy->s.test);
    save_and_compare(nr, &mine, "copy", &copy->s.test, o, c, gp);
    seq2seq_data_free(&cd);
}

// The same comparison on Multi30k: each chapter's Multi30k run leaves multi30k_by_length.csv; put
// them (or `--load CKPT --by-length-csv` of their checkpoints) in COMPARE_DIR/NN_name/.
static void cell_payoff_multi30k(Narrator *nr, const Experiment *x, const Options *o, const CliCommon *c,
                                 Gnuplot *gp) {
    narrate_cell(nr, "The payoff on real sentences: BLEU by source length, chapters 04-07");
    Seq2SeqByLength mine;
    attn07_by_length_from_eval(&mine, BAHDANAU_NAME, &x->s.test);
    save_and_compare(nr, &mine, "multi30k", &x->s.test, o, c, gp);
}

// ---- figures ---------------------------------------------------------------------------------

static void write_loss_curves(Experiment *xs, int n, const CliCommon *c, Gnuplot *gp) {
    if (c->no_plots) return;
    cli_prepare_out(c);
    static const char *const colour[2] = {"#009e73", "#cc79a7"};
    char err[1024];
    Plot p;
    plot_init(&p, "loss_curves", "Bahdanau attention: cross-entropy per target word", "epoch",
              "loss (nats per word, log scale)");
    for (int k = 0; k < n; k++) seq2seq_plot_losses(&p, &xs[k].s.run, xs[k].label, colour[k]);
    plot_set_log_y(&p, 1);   // from 1.4 to 0.0004 in three epochs: a linear axis shows one drop and a floor
    plot_set_xtic_step(&p, 1);   // whole epochs
    if (!plot_write(&p, c->out, gp, err, sizeof err)) die("%s", err);
    plot_free(&p);
}

// ---- from a checkpoint -----------------------------------------------------------------------

static void cell_translate_demo(Narrator *nr, const Experiment *x, const Seq2SeqData *d, const CliCommon *c,
                                int max_len) {
    narrate_cell(nr, "From a checkpoint: a sentence of our own, and its map");
    const char *sentence = strcmp(d->name, "multi30k") == 0 ? "ein mann fährt fahrrad ."
                           : strcmp(d->name, "dates") == 0 ? "dienstag, 3. märz 1998" : NULL;
    char first[512];
    if (!sentence) sentence = seq2seq_join(&d->text[SPLIT_TEST], CORPUS_SRC, 0, first, sizeof first);
    char best[1300], err[1200], out[1024];
    snprintf(best, sizeof best, "%s.best", x->s.ckpt);
    Seq2SeqLoaded s;
    if (!seq2seq_load(&s, best, BAHDANAU_NAME, bahdanau_new, err, sizeof err)) die("%s", err);
    AttnMap map;
    if (!attn07_map_from_text(&map, &s, sentence, max_len, out, sizeof out, err, sizeof err)) die("%s", err);
    narrate_result(nr, "\"%s\"  ->  \"%s\"", sentence, out);
    char path[1200];
    if (!c->no_plots) {
        HeatmapOptions ho;
        attn07_map_options(&ho, &map);
        cli_prepare_out(c);
        path_join(path, sizeof path, c->out, "attention_own_sentence.png");
        if (!heatmap_write_png(path, map.values, map.rows, map.cols, &ho, err, sizeof err)) die("%s", err);
        narrate_result(nr, "its map: %s (a word the vocabulary lacks is labelled with a '?')", path);
    }
    narrate_text(nr, "From the shell:  ./bin/%s --load %s --translate \"%s\" --attention-map mine.png", CHAPTER, best,
                 sentence);
    attn07_map_free(&map);
    seq2seq_loaded_free(&s);
}

static int run_loaded(const Options *o, const CliCommon *c) {
    char err[1200];
    Seq2SeqLoaded s;
    if (!seq2seq_load(&s, o->load, BAHDANAU_NAME, bahdanau_new, err, sizeof err)) die("--load: %s", err);
    int max_len = o->max_len > 0 ? o->max_len : 50;
    if (o->translate) {
        AttnMap map;
        char out[1024];
        if (!attn07_map_from_text(&map, &s, o->translate, max_len, out, sizeof out, err, sizeof err)) die("%s", err);
        if (o->attention_map) {
            HeatmapOptions ho;
            attn07_map_options(&ho, &map);
            if (!heatmap_write_png(o->attention_map, map.values, map.rows, map.cols, &ho, err, sizeof err))
                die("--attention-map: %s", err);
        }
        if (!c->quiet) {
            Seq2SeqTranslation tr;
            if (!seq2seq_translate_text(&s, o->translate, max_len, &tr, err, sizeof err)) die("%s", err);
            printf("read as: %s\n", tr.read_as);
        }
        printf("%s\n", out);
        if (o->attention_map && !c->quiet) printf("attention map: %s\n", o->attention_map);
        attn07_map_free(&map);
        seq2seq_loaded_free(&s);
        return 0;
    }
    seq2seq_loaded_free(&s);   // no sentence: measure it on the test set, as every chapter does
    return seq2seq_run_loaded(BAHDANAU_NAME, bahdanau_new,
                              &(Seq2SeqLoadOptions){.load = o->load, .data = o->data, .eval_pairs = o->eval_pairs,
                                                    .batch = o->batch, .max_len = o->max_len,
                                                    .by_length_csv = o->by_length_csv},
                              c);
}

// ---- the notebook ----------------------------------------------------------------------------

int main(int argc, char **argv) {
    Options o = {.compare_mask = 1, .samples = 3, .n_maps = 4, .data = "dates", .bottleneck = "copy",
                 .compare_dir = "figures"};
    int quick = cli_argv_has(argc, argv, "--quick");
    apply_recipe(&o, argv_preset(argc, argv) ? BAHDANAU_RECIPE_BENTREVETT
                     : quick ? BAHDANAU_RECIPE_QUICK : BAHDANAU_RECIPE_CLASSROOM);
    if (quick) o.n_maps = 2;
    CliOption options[] = {
        {"data", CLI_STRING, &o.data, "toy task (dates, dates_chars, copy, reverse, sort) or multi30k[:DIR]", 0, 0,
         NULL},
        {"emb", CLI_INT, &o.emb, "embedding size E", .min = 1, .max = 4096},
        {"hidden", CLI_INT, &o.hidden, "encoder GRU hidden size H_e (each direction)", .min = 1, .max = 4096},
        {"dec-hidden", CLI_INT, &o.dec_hidden, "decoder GRU hidden size H_d (0: = --hidden)", .min = 0, .max = 4096},
        {"dropout", CLI_FLOAT, &o.dropout, "dropout on the embeddings", .min = 0, .max = 0.95},
        {"teacher-forcing", CLI_FLOAT, &o.teacher_forcing, "probability of feeding the reference word", .min = 0,
         .max = 1},
        {"lr", CLI_FLOAT, &o.lr, "Adam learning rate", .min = 1e-7, .max = 10},
        {"batch", CLI_INT, &o.batch, "sentence pairs per batch", .min = 1, .max = 65536},
        {"epochs", CLI_INT, &o.epochs, "train until this many epochs are done", .min = 1, .max = SEQ2SEQ_MAX_EPOCHS},
        {"clip", CLI_FLOAT, &o.clip, "clip the global gradient norm at this", .min = 1e-6, .max = 1e9},
        {"init-range", CLI_FLOAT, &o.init_range, "initialise every parameter U(-a, a); 0: see --init-std", .min = 0,
         .max = 10},
        {"init-std", CLI_FLOAT, &o.init_std, "with --init-range 0: weights N(0, s), biases 0 (notebook 3); "
         "both 0: PyTorch's defaults", .min = 0, .max = 10},
        {"bucket", CLI_INT, &o.bucket, "sort chunks of this many batches by length (0: plain shuffle)", .min = 0,
         .max = 100000},
        {"reverse-source", CLI_BOOL, &o.reverse, "feed the source backwards (not needed with attention)", 0, 0, NULL},
        {"compare-mask", CLI_BOOL, &o.compare_mask, "also train the no-mask variant, same seed and budget", 0, 0,
         NULL},
        {"train-pairs", CLI_INT, &o.train_pairs, "use the first N training pairs (0: all)", .min = 0, .max = 10000000},
        {"eval-pairs", CLI_INT, &o.eval_pairs, "use the first N validation and test pairs (0: all)", .min = 0,
         .max = 10000000},
        {"max-len", CLI_INT, &o.max_len, "longest greedy translation (0: 25 for Multi30k, else longest target + 3)",
         .min = 0, .max = 10000},
        {"maps", CLI_INT, &o.n_maps, "attention maps of test sentences to draw", .min = 0, .max = 8},
        {"bottleneck-task", CLI_STRING, &o.bottleneck, "toy task of the length experiment (none: skip; not run "
         "with multi30k)", 0, 0, NULL},
        {"compare-dir", CLI_STRING, &o.compare_dir, "where chapters 04-06 wrote NN_name/copy_by_length.csv (and multi30k_by_length.csv)", 0, 0,
         NULL},
        {"samples", CLI_INT, &o.samples, "validation sentences translated after every epoch", .min = 0, .max = 16},
        {"save", CLI_STRING, &o.save, "checkpoint NAME (default runs/" CHAPTER "/DATA, or OUT/DATA with --out)", 0, 0,
         NULL},
        {"resume", CLI_BOOL, &o.resume, "continue the run saved under --save", 0, 0, NULL},
        {"load", CLI_STRING, &o.load, "a checkpoint to translate with (--translate) or test; no training", 0, 0, NULL},
        {"translate", CLI_STRING, &o.translate, "with --load: translate this sentence and stop", 0, 0, NULL},
        {"by-length-csv", CLI_STRING, &o.by_length_csv, SEQ2SEQ_BY_LENGTH_CSV_HELP, 0, 0, NULL},
        {"attention-map", CLI_STRING, &o.attention_map, "with --translate: draw its attention map into this PNG", 0,
         0, NULL},
        {"preset", CLI_CHOICE, &o.preset, "bentrevett: notebook 3's model and training", .choices = presets},
        {0}};
    CliCommon c;
    cli_common_init(&c, CHAPTER, 1234);
    // One thread by default: this chapter's products are small (64 sentences x 64 units), and on
    // a 2-core machine with the other core busy, OpenMP's two threads made an epoch of the dates
    // 3-4x SLOWER (36 s against 9.5 s, measured). --threads 2 for an idle machine or Multi30k.
    c.threads = 1;
    cli_parse(&c, options, argc, argv, "Bahdanau attention: an encoder that keeps every state, a decoder that looks");
    if (seq2seq_load_options_misused(CHAPTER, o.load, o.translate, o.by_length_csv)) return EXIT_USAGE;
    if (o.attention_map && !o.translate) {
        fprintf(stderr, "%s: --attention-map draws the map of --translate's sentence: give both (try --help)\n",
                CHAPTER);
        return EXIT_USAGE;
    }
    cli_resume_hint(o.resume_hint, sizeof o.resume_hint, argc, argv);
    Gnuplot gp;
    gnuplot_init(&gp);
    if (o.load) return run_loaded(&o, &c);

    Seq2SeqData d;
    seq2seq_data_load_or_die(&d, &(Seq2SeqDataOptions){.spec = o.data, .reverse = o.reverse,
                                                        .train_pairs = o.train_pairs, .eval_pairs = o.eval_pairs});
    int multi30k = strcmp(d.name, "multi30k") == 0;
    int max_len = o.max_len > 0 ? o.max_len : multi30k ? 25 : d.max_tgt + 3;
    char base[1100];
    if (o.save) snprintf(base, sizeof base, "%s", o.save);
    else if (strcmp(c.out, DEFAULT_OUT) == 0) snprintf(base, sizeof base, "runs/%s/%s", CHAPTER, d.name);
    else snprintf(base, sizeof base, "%s/%s", c.out, d.name);
    int with_copy = !multi30k && strcmp(o.bottleneck, "none") != 0;
    int n = o.compare_mask ? 2 : 1;

    Narrator nr;
    narrate_init(&nr, 5 + (n == 2) + with_copy + multi30k + 1, c.quiet, c.pause);
    cell_data(&nr, &d);
    {
        Rng rng;
        rng_seed(&rng, c.seed);
        Seq2SeqConfig mc = model_config(&o, &d, "");
        Seq2SeqModel *shown = bahdanau_new(&mc, &rng);
        cell_model(&nr, shown);
        seq2seq_delete(shown);
    }
    Experiment xs[2];
    memset(xs, 0, sizeof xs);
    xs[0].label = "mask";
    xs[1].label = "no mask";
    snprintf(xs[0].s.ckpt, sizeof xs[0].s.ckpt, "%s", base);
    snprintf(xs[1].s.ckpt, sizeof xs[1].s.ckpt, "%s-nomask", base);

    narrate_cell(&nr, "Training, with the padding mask");
    narrate_text(&nr, "Adam (lr %g), batches of %d, clip at norm %g, teacher forcing %g, dropout %g, %d epochs;\n"
                      "E %d, H_e %d, H_d %d, init %s. Each epoch: train loss, validation loss (own predictions\n"
                      "fed back; * marks a new best, saved as %s.best), %d validation sentences translated.",
                 o.lr, o.batch, o.clip, o.teacher_forcing, o.dropout, o.epochs, o.emb, o.hidden,
                 o.dec_hidden ? o.dec_hidden : o.hidden, o.init_std > 0 ? "N(0, s) weights, 0 biases"
                 : o.init_range > 0 ? "U(-a, a)" : "PyTorch's", xs[0].s.ckpt, o.samples);
    run_experiment(&xs[0], &o, &c, &d, &nr, o.resume, max_len, "");
    if (isnan(seq2seq_seconds_per_epoch(&xs[0].s.run)))
        narrate_result(&nr, "all %d epochs were done before (resumed): nothing left to train; checkpoint %s",
                       xs[0].s.run.epochs_done, xs[0].s.ckpt);
    else narrate_result(&nr, "%.1f s per epoch (%d epochs in this process), %.3f s per batch; checkpoint %s",
                        seq2seq_seconds_per_epoch(&xs[0].s.run), xs[0].s.run.epochs_this_run,
                        seq2seq_seconds_per_batch(&xs[0].s.run), xs[0].s.ckpt);
    narrate_cell(&nr, "The test set");
    print_test(&nr, &xs[0]);
    seq2seq_examples_table(&nr, &xs[0].s.test, &d, 6);

    cell_maps(&nr, &xs[0], &d, &c, &o, &gp);
    if (n == 2) {
        narrate_cell(&nr, "Masking matters: the same model, softmax over the padding too");
        narrate_text(&nr, "Variant \"no-mask\": the same seed, batches and budget; only the softmax runs over all S\n"
                          "positions of the padded batch, as notebook 3 did before notebook 4 added the mask.");
        xs[1].s.resume_if_saved = 1;
        run_experiment(&xs[1], &o, &c, &d, &nr, o.resume, max_len, BAHDANAU_VARIANT_NO_MASK);
        cell_masking(&nr, xs, &d, &c, &o, &gp);
    }
    write_loss_curves(xs, n, &c, &gp);
    Experiment copy;
    memset(&copy, 0, sizeof copy);
    if (with_copy) cell_payoff(&nr, &copy, &o, &c, base, &gp);
    if (multi30k) cell_payoff_multi30k(&nr, &xs[0], &o, &c, &gp);
    cell_translate_demo(&nr, &xs[0], &d, &c, max_len);

    static const char *const exercises[] = {
        "Luong et al. (2015): replace the additive score by the dot product s^T h_s (with H_d = 2H_e) and by the "
        "'general' score s^T W h_s. Which learns the dates fastest, and do the maps change?",
        "Coverage (Tu et al. 2016): add the running sum of past weights as an input to the score. Does it stop a "
        "long copy from repeating or skipping symbols?",
        "Attend over a unidirectional encoder (chapter 05's GRU): on the dates, where does the weight land now? "
        "(h_s has read only s and what came before it.)",
        "Train on --data dates_chars: the source is 8-30 characters. Do the maps of the year still line up?",
        NULL};
    narrate_summary(&nr,
                    "the encoder keeps all its states; at every step the decoder scores them against its previous "
                    "state (v^T tanh(W_s s + W_h h)), softmaxes the scores over the real positions and reads their "
                    "weighted average; the weights are an alignment you can draw and measure, and the length cliff "
                    "of the fixed-size context is gone.",
                    exercises);
    for (int k = 0; k < n; k++) free_experiment(&xs[k]);
    if (with_copy) free_experiment(&copy);
    seq2seq_data_free(&d);
    return 0;
}
