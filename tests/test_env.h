// test_env.h: where the tests find the programs and keep their scratch files.
//   UNROLLED_BIN      the folder of the chapter programs and tools (default "bin");
//                     `make sanitize` points it at its own sanitized build
//   UNROLLED_SCRATCH  a folder the tests may fill (default "build/test-runs")
// The Makefile sets both; running ./build/check_unrolled by hand uses the defaults.
#ifndef UNROLLED_TEST_ENV_H
#define UNROLLED_TEST_ENV_H

#include <stdlib.h>

static inline const char *test_bin_dir(void) {
    const char *d = getenv("UNROLLED_BIN");
    return d && *d ? d : "bin";
}

static inline const char *test_scratch_dir(void) {
    const char *d = getenv("UNROLLED_SCRATCH");
    return d && *d ? d : "build/test-runs";
}

#endif
