// gemm.c: see gemm.h. Introduced in the foundation (issue 2); the fast path in issue 8.
//
// The fast gemm, in four steps (the structure of BLIS and OpenBLAS, kept small):
//   1. threads: a big product is cut into one block of columns (or rows) of C per thread;
//      each thread computes its block alone, start to finish, so no two threads ever add into
//      the same element and the result does not depend on how many there are;
//   2. blocking: each thread walks its C block in pieces of nc columns and mc rows, chosen so
//      the packed panels below stay in the caches while they are reused;
//   3. packing: the nc columns of op(B) are copied into panels of NR columns, stored k by k
//      (b[k*NR + c]), and the mc rows of op(A) into panels of MR rows (a[k*MR + r]); the
//      transposes are handled here, so one micro-kernel serves NN, NT, TN and TT;
//   4. the micro-kernel (gemm_kernels.c) computes one MR x NR tile of C from one panel of
//      each, over all K, with the tile in vector registers.
// There is no blocking over K (each tile sums all of K in one go): that is what keeps every
// element's sum in gemm_naive's order, and with K up to a few thousand the panels still fit
// in the 1-2 MB of L2 cache a core has.
#include "gemm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gemm_kernels.h"
#include "util.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF   // a * b + c stays two roundings, as in the kernels
#endif

// A(i, k) and B(k, j) with the transpose flags applied.
#define A_AT(i, k) (trans_a ? A[(size_t)(k) * lda + (i)] : A[(size_t)(i) * lda + (k)])
#define B_AT(k, j) (trans_b ? B[(size_t)(j) * ldb + (k)] : B[(size_t)(k) * ldb + (j)])

void gemm_naive(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) acc += A_AT(i, k) * B_AT(k, j);
            float *c = &C[(size_t)i * ldc + j];
            *c = beta == 0.0f ? acc : beta * *c + acc;   // beta = 0: C is not read
        }
}

// ---- choosing the kernel ----------------------------------------------------------------------
// Once per process, the instruction set: the widest the CPU runs, unless UNROLLED_GEMM_KERNEL
// names another. Then per product, among that set's tiles, the one that wastes the least work
// on padding (a 64-wide tile on a 32-column product would compute twice what it keeps). All
// tiles give the same bits, so the choice changes only the speed.

static const char *g_isa;   // set once by choose_isa (or gemm_use_kernel)
static pthread_once_t g_isa_once = PTHREAD_ONCE_INIT;

static int isa_supported(const char *name) {
    for (int i = 0; i < gemm_n_kernels; i++)
        if (!strcmp(gemm_kernels[i].name, name) && gemm_kernels[i].supported()) return 1;
    return 0;
}

static void choose_isa(void) {
    const char *want = getenv("UNROLLED_GEMM_KERNEL");
    if (want && *want) {
        if (!isa_supported(want))
            die("UNROLLED_GEMM_KERNEL=%s: no such gemm kernel, or this CPU cannot run it "
                "(HINT: sse2, avx or avx512 on x86-64; unset it to pick the best)", want);
        for (int i = 0; i < gemm_n_kernels; i++)
            if (!strcmp(gemm_kernels[i].name, want)) g_isa = gemm_kernels[i].name;
        return;
    }
    for (int i = 0; i < gemm_n_kernels; i++)   // the table goes from narrow to wide
        if (gemm_kernels[i].supported()) g_isa = gemm_kernels[i].name;
}

static const char *isa(void) {
    pthread_once(&g_isa_once, choose_isa);
    return g_isa;
}

const char *gemm_kernel_name(void) { return isa(); }

int gemm_use_kernel(const char *name) {
    isa();   // make sure the one-time choice has happened, so it cannot overwrite this one
    for (int i = 0; i < gemm_n_kernels; i++)
        if (!strcmp(gemm_kernels[i].name, name) && gemm_kernels[i].supported()) {
            g_isa = gemm_kernels[i].name;
            return 1;
        }
    return 0;
}

// The tile of the current instruction set with the least padded work for an M x N product.
static const GemmKernel *pick_kernel(int M, int N) {
    const char *name = isa();
    const GemmKernel *best = NULL;
    double best_work = 0.0;
    for (int i = 0; i < gemm_n_kernels; i++) {
        const GemmKernel *k = &gemm_kernels[i];
        if (strcmp(k->name, name)) continue;
        double work = (double)((M + k->mr - 1) / k->mr * k->mr) * ((N + k->nr - 1) / k->nr * k->nr);
        if (!best || work < best_work) best = k, best_work = work;
    }
    return best;
}

// ---- packing ---------------------------------------------------------------------------------
// Both transposed cases (rows of A and B^T into panel columns) are transposes; they go 4 x 4
// at a time through vector registers, which is several times faster than one float at a time.

