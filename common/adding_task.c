// adding_task.c: see adding_task.h. Introduced in chapter 02.
#include "adding_task.h"

#include <stddef.h>

void adding_batch(Rng *rng, int T, int B, float *x, float *y, int *first_mark, int *second_mark) {
    int half = T / 2 > 0 ? T / 2 : 1;
    for (int b = 0; b < B; b++) {
        int i = (int)rng_below(rng, (uint32_t)half);
        int j = half + (int)rng_below(rng, (uint32_t)(T - half > 0 ? T - half : 1));
        if (j >= T) j = T - 1;
        y[b] = 0.0f;
        for (int t = 0; t < T; t++) {
            float u = rng_uniform(rng, 0.0f, 1.0f);
            float marked = (t == i || t == j) ? 1.0f : 0.0f;
            x[((size_t)t * B + b) * 2 + 0] = u;
            x[((size_t)t * B + b) * 2 + 1] = marked;
            if (marked != 0.0f) y[b] += u;
        }
        if (first_mark) first_mark[b] = i;
        if (second_mark) second_mark[b] = j;
    }
}
