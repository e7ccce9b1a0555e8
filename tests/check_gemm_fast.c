// check_gemm_fast.c: the fast gemm (packed panels, SIMD micro-kernels, OpenMP) gives EXACTLY
// gemm_naive's bits, for every micro-kernel this CPU can run (sse2, avx, avx512), every
// transpose combination, beta 0 / 1 / other, and the awkward shapes: 1 x N, M x 1, K = 1,
// primes, sizes one off the tile sizes, row strides wider than the matrix, and products big
// enough to be cut into several cache blocks and split across threads. Also: beta = 0 never
// reads C, K = 0 scales C, and the thread count changes nothing.
//
//   CK_RUN_SUITE=gemm_fast ./build/check_unrolled
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gemm.h"
#include "rng.h"
#include "test_util.h"

static const char *const kernel_names[] = {"sse2", "avx", "avx512", "generic"};
enum { N_KERNELS = sizeof kernel_names / sizeof kernel_names[0] };

// M, N, K: edge cases first, then sizes around the tiles (6/12 rows, 8/16/32 columns), primes,
// and big ones (several mc/nc blocks: 96K floats of A and 512K floats of B per block).
static const int shapes[][3] = {
    {1, 1, 1},     {1, 257, 64},   {257, 1, 64},  {1, 1, 300},   {7, 13, 1},   {33, 65, 1},
    {5, 7, 3},     {11, 31, 17},   {13, 33, 19},  {12, 32, 8},   {13, 31, 9},  {25, 47, 29},
    {97, 101, 103}, {6, 8, 2000},  {130, 1100, 300}, {401, 97, 261},
};
enum { N_SHAPES = sizeof shapes / sizeof shapes[0] };

typedef struct Case {
    int M, N, K, ta, tb, lda, ldb, ldc;
    float beta;
    float *A, *B, *C0, *want, *got;
} Case;

// A case with row strides 3 wider than needed (so lda != the row length is exercised).
static Case case_new(int M, int N, int K, int ta, int tb, float beta, uint64_t seed) {
    Case c = {.M = M, .N = N, .K = K, .ta = ta, .tb = tb, .beta = beta};
    c.lda = (ta ? M : K) + 3;
    c.ldb = (tb ? K : N) + 3;
    c.ldc = N + 3;
    size_t na = (size_t)(ta ? K : M) * c.lda, nb = (size_t)(tb ? N : K) * c.ldb, nc = (size_t)M * c.ldc;
    Rng rng;
    rng_seed(&rng, seed);
    c.A = malloc(sizeof(float) * na);
    c.B = malloc(sizeof(float) * nb);
    c.C0 = malloc(sizeof(float) * nc);
    c.want = malloc(sizeof(float) * nc);
    c.got = malloc(sizeof(float) * nc);
    for (size_t i = 0; i < na; i++) c.A[i] = rng_uniform(&rng, -1, 1);
    for (size_t i = 0; i < nb; i++) c.B[i] = rng_uniform(&rng, -1, 1);
    for (size_t i = 0; i < nc; i++) c.C0[i] = rng_uniform(&rng, -1, 1);
    memcpy(c.want, c.C0, sizeof(float) * nc);
    gemm_naive(ta, tb, M, N, K, c.A, c.lda, c.B, c.ldb, beta, c.want, c.ldc);
    return c;
}

static void case_free(Case *c) { free(c->A), free(c->B), free(c->C0), free(c->want), free(c->got); }

// Runs gemm with the current kernel and thread count; 1 if every bit matches gemm_naive
// (the padding columns of C included: they must be untouched).
static int case_matches(Case *c) {
    size_t nc = (size_t)c->M * c->ldc;
    memcpy(c->got, c->C0, sizeof(float) * nc);
    gemm(c->ta, c->tb, c->M, c->N, c->K, c->A, c->lda, c->B, c->ldb, c->beta, c->got, c->ldc);
    return memcmp(c->got, c->want, sizeof(float) * nc) == 0;
}

