// alignment.c: see alignment.h. Introduced in chapter 07.
#include "alignment.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq2seq_io.h"
#include "tokenizer.h"
#include "util.h"
#include "vocab.h"

// ---- tracing a test set -------------------------------------------------------------------------

void attn07_trace_pairs(AttnTraces *tr, const Bahdanau *m, const Dataset *ds, int n, int batch, int max_len) {
    memset(tr, 0, sizeof *tr);
    tr->n = n, tr->max_len = max_len;
    tr->hyp = xmalloc(sizeof(int) * (size_t)n * (size_t)max_len);
    tr->hyp_len = xmalloc(sizeof(int) * (size_t)n);
    tr->src_len = xmalloc(sizeof(int) * (size_t)n);
    tr->steps = xmalloc(sizeof(int) * (size_t)n);
    tr->batch_S = xmalloc(sizeof(int) * (size_t)n);
    tr->pad_weight = xcalloc((size_t)n, sizeof(double));
    tr->alpha = xcalloc((size_t)n, sizeof(float *));
    int S_max = 2;
    for (int i = 0; i < n; i++)
        if (dataset_src_len(ds, i) > S_max) S_max = dataset_src_len(ds, i);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(&m->base, batch, S_max, max_len + 1), NULL);
    Batch b;
    batch_init(&b);
    int *idx = xmalloc(sizeof(int) * (size_t)batch);
    int *out = xmalloc(sizeof(int) * (size_t)max_len * (size_t)batch);                 // (max_len, B)
    int *out_len = xmalloc(sizeof(int) * (size_t)batch);                               // (B)
    float *alpha = xmalloc(sizeof(float) * (size_t)max_len * (size_t)batch * (size_t)S_max);   // (max_len, B, S)
    for (int start = 0; start < n; start += batch) {
        int B = n - start < batch ? n - start : batch;
        for (int k = 0; k < B; k++) idx[k] = start + k;
        batch_make(&b, ds, idx, B);
        tape_reset(&tp);
        BahdanauTrace trace = {.alpha = alpha, .max_steps = max_len, .B = B, .S = b.S};
        bahdanau_greedy_traced(&tp, m, b.src, b.src_len, b.S, B, max_len, out, out_len, &trace);
        for (int k = 0; k < B; k++) {
            int i = start + k, S_i = b.src_len[k];
            for (int t = 0; t < max_len; t++) tr->hyp[(size_t)i * max_len + t] = out[(size_t)t * B + k];
            tr->hyp_len[i] = out_len[k];
            tr->src_len[i] = S_i;
            tr->batch_S[i] = b.S;
            // its steps: the words, then the one that said <eos> (if it did before max_len)
            int steps = out_len[k] < max_len ? out_len[k] + 1 : max_len;
            if (steps > trace.steps) steps = trace.steps;
            tr->steps[i] = steps;
            tr->alpha[i] = xcalloc((size_t)max_len * (size_t)b.S, sizeof(float));
            for (int t = 0; t < steps; t++) {
                const float *row = alpha + ((size_t)t * B + k) * b.S;
                memcpy(tr->alpha[i] + (size_t)t * b.S, row, sizeof(float) * (size_t)b.S);
                for (int s = S_i; s < b.S; s++) tr->pad_weight[i] += row[s];
            }
        }
    }
    free(alpha);
    free(out);
    free(out_len);
    free(idx);
    batch_free(&b);
    tape_free(&tp);
}

void attn07_traces_free(AttnTraces *tr) {
    for (int i = 0; i < tr->n; i++) free(tr->alpha[i]);
    free(tr->alpha);
    free(tr->hyp);
    free(tr->hyp_len);
    free(tr->src_len);
    free(tr->steps);
    free(tr->batch_S);
    free(tr->pad_weight);
    memset(tr, 0, sizeof *tr);
}

double attn07_mean_pad_weight(const AttnTraces *tr, long *rows) {
    double sum = 0.0;
    long count = 0;
    for (int i = 0; i < tr->n; i++) {
        if (tr->batch_S[i] == tr->src_len[i]) continue;   // the longest of its batch: no padding
        sum += tr->pad_weight[i];
        count += tr->steps[i];
    }
    if (rows) *rows = count;
    return count ? sum / (double)count : 0.0;
}

