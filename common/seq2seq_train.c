// seq2seq_train.c: see seq2seq_train.h. Introduced in chapter 04.
#include "seq2seq_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "fileio.h"
#include "interrupt.h"
#include "json.h"
#include "ops.h"
#include "optim.h"
#include "progress.h"
#include "util.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void dataset_max_len(const Dataset *ds, int *S, int *T) {
    *S = *T = 2;
    for (int i = 0; i < ds->n; i++) {
        if (dataset_src_len(ds, i) > *S) *S = dataset_src_len(ds, i);
        if (dataset_tgt_len(ds, i) > *T) *T = dataset_tgt_len(ds, i);
    }
}

char *seq2seq_join(const Corpus *c, CorpusSide side, int i, char *buf, size_t n) {
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < corpus_len(c, side, i); k++) {
        int w = snprintf(buf + used, n - used, "%s%s", k ? " " : "", corpus_token(c, side, i, k));
        if (w < 0 || (size_t)w >= n - used) {
            buf[used] = '\0';
            break;
        }
        used += (size_t)w;
    }
    return buf;
}

// ---- measuring -------------------------------------------------------------------------------

double seq2seq_dataset_loss(const Seq2SeqModel *m, const Dataset *ds, int batch, float teacher_forcing) {
    if (teacher_forcing != 0.0f && teacher_forcing != 1.0f)
        die("seq2seq_dataset_loss: teacher forcing must be 0 or 1 here, not %g", teacher_forcing);
    int S, T;
    dataset_max_len(ds, &S, &T);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, batch, S, T), NULL);
    tp.training = 0;   // dropout off
    tp.no_grad = 1;    // nothing recorded
    Batch b;
    batch_init(&b);
    int *idx = xmalloc(sizeof(int) * (size_t)batch);
    double total = 0.0;
    int n_batches = 0;
    for (int start = 0; start < ds->n; start += batch) {
        int B = ds->n - start < batch ? ds->n - start : batch;
        for (int k = 0; k < B; k++) idx[k] = start + k;
        batch_make(&b, ds, idx, B);
        tape_reset(&tp);
        Tensor *loss = seq2seq_loss(&tp, m, b.src, b.src_len, b.S, b.tgt, b.T, b.B, teacher_forcing, NULL);
        total += loss->data[0];
        n_batches++;
    }
    free(idx);
    batch_free(&b);
    tape_free(&tp);
    return n_batches ? total / n_batches : NAN;
}

void seq2seq_translate_pairs(const Seq2SeqModel *m, const Dataset *ds, const int *idx, int n, int batch,
                             int max_len, int *hyp, int *hyp_len) {
    int S = 2;
    for (int k = 0; k < n; k++)
        if (dataset_src_len(ds, idx[k]) > S) S = dataset_src_len(ds, idx[k]);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, batch, S, max_len + 1), NULL);
    Batch b;
    batch_init(&b);
    int *out = xmalloc(sizeof(int) * (size_t)max_len * (size_t)batch);   // (max_len, B)
    int *out_len = xmalloc(sizeof(int) * (size_t)batch);                 // (B)
    for (int start = 0; start < n; start += batch) {
        int B = n - start < batch ? n - start : batch;
        batch_make(&b, ds, idx + start, B);
        tape_reset(&tp);
        seq2seq_greedy(&tp, m, b.src, b.src_len, b.S, B, max_len, out, out_len);
        for (int k = 0; k < B; k++) {
            for (int t = 0; t < max_len; t++) hyp[(size_t)(start + k) * max_len + t] = out[(size_t)t * B + k];
            hyp_len[start + k] = out_len[k];
        }
    }
    free(out);
    free(out_len);
    batch_free(&b);
    tape_free(&tp);
}

// Buckets of source length: one per length when there are at most 12 lengths, else about
// ten of equal width starting at a multiple of the width plus one (1-5, 6-10, ...).
static void make_buckets(Seq2SeqEval *ev, int lo, int hi) {
    int span = hi - lo + 1, width = 1;
    if (span > SEQ2SEQ_MAX_BUCKETS) {
        width = (span + 9) / 10;
        lo = (lo - 1) / width * width + 1;
    }
    ev->n_buckets = (hi - lo) / width + 1;
    for (int k = 0; k < ev->n_buckets; k++) {
        ev->bucket_lo[k] = lo + k * width;
        ev->bucket_hi[k] = lo + (k + 1) * width - 1;
    }
}

