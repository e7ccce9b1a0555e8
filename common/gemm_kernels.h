// gemm_kernels.h: the micro-kernels behind gemm (private to gemm.c and its tests).
// Introduced in issue 8.
//
// A micro-kernel computes one small tile of C, MR rows by NR columns, from two packed panels:
//
//     a (K, MR): a[k*MR + r] = op(A)(row r of the tile, k)
//     b (K, NR): b[k*NR + c] = op(B)(k, column c of the tile)
//
//     tile = sum over k of  a[k] (a column of MR numbers) x b[k] (a row of NR numbers)
//     C (mr, nr) = beta * C + tile        (only the top-left mr x nr part is written)
//
// The MR x NR accumulators live in vector registers for the whole K loop, so each number
// loaded from a panel is used MR or NR times. The kernels differ only in the vector width;
// each element is summed k = 0, 1, ..., K-1 with a separate multiply and add, so all of them
// give the same bits as gemm_naive.
#ifndef UNROLLED_GEMM_KERNELS_H
#define UNROLLED_GEMM_KERNELS_H

typedef void MicroKernel(int K, const float *a, const float *b, float beta, float *c, int ldc,
                         int mr, int nr);

typedef struct GemmKernel {
    const char *name;      // the instruction set: "sse2", "avx", "avx512", "generic"
    int mr, nr;            // the tile: rows of C x columns of C
    MicroKernel *run;
    int (*supported)(void);   // 1 if this CPU (and OS) can run it
} GemmKernel;

// Every kernel compiled into this build, grouped by instruction set, narrowest set first.
// gemm uses the widest set the CPU supports and, per product, that set's tile that pads least.
extern const GemmKernel gemm_kernels[];
extern const int gemm_n_kernels;

#endif
