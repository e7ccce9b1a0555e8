// tiny_model.h: the smallest model with everything a checkpoint holds, for the checkpoint
// fuzzer (fuzz_checkpoint.c), its seed generator (make_seeds.c) and the bad-checkpoint cases
// of tests/check_bad_inputs.c. Introduced in issue 13 (hardening).
//
// Parameters, with PyTorch names and shapes:  enc.weight (3, 2)  enc.bias (3,)  out.weight (2, 3)
// Config:        TINY_CONFIG
// Vocabularies:  the four specials + "a" "b" (source), + "x" "y" (target)
// Training data: TINY_PAIRS sentence pairs, batches of 2, shuffled (the iterator's state).
#ifndef UNROLLED_TINY_MODEL_H
#define UNROLLED_TINY_MODEL_H

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "checkpoint.h"
#include "corpus.h"
#include "optim.h"
#include "params.h"
#include "rng.h"
#include "vocab.h"

#define TINY_CONFIG "{\"model\":\"tiny\",\"hidden\":3,\"layers\":[1]}"
#define TINY_PAIRS 5

// Everything a training run would hand to checkpoint_save / checkpoint_load_train.
typedef struct TinyRun {
    Params P;
    Adam adam;
    Corpus corpus;
    Vocab src_vocab, tgt_vocab;
    Dataset data;
    BatchIter iter;
    Rng rng;
} TinyRun;

// seed 0: every value 0 (to load into); otherwise values from the seed.
static inline void tiny_run_init(TinyRun *r, uint64_t seed) {
    params_init(&r->P);
    params_new(&r->P, 2, (int[]){3, 2}, "enc.weight");
    params_new(&r->P, 1, (int[]){3}, "enc.bias");
    params_new(&r->P, 2, (int[]){2, 3}, "out.weight");
    rng_seed(&r->rng, seed);
    for (int i = 0; i < r->P.n && seed; i++)
        for (int k = 0; k < r->P.list[i]->size; k++) r->P.list[i]->data[k] = rng_normal(&r->rng, 0.0f, 1.0f);
    r->adam = adam_create(&r->P, 0.01f);
    corpus_init(&r->corpus);
    static const char *const src[TINY_PAIRS] = {"a b", "b a", "a", "b b a", "a a"};
    static const char *const tgt[TINY_PAIRS] = {"x y", "y x", "x", "y y x", "x x"};
    char err[256];
    for (int i = 0; i < TINY_PAIRS; i++)
        if (!corpus_add_pair(&r->corpus, src[i], strlen(src[i]), tgt[i], strlen(tgt[i]), TOKENIZE_WORDS, 0, err,
                             sizeof err))
            abort();
    if (!vocab_build(&r->src_vocab, &r->corpus, CORPUS_SRC, 1, err, sizeof err) ||
        !vocab_build(&r->tgt_vocab, &r->corpus, CORPUS_TGT, 1, err, sizeof err))
        abort();
    dataset_encode(&r->data, &r->corpus, &r->src_vocab, &r->tgt_vocab, 0);
    batch_iter_init(&r->iter, &r->data, &(BatchOptions){.batch_size = 2, .shuffle = 1, .bucket = 0, .seed = 1});
}

static inline void tiny_run_free(TinyRun *r) {
    batch_iter_free(&r->iter);
    dataset_free(&r->data);
    vocab_free(&r->src_vocab);
    vocab_free(&r->tgt_vocab);
    corpus_free(&r->corpus);
    adam_free(&r->adam);
    params_free(&r->P);
}

static inline TrainState tiny_train_state(TinyRun *r) { return (TrainState){&r->adam, &r->iter, &r->rng}; }

// Save the run as NAME.safetensors (+ NAME.train.safetensors when with_train) with config.
static inline int tiny_save(TinyRun *r, const char *name, const char *config, int with_train, char *err,
                            size_t errlen) {
    CheckpointMeta meta = {.config = config, .src_vocab = &r->src_vocab, .tgt_vocab = &r->tgt_vocab,
                           .run_id = "tiny-run", .step = 7};
    TrainState ts = tiny_train_state(r);
    return checkpoint_save(name, &r->P, &meta, with_train ? &ts : NULL, err, errlen);
}

#endif