void seq2seq_evaluate(Seq2SeqEval *ev, const Seq2SeqModel *m, const Seq2SeqData *d, Split split, int batch,
                      int max_len) {
    memset(ev, 0, sizeof *ev);
    const Dataset *ds = &d->ids[split];
    const Corpus *c = &d->text[split];
    int n = ds->n;
    ev->n = n;
    ev->max_len = max_len;
    ev->loss = seq2seq_dataset_loss(m, ds, batch, 0.0f);
    ev->loss_tf = seq2seq_dataset_loss(m, ds, batch, 1.0f);
    int *idx = xmalloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) idx[i] = i;
    ev->hyp = xmalloc(sizeof(int) * (size_t)n * (size_t)max_len);
    ev->hyp_len = xmalloc(sizeof(int) * (size_t)n);
    ev->correct = xcalloc((size_t)n, 1);
    seq2seq_translate_pairs(m, ds, idx, n, batch, max_len, ev->hyp, ev->hyp_len);
    free(idx);

    int lo = corpus_len(c, CORPUS_SRC, 0), hi = lo;
    for (int i = 1; i < n; i++) {
        int L = corpus_len(c, CORPUS_SRC, i);
        lo = L < lo ? L : lo;
        hi = L > hi ? L : hi;
    }
    make_buckets(ev, lo, hi);
    BleuStats all, per[SEQ2SEQ_MAX_BUCKETS];
    memset(&all, 0, sizeof all);
    memset(per, 0, sizeof per);
    int correct = 0, bucket_correct[SEQ2SEQ_MAX_BUCKETS] = {0};
    int max_ref = corpus_max_len(c, CORPUS_TGT);
    const char **hyp_tok = xmalloc(sizeof(char *) * (size_t)(max_len + 1));
    const char **ref_tok = xmalloc(sizeof(char *) * (size_t)(max_ref + 1));
    for (int i = 0; i < n; i++) {
        // Compare words, not ids: an <unk> in the output never matches (see bleu.h).
        int hl = ev->hyp_len[i], rl = corpus_len(c, CORPUS_TGT, i);
        for (int t = 0; t < hl; t++) hyp_tok[t] = vocab_token(&d->tgt_vocab, ev->hyp[(size_t)i * max_len + t]);
        for (int t = 0; t < rl; t++) ref_tok[t] = corpus_token(c, CORPUS_TGT, i, t);
        int exact = hl == rl;
        for (int t = 0; t < hl && exact; t++) exact = strcmp(hyp_tok[t], ref_tok[t]) == 0;
        int k = 0;
        while (k + 1 < ev->n_buckets && corpus_len(c, CORPUS_SRC, i) > ev->bucket_hi[k]) k++;
        ev->correct[i] = (char)exact;
        correct += exact;
        bucket_correct[k] += exact;
        ev->bucket_n[k]++;
        bleu_add_tokens(&all, hyp_tok, hl, ref_tok, rl);
        bleu_add_tokens(&per[k], hyp_tok, hl, ref_tok, rl);
    }
    free(hyp_tok);
    free(ref_tok);
    ev->accuracy = n ? (double)correct / n : 0.0;
    ev->bleu = bleu_compute(&all);
    for (int k = 0; k < ev->n_buckets; k++) {
        ev->bucket_accuracy[k] = ev->bucket_n[k] ? (double)bucket_correct[k] / ev->bucket_n[k] : NAN;
        // BLEU-4 needs 4-grams: undefined for buckets of shorter translations
        ev->bucket_bleu[k] = ev->bucket_n[k] && per[k].total[3] > 0 ? bleu_compute(&per[k]).bleu : NAN;
    }
}

void seq2seq_eval_free(Seq2SeqEval *ev) {
    free(ev->hyp);
    free(ev->hyp_len);
    free(ev->correct);
    memset(ev, 0, sizeof *ev);
}

// ---- checkpoints -----------------------------------------------------------------------------

static void json_number_or_null(StrBuf *sb, double v) {
    if (isfinite(v)) sb_printf(sb, "%.17g", v);
    else sb_puts(sb, "null");
}

