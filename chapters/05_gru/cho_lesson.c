// cho_lesson.c: see cho_lesson.h. Chapter 05's second half: Cho et al.'s encoder-decoder.
#include "cho_lesson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cho_runs.h"
#include "cho_seq2seq.h"
#include "lstm_seq2seq.h"
#include "seq2seq_data.h"
#include "seq2seq_io.h"
#include "seq2seq_report.h"
#include "util.h"

#define CHO_CHAPTER "05_gru"
#define CHO_DEFAULT_OUT "figures/" CHO_CHAPTER

// ---- options -----------------------------------------------------------------------------------

static const char *const presets[] = {"none", "bentrevett", NULL};
static const char *const parts[] = {"all", "gru", "seq2seq", NULL};

static void apply_recipe(ChoOptions *o, LstmRecipeName name) {
    Seq2SeqRecipe r = cho_seq2seq_recipe(name);
    o->emb = r.model.emb, o->hidden = r.model.hidden, o->layers = r.model.layers;
    o->dropout = r.model.dropout, o->init_range = r.model.init_range, o->init_std = r.model.init_std;
    o->lr = r.train.lr, o->clip = r.train.clip, o->teacher_forcing = r.train.teacher_forcing;
    o->batch = r.train.batch, o->epochs = r.train.epochs, o->bucket = r.train.bucket;
    o->train_pairs = r.train_pairs, o->eval_pairs = r.eval_pairs;
}

static int argv_preset(int argc, char **argv) {
    const char *v = cli_argv_value(argc, argv, "--preset");
    return v && strcmp(v, "bentrevett") == 0;
}

void cho_options_init(ChoOptions *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    *o = (ChoOptions){.context = 1, .compare_context = 1, .compare_lstm = 1, .samples = 3, .data = "dates",
                      .bottleneck = "copy"};
    int preset = argv_preset(argc, argv);
    apply_recipe(o, preset ? LSTM_RECIPE_BENTREVETT
                    : cli_argv_has(argc, argv, "--quick") ? LSTM_RECIPE_QUICK : LSTM_RECIPE_CLASSROOM);
    if (preset) {   // hours per model on 2 cores: the Multi30k run alone, unless asked for more
        o->compare_context = o->compare_lstm = 0;
        o->part = CHO_PART_SEQ2SEQ;
    }
}

