// seq2seq_chapter.c: see seq2seq_chapter.h. Introduced in chapter 04.
#include "seq2seq_chapter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq2seq_report.h"
#include "util.h"

// ---- one experiment --------------------------------------------------------------------------

void seq2seq_experiment_run(Seq2SeqExperiment *x, const Seq2SeqData *d, const Seq2SeqRecipe *r, uint64_t seed,
                            const Seq2SeqRun *how) {
    Seq2SeqConfig mc = r->model;
    mc.src_vocab = d->src_vocab.size;
    mc.tgt_vocab = d->tgt_vocab.size;
    Seq2SeqTrainConfig tc = r->train;
    tc.seed = seed;
    Rng init_rng;
    rng_seed(&init_rng, seed);   // the same seed, the same initial weights in every experiment
    x->m = x->build(&mc, &init_rng);
    x->config = seq2seq_config_json(x->model, &mc, d->name, d->mode, d->reverse, &tc, r->train_pairs);
    const char *ckpt = x->ckpt[0] ? x->ckpt : NULL;
    int resume = how->resume && ckpt;
    if (resume && x->resume_if_saved) {   // a comparison run that may not have started yet
        char probe_path[1300];
        snprintf(probe_path, sizeof probe_path, "%s.safetensors", ckpt);
        FILE *probe = fopen(probe_path, "rb");
        resume = probe != NULL;
        if (probe) fclose(probe);
    }
    x->run = (Seq2SeqRun){.tc = tc, .config_json = x->config, .ckpt = ckpt, .resume = resume, .nr = how->nr,
                          .quiet = how->quiet, .n_samples = how->n_samples, .max_len = how->max_len,
                          .resume_hint = how->resume_hint};
    if (!seq2seq_train(&x->run, x->m, d)) {
        // Saved, and the resume command printed: exit as a shell reports the signal (130, 143).
        if (x->run.interrupted) exit(x->run.interrupted > 0 ? 128 + x->run.interrupted : 1);
        die("%s: training stopped at update %ld: %s", x->label, x->run.diverged_step, x->run.diverged_what);
    }
    if (x->train_only) return;
    if (ckpt) {   // test with the weights of the best validation epoch (bentrevett's tut1-model.pt)
        char best[1300], err[1400];
        snprintf(best, sizeof best, "%s.best", x->ckpt);
        Seq2SeqLoaded s;
        if (!seq2seq_load(&s, best, x->model, x->build, err, sizeof err)) die("%s", err);
        seq2seq_delete(x->m);
        x->m = s.m;   // the loaded model now belongs to x
        vocab_free(&s.src_vocab);
        vocab_free(&s.tgt_vocab);
    }
    seq2seq_evaluate(&x->test, x->m, d, SPLIT_TEST, tc.batch, how->max_len);
}

void seq2seq_experiment_free(Seq2SeqExperiment *x) {
    seq2seq_delete(x->m);
    x->m = NULL;
    seq2seq_eval_free(&x->test);
    free(x->config);
    x->config = NULL;
}

// ---- tables and cells ------------------------------------------------------------------------

void seq2seq_param_table(Narrator *nr, const Seq2SeqModel *m) {
    Table t;
    table_init(&t, 3, "parameter", "shape", "count");
    for (int i = 0; i < m->P.n; i++) {
        const Tensor *p = m->P.list[i];
        table_str(&t, p->name);
        if (p->ndim == 2) table_fmt(&t, "(%d, %d)", p->shape[0], p->shape[1]);
        else table_fmt(&t, "(%d)", p->shape[0]);
        table_int(&t, p->size);
    }
    narrate_table(nr, &t);
}

void seq2seq_examples_table(Narrator *nr, const Seq2SeqEval *ev, const Seq2SeqData *d, int n) {
    const Corpus *c = &d->text[SPLIT_TEST];
    Table t;
    table_init(&t, 4, "source", "greedy translation", "reference", "exact");
    for (int k = 0; k < n && k < ev->n; k++) {
        int i = (int)((long)k * ev->n / n);
        char src[512], out[512], ref[512];
        table_str(&t, seq2seq_join(c, CORPUS_SRC, i, src, sizeof src));
        table_str(&t, vocab_decode(&d->tgt_vocab, ev->hyp + (size_t)i * ev->max_len, ev->hyp_len[i], out, sizeof out));
        table_str(&t, seq2seq_join(c, CORPUS_TGT, i, ref, sizeof ref));
        table_str(&t, ev->correct[i] ? "yes" : "no");
    }
    narrate_table(nr, &t);
}

