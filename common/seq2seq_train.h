// seq2seq_train.h: training any Seq2SeqModel (seq2seq_model.h) on a translation task (seq2seq_data.h),
// checkpointing and resuming it exactly, and measuring it (loss, perplexity, greedy
// translations, exact match, BLEU, and both against the source length). Introduced in chapter 04;
// chapters 05-07 train their models with it.
//
// One training step is bentrevett's train_fn:
//     params_zero_grad; loss = seq2seq_loss(batch, teacher forcing); backward;
//     (stop if the loss or a gradient is NaN/Inf); clip_grad_norm(clip); adam_step
// and one epoch is every training batch once (shuffled, BatchIter), then the validation loss
// with the decoder fed its own predictions (teacher forcing 0, as bentrevett's evaluate_fn),
// a checkpoint, and a few sample translations.
//
// Checkpoints (common/checkpoint.h), with ckpt = NAME:
//     NAME.safetensors + NAME.train.safetensors   after every epoch: the model, Adam, the batch
//                                                 iterator, the run's Rng and the loss history,
//                                                 so --resume continues as if never stopped
//     NAME.best.safetensors                       the model with the best validation loss so far
#ifndef UNROLLED_SEQ2SEQ_TRAIN_H
#define UNROLLED_SEQ2SEQ_TRAIN_H

#include <stdint.h>

#include "bleu.h"
#include "narrate.h"
#include "seq2seq_model.h"
#include "seq2seq_data.h"

#define SEQ2SEQ_MAX_EPOCHS 1000
#define SEQ2SEQ_MAX_BUCKETS 12

typedef struct Seq2SeqTrainConfig {
    float lr;                // Adam's learning rate (bentrevett: PyTorch's default 1e-3)
    float clip;              // clip_grad_norm's max_norm
    float teacher_forcing;   // probability of feeding the reference word at each step
    int batch;               // B
    int bucket;              // BatchOptions.bucket: 0 = plain shuffle (bentrevett's DataLoader)
    int epochs;              // train until this many epochs are done (a resumed run counts all)
    uint64_t seed;           // batch order, dropout masks, teacher-forcing draws
} Seq2SeqTrainConfig;

// A chapter's named settings for one run: the model, its training and how much data.
typedef struct Seq2SeqRecipe {
    Seq2SeqConfig model;        // vocabulary sizes left 0: they come from the data
    Seq2SeqTrainConfig train;
    int train_pairs, eval_pairs;   // 0: the whole split
} Seq2SeqRecipe;

typedef struct Seq2SeqRun {
    // what to run
    Seq2SeqTrainConfig tc;
    const char *config_json;  // the run's configuration, saved in checkpoints (a JSON object)
    const char *ckpt;         // NAME (see above), or NULL: no checkpoints
    int resume;               // 1: continue from NAME + NAME.train (config must match)
    Narrator *nr;             // one line per epoch and the samples; NULL: silent
    int quiet;                // no progress bar
    int n_samples;            // validation sentences translated after every epoch
    int max_len;              // greedy decoding stops after this many words
    long stop_after;          // > 0: stop after this many updates in this process, saving as on Ctrl-C
    const char *resume_hint;  // the command that resumes, printed when a run is interrupted
    // what happened
    int epochs_done;          // including those of a resumed run
    double train_loss[SEQ2SEQ_MAX_EPOCHS];   // mean over the epoch's batches
    double val_loss[SEQ2SEQ_MAX_EPOCHS];     // teacher forcing 0
    double best_val;
    int best_epoch;           // 1-based, 0 before the first
    long steps;               // Adam updates
    double seconds;           // wall time of the epochs run in this process
    int epochs_this_run;
    long batches_this_run;    // the batches of those epochs this process trained (a resumed
    int batches_per_epoch;    //   epoch counts only its own), and how many make a whole epoch
    long diverged_step;       // the update whose loss or gradient was not finite, or -1
    char diverged_what[256];  // what went bad, and the advice
    int interrupted;          // training stopped early and saved: SIGINT / SIGTERM, -1 for stop_after
    double partial_sum;       // the unfinished epoch: sum of its batch losses so far
    int partial_batches;      // and how many batches it has done (saved with the checkpoint)
} Seq2SeqRun;

// Train m (initialised, or loaded when resuming) on d. Returns 1, or 0 when training stopped
// at a NaN/Inf (see diverged_*) or was interrupted (see interrupted). Checkpoint and resume
// errors are fatal (one line).
//
// Ctrl-C (SIGINT) or SIGTERM, when there is a checkpoint NAME: the update in progress is
// finished, NAME + NAME.train are saved with the batch iterator in the middle of its epoch and
// the partial epoch's loss sum, and resume_hint is printed; --resume then continues with the
// next batch, exactly as if never stopped (common/interrupt.h). A second signal exits at once.
int seq2seq_train(Seq2SeqRun *run, Seq2SeqModel *m, const Seq2SeqData *d);

// Seconds per whole epoch (training + validation loss) as this process measured them: a
// resumed epoch's share scaled up to a whole one (seconds x batches_per_epoch / batches_this_run);
// NaN when this process trained nothing (every epoch came from the checkpoint).
double seq2seq_seconds_per_epoch(const Seq2SeqRun *run);
// The same per batch (seconds / batches_this_run); NaN likewise.
double seq2seq_seconds_per_batch(const Seq2SeqRun *run);

// Mean cross-entropy over the batches of ds in order (dropout off), feeding the decoder the
// reference words with probability teacher_forcing (0: its own predictions, 1: always the
// reference; nothing random in between is allowed here).
double seq2seq_dataset_loss(const Seq2SeqModel *m, const Dataset *ds, int batch, float teacher_forcing);

// Greedy translations of pairs idx[0..n) of ds: hyp (n, max_len) row-major by sentence,
// <pad> after the end; hyp_len (n).
void seq2seq_translate_pairs(const Seq2SeqModel *m, const Dataset *ds, const int *idx, int n, int batch,
                             int max_len, int *hyp, int *hyp_len);

typedef struct Seq2SeqEval {
    double loss;              // decoder fed its own predictions (bentrevett's evaluate_fn)
    double loss_tf;           // decoder fed the reference words (teacher forcing 1)
    double accuracy;          // greedy translation equal to the reference, word for word
    Bleu bleu;                // corpus BLEU of the greedy translations (strings, see bleu.h)
    int n, max_len;
    int *hyp;                 // (n, max_len) the greedy translations, <pad> after the end
    int *hyp_len;             // (n)
    char *correct;            // (n) 1 where the translation is exact
    // by source length in words (<sos> and <eos> not counted)
    int n_buckets;
    int bucket_lo[SEQ2SEQ_MAX_BUCKETS], bucket_hi[SEQ2SEQ_MAX_BUCKETS], bucket_n[SEQ2SEQ_MAX_BUCKETS];
    double bucket_accuracy[SEQ2SEQ_MAX_BUCKETS];
    double bucket_bleu[SEQ2SEQ_MAX_BUCKETS];   // NaN where no translation has 4 words
} Seq2SeqEval;

void seq2seq_evaluate(Seq2SeqEval *ev, const Seq2SeqModel *m, const Seq2SeqData *d, Split split, int batch,
                      int max_len);
void seq2seq_eval_free(Seq2SeqEval *ev);

// The tokens of sentence i of one side joined by spaces (in their written order), into buf.
char *seq2seq_join(const Corpus *c, CorpusSide side, int i, char *buf, size_t n);

#endif