int cho_options_add(ChoOptions *o, CliOption *t, int n) {
    const CliOption mine[] = {
        {"part", CLI_CHOICE, &o->part, "which half: all, gru (cells 1-4), seq2seq (Cho et al.)", .choices = parts},
        {"data", CLI_STRING, &o->data, "toy task (dates, dates_chars, copy, reverse, sort) or multi30k[:DIR]", 0, 0,
         NULL},
        {"emb", CLI_INT, &o->emb, "embedding size E", .min = 1, .max = 4096},
        {"hidden", CLI_INT, &o->hidden, "Seq2Seq hidden size H (the context's size)", .min = 1, .max = 4096},
        {"layers", CLI_INT, &o->layers, "GRU layers in the encoder and in the decoder", .min = 1,
         .max = GRU_MAX_LAYERS},
        {"dropout", CLI_FLOAT, &o->dropout, "dropout on the embeddings and between layers", .min = 0, .max = 0.95},
        {"teacher-forcing", CLI_FLOAT, &o->teacher_forcing, "probability of feeding the reference word", .min = 0,
         .max = 1},
        {"lr", CLI_FLOAT, &o->lr, "Adam learning rate", .min = 1e-7, .max = 10},
        {"batch", CLI_INT, &o->batch, "sentence pairs per batch", .min = 1, .max = 65536},
        {"epochs", CLI_INT, &o->epochs, "train until this many epochs are done", .min = 1, .max = SEQ2SEQ_MAX_EPOCHS},
        {"clip", CLI_FLOAT, &o->clip, "clip the global gradient norm at this", .min = 1e-6, .max = 1e9},
        {"init-range", CLI_FLOAT, &o->init_range, "initialise every weight U(-a, a); 0: see --init-std", .min = 0,
         .max = 10},
        {"init-std", CLI_FLOAT, &o->init_std, "initialise every weight N(0, s) (notebook 2: 0.01); both 0: PyTorch's",
         .min = 0, .max = 10},
        {"bucket", CLI_INT, &o->bucket, "sort chunks of this many batches by length (0: plain shuffle)", .min = 0,
         .max = 100000},
        {"reverse-source", CLI_BOOL, &o->reverse, "feed the source backwards (Sutskever et al.; Cho et al. did not)",
         0, 0, NULL},
        {"context-every-step", CLI_BOOL, &o->context, "feed the context to every decoder step and to the output "
         "layer (off: chapter 04's wiring)", 0, 0, NULL},
        {"compare-context", CLI_BOOL, &o->compare_context, "also train with the other --context-every-step, same seed",
         0, 0, NULL},
        {"compare-lstm", CLI_BOOL, &o->compare_lstm, "also train chapter 04's LSTM on the same data, budget and seed",
         0, 0, NULL},
        {"train-pairs", CLI_INT, &o->train_pairs, "use the first N training pairs (0: all)", .min = 0, .max = 10000000},
        {"eval-pairs", CLI_INT, &o->eval_pairs, "use the first N validation and test pairs (0: all)", .min = 0,
         .max = 10000000},
        {"max-len", CLI_INT, &o->max_len, "longest greedy translation (0: 25 for Multi30k, else longest target + 3)",
         .min = 0, .max = 10000},
        {"bottleneck-task", CLI_STRING, &o->bottleneck, "toy task trained for the length experiment (none: skip; "
         "not run with multi30k)", 0, 0, NULL},
        {"samples", CLI_INT, &o->samples, "validation sentences translated after every epoch", .min = 0, .max = 16},
        {"save", CLI_STRING, &o->save, "Seq2Seq checkpoint NAME (default runs/" CHO_CHAPTER "/DATA, or OUT/DATA with --out); "
         "cells 3-4 save beside it as adding-<cell>-T<n>",
         0, 0, NULL},
        {"resume", CLI_BOOL, &o->resume, "continue the runs saved under --save (cells 3-4 and the Seq2Seq half)", 0, 0, NULL},
        {"load", CLI_STRING, &o->load, "a checkpoint to translate with (--translate) or test; no training", 0, 0,
         NULL},
        {"translate", CLI_STRING, &o->translate, "with --load: translate this sentence and stop", 0, 0, NULL},
        {"by-length-csv", CLI_STRING, &o->by_length_csv, SEQ2SEQ_BY_LENGTH_CSV_HELP, 0, 0, NULL},
        {"preset", CLI_CHOICE, &o->preset, "bentrevett: notebook 2's model and training (implies --part seq2seq)",
         .choices = presets},
    };
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) t[n++] = mine[i];
    return n;
}

int cho_options_finish(ChoOptions *o, const char *chapter, int argc, char **argv) {
    if (seq2seq_load_options_misused(chapter, o->load, o->translate, o->by_length_csv)) return EXIT_USAGE;
    if (o->init_range > 0.0f && o->init_std > 0.0f) {
        fprintf(stderr, "%s: --init-range and --init-std both set: choose one initialisation (try --help)\n",
                chapter);
        return EXIT_USAGE;
    }
    cli_resume_hint(o->resume_hint, sizeof o->resume_hint, argc, argv);
    return 0;
}

static int is_multi30k(const char *spec) {
    char kind[64];
    const char *k = seq2seq_data_kind(spec, kind, sizeof kind);
    return k && strcmp(k, "multi30k") == 0;
}

static int with_bottleneck(const ChoOptions *o) {
    return !is_multi30k(o->data) && strcmp(o->bottleneck, "none") != 0;
}

int cho_lesson_cells(const ChoOptions *o) {
    // the model, training, the test set, the checkpoint; the ablation, the LSTM, the bottleneck
    return 4 + o->compare_context + o->compare_lstm + with_bottleneck(o);
}

// ---- the experiments -----------------------------------------------------------------------------

