// gemm.h: the one matrix-product kernel every layer uses.
// Introduced in the foundation (issue 2).
//
//     C (M, N)  =  beta * C  +  op(A) (M, K) . op(B) (K, N)
//
// where op(A) = A or A^T (trans_a) and op(B) = B or B^T (trans_b). A, B and C are row-major;
// lda/ldb/ldc are their row strides. beta = 1 ACCUMULATES, which is what every backward needs.
//
// gemm_naive is the textbook triple loop: read it to know what gemm computes. gemm is the
// fast version (loop order chosen for contiguous access, rows split across OpenMP threads);
// tests/check_gemm.c proves the two agree. Each C element is summed in a fixed order by one
// thread, so results do not depend on the thread count.
#ifndef UNROLLED_GEMM_H
#define UNROLLED_GEMM_H

void gemm_naive(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc);
void gemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc);

#endif
