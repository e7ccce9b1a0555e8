// gemm_microkernel.h: the body of ONE micro-kernel (see gemm_kernels.h), written once and
// compiled once per vector width: gemm_kernels.c includes this file several times, with other
// settings each time, so it has no include guard on purpose. Define before including:
//
//     KERNEL_NAME    the function's name            KERNEL_ATTR  e.g. the target("avx512f")
//     KERNEL_VEC     the vector type (W floats)     KERNEL_W     W
//     KERNEL_MR      rows of the C tile             KERNEL_NV    vectors per tile row
//
// The tile is MR x NR with NR = NV * W: row r of the tile is NV vectors. Per step k the kernel
// loads NV vectors of b (one row of op(B)), and for each of the MR rows multiplies them by
// one number of a (broadcast to a vector) and adds the products into that row's accumulators.

KERNEL_ATTR static void KERNEL_NAME(int K, const float *a, const float *b, float beta, float *c,
                                    int ldc, int mr, int nr) {
    enum { MR = KERNEL_MR, NV = KERNEL_NV, W = KERNEL_W, NR = KERNEL_NV * KERNEL_W };
    KERNEL_VEC acc[MR][NV];   // the C tile, in registers (the loops below are unrolled)
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) acc[r][v] = (KERNEL_VEC){0};

    for (int k = 0; k < K; k++) {
        const float *ak = a + (size_t)k * MR;   // op(A)(tile rows, k): MR numbers
        const float *bk = b + (size_t)k * NR;   // op(B)(k, tile columns): NR numbers
        KERNEL_VEC bv[NV];
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) bv[v] = *(const KERNEL_VEC *)(bk + v * W);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
            for (int v = 0; v < NV; v++) acc[r][v] = acc[r][v] + ak[r] * bv[v];   // mul, then add
    }

    if (mr == MR && nr == NR) {   // a whole tile: update C a vector at a time
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
            for (int v = 0; v < NV; v++) {
                KERNEL_VEC *cv = (KERNEL_VEC *)(c + (size_t)r * ldc + v * W);
                if (beta == 0.0f) *cv = acc[r][v];
                else *cv = beta * *cv + acc[r][v];
            }
        return;
    }
    // A tile on the bottom or right edge: the panels were padded with zeros, so the whole
    // tile was computed; write only the part inside C.
    float tile[MR * NR] __attribute__((aligned(64)));
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) *(KERNEL_VEC *)(tile + r * NR + v * W) = acc[r][v];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) {
            float *cij = c + (size_t)r * ldc + j;
            *cij = beta == 0.0f ? tile[r * NR + j] : beta * *cij + tile[r * NR + j];
        }
}