static Seq2SeqConfig model_config(const ChoOptions *o, int context) {
    Seq2SeqConfig mc = {.emb = o->emb, .hidden = o->hidden, .layers = o->layers, .dropout = o->dropout,
                        .init_range = o->init_range, .init_std = o->init_std};
    if (!context) snprintf(mc.variant, sizeof mc.variant, "%s", CHO_VARIANT_NO_CONTEXT);
    return mc;
}

static Seq2SeqTrainConfig train_config(const ChoOptions *o, unsigned long long seed) {
    return (Seq2SeqTrainConfig){.lr = o->lr, .clip = o->clip, .teacher_forcing = o->teacher_forcing,
                                .batch = o->batch, .bucket = o->bucket, .epochs = o->epochs, .seed = seed};
}

// kind 0: Cho et al.'s wiring, 1: the no-context ablation (both GRUs), 2: chapter 04's LSTM.
static void set_experiment(ChoExperiment *x, int kind, const ChoOptions *o, const CliCommon *c, const char *base) {
    static const char *const labels[3] = {"GRU, Cho et al.", "GRU, no context", "LSTM, chapter 04"};
    static const char *const colours[3] = {"#d55e00", "#009e73", "#0072b2"};
    static const char *const suffix[3] = {"", "-nocontext", "-lstm"};
    memset(x, 0, sizeof *x);
    snprintf(x->s.label, sizeof x->s.label, "%s", labels[kind]);
    x->colour = colours[kind];
    x->s.model = kind == 2 ? LSTM_SEQ2SEQ_NAME : CHO_SEQ2SEQ_NAME;
    x->s.build = kind == 2 ? lstm_seq2seq_new : cho_seq2seq_new;
    // The LSTM takes the GRUs' sizes, initialisation and budget: only the cell and the wiring differ.
    x->r.model = model_config(o, kind == 0);
    if (kind == 2) x->r.model.variant[0] = '\0';
    x->r.train = train_config(o, c->seed);
    x->r.train_pairs = o->train_pairs;
    // the main model's checkpoint is BASE; the others' BASE-nocontext, BASE-context, BASE-lstm
    int main_kind = o->context ? 0 : 1;
    snprintf(x->s.ckpt, sizeof x->s.ckpt, "%s%s", base, kind == main_kind ? "" : kind == 0 ? "-context" : suffix[kind]);
    x->s.resume_if_saved = kind != main_kind;   // --resume: the comparison runs may not have started
}

// ---- the cells -----------------------------------------------------------------------------------

static void cell_model(Narrator *nr, const ChoOptions *o, const Seq2SeqData *d, unsigned long long seed) {
    narrate_cell(nr, "Cho et al.'s encoder-decoder: the context at every step");
    narrate_text(nr, "Chapter 04's decoder learns about the source only through its first state: by the tenth\n"
                     "word, whatever of the source it still needs has passed through ten GRU (or LSTM) updates.\n"
                     "Cho et al. (2014) hand the encoder's summary z to EVERY decoder step, twice:\n"
                     "    s_t      = GRU(cat(d_t, z), s_{t-1})          s_0 = z,  d_t = dropout(E_tgt[y_{t-1}])\n"
                     "    logits_t = fc_out(cat(d_t, s_t, z))\n"
                     "so s_t is free to track what has been written, while z keeps saying what to write.\n"
                     "(cho_seq2seq.c; bentrevett notebook 2's parameter names, so checkpoints load there.)");
    narrate_result(nr, "%s: %d training pairs, %d validation, %d test; vocabularies %d source, %d target; the "
                   "source %s", d->name, d->text[SPLIT_TRAIN].n, d->text[SPLIT_VAL].n, d->text[SPLIT_TEST].n,
                   d->src_vocab.size, d->tgt_vocab.size, d->reverse ? "reversed" : "in order (as Cho et al.)");
    Rng rng;
    rng_seed(&rng, seed);
    Seq2SeqConfig mc = model_config(o, o->context);
    mc.src_vocab = d->src_vocab.size, mc.tgt_vocab = d->tgt_vocab.size;
    Seq2SeqModel *m = cho_seq2seq_new(&mc, &rng);
    seq2seq_param_table(nr, m);
    int E = o->emb, H = o->hidden;
    narrate_result(nr, "%zu parameters (%s). The context costs the decoder 3H x H = %d weights in its GRU input and "
                   "V_tgt x (E + H) = %d in fc_out", params_count(&m->P), o->context ? "context every step"
                   : "--context-every-step off", 3 * H * H, d->tgt_vocab.size * (E + H));
    seq2seq_delete(m);
}

