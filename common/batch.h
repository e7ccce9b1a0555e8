// batch.h: a corpus as ids, and mini-batches of it: padded, time-major, shuffled, bucketed.
// Introduced in issue 6 (data pipeline).
//
//     Dataset data;  dataset_encode(&data, &train, &de, &en, /*reverse_src=*/0);
//     BatchIter it;  batch_iter_init(&it, &data, &(BatchOptions){.batch_size = 128,
//                                    .shuffle = 1, .bucket = 100, .seed = 1});
//     Batch b;       batch_init(&b);
//     for (int epoch = 0; epoch < 10; epoch++)
//         while (batch_iter_next(&it, &b)) {
//             // b.src (S, B) and b.tgt (T, B): element [t][b] at t*B + b, <pad> (1) after the end
//         }
//
// Time-major means one row per time step, so step t of every sequence in the batch is the
// B ints at src + t*B: exactly what op_embedding needs for the input at time t. Each sequence
// is <sos> w1 .. wn <eos> (see vocab_encode), so S = 2 + the longest source in the batch.
//
// An epoch: the pairs in a fresh random order (shuffle), each chunk of `bucket` x batch_size
// of them sorted by length so a batch holds sentences of similar length (less padding), cut
// into batches, and the full batches put in a random order (the one smaller batch, if any,
// comes last). Everything random comes from the iterator's own Rng, so a seed fixes every
// epoch, and (epoch, position, order, Rng) is the whole state: the checkpoint saves it and a
// resumed run sees exactly the batches it would have seen.
#ifndef UNROLLED_BATCH_H
#define UNROLLED_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "rng.h"
#include "vocab.h"

// Ids are int (32 bits here: checked at compile time in batch.c), so they go straight into
// op_embedding and op_cross_entropy.
typedef struct Dataset {
    int n;              // pairs
    int *src_ids;       // every source sequence, <sos> .. <eos>, back to back
    int *tgt_ids;
    size_t *src_off;    // (n + 1) pair i's source is src_ids[src_off[i] .. src_off[i+1])
    size_t *tgt_off;
} Dataset;

void dataset_encode(Dataset *d, const Corpus *c, const Vocab *src_vocab, const Vocab *tgt_vocab,
                    int reverse_src);
void dataset_free(Dataset *d);
static inline int dataset_src_len(const Dataset *d, int i) { return (int)(d->src_off[i + 1] - d->src_off[i]); }
static inline int dataset_tgt_len(const Dataset *d, int i) { return (int)(d->tgt_off[i + 1] - d->tgt_off[i]); }

typedef struct Batch {
    int B;              // sequences in this batch
    int S, T;           // padded source and target lengths, <sos> and <eos> included
    int *src;           // (S, B) ids, VOCAB_PAD after each sequence's end
    int *tgt;           // (T, B)
    float *src_mask;    // (S, B) 1 for a real token, 0 for padding
    float *tgt_mask;    // (T, B)
    int *src_len;       // (B) real length of each source, <sos> and <eos> included
    int *tgt_len;       // (B)
    int *index;         // (B) which dataset pair each column is
    size_t cap_src, cap_tgt, cap_b;   // allocated elements (the buffers are reused)
} Batch;

void batch_init(Batch *b);
void batch_free(Batch *b);
// Fill b with the pairs indices[0..B).
void batch_make(Batch *b, const Dataset *d, const int *indices, int B);

typedef struct BatchOptions {
    int batch_size;     // B (the last batch of an epoch may be smaller)
    int shuffle;        // 1: a new random order every epoch; 0: dataset order
    int bucket;         // > 0: sort chunks of bucket * batch_size pairs by length; 0: off
    uint64_t seed;      // seeds the iterator's Rng
} BatchOptions;

typedef struct BatchIter {
    const Dataset *data;
    BatchOptions opt;
    Rng rng;            // state after drawing this epoch's order
    int epoch;          // 0-based number of the current epoch
    int pos;            // the next batch of this epoch
    int n_batches;      // batches per epoch: ceil(n / B)
    int *order;         // (n) this epoch's pairs in visiting order: batch k is order[k*B ..]
} BatchIter;

void batch_iter_init(BatchIter *it, const Dataset *d, const BatchOptions *opt);
void batch_iter_free(BatchIter *it);
// The next batch of the epoch into b: 1. At the end of an epoch returns 0 (b untouched) and
// moves to the next epoch, so `while (batch_iter_next(&it, &b))` is one epoch.
int batch_iter_next(BatchIter *it, Batch *b);
// Put the iterator into a saved state (checkpoint.c uses this). Checks that order is a
// permutation of the dataset and pos is in range; returns 0 with the reason in err otherwise.
int batch_iter_restore(BatchIter *it, int epoch, int pos, const int *order, int n, const Rng *rng,
                       char *err, size_t errlen);

#endif