// The loss history as a JSON object, saved beside the model so a resumed run prints and
// plots the whole run.
static char *history_json(const Seq2SeqRun *run) {
    StrBuf sb;
    sb_init(&sb);
    const double *curves[2] = {run->train_loss, run->val_loss};
    static const char *const keys[2] = {"train_loss", "val_loss"};
    sb_puts(&sb, "{");
    for (int c = 0; c < 2; c++) {
        sb_printf(&sb, "%s\"%s\":[", c ? "," : "", keys[c]);
        for (int e = 0; e < run->epochs_done; e++) {
            if (e) sb_puts(&sb, ",");
            json_number_or_null(&sb, curves[c][e]);
        }
        sb_puts(&sb, "]");
    }
    sb_puts(&sb, ",\"best_val\":");
    json_number_or_null(&sb, run->best_val);
    sb_printf(&sb, ",\"best_epoch\":%d", run->best_epoch);
    if (run->partial_batches > 0)   // saved in the middle of an epoch
        sb_printf(&sb, ",\"partial_sum\":%.17g,\"partial_batches\":%d", run->partial_sum, run->partial_batches);
    sb_puts(&sb, "}");
    return sb.s;
}

static int read_history(Seq2SeqRun *run, const char *text, char *err, size_t errlen) {
    Json doc;
    if (!text) return snprintf(err, errlen, "no loss history in the checkpoint"), 0;
    if (!json_parse(&doc, text, strlen(text), err, errlen)) return 0;
    const JsonNode *root = json_root(&doc);
    const JsonNode *curves[2] = {json_get(&doc, root, "train_loss"), json_get(&doc, root, "val_loss")};
    const JsonNode *best = json_get(&doc, root, "best_val"), *best_epoch = json_get(&doc, root, "best_epoch");
    int ok = curves[0] && curves[1] && best && best_epoch && curves[0]->type == JSON_ARRAY &&
             curves[1]->type == JSON_ARRAY && curves[0]->count == curves[1]->count &&
             curves[0]->count <= SEQ2SEQ_MAX_EPOCHS && best_epoch->type == JSON_NUMBER;
    if (ok) {
        double *dst[2] = {run->train_loss, run->val_loss};
        for (int c = 0; c < 2; c++) {
            int e = 0;
            for (const JsonNode *v = json_first(&doc, curves[c]); v; v = json_next(&doc, v))
                dst[c][e++] = v->type == JSON_NUMBER ? v->number : NAN;
        }
        run->epochs_done = curves[0]->count;
        run->best_val = best->type == JSON_NUMBER ? best->number : INFINITY;
        run->best_epoch = (int)best_epoch->number;
        const JsonNode *psum = json_get(&doc, root, "partial_sum"), *pn = json_get(&doc, root, "partial_batches");
        run->partial_sum = psum && psum->type == JSON_NUMBER ? psum->number : 0.0;
        run->partial_batches = pn && pn->type == JSON_NUMBER ? (int)pn->number : 0;
    } else {
        snprintf(err, errlen, "the loss history in the checkpoint is malformed");
    }
    json_free(&doc);
    return ok;
}

static void save_checkpoints(const Seq2SeqRun *run, const Seq2SeqModel *m, const Seq2SeqData *d, Adam *adam,
                             BatchIter *it, Rng *rng, int new_best) {
    char *history = history_json(run), run_id[64];
    const char *extra[2] = {"history", history};
    checkpoint_run_id(run_id, sizeof run_id, "seq2seq", run->config_json);   // identical runs, identical files
    CheckpointMeta meta = {.config = run->config_json, .src_vocab = &d->src_vocab, .tgt_vocab = &d->tgt_vocab,
                           .run_id = run_id, .step = run->steps, .extra = extra, .n_extra = 1};
    checkpoint_save_or_die(run->ckpt, &m->P, &meta, &(TrainState){adam, it, rng});
    if (new_best) {
        char best[4200];
        snprintf(best, sizeof best, "%s.best", run->ckpt);
        checkpoint_save_or_die(best, &m->P, &meta, NULL);
    }
    free(history);
}