static void cell_train(Narrator *nr, ChoExperiment *x, const ChoOptions *o, const CliCommon *c, const Seq2SeqData *d,
                       int max_len) {
    narrate_cell(nr, o->context ? "Training Cho et al.'s model" : "Training the GRU with chapter 04's wiring");
    narrate_text(nr, "common/seq2seq_train.c, as chapter 04: Adam (lr %g), batches of %d, clip at norm %g, teacher\n"
                     "forcing %g, dropout %g, %d epochs. Each epoch: train loss, validation loss (own predictions\n"
                     "fed back; * marks a new best, saved as %s.best), %d validation sentences translated.\n"
                     "Ctrl-C saves a checkpoint mid-epoch; the same command with --resume continues it exactly.",
                 o->lr, o->batch, o->clip, o->teacher_forcing, o->dropout, o->epochs, x->s.ckpt, o->samples);
    cho_experiment_run(x, d, nr, c->quiet, o->resume, max_len, o->samples, o->resume_hint);
    double sec = cho_seconds_per_epoch(x);
    if (isnan(sec)) narrate_result(nr, "every epoch came from %s: nothing left to train", x->s.ckpt);
    else narrate_result(nr, "%.1f s per epoch (%d epochs in this process), checkpoint %s", sec,
                        x->s.run.epochs_this_run, x->s.ckpt);
}

static void cell_ablation(Narrator *nr, ChoExperiment *xs, const ChoOptions *o, const CliCommon *c,
                          const Seq2SeqData *d, int max_len) {
    narrate_cell(nr, "The ablation: the context at every step, or only at the start");
    narrate_text(nr, "The same cell, data, batches, seed and budget; only the wiring changes: %s.",
                 o->context ? "--context-every-step off, the decoder reads d_t alone and fc_out sees s_t alone"
                            : "--context-every-step on, Cho et al.'s wiring");
    cho_experiment_run(&xs[1], d, nr, c->quiet, o->resume, max_len, 0, o->resume_hint);
    const ChoExperiment *pair[2] = {&xs[0], &xs[1]};
    int n_ep = xs[0].s.run.epochs_done < xs[1].s.run.epochs_done ? xs[0].s.run.epochs_done : xs[1].s.run.epochs_done;
    int mid = n_ep / 2 > 0 ? n_ep / 2 : 1;
    cho_compare_table(nr, pair, 2, mid);
    const ChoExperiment *with = o->context ? &xs[0] : &xs[1], *without = o->context ? &xs[1] : &xs[0];
    narrate_result(nr, "after epoch %d: validation loss %.3f with the context every step, %.3f without; test exact "
                   "match %.1f%% vs %.1f%%", mid, with->s.run.val_loss[mid - 1], without->s.run.val_loss[mid - 1],
                   100.0 * with->s.test.accuracy, 100.0 * without->s.test.accuracy);
}

static void cell_lstm(Narrator *nr, ChoExperiment *xs, int n, const ChoOptions *o, const CliCommon *c,
                      const Seq2SeqData *d, int max_len) {
    ChoExperiment *lstm = &xs[n - 1];
    narrate_cell(nr, "LSTM against GRU, measured");
    narrate_text(nr, "Chapter 04's LstmSeq2Seq (common/lstm_seq2seq.h) with the same E, H, layers, dropout,\n"
                     "initialisation, data, batches, budget and seed: its decoder sees the context only as its\n"
                     "first state (h, c), like the no-context GRU. Seconds per epoch are measured in this run\n"
                     "(training and the validation loss; they vary with the machine's load).");
    cho_experiment_run(lstm, d, nr, c->quiet, o->resume, max_len, 0, o->resume_hint);
    const ChoExperiment *all[3];
    for (int k = 0; k < n; k++) all[k] = &xs[k];
    int mid = lstm->s.run.epochs_done / 2 > 0 ? lstm->s.run.epochs_done / 2 : 1;
    cho_compare_table(nr, all, n, mid);
    double sg = cho_seconds_per_epoch(&xs[0]), sl = cho_seconds_per_epoch(lstm);
    narrate_result(nr, "parameters: GRU %zu, LSTM %zu (%.2fx); seconds per epoch: GRU %.1f, LSTM %.1f (%.2fx)",
                   xs[0].n_params, lstm->n_params, (double)lstm->n_params / (double)xs[0].n_params, sg, sl, sl / sg);
    narrate_text(nr, "Read the table twice: the LSTM against the no-context GRU compares the CELLS (same wiring);\n"
                     "against Cho et al.'s model it compares the cell and the wiring together.");
}

