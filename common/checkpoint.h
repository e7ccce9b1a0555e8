// checkpoint.h: save a model and its training state; load them back, checked.
// Introduced in issue 6 (data pipeline).
//
// A save writes two safetensors files (see safetensors.h), each atomically:
//   NAME.safetensors        the parameters, under their PyTorch state_dict names, as F32,
//                           and in __metadata__: "config" (the model's configuration, a JSON
//                           object as a string), "src_vocab" and "tgt_vocab" (JSON arrays of
//                           strings, as strings), "run_id", "step" and the caller's extras.
//                           Everything --load needs, and nothing else: it loads into PyTorch
//                           with load_state_dict(strict=True) (tests/ref/load_safetensors.py).
//   NAME.train.safetensors  the rest of the training state: Adam's m and v per parameter
//                           ("adam.m.<name>", "adam.v.<name>"), the batch iterator's order
//                           ("iter.order", I32) and in __metadata__ the Adam step, iterator
//                           epoch/position/options, both Rng states, the same run_id and step.
// The two files are a pair: loading the training state refuses a file whose run_id or step
// differs from the model file's (a save interrupted between the two renames).
//
//     // saving, e.g. every epoch
//     CheckpointMeta meta = {.config = "{\"model\":\"seq2seq\",\"hidden\":256}",
//                            .src_vocab = &de, .tgt_vocab = &en, .run_id = run_id, .step = step};
//     checkpoint_save_or_die("runs/04/model", &P, &meta, &(TrainState){&adam, &it, &rng});
//
//     // loading
//     Checkpoint ck;
//     checkpoint_open_or_die(&ck, "runs/04/model");          // vocabularies and config
//     checkpoint_check_config_or_die(&ck, my_config);         // refuses another model
//     checkpoint_load_params_or_die(&ck, &P);                 // every name, shape, dtype checked
//     checkpoint_load_train_or_die(&ck, &P, &(TrainState){&adam, &it, &rng});  // to resume
//     checkpoint_close(&ck);
//
// Every function has a variant returning 0 with a one-line reason in err (for tests and the
// fuzzer) and an _or_die one. Nothing is changed unless everything checks out.
#ifndef UNROLLED_CHECKPOINT_H
#define UNROLLED_CHECKPOINT_H

#include <stddef.h>

#include "batch.h"
#include "optim.h"
#include "params.h"
#include "rng.h"
#include "safetensors.h"
#include "vocab.h"

typedef struct CheckpointMeta {
    const char *config;              // the model's configuration, a JSON object (required)
    const Vocab *src_vocab;          // NULL: not saved
    const Vocab *tgt_vocab;
    const char *run_id;              // shared by the pair; NULL: made from the time and pid
    long step;                       // the training step, also shared by the pair
    const char *const *extra;        // more metadata: key, value, key, value, ... (model file)
    int n_extra;                     // number of key/value pairs
} CheckpointMeta;

typedef struct TrainState {
    Adam *adam;                      // any of these may be NULL: then it is not saved/loaded
    BatchIter *iter;
    Rng *rng;                        // the run's own stream (dropout, sampling)
} TrainState;

typedef struct Checkpoint {
    char model_path[4096], train_path[4096];
    StFile model;                    // the model file, read and checked
    StFile train;                    // the training file, after checkpoint_load_train
    int has_src_vocab, has_tgt_vocab;
    Vocab src_vocab, tgt_vocab;
    const char *config;              // NULL when the file has none
    const char *run_id;
    long step;
} Checkpoint;

// A run_id made from the run's configuration (FNV-1a of the JSON), "PREFIX-0123456789abcdef":
// two identical runs share it, so they write identical files (the bit-exact rerun tests compare
// checkpoints byte for byte); the step, saved in both files, still tells two saves apart.
void checkpoint_run_id(char *buf, size_t n, const char *prefix, const char *config);

// Write NAME.safetensors and, when ts is not NULL, NAME.train.safetensors.
int checkpoint_save(const char *name, const Params *P, const CheckpointMeta *meta, const TrainState *ts,
                    char *err, size_t errlen);
void checkpoint_save_or_die(const char *name, const Params *P, const CheckpointMeta *meta,
                            const TrainState *ts);

// Read and check NAME.safetensors (NAME may end in ".safetensors"), its vocabularies and config.
int checkpoint_open(Checkpoint *ck, const char *name, char *err, size_t errlen);
void checkpoint_open_or_die(Checkpoint *ck, const char *name);
void checkpoint_close(Checkpoint *ck);

// The file's config must have the same keys and values as config_json (a JSON object).
// The error names the first difference: "config 'hidden' is 512 in the file but 256 here".
int checkpoint_check_config(const Checkpoint *ck, const char *config_json, char *err, size_t errlen);
void checkpoint_check_config_or_die(const Checkpoint *ck, const char *config_json);

// Copy every parameter in. The file must hold exactly P's tensors with P's shapes, as F32.
int checkpoint_load_params(const Checkpoint *ck, Params *P, char *err, size_t errlen);
void checkpoint_load_params_or_die(const Checkpoint *ck, Params *P);

// Read NAME.train.safetensors, check it belongs with the model file, restore what ts asks for.
int checkpoint_load_train(Checkpoint *ck, const Params *P, const TrainState *ts, char *err, size_t errlen);
void checkpoint_load_train_or_die(Checkpoint *ck, const Params *P, const TrainState *ts);

// A metadata value of the model file, or NULL.
const char *checkpoint_meta(const Checkpoint *ck, const char *key);

#endif