static void resume_from(Seq2SeqRun *run, Seq2SeqModel *m, Adam *adam, BatchIter *it, Rng *rng) {
    Checkpoint ck;
    char err[1200];
    if (!checkpoint_open(&ck, run->ckpt, err, sizeof err))
        die("--resume: %s (HINT: a run writes it after its first epoch; --save names it)", err);
    checkpoint_check_config_or_die(&ck, run->config_json);
    checkpoint_load_params_or_die(&ck, &m->P);
    checkpoint_load_train_or_die(&ck, &m->P, &(TrainState){adam, it, rng});
    if (!read_history(run, checkpoint_meta(&ck, "history"), err, sizeof err))
        die("--resume: %s: %s", ck.model_path, err);
    if (run->epochs_done != it->epoch || run->partial_batches != it->pos)
        die("--resume: %s: the history has %d epochs and %d batches but the batch iterator is at epoch %d, batch %d",
            ck.model_path, run->epochs_done, run->partial_batches, it->epoch, it->pos);
    run->steps = ck.step;
    checkpoint_close(&ck);
}

// ---- training --------------------------------------------------------------------------------

static void print_samples(const Seq2SeqRun *run, const Seq2SeqModel *m, const Seq2SeqData *d) {
    const Dataset *ds = &d->ids[SPLIT_VAL];
    int n = run->n_samples < ds->n ? run->n_samples : ds->n;
    if (n <= 0 || !run->nr || run->nr->quiet) return;
    int idx[16], hyp_len[16];
    n = n > 16 ? 16 : n;
    for (int k = 0; k < n; k++) idx[k] = (int)((long)k * ds->n / n);
    int *hyp = xmalloc(sizeof(int) * (size_t)n * (size_t)run->max_len);
    seq2seq_translate_pairs(m, ds, idx, n, n, run->max_len, hyp, hyp_len);
    for (int k = 0; k < n; k++) {
        char src[512], out[512], ref[512];
        seq2seq_join(&d->text[SPLIT_VAL], CORPUS_SRC, idx[k], src, sizeof src);
        seq2seq_join(&d->text[SPLIT_VAL], CORPUS_TGT, idx[k], ref, sizeof ref);
        vocab_decode(&d->tgt_vocab, hyp + (size_t)k * run->max_len, hyp_len[k], out, sizeof out);
        narrate_text(run->nr, "     %-34s -> %-30s (reference: %s)", src, out, ref);
    }
    free(hyp);
}

double seq2seq_seconds_per_epoch(const Seq2SeqRun *run) {
    return run->batches_this_run > 0 ? run->seconds * run->batches_per_epoch / (double)run->batches_this_run : NAN;
}

double seq2seq_seconds_per_batch(const Seq2SeqRun *run) {
    return run->batches_this_run > 0 ? run->seconds / (double)run->batches_this_run : NAN;
}