static void cell_test(Narrator *nr, ChoExperiment *xs, int n, const Seq2SeqData *d) {
    narrate_cell(nr, "The test set, by source length");
    for (int k = 0; k < n; k++) {
        const Seq2SeqEval *ev = &xs[k].s.test;
        char line[200];
        narrate_result(nr, "%s (best epoch %d): test loss %.3f (PPL %.2f), teacher forced %.3f (PPL %.2f), exact match "
                       "%.1f%%, BLEU %.2f", xs[k].s.label, xs[k].s.run.best_epoch, ev->loss, perplexity(ev->loss),
                       ev->loss_tf, perplexity(ev->loss_tf), 100.0 * ev->accuracy, 100.0 * ev->bleu.bleu);
        narrate_text(nr, "    %s", bleu_format(&ev->bleu, line, sizeof line));
    }
    narrate_text(nr, "Eight test sentences, translated by %s:", xs[0].s.label);
    seq2seq_examples_table(nr, &xs[0].s.test, d, 8);
    const ChoExperiment *all[3];
    for (int k = 0; k < n; k++) all[k] = &xs[k];
    cho_length_table(nr, all, n);
}

// ch04: chapter 04's measurements of the same experiment (NULL when its run has not left them).
static void cell_bottleneck(Narrator *nr, ChoExperiment *copy, const ChoOptions *o, const CliCommon *c,
                            const char *base, const Seq2SeqByLength *ch04) {
    narrate_cell(nr, "The bottleneck: copying 3 to 30 symbols through z");
    ChoOptions oc = *o;
    apply_recipe(&oc, c->quick ? LSTM_RECIPE_COPY_QUICK : LSTM_RECIPE_COPY);   // chapter 04's settings
    oc.hidden = c->quick ? oc.hidden : o->hidden;
    oc.context = 1;
    narrate_text(nr, "Chapter 04's experiment with this chapter's model: copy strings of 3 to 30 symbols (up to\n"
                     "100 bits) through a context of H = %d numbers, with chapter 04's settings for it (E %d, Adam\n"
                     "%g, batch %d, %d epoch(s) of %d pairs, the source reversed). The decoder now reads z at\n"
                     "every step: does that move the cliff?", oc.hidden, oc.emb, oc.lr, oc.batch, oc.epochs,
                 oc.train_pairs);
    Seq2SeqData cd;
    seq2seq_data_load_or_die(&cd, &(Seq2SeqDataOptions){.spec = o->bottleneck, .reverse = 1,
                                                         .train_pairs = oc.train_pairs, .eval_pairs = oc.eval_pairs});
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", base);
    char *slash = strrchr(dir, '/');
    set_experiment(copy, 0, &oc, c, "");
    snprintf(copy->s.ckpt, sizeof copy->s.ckpt, "%.*s%s-bottleneck", slash ? (int)(slash - dir + 1) : 0, dir, cd.name);
    copy->s.resume_if_saved = 1;
    cho_experiment_run(copy, &cd, nr, c->quiet, o->resume, cd.max_tgt + 3, 0, o->resume_hint);
    narrate_result(nr, "%s, H = %d, %d epoch(s) of %d pairs: test exact match %.1f%%, BLEU %.2f", cd.name,
                   copy->r.model.hidden, copy->s.run.epochs_done, cd.text[SPLIT_TRAIN].n, 100.0 * copy->s.test.accuracy,
                   100.0 * copy->s.test.bleu.bleu);
    const ChoExperiment *one[1] = {copy};
    cho_length_table(nr, one, 1);
    char ch04_summary[512];
    if (ch04) {
        seq2seq_by_length_summary(ch04, "symbols", ch04_summary, sizeof ch04_summary);
        narrate_text(nr, "Compare chapter 04's table (the LSTM, same settings, its own seed; %s):\n%s.",
                     CH04_COPY_BY_LENGTH_CSV, ch04_summary);
    } else {
        narrate_text(nr, "(Chapter 04's table of this experiment, %s, is printed here when its\n"
                         "classroom run has left it; not with --quick, whose budget differs.)", CH04_COPY_BY_LENGTH_CSV);
    }
    narrate_text(nr, "Reading z at every step does not remove the cliff: everything the decoder knows of the\n"
                     "source is still H numbers, fixed before it writes a word. Attention (chapter 07) lets the\n"
                     "decoder look at every encoder state instead.");
    seq2seq_data_free(&cd);
}

