// gemm.h: the one matrix-product kernel every layer uses.
// Introduced in the foundation (issue 2); made fast in issue 8 (bench/, BENCHMARKS.md).
//
//     C (M, N)  =  beta * C  +  op(A) (M, K) . op(B) (K, N)
//
// where op(A) = A or A^T (trans_a) and op(B) = B or B^T (trans_b). A, B and C are row-major;
// lda/ldb/ldc are their row strides. beta = 1 ACCUMULATES, which is what every backward needs;
// beta = 0 overwrites C without reading it (C may hold garbage or NaN, as in BLAS).
//
// gemm_naive is the textbook triple loop: read it to know what gemm computes. gemm is the
// fast version, and it computes EXACTLY the same numbers, bit for bit: every C element is
//
//     acc = 0;  for k = 0 .. K-1:  acc = acc + A(i,k) * B(k,j)   (a rounded product, then a
//     rounded sum: no fused multiply-add);   C(i,j) = beta * C(i,j) + acc   (acc if beta = 0)
//
// whatever the kernel (SSE2, AVX, AVX-512, picked at run time), the thread count, or where
// the element sits in the matrix. So results never depend on the machine's vector width or
// on OpenMP, and a row of a product is the same whether it is computed alone (a decoder step)
// or with others (a whole sequence). tests/check_gemm.c and check_gemm_fast.c prove it.
//
// How gemm is fast (gemm.c explains each step): op(A) and op(B) are copied ("packed") into
// thin panels that the micro-kernel (gemm_kernels.c) reads front to back; the micro-kernel
// keeps a tile of C (e.g. 4 x 64) in vector registers over the whole K loop; big products
// are split into column or row blocks, one per OpenMP thread.
#ifndef UNROLLED_GEMM_H
#define UNROLLED_GEMM_H

void gemm_naive(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc);
void gemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc);

// Which micro-kernel gemm uses on this machine: "avx512", "avx" or "sse2" ("generic" off
// x86-64). The widest the CPU supports is picked at the first call; the environment
// variable UNROLLED_GEMM_KERNEL=sse2 (or avx, avx512) forces one.
const char *gemm_kernel_name(void);
// For tests and benchmarks: use the named kernel from now on. Returns 0 (and changes
// nothing) when the name is unknown or the CPU cannot run it. Not thread-safe: call it
// between products, never during one.
int gemm_use_kernel(const char *name);

#endif