static void table_percent(Table *t, double v, const char *fmt) {
    if (isnan(v)) table_fmt(t, "-");
    else table_fmt(t, fmt, 100.0 * v);
}

void seq2seq_length_table(Narrator *nr, const Seq2SeqEval *const *evs, const char *const *labels, int n) {
    enum { MAX_EVALS = (TABLE_MAX_COLS - 2) / 2 };
    if (n < 1 || n > MAX_EVALS) die("seq2seq_length_table: %d evaluations (1 to %d)", n, MAX_EVALS);
    char head[2 * MAX_EVALS][TABLE_CELL_CHARS];
    const char *headers[TABLE_MAX_COLS] = {"source length", "sentences"};
    for (int k = 0; k < n; k++) {
        snprintf(head[k], sizeof head[k], n == 1 ? "exact match" : "exact, %s", labels[k]);
        snprintf(head[n + k], sizeof head[n + k], n == 1 ? "BLEU" : "BLEU, %s", labels[k]);
    }
    for (int k = 0; k < 2 * n; k++) headers[2 + k] = head[k];
    Table t;
    table_init_headers(&t, 2 + 2 * n, headers);
    const Seq2SeqEval *a = evs[0];
    for (int b = 0; b < a->n_buckets; b++) {
        if (a->bucket_lo[b] == a->bucket_hi[b]) table_int(&t, a->bucket_lo[b]);
        else table_fmt(&t, "%d-%d", a->bucket_lo[b], a->bucket_hi[b]);
        table_int(&t, a->bucket_n[b]);
        for (int k = 0; k < n; k++) table_percent(&t, evs[k]->bucket_accuracy[b], "%.1f%%");
        for (int k = 0; k < n; k++) table_percent(&t, evs[k]->bucket_bleu[b], "%.2f");
    }
    narrate_table(nr, &t);
}

void seq2seq_translate_demo(Narrator *nr, const char *model, Seq2SeqBuilder build, const char *ckpt,
                            const Seq2SeqData *d, int max_len, const char *program) {
    narrate_cell(nr, "From a checkpoint: translating a sentence of our own");
    const char *sentence = strcmp(d->name, "multi30k") == 0 ? "ein mann fährt fahrrad ."
                           : strncmp(d->name, "dates", 5) == 0 ? "friday, 13 octobre 2023" : NULL;
    char first[512];
    if (!sentence) sentence = seq2seq_join(&d->text[SPLIT_TEST], CORPUS_SRC, 0, first, sizeof first);
    char best[1300], err[1400];
    snprintf(best, sizeof best, "%s.best", ckpt);
    Seq2SeqLoaded s;
    if (!seq2seq_load(&s, best, model, build, err, sizeof err)) die("%s", err);
    Seq2SeqTranslation tr;
    if (!seq2seq_translate_text(&s, sentence, max_len, &tr, err, sizeof err)) die("%s", err);
    narrate_text(nr, "%s.safetensors holds the weights, the config and both vocabularies; loaded back:", best);
    narrate_result(nr, "\"%s\"  ->  \"%s\"", sentence, tr.output);
    narrate_text(nr, "    the encoder read: %s", tr.read_as);
    if (tr.n_unknown)
        narrate_text(nr, "    %d word(s) are not in the vocabulary and became <unk>: the model never saw them.",
                     tr.n_unknown);
    narrate_text(nr, "Again from the shell:  ./bin/%s --load %s --translate \"%s\"", program, best, sentence);
    seq2seq_loaded_free(&s);
}