int seq2seq_train(Seq2SeqRun *run, Seq2SeqModel *m, const Seq2SeqData *d) {
    const Seq2SeqTrainConfig *tc = &run->tc;
    run->diverged_step = -1;
    run->diverged_what[0] = '\0';
    run->epochs_done = run->best_epoch = run->epochs_this_run = 0;
    run->batches_this_run = 0;
    run->best_val = INFINITY;
    run->steps = 0;
    run->seconds = 0.0;
    run->interrupted = 0;
    run->partial_sum = 0.0;
    run->partial_batches = 0;
    if (tc->epochs > SEQ2SEQ_MAX_EPOCHS) die("--epochs %d: at most %d", tc->epochs, SEQ2SEQ_MAX_EPOCHS);
    Rng rng;   // the run's own stream: dropout masks and teacher-forcing draws
    rng_seed(&rng, tc->seed ^ 0x7eac4e7f0c1e5ull);
    Adam adam = adam_create(&m->P, tc->lr);
    BatchIter it;
    batch_iter_init(&it, &d->ids[SPLIT_TRAIN], &(BatchOptions){.batch_size = tc->batch, .shuffle = 1,
                                                               .bucket = tc->bucket, .seed = tc->seed ^ 0xba7c4ull});
    if (run->ckpt) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s", run->ckpt);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            make_dirs_or_die(dir);
        }
    }
    run->batches_per_epoch = it.n_batches;
    if (run->resume) resume_from(run, m, &adam, &it, &rng);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(m, tc->batch, d->max_src, d->max_tgt), &rng);
    Batch b;
    batch_init(&b);
    int ok = 1;
    long updates_here = 0;
    if (run->ckpt) interrupt_install();   // Ctrl-C: finish the update, save, say how to resume
    for (int epoch = run->epochs_done; epoch < tc->epochs && ok; epoch++) {
        double t0 = now_s(), sum = run->partial_sum;   // a resumed epoch goes on where it stopped
        int done = run->partial_batches, resumed_at = done;
        run->partial_sum = 0.0, run->partial_batches = 0;
        Progress pr;
        char label[64];
        snprintf(label, sizeof label, "epoch %d/%d", epoch + 1, tc->epochs);
        progress_start(&pr, label, it.n_batches, run->quiet || !run->nr);
        progress_skip(&pr, done);   // a resumed epoch: its ETA counts only this process's batches
        tp.training = 1;
        while (batch_iter_next(&it, &b)) {
            tape_reset(&tp);
            params_zero_grad(&m->P);
            Tensor *loss = seq2seq_loss(&tp, m, b.src, b.src_len, b.S, b.tgt, b.T, b.B, tc->teacher_forcing, &rng);
            const char *bad = NULL;
            int in_grad = 0;
            if (!isfinite(loss->data[0])) {
                snprintf(run->diverged_what, sizeof run->diverged_what, "the loss is %s",
                         isnan(loss->data[0]) ? "NaN" : "infinite");
                ok = 0;
            } else {
                tape_backward(&tp, loss);
                if (!params_all_finite(&m->P, &bad, &in_grad)) {
                    snprintf(run->diverged_what, sizeof run->diverged_what, "the %s of %s is not finite",
                             in_grad ? "gradient" : "value", bad);
                    ok = 0;
                }
            }
            if (!ok) {
                run->diverged_step = run->steps + 1;
                size_t len = strlen(run->diverged_what);
                snprintf(run->diverged_what + len, sizeof run->diverged_what - len,
                         " (epoch %d, batch %d); HINT: lower --lr, clip harder (--clip), or check the data",
                         epoch + 1, done + 1);
                break;
            }
            clip_grad_norm(&m->P, tc->clip);
            adam_step(&adam);
            run->steps++;
            sum += loss->data[0];
            done++;
            progress_update(&pr, done, loss->data[0]);
            updates_here++;
            int sig = run->ckpt ? interrupt_requested() : 0;
            if (sig || (run->stop_after > 0 && updates_here >= run->stop_after)) {
                run->interrupted = sig ? sig : -1;
                run->partial_sum = sum, run->partial_batches = done;
                ok = 0;
                break;
            }
        }
        progress_end(&pr);
        if (run->interrupted && run->ckpt) {
            interrupt_hold();   // a second Ctrl-C waits for the save to finish
            save_checkpoints(run, m, d, &adam, &it, &rng, 0);
            interrupt_release();
            char path[4200];
            snprintf(path, sizeof path, "%s.safetensors", run->ckpt);
            if (run->interrupted > 0) interrupt_report(path, run->resume_hint);
        }
        if (!ok) break;
        run->train_loss[epoch] = sum / done;
        run->val_loss[epoch] = seq2seq_dataset_loss(m, &d->ids[SPLIT_VAL], tc->batch, 0.0f);
        run->epochs_done = epoch + 1;
        int new_best = run->val_loss[epoch] < run->best_val;
        if (new_best) run->best_val = run->val_loss[epoch], run->best_epoch = epoch + 1;
        if (run->ckpt) {
            interrupt_hold();
            save_checkpoints(run, m, d, &adam, &it, &rng, new_best);
            interrupt_release();
        }
        double dt = now_s() - t0;
        run->seconds += dt;
        run->epochs_this_run++;
        run->batches_this_run += done - resumed_at;
        if (run->nr)
            narrate_result(run->nr, "epoch %2d  train loss %.3f (PPL %7.2f)  val loss %.3f (PPL %7.2f)%s  %.0f s",
                           epoch + 1, run->train_loss[epoch], perplexity(run->train_loss[epoch]), run->val_loss[epoch],
                           perplexity(run->val_loss[epoch]), new_best ? " *" : "  ", dt);
        print_samples(run, m, d);
    }
    if (run->ckpt) interrupt_reset();
    batch_free(&b);
    tape_free(&tp);
    batch_iter_free(&it);
    adam_free(&adam);
    return ok;
}
