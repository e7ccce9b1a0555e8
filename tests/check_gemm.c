// check_gemm.c: the fast gemm against the textbook triple loop, every transpose combination,
// shapes that do and do not fill the 8-wide blocks, beta 0 / 1 / other, and big enough to
// take the multi-threaded path.
#include <check.h>
#include <stdlib.h>

#include "gemm.h"
#include "rng.h"
#include "test_util.h"

static const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {8, 8, 8}, {17, 9, 33}, {64, 70, 129}, {1, 300, 64}};
enum { N_SHAPES = sizeof shapes / sizeof shapes[0] };

START_TEST(test_gemm_matches_naive) {
    int s = _i / 12, ta = (_i / 6) % 2, tb = (_i / 3) % 2, beta_kind = _i % 3;
    int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
    float beta = beta_kind == 0 ? 0.0f : beta_kind == 1 ? 1.0f : 0.5f;
    Rng rng;
    rng_seed(&rng, (uint64_t)_i);
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
    float *C1 = malloc(sizeof(float) * M * N), *C2 = malloc(sizeof(float) * M * N);
    for (int i = 0; i < M * K; i++) A[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < K * N; i++) B[i] = rng_uniform(&rng, -1, 1);
    for (int i = 0; i < M * N; i++) C1[i] = C2[i] = rng_uniform(&rng, -1, 1);
    int lda = ta ? M : K, ldb = tb ? K : N;
    gemm_naive(ta, tb, M, N, K, A, lda, B, ldb, beta, C1, N);
    gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C2, N);
    ck_assert_floats_close(C2, C1, M * N, 1e-5, 1e-5);
    free(A), free(B), free(C1), free(C2);
}
END_TEST

// A hand-computed product: [[1,2],[3,4]] . [[5,6],[7,8]] = [[19,22],[43,50]].
START_TEST(test_gemm_known_values) {
    float A[] = {1, 2, 3, 4}, B[] = {5, 6, 7, 8}, C[4] = {0}, want[] = {19, 22, 43, 50};
    gemm(0, 0, 2, 2, 2, A, 2, B, 2, 0.0f, C, 2);
    ck_assert_floats_close(C, want, 4, 0, 0);
    float wantT[] = {26, 30, 38, 44};  // A^T . B = [[1,3],[2,4]] . B
    gemm(1, 0, 2, 2, 2, A, 2, B, 2, 0.0f, C, 2);
    ck_assert_floats_close(C, wantT, 4, 0, 0);
}
END_TEST

Suite *make_gemm_suite(void) {
    Suite *s = suite_create("gemm");
    TCase *tc = tcase_create("gemm");
    tcase_add_loop_test(tc, test_gemm_matches_naive, 0, N_SHAPES * 12);
    tcase_add_test(tc, test_gemm_known_values);
    suite_add_tcase(s, tc);
    return s;
}
