// make_seeds.c: writes the checkpoint fuzzer's seed inputs (tests/fuzz/corpus/checkpoint/).
// Introduced in issue 13 (hardening). The other harnesses' seeds are plain text files; these
// need real checkpoints, so they are made by checkpoint_save from tiny_model.h:
//
//     make && sh tools/run_fuzzers.sh --seeds
//
// (which compiles this file against build/libunrolled.a and runs it on that folder).
//
// Each seed is an input for fuzz_checkpoint.c: a flags byte, then the model file, or a flags
// byte, the model file's length (2 bytes, little-endian) and the model and training files.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiny_model.h"
#include "util.h"

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    if (!fp) die("cannot read %s", path);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = xmalloc(*n);
    if (fread(b, 1, *n, fp) != *n) die("cannot read %s", path);
    fclose(fp);
    return b;
}

// One seed: flags, [model length], model, [train].
static void write_seed(const char *dir, const char *name, const unsigned char *model, size_t model_len,
                       const unsigned char *train, size_t train_len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) die("cannot write %s", path);
    unsigned char head[3] = {train ? 1 : 0, (unsigned char)(model_len & 255), (unsigned char)(model_len >> 8)};
    if (model_len > 65535) die("%s: the model file is too big for a seed", name);
    fwrite(head, 1, train ? 3 : 1, fp);
    fwrite(model, 1, model_len, fp);
    if (train) fwrite(train, 1, train_len, fp);
    if (fclose(fp) != 0) die("cannot write %s", path);
    printf("%s: %zu bytes\n", path, (train ? 3 : 1) + model_len + train_len);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    char tmp[] = "/tmp/unrolled-seeds-XXXXXX", name[128], model_path[160], train_path[160], err[512];
    if (!mkdtemp(tmp)) die("cannot create a scratch folder");
    snprintf(name, sizeof name, "%s/ck", tmp);
    snprintf(model_path, sizeof model_path, "%s.safetensors", name);
    snprintf(train_path, sizeof train_path, "%s.train.safetensors", name);
    TinyRun run;
    tiny_run_init(&run, 42);
    Batch b;
    batch_init(&b);
    batch_iter_next(&run.iter, &b);   // mid-epoch
    batch_free(&b);
    if (!tiny_save(&run, name, TINY_CONFIG, 1, err, sizeof err)) die("%s", err);
    size_t model_len, train_len;
    unsigned char *model = slurp(model_path, &model_len), *train = slurp(train_path, &train_len);
    write_seed(argv[1], "model_and_train", model, model_len, train, train_len);
    write_seed(argv[1], "model_only", model, model_len, NULL, 0);
    free(model);
    free(train);
    // another model's config, without the training state
    if (!tiny_save(&run, name, "{\"model\":\"other\",\"hidden\":4}", 0, err, sizeof err)) die("%s", err);
    model = slurp(model_path, &model_len);
    write_seed(argv[1], "other_config", model, model_len, NULL, 0);
    free(model);
    // the smallest valid file: no tensors, no metadata
    static const unsigned char empty[16] = {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    write_seed(argv[1], "empty_header", empty, sizeof empty, NULL, 0);
    unlink(model_path);
    unlink(train_path);
    rmdir(tmp);
    tiny_run_free(&run);
    return 0;
}
