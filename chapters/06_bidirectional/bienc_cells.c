// bienc_cells.c: chapter 06's cells (see bienc_cells.h); main.c parses the options.
#include "bienc_cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bienc_lesson.h"
#include "bienc_seq2seq.h"
#include "fileio.h"
#include "heatmap.h"
#include "ops.h"
#include "seq2seq_data.h"
#include "seq2seq_chapter.h"
#include "seq2seq_io.h"
#include "seq2seq_report.h"
#include "seq2seq_train.h"
#include "util.h"

// ---- one trained model -----------------------------------------------------------------------

typedef struct Experiment {
    Seq2SeqExperiment s; // the model, its run and its test evaluation (common/seq2seq_chapter.h)
    const char *label;   // "bidirectional", "unidirectional", ...
    const char *variant; // Seq2SeqConfig.variant
    int reverse;         // the encoder reads the source backwards
    char name[48];       // in tables: "bidirectional", "unidirectional, reversed"
    char legend[64];     // in figures: "bidirectional encoder", "unidirectional encoder, source reversed"
    char data_name[64];
} Experiment;

static Seq2SeqConfig model_config(const Ch06Options *o, const Seq2SeqData *d, const char *variant) {
    Seq2SeqConfig mc = {.src_vocab = d->src_vocab.size, .tgt_vocab = d->tgt_vocab.size, .emb = o->emb,
                        .hidden = o->hidden, .layers = o->layers, .dropout = o->dropout,
                        .init_range = o->init_range, .init_std = o->init_range > 0 ? 0.0f : o->init_std};
    snprintf(mc.variant, sizeof mc.variant, "%s", variant);
    return mc;
}

static Seq2SeqTrainConfig train_config(const Ch06Options *o, unsigned long long seed) {
    return (Seq2SeqTrainConfig){.lr = o->lr, .clip = o->clip, .teacher_forcing = o->teacher_forcing,
                                .batch = o->batch, .bucket = o->bucket, .epochs = o->epochs, .seed = seed};
}

// Train (or resume) one model on d, then (test = 1) measure its best checkpoint on the test set.
// The same seed for every model: the same batches and teacher-forcing draws.
static void run_experiment(Chapter06 *ch, Experiment *x, const Ch06Options *o, Seq2SeqData *d, int resume,
                           int max_len, int samples, int test) {
    seq2seq_data_set_reverse(d, x->reverse);
    snprintf(x->data_name, sizeof x->data_name, "%s", d->name);
    x->s.model = BIENC_SEQ2SEQ_NAME;
    x->s.build = bienc_seq2seq_new;
    snprintf(x->s.label, sizeof x->s.label, "%s", x->name[0] ? x->name : x->label);
    x->s.train_only = !test;
    Seq2SeqRecipe r = {.model = model_config(o, d, x->variant), .train = train_config(o, ch->c->seed),
                       .train_pairs = o->train_pairs};
    Seq2SeqRun how = {.nr = &ch->nr, .quiet = ch->c->quiet, .n_samples = samples, .max_len = max_len,
                      .resume = resume, .resume_hint = o->resume_hint};
    seq2seq_experiment_run(&x->s, d, &r, ch->c->seed, &how);
}

static void free_experiment(Experiment *x) { seq2seq_experiment_free(&x->s); }

static double seconds_per_epoch(const Experiment *x) {
    return seq2seq_seconds_per_epoch(&x->s.run);
}

static const BiencSeq2Seq *bienc(const Experiment *x) { return (const BiencSeq2Seq *)x->s.m; }

// ---- cell 1: the data ------------------------------------------------------------------------

static void cell_data(Narrator *nr, const Seq2SeqData *d) {
    narrate_cell(nr, "The data: pairs of sentences, as words and as ids");
    narrate_result(nr, "%s: %d training, %d validation, %d test pairs; vocabularies %d source, %d target tokens",
                   d->name, d->text[SPLIT_TRAIN].n, d->text[SPLIT_VAL].n, d->text[SPLIT_TEST].n, d->src_vocab.size,
                   d->tgt_vocab.size);
    char src[512], tgt[512];
    seq2seq_join(&d->text[SPLIT_TRAIN], CORPUS_SRC, 0, src, sizeof src);
    seq2seq_join(&d->text[SPLIT_TRAIN], CORPUS_TGT, 0, tgt, sizeof tgt);
    narrate_text(nr, "A training pair:   \"%s\"  ->  \"%s\"", src, tgt);
    narrate_text(nr, "The source is fed %s. Chapter 04 reversed it so that the words the decoder needs\n"
                     "first were read last; a bidirectional encoder has read every word last in one of its\n"
                     "two directions, so it has no reason to (bentrevett's notebook 3 does not reverse).",
                 d->reverse ? "REVERSED (--reverse-source)" : "in order");
}

// ---- cell 2: the wiring, shape by shape -------------------------------------------------------

static void shape_row(Table *t, const char *what, const Tensor *x, const char *note) {
    char buf[64];
    table_str(t, what);
    table_str(t, shape_str(x, buf, sizeof buf));
    table_str(t, note);
}

