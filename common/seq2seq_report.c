// seq2seq_report.c: see seq2seq_report.h. Introduced in chapter 04.
#include "seq2seq_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "util.h"

#define BY_LENGTH_HEADER "model,lo,hi,n,exact_match,bleu"

int seq2seq_write_by_length(const char *path, const char *model, const Seq2SeqEval *ev, char *err, size_t errlen) {
    if (strchr(model, ',') || strchr(model, '\n'))
        return snprintf(err, errlen, "%s: the model name '%s' holds a comma or a newline", path, model), 0;
    AtomicFile f;
    if (!atomic_open(&f, path, err, errlen)) return 0;
    fprintf(f.fp, "%s\n", BY_LENGTH_HEADER);
    for (int k = 0; k < ev->n_buckets; k++) {
        fprintf(f.fp, "%s,%d,%d,%d,%.4f,", model, ev->bucket_lo[k], ev->bucket_hi[k], ev->bucket_n[k],
                100.0 * ev->bucket_accuracy[k]);
        if (isnan(ev->bucket_bleu[k])) fprintf(f.fp, "nan\n");
        else fprintf(f.fp, "%.4f\n", 100.0 * ev->bucket_bleu[k]);
    }
    return atomic_commit(&f, err, errlen);
}

void seq2seq_by_length_path(char *path, size_t len, const char *dir, const char *task) {
    char name[64];
    snprintf(name, sizeof name, "%.40s_by_length.csv", task);
    path_join(path, len, dir, name);
}

void seq2seq_save_by_length(const char *dir, const char *task, const char *model, const Seq2SeqEval *ev,
                            char *path, size_t len) {
    char err[1200];
    seq2seq_by_length_path(path, len, dir, task);
    if (!seq2seq_write_by_length(path, model, ev, err, sizeof err)) die("%s", err);
}

int seq2seq_read_by_length(const char *path, Seq2SeqByLength *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "r");
    if (!fp) return snprintf(err, errlen, "%s: %s", path, strerror(errno)), 0;
    char line[512];
    int ok = fgets(line, sizeof line, fp) && strcmp(line, BY_LENGTH_HEADER "\n") == 0;
    if (!ok) snprintf(err, errlen, "%s: line 1 is not the header '%s'", path, BY_LENGTH_HEADER);
    int lineno = 1;
    while (ok && fgets(line, sizeof line, fp)) {
        lineno++;
        int k = out->n_buckets;
        char model[64], bleu[32];
        int used = 0;
        if (k >= SEQ2SEQ_MAX_BUCKETS) {
            snprintf(err, errlen, "%s: more than %d buckets", path, SEQ2SEQ_MAX_BUCKETS);
            ok = 0;
        } else if (sscanf(line, "%63[^,],%d,%d,%d,%lf,%31[^\n]%n", model, &out->lo[k], &out->hi[k], &out->n[k],
                          &out->exact_match[k], bleu, &used) != 6 ||
                   line[used] != '\n' || out->lo[k] > out->hi[k] || out->n[k] < 0 ||
                   (k > 0 && strcmp(model, out->model) != 0)) {
            snprintf(err, errlen, "%s: line %d is not 'model,lo,hi,n,exact_match,bleu'", path, lineno);
            ok = 0;
        } else {
            char *end;
            out->bleu[k] = strcmp(bleu, "nan") == 0 ? NAN : strtod(bleu, &end);
            if (strcmp(bleu, "nan") != 0 && *end != '\0') {
                snprintf(err, errlen, "%s: line %d: bleu '%s' is not a number", path, lineno, bleu);
                ok = 0;
            }
            snprintf(out->model, sizeof out->model, "%s", model);
            out->n_buckets++;
        }
    }
    if (ok && out->n_buckets == 0) {
        snprintf(err, errlen, "%s: no buckets after the header", path);
        ok = 0;
    }
    fclose(fp);
    return ok;
}

void seq2seq_by_length_summary(const Seq2SeqByLength *r, const char *unit, char *buf, size_t len) {
    int zero_from = r->n_buckets;   // the first bucket of the trailing run of 0% (or empty) ones
    while (zero_from > 0 && (r->n[zero_from - 1] == 0 || r->exact_match[zero_from - 1] == 0.0)) zero_from--;
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0, listed = 0; k < zero_from && used < len; k++) {
        if (r->n[k] == 0) continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%.1f%% at %d-%d%s%s", listed ? ", " : "",
                                 r->exact_match[k], r->lo[k], r->hi[k], listed ? "" : " ", listed ? "" : unit);
        listed++;
    }
    int any_zero = 0;
    for (int k = zero_from; k < r->n_buckets; k++) any_zero |= r->n[k] > 0;
    if (any_zero && used == 0) snprintf(buf, len, "0%% at every length");
    else if (any_zero && used < len) snprintf(buf + used, len - used, ", 0%% from %d on", r->lo[zero_from]);
}
