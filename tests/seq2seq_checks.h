// seq2seq_checks.h: the checks every Seq2Seq chapter (04-07) runs on its model, written once.
// Each chapter's test file calls them with its own model (a Seq2SeqBuilder and its name).
//
//   s2s_check_one_step      one training step (loss, every gradient, the clipped norm, the
//                           parameters after Adam) equals a PyTorch fixture of the same model
//   s2s_check_round_trip    train, save, load: the same weights, the same greedy translations
//                           from ids and from typed text, <unk> for an unknown word, the
//                           chapter's --load --translate prints them, and load errors are one line
//   s2s_check_resume_exact  N epochs in one run == k epochs (or 7 updates, as a Ctrl-C) + resume
#ifndef UNROLLED_SEQ2SEQ_CHECKS_H
#define UNROLLED_SEQ2SEQ_CHECKS_H

#include "seq2seq_data.h"
#include "seq2seq_model.h"
#include "seq2seq_train.h"

// fixture: tests/fixtures/X.bin, written by tests/ref/gen_fixtures*.py; prefix: "s2s", "cho", ...
// m must have the fixture's sizes; its weights are overwritten with the fixture's.
// Tolerances 1e-5 relative, 1e-6 absolute.
void s2s_check_one_step_at(const char *fixture, const char *prefix, Seq2SeqModel *m, const char *file, int line);
#define s2s_check_one_step(fixture, prefix, m) s2s_check_one_step_at((fixture), (prefix), (m), __FILE__, __LINE__)

// The dates task, reversed or not, with the first train_pairs / eval_pairs pairs.
void s2s_load_dates(Seq2SeqData *d, int reverse, int train_pairs, int eval_pairs);
// A model for d with r's settings and weights from seed.
Seq2SeqModel *s2s_new_model(Seq2SeqBuilder build, const Seq2SeqRecipe *r, const Seq2SeqData *d, uint64_t seed);

typedef struct S2SModelUnderTest {
    const char *name;        // the model's name in checkpoints ("seq2seq_lstm", ...)
    Seq2SeqBuilder build;
    const char *program;     // the chapter's binary in bin/ ("04_seq2seq_lstm"), for --load --translate
    Seq2SeqRecipe recipe;    // a tiny recipe (a second or two per epoch; dropout on, so the Rng matters)
    int reverse;             // the model reads the source backwards (chapter 04) or not
} S2SModelUnderTest;

void s2s_check_round_trip(const S2SModelUnderTest *t);
// interrupt = 0: stop after epoch 1; 1: stop after update 7 of epoch 1, as Ctrl-C would.
void s2s_check_resume_exact(const S2SModelUnderTest *t, int interrupt);

#endif