static void cell_wiring(Narrator *nr, const Ch06Options *o, const Seq2SeqData *d, const CliCommon *c) {
    narrate_cell(nr, "The wiring, step by step: two directions become one state");
    Rng rng;
    rng_seed(&rng, c->seed);
    Seq2SeqConfig mc = model_config(o, d, "");
    Seq2SeqModel *base = bienc_seq2seq_new(&mc, &rng);
    const BiencSeq2Seq *m = (const BiencSeq2Seq *)base;
    // Three validation sentences of different lengths, padded into one batch.
    const Dataset *ds = &d->ids[SPLIT_VAL];
    int idx[3] = {0, -1, -1}, B = 1;
    for (int i = 1; i < ds->n && B < 3; i++) {
        int len = dataset_src_len(ds, i), fresh = 1;
        for (int k = 0; k < B; k++) fresh &= len != dataset_src_len(ds, idx[k]);
        if (fresh) idx[B++] = i;
    }
    Batch b;
    batch_init(&b);
    batch_make(&b, ds, idx, B);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(base, B, b.S, 1), NULL);
    tp.training = 0, tp.no_grad = 1;
    BiencEncoding e;
    bienc_encode(&tp, m, b.src, b.src_len, b.S, B, &e);
    int H = mc.hidden;
    narrate_text(nr, "A batch of %d validation sentences, source lengths (with <sos>, <eos>) %d%s%d%s%d, padded to\n"
                     "S = %d. H = %d, E = %d. What the encoder computes, in bentrevett's notation:",
                 B, b.src_len[0], B > 1 ? ", " : "", B > 1 ? b.src_len[1] : 0, B > 2 ? ", " : "",
                 B > 2 ? b.src_len[2] : 0, b.S, H, mc.emb);
    Table t;
    table_init(&t, 3, "tensor", "shape", "what it is");
    char src_shape[32];
    snprintf(src_shape, sizeof src_shape, "(%d, %d)", b.S, B);
    table_str(&t, "src");
    table_str(&t, src_shape);
    table_str(&t, "(S, B) ids, <pad> after each sentence");
    shape_row(&t, "outputs", e.out, "(S, B, 2H): [f_s ; g_s], 0 at padding");
    shape_row(&t, "hidden", e.h_n, "(2L, B, H): final states, per layer fwd, bwd");
    shape_row(&t, "h_fwd = hidden[-2]", e.h_fwd, "f at each sentence's LAST real token");
    shape_row(&t, "h_bwd = hidden[-1]", e.h_bwd, "g at its FIRST token (read last)");
    shape_row(&t, "cat(h_fwd, h_bwd)", e.joined, "(B, 2H): forward first");
    shape_row(&t, "z = tanh(fc(cat))", e.z, "(B, H): s_0, and the context each step");
    narrate_table(nr, &t);
    // Where the final states live in `outputs`, measured: a common bug takes outputs[-1].
    narrate_text(nr, "Where the two final states sit in `outputs` (max |difference| over the H units):");
    table_init(&t, 5, "sentence", "length", "h_fwd vs out[len-1, :H]", "h_bwd vs out[0, H:]",
               "h_fwd vs out[S-1, :H]");
    for (int k = 0; k < B; k++) {
        int len = b.src_len[k];
        double d_last = 0, d_first = 0, d_end = 0;
        for (int j = 0; j < H; j++) {
            float hf = e.h_fwd->data[k * H + j], hb = e.h_bwd->data[k * H + j];
            d_last = fmax(d_last, fabs(hf - e.out->data[((size_t)(len - 1) * B + k) * 2 * H + j]));
            d_first = fmax(d_first, fabs(hb - e.out->data[(size_t)k * 2 * H + H + j]));
            d_end = fmax(d_end, fabs(hf - e.out->data[((size_t)(b.S - 1) * B + k) * 2 * H + j]));
        }
        table_int(&t, k);
        table_int(&t, len);
        table_fmt(&t, "%.3g", d_last);
        table_fmt(&t, "%.3g", d_first);
        table_fmt(&t, "%.3g", d_end);
    }
    narrate_table(nr, &t);
    narrate_text(nr,
                 "The forward final state is the output at each sentence's own last token, the backward one the\n"
                 "output at position 0. outputs[-1] (the last row, S-1) is right only for the longest sentence:\n"
                 "for a shorter one it is padding (0 here), and its backward half would be g after ONE token.\n"
                 "\n"
                 "Why concatenate and not just add them? h_fwd + h_bwd forces unit j of both directions to mean\n"
                 "the same thing, and throws away which direction said what. [h_fwd ; h_bwd] keeps both, and\n"
                 "fc learns the mixing: the sum is the special case W_fc = [I I] (exercise 2 trains it). fc also\n"
                 "maps 2H to the decoder's size, which need not be H (chapter 07's H_dec), and tanh keeps z in\n"
                 "(-1, 1) like a GRU state, since it becomes s_0.\n"
                 "\n"
                 "Which layer's states, with --layers L > 1? The TOP layer's two final states, hidden[-2] and\n"
                 "hidden[-1], as notebook 3 does (this program too). The lower layers' states went into the\n"
                 "top layer already; a decoder with L layers could take layer k's pair for its layer k instead.\n"
                 "\n"
                 "And an LSTM encoder? Each direction has (h, c): join the h's as here, and the c's with a second\n"
                 "Linear(2H, H), without the tanh (a cell state is not bounded), or start the decoder with c_0 = 0.\n"
                 "Exercise 1 builds it.");
    tape_free(&tp);
    batch_free(&b);
    seq2seq_delete(base);
}

