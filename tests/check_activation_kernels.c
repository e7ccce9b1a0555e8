// check_activation_kernels.c: the vectorised tanh and sigmoid (common/activation_kernels.c)
// against the exact functions computed in double precision, over a sweep of the float line,
// plus the values that break approximations: 0, -0, the saturation points, Inf and NaN.
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "activation_kernels.h"

// Distance from a float result to the exact value, in units of the float spacing at the exact
// value (ulp). Below the smallest normal float, 2^-126 = 1.2e-38, the unit is 2^-126 itself:
// there both versions of sigmoid(x < -87) give 0 or a value under 1e-38 instead of the
// denormal the exact answer rounds to, and no training can tell the difference.
static double ulp_error(float got, double exact) {
    double spacing = fabs(exact) < 0x1p-126 ? 0x1p-126 : ldexp(1.0, ilogb(exact) - 23);
    return fabs((double)got - exact) / spacing;
}

static float float_from_bits(uint32_t bits) {
    union { uint32_t bits; float value; } u = {.bits = bits};
    return u.value;
}

// Every 97th float bit pattern from 0 up to +Inf (about 22 million values, all magnitudes),
// each with both signs: x = +pattern and x = -pattern.
enum { SWEEP_STRIDE = 97 };
static float *sweep_inputs(int *count) {
    uint32_t top = 0x7F800000u;   // +Inf
    int n = (int)(top / SWEEP_STRIDE) + 1;
    float *x = malloc(sizeof(float) * 2 * (size_t)n);
    ck_assert_ptr_nonnull(x);
    for (int i = 0; i < n; i++) {
        float v = float_from_bits((uint32_t)i * SWEEP_STRIDE);
        x[2 * i] = v;
        x[2 * i + 1] = -v;
    }
    *count = 2 * n;
    return x;
}

static double exact_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

typedef struct Worst { double ulps; float at; } Worst;

static Worst worst_error(void (*kernel)(float *, const float *, int), double (*exact)(double),
                         const float *x, int n) {
    float *y = malloc(sizeof(float) * (size_t)n);
    ck_assert_ptr_nonnull(y);
    kernel(y, x, n);
    Worst w = {0.0, 0.0f};
    for (int i = 0; i < n; i++) {
        double e = ulp_error(y[i], exact((double)x[i]));
        if (e > w.ulps) w = (Worst){e, x[i]};
    }
    free(y);
    return w;
}

// Each kernel and its libm twin against the exact function, all within 3 ulp everywhere.
static const struct {
    const char *name;
    void (*kernel)(float *, const float *, int), (*libm)(float *, const float *, int);
    double (*exact)(double);
} functions[] = {
    {"tanh", tanh_kernel, tanh_libm, tanh},
    {"sigmoid", sigmoid_kernel, sigmoid_libm, exact_sigmoid},
};

START_TEST(within_three_ulp_everywhere) {
    int n;
    float *x = sweep_inputs(&n);
    Worst fast = worst_error(functions[_i].kernel, functions[_i].exact, x, n);
    Worst libm = worst_error(functions[_i].libm, functions[_i].exact, x, n);
    ck_assert_msg(fast.ulps <= 3.0, "%s_kernel is %.2f ulp off at x = %.9g", functions[_i].name, fast.ulps,
                  (double)fast.at);
    ck_assert_msg(libm.ulps <= 3.0, "%s_libm is %.2f ulp off at x = %.9g", functions[_i].name, libm.ulps,
                  (double)libm.at);
    free(x);
}
END_TEST

// The exact values the course leans on: tanh is odd with tanh(0) = 0 (sign kept), saturates
// to exactly +-1, sigmoid(0) = 1/2, and NaN goes through (training's NaN check must see it).
START_TEST(special_values) {
    const float in[] = {0.0f, -0.0f, 9.5f, -9.5f, 100.0f, INFINITY, -INFINITY, NAN, 1e-30f};
    enum { N = sizeof in / sizeof in[0] };
    float t[N], s[N];
    tanh_kernel(t, in, N);
    sigmoid_kernel(s, in, N);
    ck_assert(t[0] == 0.0f && !signbit(t[0]));
    ck_assert(t[1] == 0.0f && signbit(t[1]));
    ck_assert(t[2] == 1.0f && t[3] == -1.0f && t[4] == 1.0f);
    ck_assert(t[5] == 1.0f && t[6] == -1.0f);
    ck_assert(isnan(t[7]) && isnan(s[7]));
    ck_assert(t[8] == 1e-30f);
    ck_assert(s[0] == 0.5f && s[1] == 0.5f);
    ck_assert(s[4] == 1.0f && s[5] == 1.0f);
    ck_assert(s[6] >= 0.0f && s[6] < 1e-37f);
}
END_TEST

// The vector loop and its scalar tail must agree to the bit, or a value would change with its
// position in the array (and results with the batch size). Also: in place is allowed.
START_TEST(same_bits_in_any_position) {
    enum { N = 67 };
    float x[N], whole[N], one[1], inplace[N];
    for (int i = 0; i < N; i++) x[i] = (float)(i - 33) * 0.173f;
    void (*kernels[])(float *, const float *, int) = {tanh_kernel, sigmoid_kernel};
    for (int k = 0; k < 2; k++) {
        kernels[k](whole, x, N);
        memcpy(inplace, x, sizeof x);
        kernels[k](inplace, inplace, N);
        for (int len = 1; len <= N; len += 11) {   // tails of every length mod 8
            float part[N];
            kernels[k](part, x, len);
            ck_assert_mem_eq(part, whole, sizeof(float) * (size_t)len);
        }
        for (int i = 0; i < N; i++) {
            kernels[k](one, x + i, 1);
            ck_assert_msg(memcmp(one, whole + i, sizeof(float)) == 0,
                          "kernel %d: element %d alone differs from the same element in an array",
                          k, i);
        }
        ck_assert_mem_eq(inplace, whole, sizeof whole);
    }
}
END_TEST

Suite *make_activation_kernels_suite(void) {
    Suite *s = suite_create("activation_kernels");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, within_three_ulp_everywhere, 0, 2);
    tcase_add_test(tc, special_values);
    tcase_add_test(tc, same_bits_in_any_position);
    suite_add_tcase(s, tc);
    return s;
}