// ---- where the year, the month and the day are ----------------------------------------------

static int is_number(const char *t) { return isdigit((unsigned char)t[0]); }

static int is_month_name(const char *t) {
    static const char *const names[] = {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        "januar", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember", "mär", "okt", "dez", NULL};
    for (int k = 0; names[k]; k++)
        if (strcmp(t, names[k]) == 0) return 1;
    return 0;
}

void attn07_date_positions(const char *const *tok, int n, int pos[3]) {
    pos[0] = pos[1] = pos[2] = -1;
    if (n < 1) return;
    pos[0] = n - 1;   // every format writes the year last
    for (int k = 0; k < n - 1; k++)
        if (is_month_name(tok[k])) pos[1] = k;
    if (pos[1] >= 0) {   // a named month: the day is the other number
        for (int k = 0; k < n - 1 && pos[2] < 0; k++)
            if (is_number(tok[k])) pos[2] = k;
        return;
    }
    int num[3], m = 0, slash = 0;   // all numbers: "03 / 04 / 98" or "04 . 03 . 98"
    for (int k = 0; k < n - 1; k++) {
        if (is_number(tok[k]) && m < 3) num[m++] = k;
        slash |= strcmp(tok[k], "/") == 0;
    }
    if (m != 2) return;
    pos[1] = slash ? num[0] : num[1];
    pos[2] = slash ? num[1] : num[0];
}

void attn07_measure_dates(DateAlignment *al, const AttnTraces *tr, const Corpus *text, int reverse) {
    memset(al, 0, sizeof *al);
    const char *tok[64];
    for (int i = 0; i < tr->n; i++) {
        int n = corpus_len(text, CORPUS_SRC, i);
        if (n > 64 || tr->steps[i] < 5 || n + 2 != tr->src_len[i]) continue;
        for (int k = 0; k < n; k++) tok[k] = corpus_token(text, CORPUS_SRC, i, k);
        int pos[3];
        attn07_date_positions(tok, n, pos);
        if (pos[0] < 0 || pos[1] < 0 || pos[2] < 0) continue;
        int S_i = tr->src_len[i];
        for (int f = 0; f < 3; f++) {
            int j = reverse ? n - pos[f] : pos[f] + 1;   // the id position the encoder read it at
            const float *row = tr->alpha[i] + (size_t)(2 * f) * tr->batch_S[i];   // steps 0, 2, 4: year, month, day
            int best = 0;
            for (int s = 1; s < tr->batch_S[i]; s++)   // padding included: a no-mask model may look there
                if (row[s] > row[best]) best = s;
            al->weight[f] += row[j];
            al->argmax_hit[f] += best == j;
            al->weight_neighbour[f] += row[j] + row[j - 1] + (j + 1 < S_i ? row[j + 1] : 0.0f);
        }
        al->uniform += 1.0 / S_i;
        al->n++;
    }
    for (int f = 0; f < 3 && al->n; f++) {
        al->weight[f] /= al->n;
        al->argmax_hit[f] /= al->n;
        al->weight_neighbour[f] /= al->n;
    }
    if (al->n) al->uniform /= al->n;
}

// ---- maps -----------------------------------------------------------------------------------

static char **labels_new(int n) { return xcalloc((size_t)n, sizeof(char *)); }

static char *xstrdup07(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

// rows: the output words, then <eos> if the decoder said it within its steps
static void fill_rows(AttnMap *map, const int *hyp, int hyp_len, int steps, const Vocab *tgt_vocab) {
    map->rows = steps;
    map->row_labels = labels_new(steps);
    for (int t = 0; t < steps; t++) map->row_labels[t] = xstrdup07(t < hyp_len ? vocab_token(tgt_vocab, hyp[t]) : "<eos>");
}

void attn07_map_from_trace(AttnMap *map, const AttnTraces *tr, int i, const Dataset *ds, const Vocab *src_vocab,
                           const Vocab *tgt_vocab, int include_padding) {
    memset(map, 0, sizeof *map);
    int S_i = tr->src_len[i], cols = include_padding ? tr->batch_S[i] : S_i;
    fill_rows(map, tr->hyp + (size_t)i * tr->max_len, tr->hyp_len[i], tr->steps[i], tgt_vocab);
    map->cols = cols;
    map->col_labels = labels_new(cols);
    const int *src = ds->src_ids + ds->src_off[i];
    for (int s = 0; s < cols; s++) map->col_labels[s] = xstrdup07(s < S_i ? vocab_token(src_vocab, src[s]) : "<pad>");
    map->values = xcalloc((size_t)map->rows * (size_t)cols, sizeof(float));
    for (int t = 0; t < map->rows; t++)
        memcpy(map->values + (size_t)t * cols, tr->alpha[i] + (size_t)t * tr->batch_S[i], sizeof(float) * (size_t)cols);
}

void attn07_map_free(AttnMap *map) {
    for (int t = 0; t < map->rows && map->row_labels; t++) free(map->row_labels[t]);
    for (int s = 0; s < map->cols && map->col_labels; s++) free(map->col_labels[s]);
    free(map->row_labels);
    free(map->col_labels);
    free(map->values);
    memset(map, 0, sizeof *map);
}

void attn07_map_options(HeatmapOptions *o, const AttnMap *map) {
    heatmap_options_init(o);
    o->title = map->title;
    o->x_label = "source, as the encoder reads it";
    o->y_label = "output, step by step";
    o->cell_px = map->cols > 16 ? 0 : 56;   // room for the token labels; long sentences fit themselves
    o->value_label = "attention weight";
    o->row_labels = (const char *const *)map->row_labels;
    o->col_labels = (const char *const *)map->col_labels;
    o->vmin = 0.0, o->vmax = 1.0;   // weights: the same scale on every map
}

int attn07_map_from_text(AttnMap *map, const Seq2SeqLoaded *s, const char *text, int max_len, char *output,
                         size_t output_len, char *err, size_t errlen) {
    memset(map, 0, sizeof *map);
    Tokens toks;
    tokens_init(&toks);
    char why[256];
    if (tokenize(&toks, text, strlen(text), s->mode, why, sizeof why) < 0) {
        snprintf(err, errlen, "--translate: %s", why);
        tokens_free(&toks);
        return 0;
    }
    if (toks.n == 0) {
        snprintf(err, errlen, "--translate: the sentence has no words");
        tokens_free(&toks);
        return 0;
    }
    int S = toks.n + 2;
    int *src = xmalloc(sizeof(int) * (size_t)S);   // (S, 1)
    seq2seq_encode_tokens(&s->src_vocab, &toks, s->reverse, src);
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(s->m, 1, S, max_len + 1), NULL);
    int *out = xmalloc(sizeof(int) * (size_t)max_len), out_len;
    float *alpha = xmalloc(sizeof(float) * (size_t)max_len * (size_t)S);   // (max_len, 1, S)
    BahdanauTrace trace = {.alpha = alpha, .max_steps = max_len, .B = 1, .S = S};
    bahdanau_greedy_traced(&tp, (const Bahdanau *)s->m, src, &S, S, 1, max_len, out, &out_len, &trace);
    vocab_decode(&s->tgt_vocab, out, out_len, output, output_len);
    int steps = out_len < max_len ? out_len + 1 : max_len;
    if (steps > trace.steps) steps = trace.steps;
    fill_rows(map, out, out_len, steps, &s->tgt_vocab);
    map->cols = S;
    map->col_labels = labels_new(S);
    for (int k = 0; k < S; k++) {
        // the word as typed where the vocabulary does not know it: "<unk>" says less
        int w = s->reverse ? toks.n - k : k - 1;   // word index of position k, or out of range for <sos>/<eos>
        const char *label = vocab_token(&s->src_vocab, src[k]);
        char buf[96];
        if (src[k] == VOCAB_UNK && w >= 0 && w < toks.n) {
            snprintf(buf, sizeof buf, "%.80s?", tokens_get(&toks, w));
            label = buf;
        }
        map->col_labels[k] = xstrdup07(label);
    }
    map->values = xmalloc(sizeof(float) * (size_t)steps * (size_t)S);
    memcpy(map->values, alpha, sizeof(float) * (size_t)steps * (size_t)S);
    snprintf(map->title, sizeof map->title, "\"%.100s\" -> \"%.100s\"", text, output);
    free(alpha);
    free(out);
    free(src);
    tape_free(&tp);
    tokens_free(&toks);
    return 1;
}