// ---- cell 3: the two encoders' parameters ------------------------------------------------------

static void cell_model(Narrator *nr, const Ch06Options *o, const Seq2SeqData *d, const CliCommon *c,
                       size_t counts[2]) {
    narrate_cell(nr, "The model: a bidirectional encoder, encoder.fc, and Cho's decoder");
    Seq2SeqModel *ms[2];
    for (int k = 0; k < 2; k++) {
        Rng rng;
        rng_seed(&rng, c->seed);
        Seq2SeqConfig mc = model_config(o, d, k ? BIENC_VARIANT_UNI : "");
        ms[k] = bienc_seq2seq_new(&mc, &rng);
        counts[k] = params_count(&ms[k]->P);
    }
    narrate_text(nr, "Parameter names are PyTorch's (nn.GRU(bidirectional=True) adds the _reverse set):");
    Table t;
    table_init(&t, 3, "parameter", "shape", "count");
    for (int i = 0; i < ms[0]->P.n; i++) {
        const Tensor *p = ms[0]->P.list[i];
        table_str(&t, p->name);
        if (p->ndim == 2) table_fmt(&t, "(%d, %d)", p->shape[0], p->shape[1]);
        else table_fmt(&t, "(%d)", p->shape[0]);
        table_int(&t, p->size);
    }
    narrate_table(nr, &t);
    narrate_result(nr, "%zu parameters with the bidirectional encoder, %zu with chapter 05's unidirectional one: "
                   "+%zu for the backward GRU and encoder.fc", counts[0], counts[1], counts[0] - counts[1]);
    for (int k = 0; k < 2; k++) seq2seq_delete(ms[k]);
}

// ---- cells 5 and 6: uni against bi -------------------------------------------------------------

static void table_percent(Table *t, double v, const char *fmt) {
    if (isnan(v)) table_fmt(t, "-");
    else table_fmt(t, fmt, 100.0 * v);
}

static void comparison_table(Narrator *nr, Experiment *xs, int n, const size_t *counts) {
    Table t;
    table_init(&t, 9, "encoder", "source", "parameters", "s / epoch", "best val loss", "at epoch", "test exact",
               "test BLEU", "test PPL");
    for (int k = 0; k < n; k++) {
        table_str(&t, xs[k].label);
        table_str(&t, xs[k].reverse ? "reversed" : "in order");
        table_int(&t, (long long)counts[k > 0]);
        if (isnan(seconds_per_epoch(&xs[k]))) table_fmt(&t, "- (resumed)");
        else table_fmt(&t, "%.1f", seconds_per_epoch(&xs[k]));
        table_fmt(&t, "%.3f", xs[k].s.run.best_val);
        table_int(&t, xs[k].s.run.best_epoch);
        table_fmt(&t, "%.1f%%", 100.0 * xs[k].s.test.accuracy);
        table_fmt(&t, "%.2f", 100.0 * xs[k].s.test.bleu.bleu);
        table_fmt(&t, "%.2f", perplexity(xs[k].s.test.loss));
    }
    narrate_table(nr, &t);
}

enum { MAX_POS = 40 };

static void cell_buys(Narrator *nr, Experiment *xs, int n, const Seq2SeqData *d) {
    narrate_cell(nr, "What the backward direction buys: accuracy by output position and by source length");
    narrate_text(nr, "A greedy word counts as right when it equals the reference word at the same position\n"
                     "(test set); exact match is the share of whole translations that are right.");
    double acc[3][MAX_POS];
    int cnt[3][MAX_POS];
    int P = d->max_tgt - 2 < MAX_POS ? d->max_tgt - 2 : MAX_POS;
    for (int k = 0; k < n; k++) bienc_position_accuracy(&xs[k].s.test, &d->ids[SPLIT_TEST], P, acc[k], cnt[k]);
    Table t;
    table_init(&t, 2 + n, "output position", "sentences", xs[0].name, xs[1].name, n > 2 ? xs[2].name : "");
    for (int p = 0; p < P; p++) {
        if (cnt[0][p] < 5) break;
        table_int(&t, p + 1);
        table_int(&t, cnt[0][p]);
        for (int k = 0; k < n; k++) table_percent(&t, acc[k][p], "%.1f%%");
    }
    narrate_table(nr, &t);
    // By source length, exact match and BLEU: on real sentences almost nothing is exact.
    narrate_text(nr, "By source length (BLEU \"-\" where no translation has a 4-gram):");
    const Seq2SeqEval *evs[3];
    const char *labels[3];
    for (int k = 0; k < n; k++) evs[k] = &xs[k].s.test, labels[k] = xs[k].name;
    seq2seq_length_table(nr, evs, labels, n);
    int mid = xs[0].s.run.epochs_done;
    for (int k = 1; k < n; k++) mid = xs[k].s.run.epochs_done < mid ? xs[k].s.run.epochs_done : mid;
    mid /= 2;
    if (mid > 0) {
        char line[256];
        int used = snprintf(line, sizeof line, "halfway (epoch %d) the validation loss is", mid);
        for (int k = 0; k < n && used < (int)sizeof line; k++)
            used += snprintf(line + used, sizeof line - (size_t)used, "%s %.3f (%s)", k ? "," : "",
                             xs[k].s.run.val_loss[mid - 1], xs[k].name);
        narrate_result(nr, "%s", line);
    }
}

