// make_datasets.c: write a toy task's splits as text files, to look at them or use them elsewhere.
// Introduced in issue 6 (data pipeline).
//
//     bin/make_datasets TASK DIR [--seed N] [--min-len N] [--max-len N] [--alphabet N] [--n N]
//
// writes DIR/train.src, DIR/train.tgt, DIR/val.*, DIR/test.* (one pair per line, the tokens
// joined by single spaces: the text the chapters train on), each file atomically. The tasks
// and their default sizes are in datasets/README.md. Exit status 0, 1 on failure, 2 on bad usage.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "toy_tasks.h"
#include "util.h"

static void usage(void) {
    fprintf(stderr, "usage: make_datasets TASK DIR [--seed N] [--min-len N] [--max-len N] [--alphabet N] [--n N]\n"
                    "  TASK: %s\n", toy_task_names());
    exit(EXIT_USAGE);
}

// A non-negative integer flag value, or a usage error naming the flag.
static long number(const char *flag, const char *value) {
    char *end;
    long v = strtol(value, &end, 10);
    if (*value == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "make_datasets: %s needs a non-negative integer, got '%s'\n", flag, value);
        exit(EXIT_USAGE);
    }
    return v;
}

static void write_side(const Corpus *c, CorpusSide side, const char *path) {
    AtomicFile f;
    FILE *fp = atomic_open_or_die(&f, path);
    for (int i = 0; i < c->n; i++) {
        for (int k = 0; k < corpus_len(c, side, i); k++)
            fprintf(fp, "%s%s", k ? " " : "", corpus_token(c, side, i, k));
        fputc('\n', fp);
    }
    atomic_commit_or_die(&f);
}

int main(int argc, char **argv) {
    set_program_name("make_datasets");
    if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-') usage();
    const char *task = argv[1], *dir = argv[2];
    uint64_t seed = TOY_DEFAULT_SEED;
    ToyOptions opt = {0};
    int n = 0;
    for (int i = 3; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *flag = argv[i], *value = argv[++i];
        if (strcmp(flag, "--seed") == 0) seed = (uint64_t)number(flag, value);
        else if (strcmp(flag, "--min-len") == 0) opt.min_len = (int)number(flag, value);
        else if (strcmp(flag, "--max-len") == 0) opt.max_len = (int)number(flag, value);
        else if (strcmp(flag, "--alphabet") == 0) opt.alphabet = (int)number(flag, value);
        else if (strcmp(flag, "--n") == 0) n = (int)number(flag, value);
        else usage();
    }
    // All three splits first, so a bad task or option leaves no folder behind.
    static const char *const names[3] = {"train", "val", "test"};
    Corpus splits[3];
    for (int s = 0; s < 3; s++) toy_task_generate_or_die(&splits[s], task, (Split)s, seed, n, &opt);
    make_dirs_or_die(dir);
    for (int s = 0; s < 3; s++) {
        char name[64], path[4096];
        snprintf(name, sizeof name, "%s.src", names[s]);
        write_side(&splits[s], CORPUS_SRC, path_join(path, sizeof path, dir, name));
        snprintf(name, sizeof name, "%s.tgt", names[s]);
        write_side(&splits[s], CORPUS_TGT, path_join(path, sizeof path, dir, name));
        printf("%s: %d pairs -> %s/%s.{src,tgt}\n", names[s], splits[s].n, dir, names[s]);
        corpus_free(&splits[s]);
    }
    return 0;
}
