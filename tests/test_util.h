// test_util.h: assertions the Check manual does not have.
#ifndef UNROLLED_TEST_UTIL_H
#define UNROLLED_TEST_UTIL_H

#include <check.h>
#include <math.h>
#include <stdio.h>

// Every element of got within atol + rtol * |want| of want. On failure: the first bad index,
// both values and the largest difference.
#define ck_assert_floats_close(got, want, n, rtol, atol) \
    ck_floats_close_at((got), (want), (n), (rtol), (atol), #got, __FILE__, __LINE__)

static inline void ck_floats_close_at(const float *got, const float *want, int n, double rtol,
                                      double atol, const char *what, const char *file, int line) {
    int first_bad = -1;
    double max_diff = 0.0;
    for (int i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (d > max_diff || isnan(d)) max_diff = isnan(d) ? INFINITY : d;
        if (first_bad < 0 && !(d <= atol + rtol * fabs((double)want[i]))) first_bad = i;
    }
    if (first_bad >= 0)
        ck_abort_msg("%s:%d: %s: element %d is %.9g, expected %.9g (rtol %g, atol %g); "
                     "max |diff| over %d elements = %.3g",
                     file, line, what, first_bad, (double)got[first_bad], (double)want[first_bad],
                     rtol, atol, n, max_diff);
}

#endif