typedef float vec4 __attribute__((vector_size(16), aligned(4), may_alias));

// __builtin_shufflevector picks lanes from two vectors (clang, and GCC from version 12).
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define HAVE_SHUFFLEVECTOR 1
#endif
#endif

// dst[k * ld_dst + r] = src[r * ld_src + k] for r, k < 4.
static void transpose_4x4(const float *src, size_t ld_src, float *dst, size_t ld_dst) {
#ifdef HAVE_SHUFFLEVECTOR
    vec4 r0 = *(const vec4 *)src, r1 = *(const vec4 *)(src + ld_src);
    vec4 r2 = *(const vec4 *)(src + 2 * ld_src), r3 = *(const vec4 *)(src + 3 * ld_src);
    vec4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);   // r0[0] r1[0] r0[1] r1[1]
    vec4 t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);   // r0[2] r1[2] r0[3] r1[3]
    vec4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
    vec4 t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
    *(vec4 *)dst = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);                // column 0
    *(vec4 *)(dst + ld_dst) = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);     // column 1
    *(vec4 *)(dst + 2 * ld_dst) = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
    *(vec4 *)(dst + 3 * ld_dst) = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
#else
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 4; k++) dst[k * ld_dst + r] = src[r * ld_src + k];
#endif
}

// n floats from src to dst, a vector at a time: the copies below are 4 to 64 floats long, too
// short for memcpy's call to pay off.
static void copy_floats(float *dst, const float *src, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) *(vec4 *)(dst + i) = *(const vec4 *)(src + i);
    for (; i < n; i++) dst[i] = src[i];
}

// rows x K numbers, row r at src + r*ld_src, into dst[k*ld_dst + r] (rows <= ld_dst).
static void transpose_rows(const float *src, size_t ld_src, int rows, int K, float *dst,
                           size_t ld_dst) {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        int k = 0;
        for (; k + 4 <= K; k += 4) transpose_4x4(src + r * ld_src + k, ld_src, dst + k * ld_dst + r, ld_dst);
        for (; k < K; k++)
            for (int q = r; q < r + 4; q++) dst[k * ld_dst + q] = src[q * ld_src + k];
    }
    for (; r < rows; r++)
        for (int k = 0; k < K; k++) dst[k * ld_dst + r] = src[r * ld_src + k];
}

// Rows [0, m) of op(A) (m x K, starting at A) into panels of MR rows: panel p holds rows
// p*MR .. p*MR + MR-1 as dst[p*K*MR + k*MR + r]. Rows past m are zeros.
static void pack_a(int trans_a, const float *A, int lda, int m, int K, int MR, float *dst) {
    for (int p0 = 0; p0 < m; p0 += MR, dst += (size_t)K * MR) {
        int rows = m - p0 < MR ? m - p0 : MR;
        if (!trans_a) {   // row i of A is contiguous: it goes down a column of the panel
            transpose_rows(A + (size_t)p0 * lda, (size_t)lda, rows, K, dst, (size_t)MR);
        } else {          // op(A)(i, k) = A[k][i]: MR neighbours in row k of A
            for (int k = 0; k < K; k++) copy_floats(dst + (size_t)k * MR, A + (size_t)k * lda + p0, rows);
        }
        for (int k = 0; k < K && rows < MR; k++)
            for (int r = rows; r < MR; r++) dst[(size_t)k * MR + r] = 0.0f;
    }
}

// Columns [0, n) of op(B) (K x n, starting at B) into panels of NR columns: panel p holds
// columns p*NR .. p*NR + NR-1 as dst[p*K*NR + k*NR + c]. Columns past n are zeros.
static void pack_b(int trans_b, const float *B, int ldb, int n, int K, int NR, float *dst) {
    for (int p0 = 0; p0 < n; p0 += NR, dst += (size_t)K * NR) {
        int cols = n - p0 < NR ? n - p0 : NR;
        if (!trans_b) {   // row k of op(B) is contiguous: copy NR of it
            for (int k = 0; k < K; k++) copy_floats(dst + (size_t)k * NR, B + (size_t)k * ldb + p0, cols);
        } else {          // op(B)(k, j) = B[j][k]: row j of B goes down column c of the panel
            transpose_rows(B + (size_t)p0 * ldb, (size_t)ldb, cols, K, dst, (size_t)NR);
        }
        for (int k = 0; k < K && cols < NR; k++)
            for (int c = cols; c < NR; c++) dst[(size_t)k * NR + c] = 0.0f;
    }
}

// ---- one thread's block ----------------------------------------------------------------------