// ---- cell 7: the padding trap ------------------------------------------------------------------

static void cell_trap(Chapter06 *ch, const Experiment *bi, const Seq2SeqData *d, int max_len) {
    Narrator *nr = &ch->nr;
    const Ch06Options *o = ch->o;
    narrate_cell(nr, "The padding trap: the backward pass must start at each sentence's own end");
    narrate_text(nr, "In a padded batch, sentence b is real for s < len_b. Run naively from s = S-1, the\n"
                     "backward GRU first reads S - len_b <pad> embeddings and arrives at the sentence with a\n"
                     "state that is not 0. The trained model on 8 validation sentences, one batch, run right and\n"
                     "naively (bidirectional.h's naive_reverse); max |naive - right| per sentence:");
    const Dataset *ds = &d->ids[SPLIT_VAL];
    int B = ds->n < 8 ? ds->n : 8, idx[8];
    for (int k = 0; k < B; k++) idx[k] = k;
    Batch b;
    batch_init(&b);
    batch_make(&b, ds, idx, B);
    BiencTrapRow rows[8];
    bienc_trap_distances(bienc(bi), b.src, b.src_len, b.S, B, rows);
    Table t;
    table_init(&t, 7, "sentence", "length", "<pad>s read first", "fwd outputs", "bwd outputs", "h_bwd", "z");
    for (int k = 0; k < B; k++) {
        table_int(&t, k);
        table_int(&t, rows[k].len);
        table_int(&t, rows[k].pad);
        table_fmt(&t, "%.3g", rows[k].out_fwd);
        table_fmt(&t, "%.3g", rows[k].out_bwd);
        table_fmt(&t, "%.3g", rows[k].h_bwd);
        table_fmt(&t, "%.3g", rows[k].z);
    }
    narrate_table(nr, &t);
    narrate_text(nr, "The longest sentence (no <pad>s) is untouched, bit for bit; every padded one is changed:\n"
                     "its backward outputs, its backward final state and so the decoder's z. With one layer the\n"
                     "forward direction never reads the padding (0); with two, layer 1's forward direction reads\n"
                     "layer 0's corrupted backward outputs and changes too.");
    batch_free(&b);
    if (o->trap_pairs <= 0) return;

    // Does it matter after training? Two short runs, the same seed, data and budget.
    Ch06Options ot = *o;
    ot.train_pairs = o->trap_pairs, ot.epochs = o->trap_epochs, ot.compare = 0;
    Seq2SeqData td;
    seq2seq_data_load_or_die(&td, &(Seq2SeqDataOptions){.spec = o->data, .reverse = o->reverse,
                                                         .train_pairs = ot.train_pairs, .eval_pairs = o->eval_pairs});
    narrate_text(nr, "Trained that way? %d epochs of %d pairs, the same seed, once right and once with the naive\n"
                     "backward pass (--bucket %d: 0 is a plain shuffle, so nearly every batch is padded; the\n"
                     "validation batches are padded the same way for both):",
                 ot.epochs, td.ids[SPLIT_TRAIN].n, ot.bucket);
    Experiment runs[2];
    memset(runs, 0, sizeof runs);
    runs[0].label = "right (packed)", runs[0].variant = "";
    runs[1].label = "naive reverse", runs[1].variant = BIENC_VARIANT_NAIVE;
    runs[0].reverse = runs[1].reverse = o->reverse;
    for (int k = 0; k < 2; k++) {
        narrate_text(nr, "  %s:", runs[k].label);
        run_experiment(ch, &runs[k], &ot, &td, 0, max_len, 0, 0);
    }
    table_init(&t, 4, "epoch", "val loss, right", "val loss, naive", "naive - right");
    for (int e = 0; e < runs[0].s.run.epochs_done; e++) {
        table_int(&t, e + 1);
        table_fmt(&t, "%.4f", runs[0].s.run.val_loss[e]);
        table_fmt(&t, "%.4f", runs[1].s.run.val_loss[e]);
        table_fmt(&t, "%+.4f", runs[1].s.run.val_loss[e] - runs[0].s.run.val_loss[e]);
    }
    narrate_table(nr, &t);
    int last = runs[0].s.run.epochs_done - 1;
    narrate_result(nr, "after %d epochs: validation loss %.4f right, %.4f naive (%+.4f, %+.1f%%)", last + 1,
                   runs[0].s.run.val_loss[last], runs[1].s.run.val_loss[last],
                   runs[1].s.run.val_loss[last] - runs[0].s.run.val_loss[last],
                   100.0 * (runs[1].s.run.val_loss[last] / runs[0].s.run.val_loss[last] - 1.0));
    narrate_text(nr, "The naive model is not broken, it is noisier: each sentence's summary depends on how long\n"
                     "the OTHER sentences of its batch are, and the model must learn to wash the <pad>s out.");
    for (int k = 0; k < 2; k++) free_experiment(&runs[k]);
    seq2seq_data_free(&td);
}

// ---- cell 8: a picture of the encoder ----------------------------------------------------------

static int pick_sentence(const Seq2SeqData *d) {
    const Corpus *c = &d->text[SPLIT_TEST];
    for (int i = 0; i < c->n; i++) {
        int n = corpus_len(c, CORPUS_SRC, i);
        if (n >= 5 && n <= 12) return i;
    }
    return 0;
}