void cho_lesson_run(const ChoOptions *o, const CliCommon *c, Narrator *nr, Gnuplot *gp) {
    Seq2SeqData d;
    seq2seq_data_load_or_die(&d, &(Seq2SeqDataOptions){.spec = o->data, .reverse = o->reverse,
                                                        .train_pairs = o->train_pairs, .eval_pairs = o->eval_pairs});
    int max_len = o->max_len > 0 ? o->max_len : strcmp(d.name, "multi30k") == 0 ? 25 : d.max_tgt + 3;
    char base[1100];
    if (o->save) snprintf(base, sizeof base, "%s", o->save);
    else if (strcmp(c->out, CHO_DEFAULT_OUT) == 0) snprintf(base, sizeof base, "runs/%s/%s", CHO_CHAPTER, d.name);
    else snprintf(base, sizeof base, "%s/%s", c->out, d.name);

    ChoExperiment xs[3];
    int n = 0;
    set_experiment(&xs[n++], o->context ? 0 : 1, o, c, base);
    if (o->compare_context) set_experiment(&xs[n++], o->context ? 1 : 0, o, c, base);
    if (o->compare_lstm) set_experiment(&xs[n++], 2, o, c, base);

    cell_model(nr, o, &d, c->seed);
    cell_train(nr, &xs[0], o, c, &d, max_len);
    if (o->compare_context) cell_ablation(nr, xs, o, c, &d, max_len);
    if (o->compare_lstm) cell_lstm(nr, xs, n, o, c, &d, max_len);
    cell_test(nr, xs, n, &d);
    ChoExperiment copy;
    memset(&copy, 0, sizeof copy);
    int bottleneck = with_bottleneck(o);
    Seq2SeqByLength ch04;
    char err[1200];
    int have_ch04 = bottleneck && !c->quick && seq2seq_read_by_length(CH04_COPY_BY_LENGTH_CSV, &ch04, err, sizeof err);
    if (bottleneck) cell_bottleneck(nr, &copy, o, c, base, have_ch04 ? &ch04 : NULL);
    const ChoExperiment *all[3];
    for (int k = 0; k < n; k++) all[k] = &xs[k];
    cho_write_figures(all, n, bottleneck ? &copy : NULL, have_ch04 ? &ch04 : NULL, &d, c, gp, nr);
    seq2seq_translate_demo(nr, CHO_SEQ2SEQ_NAME, cho_seq2seq_new, xs[0].s.ckpt, &d, max_len, CHO_CHAPTER);
    for (int k = 0; k < n; k++) cho_experiment_free(&xs[k]);
    if (bottleneck) cho_experiment_free(&copy);
    seq2seq_data_free(&d);
}

// ---- --load: a saved model -----------------------------------------------------------------------

int cho_run_loaded(const ChoOptions *o, const CliCommon *c) {
    return seq2seq_run_loaded(CHO_SEQ2SEQ_NAME, cho_seq2seq_new,
                              &(Seq2SeqLoadOptions){.load = o->load, .translate = o->translate, .data = o->data,
                                                    .eval_pairs = o->eval_pairs, .batch = o->batch,
                                                    .max_len = o->max_len, .by_length_csv = o->by_length_csv},
                              c);
}
