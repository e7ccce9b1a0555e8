// toy_tasks.h: small translation problems generated in C from a seed (no download).
// Introduced in issue 6 (data pipeline). datasets/README.md describes them with examples.
//
// Each task gives a Corpus of (source, target) text pairs that goes through the same
// tokenizer, vocabulary and batching as Multi30k:
//
//     Corpus train, test;
//     toy_task_generate_or_die(&train, "reverse", SPLIT_TRAIN, 1, 0, NULL);   // 20,000 pairs
//     ToyOptions sweep = {.min_len = 50, .max_len = 50};
//     toy_task_generate_or_die(&test, "reverse", SPLIT_TEST, 1, 200, &sweep);  // length 50 only
//
// The tasks:
//   copy         "c a j b" -> "c a j b"           symbols a.. over an alphabet of 10 (default)
//   reverse      "c a j b" -> "b j a c"           lengths 3..30 by default, up to 1000
//   sort         "c a j b" -> "a b c j"
//   dates        "tuesday 3 march 1998" -> "1998 - 03 - 03"       word level, 18 formats,
//                "03/03/98", "the 3rd of march 1998", "dienstag, 3. märz 1998", ...
//                dates from 1950-01-01 to 2049-12-31; two-digit years 50..99 are 19xx
//   dates_chars  the same pairs, one token per character ("▁" for a space)
//
// The three splits are disjoint whatever the seed: a date belongs to one split by a fixed
// hash of the day (5% test, 5% validation, 90% train), so test dates are never seen in
// training in any format; a symbol string belongs to one by a hash of the string (10%, 10%,
// 80%), for lengths with at least 1000 possible strings (shorter ones cannot be kept apart).
#ifndef UNROLLED_TOY_TASKS_H
#define UNROLLED_TOY_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"

typedef enum { SPLIT_TRAIN = 0, SPLIT_VAL = 1, SPLIT_TEST = 2 } Split;

#define TOY_MAX_LEN 1000
#define TOY_DEFAULT_SEED 1

typedef struct ToyOptions {
    int min_len, max_len;   // symbol tasks: length range (default 3..30); ignored for dates
    int alphabet;           // symbol tasks: number of symbols, 2..26 (default 10: a..j)
} ToyOptions;

// The sizes used when n = 0: 20,000 train, 1,000 validation, 1,000 test.
int toy_task_default_size(Split split);
// "copy, reverse, sort, dates, dates_chars" (for usage messages)
const char *toy_task_names(void);

// n pairs of task `name` (n = 0: the default size; opt = NULL: the defaults). The same
// (name, split, seed, n, opt) gives the same corpus on every machine. Returns 1, or 0 with
// the reason in err ("unknown toy task 'x' (known: ...)", "max_len 2000 is above 1000").
int toy_task_generate(Corpus *out, const char *name, Split split, uint64_t seed, int n,
                      const ToyOptions *opt, char *err, size_t errlen);
void toy_task_generate_or_die(Corpus *out, const char *name, Split split, uint64_t seed, int n,
                              const ToyOptions *opt);

#endif
