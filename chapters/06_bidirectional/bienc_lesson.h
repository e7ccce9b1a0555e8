// bienc_lesson.h: the measurements behind chapter 06's cells, apart from the driver so the
// tests can call them: the padding trap sentence by sentence, accuracy by output position, and
// the encoder states of one sentence as a (units x source positions) matrix.
#ifndef UNROLLED_CH06_BIENC_LESSON_H
#define UNROLLED_CH06_BIENC_LESSON_H

#include "bienc_seq2seq.h"
#include "seq2seq_data.h"
#include "seq2seq_train.h"

// ---- the padding trap --------------------------------------------------------------------------
// One sentence of a padded batch, run through the encoder twice: right (each backward pass
// starts at its own last real token) and naively (the backward pass starts at S - 1, on padding).
typedef struct BiencTrapRow {
    int len;          // real ids, <sos> and <eos> included
    int pad;          // S - len: the <pad>s the naive backward pass reads before the sentence
    double out_fwd;   // max |naive - right| of the FORWARD half of the outputs at real tokens
    double out_bwd;   // the same for the BACKWARD half
    double h_bwd;     // max |naive - right| of the backward final state (top layer)
    double z;         // max |naive - right| of z = tanh(fc([h_fwd ; h_bwd]))
} BiencTrapRow;

// m must be bidirectional (its own naive_reverse is ignored: both runs are made). src (S, B),
// src_len (B); rows (B). Dropout off, nothing recorded.
void bienc_trap_distances(const BiencSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                          BiencTrapRow *rows);

// ---- accuracy by output position ---------------------------------------------------------------
// For each target position p = 0 .. max_pos-1 (the first word after <sos> is 0): the share of
// ev's sentences whose greedy word p equals the reference word p, over the sentences whose
// reference HAS a word p. acc (max_pos) gets NaN where no reference is that long; n (max_pos)
// the counts. ds is the split ev measured (its target ids are the references).
void bienc_position_accuracy(const Seq2SeqEval *ev, const Dataset *ds, int max_pos, double *acc, int *n);

// ---- a picture of the encoder ------------------------------------------------------------------
// The top layer's outputs for sentence `index` of ds, alone (B = 1, dropout off), as a matrix
// states (2H, len) row-major: rows 0 .. H-1 the forward units, H .. 2H-1 the backward units,
// one column per source id (<sos> .. <eos>), in the order the encoder reads them. states must
// hold 2H * len floats; returns len.
int bienc_encoder_states(const BiencSeq2Seq *m, const Dataset *ds, int index, float *states);

#endif