static void cell_picture(Chapter06 *ch, const Experiment *bi, const Seq2SeqData *d) {
    Narrator *nr = &ch->nr;
    narrate_cell(nr, "A picture of the encoder: both directions, unit by unit");
    int i = pick_sentence(d), H = bi->s.m->cfg.hidden;
    const Dataset *ds = &d->ids[SPLIT_TEST];
    int len = dataset_src_len(ds, i);
    float *states = xmalloc(sizeof(float) * (size_t)2 * H * len);   // (2H, len)
    bienc_encoder_states(bienc(bi), ds, i, states);
    char src[512];
    narrate_text(nr, "Test sentence %d, \"%s\": the top layer's outputs [f_s ; g_s], %d forward units above %d\n"
                     "backward ones, one column per source token as the encoder reads it. A forward unit can\n"
                     "only change at or after the word that moves it, a backward unit at or before it; the\n"
                     "forward column at the last token and the backward column at <sos> are h_fwd and h_bwd.",
                 i, seq2seq_join(&d->text[SPLIT_TEST], CORPUS_SRC, i, src, sizeof src), H, H);
    double change[2] = {0, 0};   // mean |state_s - state_{s-1}| per direction, over the sentence
    for (int dir = 0; dir < 2; dir++)
        for (int t = 1; t < len; t++)
            for (int j = 0; j < H; j++)
                change[dir] += fabs(states[(size_t)(dir * H + j) * len + t] - states[(size_t)(dir * H + j) * len + t - 1]);
    narrate_result(nr, "mean |change| of a unit between neighbouring tokens: forward %.3f, backward %.3f",
                   change[0] / ((len - 1) * H), change[1] / ((len - 1) * H));
    if (!ch->c->no_plots) {
        cli_prepare_out(ch->c);
        const char **cols = xmalloc(sizeof(char *) * (size_t)len);
        for (int t = 0; t < len; t++) cols[t] = vocab_token(&d->src_vocab, ds->src_ids[ds->src_off[i] + t]);
        char(*names)[16] = xmalloc(sizeof *names * (size_t)2 * H);
        const char **rows = xmalloc(sizeof(char *) * (size_t)2 * H);
        for (int j = 0; j < 2 * H; j++) {
            snprintf(names[j], sizeof names[j], "%s %d", j < H ? "fwd" : "bwd", j % H);
            rows[j] = names[j];
        }
        HeatmapOptions ho;
        heatmap_options_init(&ho);
        ho.title = "Encoder outputs [f_s ; g_s], one sentence";
        ho.x_label = "source token, as the encoder reads it";
        ho.y_label = "unit";
        ho.value_label = "state value";
        ho.colormap = HEATMAP_SIGNED;
        ho.vmin = -1.0, ho.vmax = 1.0;
        ho.row_labels = rows;
        ho.row_label_step = H % 8 == 0 ? H / 8 : 0;   // ticks at fwd 0, H/8, ... and bwd 0, H/8, ...
        ho.col_labels = cols;
        float line_col[2] = {-0.5f, (float)len - 0.5f}, line_row[2] = {(float)H - 0.5f, (float)H - 0.5f};
        heatmap_add_path(&ho, line_col, line_row, 2, (Rgb){0, 0, 0}, "forward units above the line, backward below");
        char err[1024];
        if (!heatmap_write(ch->c->out, "encoder_states", states, 2 * H, len, &ho, &ch->gp, err, sizeof err))
            die("%s", err);
        narrate_result(nr, "figure: %s/encoder_states.png", ch->c->out);
        free(rows);
        free(names);
        free(cols);
    }
    free(states);
}

// ---- cell 9: the bottleneck ----------------------------------------------------------------------