START_TEST(test_every_kernel_equals_naive) {
    int s = _i / 12, ta = (_i / 6) % 2, tb = (_i / 3) % 2, beta_kind = _i % 3;
    float beta = beta_kind == 0 ? 0.0f : beta_kind == 1 ? 1.0f : 0.5f;
    Case c = case_new(shapes[s][0], shapes[s][1], shapes[s][2], ta, tb, beta, 100 + (uint64_t)_i);
    const char *before = gemm_kernel_name();
    int tried = 0;
    for (int k = 0; k < N_KERNELS; k++) {
        if (!gemm_use_kernel(kernel_names[k])) continue;   // not on this CPU
        tried++;
        if (!case_matches(&c)) {
            float max_diff = 0.0f;
            for (int i = 0; i < c.M * c.ldc; i++) max_diff = fmaxf(max_diff, fabsf(c.got[i] - c.want[i]));
            ck_abort_msg("kernel %s, %c%c %dx%dx%d beta %g: differs from gemm_naive (max |diff| %g)",
                         kernel_names[k], ta ? 'T' : 'N', tb ? 'T' : 'N', c.M, c.N, c.K, beta,
                         max_diff);
        }
    }
    gemm_use_kernel(before);
    ck_assert_int_ge(tried, 1);
    case_free(&c);
}
END_TEST

// beta = 0 overwrites C without reading it: NaN in C must not leak into the result.
START_TEST(test_beta0_ignores_nan) {
    Case c = case_new(37, 70, 45, _i / 2, _i % 2, 0.0f, 7);
    for (int i = 0; i < c.M * c.ldc; i++) c.C0[i] = NAN;
    memcpy(c.want, c.C0, sizeof(float) * (size_t)c.M * c.ldc);
    gemm_naive(c.ta, c.tb, c.M, c.N, c.K, c.A, c.lda, c.B, c.ldb, 0.0f, c.want, c.ldc);
    ck_assert(case_matches(&c));
    for (int i = 0; i < c.M; i++)
        for (int j = 0; j < c.N; j++) ck_assert(isfinite(c.got[i * c.ldc + j]));
    case_free(&c);
}
END_TEST

// K = 0: an empty sum, C = beta * C (and C = 0 for beta = 0, even from NaN).
START_TEST(test_empty_k) {
    float A[1] = {0}, B[1] = {0}, C[6] = {1, 2, 3, 4, NAN, 6};
    gemm(0, 0, 2, 3, 0, A, 1, B, 3, 0.5f, C, 3);
    float want[6] = {0.5f, 1, 1.5f, 2, NAN, 3};
    for (int i = 0; i < 6; i++)
        if (i != 4) ck_assert_float_eq(C[i], want[i]);
    gemm(0, 0, 2, 3, 0, A, 1, B, 3, 0.0f, C, 3);
    for (int i = 0; i < 6; i++) ck_assert_float_eq(C[i], 0.0f);
}
END_TEST

// The same bits on 1, 2 and 3 threads, for a product big enough to be split.
START_TEST(test_thread_count_changes_nothing) {
#ifdef _OPENMP
    int before = omp_get_max_threads();
    Case c = case_new(300, 500, 128, _i / 2, _i % 2, 1.0f, 11);
    for (int threads = 1; threads <= 3; threads++) {
        omp_set_num_threads(threads);
        ck_assert_msg(case_matches(&c), "%d threads: differs from gemm_naive", threads);
    }
    omp_set_num_threads(before);
    case_free(&c);
#endif
}
END_TEST

Suite *make_gemm_fast_suite(void) {
    Suite *s = suite_create("gemm_fast");
    TCase *tc = tcase_create("gemm_fast");
    tcase_add_loop_test(tc, test_every_kernel_equals_naive, 0, N_SHAPES * 12);
    tcase_add_loop_test(tc, test_beta0_ignores_nan, 0, 4);
    tcase_add_test(tc, test_empty_k);
    tcase_add_loop_test(tc, test_thread_count_changes_nothing, 0, 4);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}
