// bienc_lesson.c: see bienc_lesson.h. Chapter 06 (bidirectional encoders).
#include "bienc_lesson.h"

#include <math.h>
#include <string.h>

#include "util.h"
#include "vocab.h"

static double max_abs_diff(const float *a, const float *b, int n) {
    double d = 0.0;
    for (int i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return d;
}

void bienc_trap_distances(const BiencSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                          BiencTrapRow *rows) {
    if (!m->bidirectional) die("bienc_trap_distances: the model has no backward direction");
    int H = m->base.cfg.hidden;
    // The same parameters, the backward direction switched: a shallow copy of the model.
    BiencSeq2Seq right = *m, naive = *m;
    right.enc_bi.naive_reverse = 0;
    naive.enc_bi.naive_reverse = 1;
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(&m->base, B, S, 1), NULL);
    tp.training = 0, tp.no_grad = 1;   // dropout off, nothing recorded
    BiencEncoding r, w;
    bienc_encode(&tp, &right, src, src_len, S, B, &r);
    bienc_encode(&tp, &naive, src, src_len, S, B, &w);
    for (int b = 0; b < B; b++) {
        BiencTrapRow *row = &rows[b];
        memset(row, 0, sizeof *row);
        row->len = src_len[b];
        row->pad = S - src_len[b];
        for (int t = 0; t < src_len[b]; t++) {   // (S, B, 2H): [forward | backward]
            const float *ro = r.out->data + ((size_t)t * B + b) * 2 * H;
            const float *wo = w.out->data + ((size_t)t * B + b) * 2 * H;
            row->out_fwd = fmax(row->out_fwd, max_abs_diff(wo, ro, H));
            row->out_bwd = fmax(row->out_bwd, max_abs_diff(wo + H, ro + H, H));
        }
        row->h_bwd = max_abs_diff(w.h_bwd->data + (size_t)b * H, r.h_bwd->data + (size_t)b * H, H);
        row->z = max_abs_diff(w.z->data + (size_t)b * H, r.z->data + (size_t)b * H, H);
    }
    tape_free(&tp);
}

void bienc_position_accuracy(const Seq2SeqEval *ev, const Dataset *ds, int max_pos, double *acc, int *n) {
    for (int p = 0; p < max_pos; p++) acc[p] = 0.0, n[p] = 0;
    for (int i = 0; i < ev->n; i++) {
        const int *ref = ds->tgt_ids + ds->tgt_off[i] + 1;   // the words after <sos>
        int words = dataset_tgt_len(ds, i) - 2;              // without <sos> and <eos>
        const int *hyp = ev->hyp + (size_t)i * ev->max_len;
        for (int p = 0; p < words && p < max_pos; p++) {
            n[p]++;
            acc[p] += p < ev->hyp_len[i] && hyp[p] == ref[p];
        }
    }
    for (int p = 0; p < max_pos; p++) acc[p] = n[p] ? acc[p] / n[p] : NAN;
}

int bienc_encoder_states(const BiencSeq2Seq *m, const Dataset *ds, int index, float *states) {
    if (!m->bidirectional) die("bienc_encoder_states: the model has no backward direction");
    int H = m->base.cfg.hidden, len = dataset_src_len(ds, index);
    const int *src = ds->src_ids + ds->src_off[index];   // (len, 1): one sentence, time-major
    Tape tp;
    tape_init(&tp, seq2seq_tape_bytes(&m->base, 1, len, 1), NULL);
    tp.training = 0, tp.no_grad = 1;   // dropout off, nothing recorded
    BiencEncoding e;
    bienc_encode(&tp, m, src, &len, len, 1, &e);
    for (int t = 0; t < len; t++)   // out (len, 1, 2H) -> states (2H, len)
        for (int j = 0; j < 2 * H; j++) states[(size_t)j * len + t] = e.out->data[(size_t)t * 2 * H + j];
    tape_free(&tp);
    return len;
}