static void cell_bottleneck(Chapter06 *ch, Experiment *copy, const char *base) {
    Narrator *nr = &ch->nr;
    const Ch06Options *o = ch->o;
    const CliCommon *c = ch->c;
    narrate_cell(nr, "The bottleneck, again: copying 3 to 30 symbols through z");
    Seq2SeqRecipe r = bienc_recipe(c->quick ? BIENC_RECIPE_COPY_QUICK : BIENC_RECIPE_COPY);
    Ch06Options oc = *o;
    oc.emb = r.model.emb, oc.hidden = c->quick ? r.model.hidden : o->hidden, oc.layers = r.model.layers;
    oc.dropout = r.model.dropout, oc.init_range = r.model.init_range, oc.init_std = r.model.init_std;
    oc.lr = r.train.lr, oc.clip = r.train.clip, oc.teacher_forcing = r.train.teacher_forcing;
    oc.batch = r.train.batch, oc.epochs = r.train.epochs, oc.bucket = r.train.bucket;
    oc.train_pairs = r.train_pairs, oc.eval_pairs = r.eval_pairs;
    narrate_text(nr, "Chapter 04's experiment with this chapter's model: the %s task, the source reversed, E %d,\n"
                     "H %d, Adam %g, batch %d, %d epochs of %d pairs. Both directions have read every symbol, but\n"
                     "the decoder still gets one vector z of H = %d numbers for up to 100 bits.",
                 o->bottleneck, oc.emb, oc.hidden, oc.lr, oc.batch, oc.epochs, oc.train_pairs, oc.hidden);
    Seq2SeqData cd;
    seq2seq_data_load_or_die(&cd, &(Seq2SeqDataOptions){.spec = o->bottleneck, .reverse = 1,
                                                         .train_pairs = oc.train_pairs, .eval_pairs = oc.eval_pairs});
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", base);
    char *slash = strrchr(dir, '/');
    snprintf(copy->s.ckpt, sizeof copy->s.ckpt, "%.*s%s-bottleneck", slash ? (int)(slash - dir + 1) : 0, dir, cd.name);
    copy->label = "bidirectional", copy->variant = "", copy->reverse = 1;
    copy->s.resume_if_saved = 1;
    run_experiment(ch, copy, &oc, &cd, o->resume, cd.max_tgt + 3, 0, 1);
    narrate_result(nr, "%s, H = %d, %d epochs of %d pairs: test exact match %.1f%%, BLEU %.2f", cd.name,
                   copy->s.m->cfg.hidden, copy->s.run.epochs_done, cd.text[SPLIT_TRAIN].n, 100.0 * copy->s.test.accuracy,
                   100.0 * copy->s.test.bleu.bleu);
    const Seq2SeqEval *ev = &copy->s.test;
    Table t;
    table_init(&t, 4, "symbols", "sentences", "exact match", "BLEU");
    for (int b = 0; b < ev->n_buckets; b++) {
        table_fmt(&t, "%d-%d", ev->bucket_lo[b], ev->bucket_hi[b]);
        table_int(&t, ev->bucket_n[b]);
        table_percent(&t, ev->bucket_accuracy[b], "%.1f%%");
        table_percent(&t, ev->bucket_bleu[b], "%.2f");
    }
    narrate_table(nr, &t);
    Seq2SeqByLength ch04;
    char err[1200], ch04_summary[512];
    if (!c->quick && seq2seq_read_by_length(CH04_COPY_BY_LENGTH_CSV, &ch04, err, sizeof err)) {
        seq2seq_by_length_summary(&ch04, "symbols", ch04_summary, sizeof ch04_summary);
        narrate_text(nr, "Compare chapter 04's LSTM (%s):\n%s.", CH04_COPY_BY_LENGTH_CSV, ch04_summary);
    }
    narrate_text(nr, "Reading both ways does not widen the pipe; attention (chapter 07) removes it.");
    seq2seq_data_free(&cd);
}

// ---- figures ---------------------------------------------------------------------------------

static const char *const colour[4] = {"#0072b2", "#d55e00", "#cc79a7", "#009e73"};   // bi, uni x2, copy

static void write_figures(Chapter06 *ch, Experiment *xs, int n, const Experiment *copy, const Seq2SeqData *d) {
    const CliCommon *c = ch->c;
    // The length tables, for chapter 07's comparison of chapters 04-07 (the copy task's, and on
    // Multi30k the bidirectional model's).
    int multi30k = strcmp(d->name, "multi30k") == 0;
    char path[4200];
    if (copy || multi30k) cli_prepare_out(c);
    if (copy) seq2seq_save_by_length(c->out, "copy", BIENC_SEQ2SEQ_NAME, &copy->s.test, path, sizeof path);
    if (multi30k) seq2seq_save_by_length(c->out, "multi30k", BIENC_SEQ2SEQ_NAME, &xs[0].s.test, path, sizeof path);
    if (c->no_plots) return;
    cli_prepare_out(c);
    char err[1024], label[160];
    Plot p;
    plot_init(&p, "loss_curves", "Bidirectional vs unidirectional encoder: loss per target word", "epoch",
              "loss (nats per word)");
    for (int k = 0; k < n; k++) seq2seq_plot_losses(&p, &xs[k].s.run, xs[k].legend, colour[k]);
    plot_set_yrange(&p, 0.0, NAN);
    if (!plot_write(&p, c->out, &ch->gp, err, sizeof err)) die("%s", err);
    plot_free(&p);

    plot_init(&p, "accuracy_by_position", "Greedy word equal to the reference, by output position (test set)",
              "output position (1 = first word after <sos>)", "words right (%)");
    int P = d->max_tgt - 2 < MAX_POS ? d->max_tgt - 2 : MAX_POS;
    for (int k = 0; k < n; k++) {
        double acc[MAX_POS], x[MAX_POS], y[MAX_POS];
        int cnt[MAX_POS], m = 0;
        bienc_position_accuracy(&xs[k].s.test, &d->ids[SPLIT_TEST], P, acc, cnt);
        for (int q = 0; q < P; q++)
            if (cnt[q] >= 5) x[m] = q + 1, y[m++] = 100.0 * acc[q];
        snprintf(label, sizeof label, "%s: %s", d->name, xs[k].legend);
        plot_set_style(&p, plot_add_series(&p, label, x, y, m), PLOT_LINESPOINTS, colour[k]);
    }
    plot_set_xrange(&p, 0.5, P + 0.5);   // whole positions
    plot_set_yrange(&p, NAN, 101.0);
    if (!plot_write(&p, c->out, &ch->gp, err, sizeof err)) die("%s", err);
    plot_free(&p);

    int bleu = strcmp(d->name, "multi30k") == 0;
    plot_init(&p, "accuracy_by_length", bleu ? "Greedy translation quality against source length (test set)"
                                             : "Exact match against source length (test sets)",
              "source length (words or symbols)", bleu ? "BLEU" : "exact match or BLEU (%)");
    const Experiment *all[4] = {&xs[0], n > 1 ? &xs[1] : NULL, n > 2 ? &xs[2] : NULL, copy};
    for (int k = 0; k < 4; k++) {
        if (!all[k]) continue;
        const Seq2SeqEval *ev = &all[k]->s.test;
        for (int metric = 0; metric < 2; metric++) {   // 0: exact match, 1: BLEU
            if (k < 3 && metric != bleu) continue;      // dates: exact match; Multi30k: BLEU
            double x[SEQ2SEQ_MAX_BUCKETS], y[SEQ2SEQ_MAX_BUCKETS];
            int m = 0;
            for (int b = 0; b < ev->n_buckets; b++) {
                double v = metric ? ev->bucket_bleu[b] : ev->bucket_accuracy[b];
                if (ev->bucket_n[b] < 5 || isnan(v)) continue;   // too few sentences, or no 4-grams
                if (metric && ev->bucket_hi[b] < 4) continue;     // BLEU-4 of 1-3 words means nothing
                x[m] = 0.5 * (ev->bucket_lo[b] + ev->bucket_hi[b]);
                y[m++] = 100.0 * v;
            }
            if (k < 3) snprintf(label, sizeof label, "%s, %s: %s", d->name, all[k]->legend,
                                metric ? "BLEU" : "exact match");
            else snprintf(label, sizeof label, "%s (H = %d), bidirectional encoder: %s", all[k]->data_name,
                          all[k]->s.m->cfg.hidden, metric ? "BLEU" : "exact match");
            int s = plot_add_series(&p, label, x, y, m);
            plot_set_style(&p, s, metric && !bleu ? PLOT_DASHED : PLOT_LINESPOINTS, colour[k]);
        }
    }
    plot_set_yrange(&p, 0.0, bleu ? NAN : 105.0);
    if (!plot_write(&p, c->out, &ch->gp, err, sizeof err)) die("%s", err);
    plot_free(&p);
    narrate_result(&ch->nr, "figures: %s/loss_curves.png, accuracy_by_position.png, accuracy_by_length.png", c->out);
}

