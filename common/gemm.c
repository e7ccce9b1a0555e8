// gemm.c: see gemm.h. Introduced in the foundation (issue 2).
#include "gemm.h"

#include <string.h>

// A(i, k) and B(k, j) with the transpose flags applied.
#define A_AT(i, k) (trans_a ? A[(size_t)(k) * lda + (i)] : A[(size_t)(i) * lda + (k)])
#define B_AT(k, j) (trans_b ? B[(size_t)(j) * ldb + (k)] : B[(size_t)(k) * ldb + (j)])

void gemm_naive(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) acc += A_AT(i, k) * B_AT(k, j);
            C[(size_t)i * ldc + j] = beta * C[(size_t)i * ldc + j] + acc;
        }
}

// Dot product with 8 independent partial sums, so the compiler can keep them in one SIMD
// register without reassociating (no -ffast-math needed). Fixed order: deterministic.
static float dot8(const float *x, const float *y, int n) {
    float acc[8] = {0};
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int u = 0; u < 8; u++) acc[u] += x[k + u] * y[k + u];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; k < n; k++) s += x[k] * y[k];
    return s;
}

void gemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc) {
    long long work = (long long)M * N * K;   // small products stay on one thread
    (void)work;                              // (unused when built without OpenMP)
    if (!trans_a && trans_b) {
        // C[i][j] = A row i . B row j: both rows contiguous, a dot product per element.
#pragma omp parallel for schedule(static) if (work > 100000)
        for (int i = 0; i < M; i++) {
            const float *a = A + (size_t)i * lda;
            float *c = C + (size_t)i * ldc;
            for (int j = 0; j < N; j++) c[j] = beta * c[j] + dot8(a, B + (size_t)j * ldb, K);
        }
        return;
    }
    // Otherwise: C row i += A(i, k) * B row k, streaming along contiguous rows of B and C
    // (the i-k-j order). B^T rows are not contiguous, so B^T falls back to element access.
#pragma omp parallel for schedule(static) if (work > 100000)
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        if (beta == 0.0f) memset(c, 0, sizeof(float) * (size_t)N);
        else if (beta != 1.0f)
            for (int j = 0; j < N; j++) c[j] *= beta;
        for (int k = 0; k < K; k++) {
            float a = A_AT(i, k);
            if (!trans_b) {
                const float *b = B + (size_t)k * ldb;
                for (int j = 0; j < N; j++) c[j] += a * b[j];
            } else {
                for (int j = 0; j < N; j++) c[j] += a * B[(size_t)j * ldb + k];
            }
        }
    }
}