void seq2seq_plot_losses(Plot *p, const Seq2SeqRun *r, const char *label, const char *colour) {
    double ep[SEQ2SEQ_MAX_EPOCHS];
    for (int e = 0; e < r->epochs_done; e++) ep[e] = e + 1;
    char name[256];
    snprintf(name, sizeof name, "%s: train (teacher forcing %.2g)", label, r->tc.teacher_forcing);
    int s = plot_add_series(p, name, ep, r->train_loss, r->epochs_done);
    plot_set_style(p, s, PLOT_DASHED, colour);
    snprintf(name, sizeof name, "%s: validation (own predictions fed back)", label);
    s = plot_add_series(p, name, ep, r->val_loss, r->epochs_done);
    plot_set_style(p, s, PLOT_LINESPOINTS, colour);
}

// ---- --load ----------------------------------------------------------------------------------

int seq2seq_load_options_misused(const char *program, const char *load, const char *translate,
                                 const char *by_length_csv) {
    const char *orphan = !load && translate ? "--translate" : !load && by_length_csv ? "--by-length-csv" : NULL;
    if (orphan) {
        fprintf(stderr, "%s: %s needs a model: give --load CHECKPOINT (try --help)\n", program, orphan);
        return 1;
    }
    if (translate && by_length_csv) {
        fprintf(stderr, "%s: --by-length-csv measures the test set, --translate one sentence: give one of them\n",
                program);
        return 1;
    }
    return 0;
}

int seq2seq_run_loaded(const char *model, Seq2SeqBuilder build, const Seq2SeqLoadOptions *o, const CliCommon *c) {
    char err[1400];
    Seq2SeqLoaded s;
    if (!seq2seq_load(&s, o->load, model, build, err, sizeof err)) die("--load: %s", err);
    int max_len = o->max_len > 0 ? o->max_len : 50;
    if (o->translate) {
        Seq2SeqTranslation tr;
        if (!seq2seq_translate_text(&s, o->translate, max_len, &tr, err, sizeof err)) die("%s", err);
        if (!c->quiet) printf("read as: %s\n", tr.read_as);
        printf("%s\n", tr.output);
        seq2seq_loaded_free(&s);
        return 0;
    }
    // No sentence: measure the checkpoint on the test set of its data (or --data's).
    Narrator nr;
    narrate_init(&nr, 1, c->quiet, c->pause);
    Seq2SeqData d;
    const char *spec = o->data && strcmp(o->data, "dates") != 0 ? o->data : s.data;
    seq2seq_data_load_or_die(&d, &(Seq2SeqDataOptions){.spec = spec, .reverse = s.reverse, .eval_pairs = o->eval_pairs,
                                                        .src_vocab = &s.src_vocab, .tgt_vocab = &s.tgt_vocab});
    if (o->max_len <= 0) max_len = strcmp(d.name, "multi30k") == 0 ? 25 : d.max_tgt + 3;
    narrate_cell(&nr, "A saved model on the test set");
    Seq2SeqEval ev;
    seq2seq_evaluate(&ev, s.m, &d, SPLIT_TEST, o->batch, max_len);
    char line[200];
    narrate_result(&nr, "%s: test loss %.3f (PPL %.2f), teacher forced %.3f (PPL %.2f), exact match %.1f%%, BLEU %.2f",
                   o->load, ev.loss, perplexity(ev.loss), ev.loss_tf, perplexity(ev.loss_tf), 100.0 * ev.accuracy,
                   100.0 * ev.bleu.bleu);
    narrate_text(&nr, "    %s", bleu_format(&ev.bleu, line, sizeof line));
    seq2seq_examples_table(&nr, &ev, &d, 8);
    const Seq2SeqEval *evs[1] = {&ev};
    const char *labels[1] = {"test"};
    seq2seq_length_table(&nr, evs, labels, 1);
    if (o->by_length_csv) {
        if (!seq2seq_write_by_length(o->by_length_csv, model, &ev, err, sizeof err)) die("--by-length-csv: %s", err);
        narrate_result(&nr, "the length table: %s", o->by_length_csv);
    }
    seq2seq_eval_free(&ev);
    seq2seq_loaded_free(&s);
    seq2seq_data_free(&d);
    return 0;
}