// The packed panels live in per-thread buffers that grow to the largest product seen and are
// then reused, so a product costs no allocation (one thread never packs into another's).
typedef struct Scratch {
    float *a, *b;          // packed op(A) block (mc x K), packed op(B) block (K x nc)
    size_t a_cap, b_cap;   // their sizes in floats
} Scratch;
static _Thread_local Scratch t_scratch;

static float *scratch_grow(float **buf, size_t *cap, size_t floats) {
    if (floats > *cap) {
        free(*buf);
        size_t bytes = (sizeof(float) * floats + 63) / 64 * 64;
        *buf = aligned_alloc(64, bytes);
        if (!*buf) die("gemm: out of memory for a %zu-byte packing buffer", bytes);
        *cap = floats;
    }
    return *buf;
}

// Cache budgets, in floats: the A block (mc x K) is re-read for every NR columns, so it should
// stay in L2; the B block (K x nc) is re-read for every mc rows, so it should stay in L3.
enum { A_BLOCK_FLOATS = 96 * 1024, B_BLOCK_FLOATS = 512 * 1024 };

// x rounded down to a multiple of unit, at least unit.
static int round_down(int x, int unit) {
    int r = x / unit * unit;
    return r < unit ? unit : r;
}

static void gemm_block(const GemmKernel *kern, int trans_a, int trans_b, int M, int N, int K,
                       const float *A, int lda, const float *B, int ldb, float beta, float *C,
                       int ldc) {
    const int MR = kern->mr, NR = kern->nr;
    int mc = round_down(A_BLOCK_FLOATS / K, MR), nc = round_down(B_BLOCK_FLOATS / K, NR);
    if (mc > M) mc = (M + MR - 1) / MR * MR;
    if (nc > N) nc = (N + NR - 1) / NR * NR;
    float *apack = scratch_grow(&t_scratch.a, &t_scratch.a_cap, (size_t)mc * K);
    float *bpack = scratch_grow(&t_scratch.b, &t_scratch.b_cap, (size_t)nc * K);
    for (int jc = 0; jc < N; jc += nc) {
        int n = N - jc < nc ? N - jc : nc;
        pack_b(trans_b, trans_b ? B + (size_t)jc * ldb : B + jc, ldb, n, K, NR, bpack);
        for (int ic = 0; ic < M; ic += mc) {
            int m = M - ic < mc ? M - ic : mc;
            pack_a(trans_a, trans_a ? A + ic : A + (size_t)ic * lda, lda, m, K, MR, apack);
            for (int jr = 0; jr < n; jr += NR)
                for (int ir = 0; ir < m; ir += MR)
                    kern->run(K, apack + (size_t)ir * K, bpack + (size_t)jr * K, beta,
                              C + (size_t)(ic + ir) * ldc + jc + jr, ldc,
                              m - ir < MR ? m - ir : MR, n - jr < NR ? n - jr : NR);
        }
    }
}

// ---- gemm ------------------------------------------------------------------------------------

// Below this many multiply-adds a product runs on one thread: starting the others would cost
// more than it saves (a few microseconds, much more when the cores are busy elsewhere).
#define PARALLEL_MIN_WORK (1 << 22)

void gemm(int trans_a, int trans_b, int M, int N, int K, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {   // an empty sum: C = beta * C
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float *c = &C[(size_t)i * ldc + j];
                *c = beta == 0.0f ? 0.0f : beta * *c;
            }
        return;
    }
    const GemmKernel *kern = pick_kernel(M, N);
    int threads = 1;
#ifdef _OPENMP
    if ((double)M * N * K >= PARALLEL_MIN_WORK && !omp_in_parallel()) threads = omp_get_max_threads();
#endif
    if (threads == 1) {
        gemm_block(kern, trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    // Cut the longer side of C into `threads` blocks of whole tiles (so the packing each
    // thread repeats, of the OTHER operand, is the smaller one).
    int split_rows = M > N, unit = split_rows ? kern->mr : kern->nr;
    int tiles = ((split_rows ? M : N) + unit - 1) / unit;
    if (threads > tiles) threads = tiles;
#pragma omp parallel num_threads(threads)
    {
#ifdef _OPENMP
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
        int t = 0, nt = 1;
#endif
        int from = (int)((long long)tiles * t / nt) * unit, to = (int)((long long)tiles * (t + 1) / nt) * unit;
        if (split_rows) {
            if (to > M) to = M;
            if (from < to)
                gemm_block(kern, trans_a, trans_b, to - from, N, K,
                           trans_a ? A + from : A + (size_t)from * lda, lda, B, ldb, beta,
                           C + (size_t)from * ldc, ldc);
        } else {
            if (to > N) to = N;
            if (from < to)
                gemm_block(kern, trans_a, trans_b, M, to - from, K, A, lda,
                           trans_b ? B + (size_t)from * ldb : B + from, ldb, beta, C + from, ldc);
        }
    }
}
