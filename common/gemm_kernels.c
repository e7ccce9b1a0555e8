// gemm_kernels.c: the micro-kernels, one per vector width, all from gemm_microkernel.h.
// Introduced in issue 8. See gemm_kernels.h for what a micro-kernel computes.
//
// The build stays portable: this file is compiled for the baseline x86-64 (SSE2), and only
// the functions marked target("avx") / target("avx512f") use wider instructions. gemm.c runs
// them only after asking the CPU (__builtin_cpu_supports), so one binary runs everywhere and
// is fast where it can be. GCC vector extensions (vector_size) let the same C source become
// SSE, AVX or AVX-512 code; no intrinsics.
//
// No fused multiply-add: `acc + x * y` must stay a rounded product then a rounded sum, so
// every kernel gives gemm_naive's bits. GCC does not fuse in ISO C mode (-std=c11 implies
// -ffp-contract=off); clang needs to be told.
#include "gemm_kernels.h"

#include <stddef.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

// Vectors of 4, 8 and 16 floats. aligned(4): they may be loaded from any float address;
// may_alias: they may read and write float arrays.
typedef float vec4 __attribute__((vector_size(16), aligned(4), may_alias));
typedef float vec8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float vec16 __attribute__((vector_size(64), aligned(4), may_alias));

static int always(void) { return 1; }

// ---- 128-bit vectors: SSE2 on every x86-64 (and whatever the compiler makes elsewhere) -------
// 4 x 8 tile: 8 accumulators + 2 of b + 1 of a + products. (6 x 8 would fill the 16 xmm
// registers exactly, but SSE2 needs copies for its two-operand instructions: it spills.)
#define KERNEL_NAME kernel_4x8_vec4
#define KERNEL_ATTR
#define KERNEL_VEC vec4
#define KERNEL_W 4
#define KERNEL_MR 4
#define KERNEL_NV 2
#include "gemm_microkernel.h"
#undef KERNEL_NAME
#undef KERNEL_ATTR
#undef KERNEL_VEC
#undef KERNEL_W
#undef KERNEL_MR
#undef KERNEL_NV

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
static int has_avx(void) { return __builtin_cpu_supports("avx"); }
static int has_avx512(void) { return __builtin_cpu_supports("avx512f"); }

// ---- 256-bit vectors: AVX (16 ymm registers) -------------------------------------------------
// 6 x 16 tile: the same register budget as SSE2, twice the width.
#define KERNEL_NAME kernel_6x16_avx
#define KERNEL_ATTR __attribute__((target("avx")))
#define KERNEL_VEC vec8
#define KERNEL_W 8
#define KERNEL_MR 6
#define KERNEL_NV 2
#include "gemm_microkernel.h"
#undef KERNEL_NAME
#undef KERNEL_ATTR
#undef KERNEL_VEC
#undef KERNEL_W
#undef KERNEL_MR
#undef KERNEL_NV

// ---- 512-bit vectors: AVX-512 (32 zmm registers) ---------------------------------------------
// 4 x 64 tile: 16 accumulators, 4 vectors of b and one broadcast of a per row and step. Wide
// and short measured fastest here (Zen 5): 200 GFLOP/s on one core at 512^3, against about
// 180 for 12 x 32 and 8 x 32, whatever their larger register blocks promise on paper.
#define KERNEL_NAME kernel_4x64_avx512
#define KERNEL_ATTR __attribute__((target("avx512f")))
#define KERNEL_VEC vec16
#define KERNEL_W 16
#define KERNEL_MR 4
#define KERNEL_NV 4
#include "gemm_microkernel.h"
#undef KERNEL_NAME
#undef KERNEL_MR
#undef KERNEL_NV
// 8 x 32 tile: for products with 32 columns or fewer (a hidden size of 32), where a 64-wide
// tile would be half padding.
#define KERNEL_NAME kernel_8x32_avx512
#define KERNEL_MR 8
#define KERNEL_NV 2
#include "gemm_microkernel.h"
#undef KERNEL_NAME
#undef KERNEL_ATTR
#undef KERNEL_VEC
#undef KERNEL_W
#undef KERNEL_MR
#undef KERNEL_NV

const GemmKernel gemm_kernels[] = {
    {"sse2", 4, 8, kernel_4x8_vec4, always},
    {"avx", 6, 16, kernel_6x16_avx, has_avx},
    {"avx512", 4, 64, kernel_4x64_avx512, has_avx512},
    {"avx512", 8, 32, kernel_8x32_avx512, has_avx512},
};
#else
const GemmKernel gemm_kernels[] = {
    {"generic", 4, 8, kernel_4x8_vec4, always},
};
#endif

const int gemm_n_kernels = sizeof gemm_kernels / sizeof gemm_kernels[0];
