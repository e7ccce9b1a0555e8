// fuzz_util.h: what the libFuzzer harnesses in tests/fuzz/ share.
// Introduced in issue 13 (hardening).
//
// Each harness is one file, fuzz_NAME.c, with one entry point
//     static int fuzz_NAME(const uint8_t *data, size_t size);
// and FUZZ_ENTRY(fuzz_NAME) at the bottom, which becomes libFuzzer's LLVMFuzzerTestOneInput.
// tests/check_bad_inputs.c includes every harness with FUZZ_NO_MAIN defined and replays the
// seed corpora and the saved crash inputs through the same entry points, so a bug the fuzzer
// found stays found by `make test`.
//
// A harness never calls an _or_die function: die() exits, and libFuzzer reports an exit as a
// failure. A broken promise of a header ("out is unchanged on error") is FUZZ_CHECK, which
// aborts with the file and line, so the fuzzer saves the input.
#ifndef UNROLLED_FUZZ_UTIL_H
#define UNROLLED_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

#ifdef FUZZ_NO_MAIN
#define FUZZ_ENTRY(fn)
#else
#define FUZZ_ENTRY(fn)                                                                           \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                               \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fn(data, size); }
#endif

// An error message from the library: non-empty and one line (the project's promise).
static inline int fuzz_one_line(const char *err) { return err[0] != '\0' && strchr(err, '\n') == NULL; }

// ---- scratch files --------------------------------------------------------------------------
// The corpus, BLEU and checkpoint readers take file names, so those harnesses write their
// input to files in one scratch folder per process, $TMPDIR/unrolled-fuzz-XXXXXX ($TMPDIR
// defaults to /tmp). The folder and the few fixed names in it are removed at exit; a crashed
// run may leave one behind, so tools/run_fuzzers.sh gives each run its own TMPDIR and removes it.

#define FUZZ_MAX_SCRATCH 8

typedef struct FuzzScratch {
    char dir[256];
    char files[FUZZ_MAX_SCRATCH][320];
    int n;
} FuzzScratch;

static inline FuzzScratch *fuzz_scratch(void) {
    static FuzzScratch s;   // one per process: libFuzzer gives the harness no context pointer
    return &s;
}

static inline void fuzz_scratch_cleanup(void) {
    FuzzScratch *s = fuzz_scratch();
    if (s->dir[0] == '\0') return;
    for (int i = 0; i < s->n; i++) unlink(s->files[i]);
    rmdir(s->dir);
    memset(s, 0, sizeof *s);
}

// The path of scratch file `name` (one of a few fixed names), creating the folder on first use.
static inline const char *fuzz_scratch_path(const char *name) {
    FuzzScratch *s = fuzz_scratch();
    if (s->dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->dir, sizeof s->dir, "%.200s/unrolled-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(s->dir)) {
            perror("fuzz: cannot create a scratch folder");
            abort();
        }
        atexit(fuzz_scratch_cleanup);
    }
    char path[320];
    snprintf(path, sizeof path, "%.250s/%.60s", s->dir, name);
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->files[i], path) == 0) return s->files[i];
    FUZZ_CHECK(s->n < FUZZ_MAX_SCRATCH);
    snprintf(s->files[s->n], sizeof s->files[0], "%s", path);
    return s->files[s->n++];
}

static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    if (!fp || (n > 0 && fwrite(data, 1, n, fp) != n) || fclose(fp) != 0) {
        perror(path);
        abort();
    }
}

// The input's first byte as option bits, and the rest split in two at a point chosen by the
// second byte (0: all in the second part, 255: all in the first). Mutations of the text then
// keep the split roughly where it was.
typedef struct FuzzSplit {
    uint8_t flags;
    const uint8_t *a, *b;
    size_t a_len, b_len;
} FuzzSplit;

static inline int fuzz_split(FuzzSplit *s, const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    size_t rest = size - 2;
    size_t at = (size_t)data[1] * rest / 255;
    s->flags = data[0];
    s->a = data + 2;
    s->a_len = at;
    s->b = data + 2 + at;
    s->b_len = rest - at;
    return 1;
}

#endif