// ---- cell 10: from a checkpoint --------------------------------------------------------------------

// ---- --load ----------------------------------------------------------------------------------

int ch06_run_loaded(Chapter06 *ch) {
    const Ch06Options *o = ch->o;
    return seq2seq_run_loaded(BIENC_SEQ2SEQ_NAME, bienc_seq2seq_new,
                              &(Seq2SeqLoadOptions){.load = o->load, .translate = o->translate, .data = o->data,
                                                    .eval_pairs = o->eval_pairs, .batch = o->batch,
                                                    .max_len = o->max_len, .by_length_csv = o->by_length_csv},
                              ch->c);
}

// ---- the notebook ----------------------------------------------------------------------------

int ch06_run_notebook(Chapter06 *ch) {
    const Ch06Options *o = ch->o;
    const CliCommon *c = ch->c;
    Narrator *nr = &ch->nr;
    Seq2SeqData d;
    seq2seq_data_load_or_die(&d, &(Seq2SeqDataOptions){.spec = o->data, .reverse = o->reverse,
                                                        .train_pairs = o->train_pairs, .eval_pairs = o->eval_pairs});
    int max_len = o->max_len > 0 ? o->max_len : strcmp(d.name, "multi30k") == 0 ? 25 : d.max_tgt + 3;
    char base[1100];
    if (o->save) snprintf(base, sizeof base, "%s", o->save);
    else if (strcmp(c->out, CH06_DEFAULT_OUT) == 0) snprintf(base, sizeof base, "runs/%s/%s", CH06_CHAPTER, d.name);
    else snprintf(base, sizeof base, "%s/%s", c->out, d.name);
    int n = o->compare ? (o->compare_reversed ? 3 : 2) : 1;
    int with_copy = strcmp(d.name, "multi30k") != 0 && strcmp(o->bottleneck, "none") != 0;
    int first = o->unidirectional_only ? 1 : 0;   // 1: the bidirectional run is another process's
    narrate_init(nr, first ? 4 : 7 + 2 * (n > 1) + with_copy, c->quiet, c->pause);

    cell_data(nr, &d);
    cell_wiring(nr, o, &d, c);
    size_t counts[2];
    cell_model(nr, o, &d, c, counts);

    // The models: bidirectional; chapter 05's unidirectional encoder in the same source order;
    // and (the order matters to it, not to the bidirectional one) in the other order.
    Experiment xs[3];
    memset(xs, 0, sizeof xs);
    for (int k = 0; k < 3; k++) {
        xs[k].label = k ? "unidirectional" : "bidirectional";
        xs[k].variant = k ? BIENC_VARIANT_UNI : "";
        xs[k].reverse = k == 2 ? !o->reverse : o->reverse;
        snprintf(xs[k].s.ckpt, sizeof xs[k].s.ckpt, "%s%s", base,
                 k == 0 ? "" : k == 1 ? "-uni" : o->reverse ? "-uni-inorder" : "-uni-reversed");
        snprintf(xs[k].name, sizeof xs[k].name, "%s%s", xs[k].label,
                 k == 0 || n < 3 ? "" : xs[k].reverse ? ", reversed" : ", in order");
        snprintf(xs[k].legend, sizeof xs[k].legend, "%s encoder%s", xs[k].label,
                 k == 0 || n < 3 ? "" : xs[k].reverse ? ", source reversed" : ", source in order");
    }
    for (int k = first; k < n; k++) {
        if (k == 0) {
            narrate_cell(nr, "Training: the bidirectional encoder");
        } else if (k == 1) {
            narrate_cell(nr, "The same decoder, the same seed: chapter 05's unidirectional encoder");
            narrate_text(nr, "z is now the GRU's final state itself (no encoder.fc). A unidirectional encoder's\n"
                             "summary leans towards the words it read last, so the source order matters to it:%s",
                         n > 2 ? " it is\ntrained in both orders (chapter 04's ablation); the bidirectional one reads both anyway." : "");
        }
        if (k == first) {   // the training settings, once, before the first run this process trains
            narrate_text(nr, "Adam (lr %g), batches of %d, clip at norm %g, teacher forcing %g, dropout %g, %d epochs.",
                         o->lr, o->batch, o->clip, o->teacher_forcing, o->dropout, o->epochs);
            if (first) narrate_text(nr, "--unidirectional-only: another process trains the bidirectional encoder.");
            else
                narrate_text(nr, "Each epoch: train loss, validation loss (own predictions fed back; * marks a new "
                                 "best,\nsaved as %s.best), then %d validation sentences translated.",
                             xs[0].s.ckpt, o->samples);
        }
        if (k > 0) narrate_text(nr, "  %s:", xs[k].name);
        xs[k].s.resume_if_saved = k > 0;
        int resume = o->resume;
        run_experiment(ch, &xs[k], o, &d, resume, max_len, k == 0 ? o->samples : 0, 1);
        char line[200], timing[64] = "trained in an earlier process";   // its log has the epoch times
        double sec = seconds_per_epoch(&xs[k]);
        if (!isnan(sec)) snprintf(timing, sizeof timing, "%.1f s per epoch", sec);
        narrate_result(nr, "%s: test loss %.3f (PPL %.2f), exact match %.1f%%, BLEU %.2f; %s", xs[k].name,
                       xs[k].s.test.loss, perplexity(xs[k].s.test.loss), 100.0 * xs[k].s.test.accuracy,
                       100.0 * xs[k].s.test.bleu.bleu, timing);
        narrate_text(nr, "    %s", bleu_format(&xs[k].s.test.bleu, line, sizeof line));
    }
    seq2seq_data_set_reverse(&d, o->reverse);
    if (first) {   // no comparison, trap, picture or figures without the bidirectional run
        narrate_text(nr, "Done. The same command without --unidirectional-only, with --resume, finds %s\n"
                         "finished (%s%s%s) and compares %s with the bidirectional encoder.",
                     n > 2 ? "these runs" : "this run", xs[1].s.ckpt, n > 2 ? ", " : "", n > 2 ? xs[2].s.ckpt : "",
                     n > 2 ? "them" : "it");
        for (int k = first; k < n; k++) free_experiment(&xs[k]);
        seq2seq_data_free(&d);
        return 0;
    }
    if (n > 1) {
        narrate_text(nr, "Parameters, seconds per epoch (training and the validation loss, this process, --threads %d)\n"
                         "and the test set, each model from its best validation epoch:", c->threads);
        comparison_table(nr, xs, n, counts);
        cell_buys(nr, xs, n, &d);
    }
    cell_trap(ch, &xs[0], &d, max_len);
    cell_picture(ch, &xs[0], &d);
    Experiment copy;
    memset(&copy, 0, sizeof copy);
    if (with_copy) cell_bottleneck(ch, &copy, base);
    write_figures(ch, xs, n, with_copy ? &copy : NULL, &d);
    seq2seq_translate_demo(nr, BIENC_SEQ2SEQ_NAME, bienc_seq2seq_new, xs[0].s.ckpt, &d, max_len, CH06_CHAPTER);

    static const char *const exercises[] = {
        "A bidirectional LSTM encoder: CELL_LSTM in bidirectional_create, and a second Linear(2H, H) for the "
        "cell states (no tanh). Does the LSTM's extra state help on the copy task?",
        "Join by summing: z = tanh(h_fwd + h_bwd) (no encoder.fc). Compare the validation curves. What can the "
        "concatenation express that the sum cannot?",
        "A bidirectional language model: train [f_s ; g_s] to predict word s+1. Why is the loss suspiciously "
        "low, and why can such a model not generate a sentence one word at a time?",
        "Train the naive-reverse variant (cell 7) with --bucket 100 (batches of similar lengths). Does the "
        "trap still cost anything? What does that say about why bucketing hides bugs?",
        NULL};
    narrate_summary(nr,
                    "a second GRU reads the source right to left; its final state (at the FIRST token) and the "
                    "forward one (at each sentence's LAST real token) are concatenated and squeezed by "
                    "tanh(fc(.)) into the decoder's one state; each backward pass must start at its own sentence's "
                    "end, not on the padding; the fixed-size z is still a bottleneck.",
                    exercises);
    for (int k = 0; k < n; k++) free_experiment(&xs[k]);
    if (with_copy) free_experiment(&copy);
    seq2seq_data_free(&d);
    return 0;
}
