// activation_kernels.c: see activation_kernels.h. Introduced for the benchmarks (issue 8).
//
// The loops below have no branches and no calls, so GCC turns each into SIMD code (the Makefile's
// -fvect-cost-model=dynamic and -fno-trapping-math, which say why they change no result).
// `target_clones` builds each kernel twice, for AVX2 and for baseline x86-64 (SSE2), and the
// loader picks the one for the CPU it finds: 8 or 4 floats per instruction, the same bits.
#include "activation_kernels.h"

#include <math.h>
#include <stdint.h>

// ---- the obvious versions --------------------------------------------------------------------
void tanh_libm(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) out[i] = tanhf(inp[i]);
}
void sigmoid_libm(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) out[i] = 1.0f / (1.0f + expf(-inp[i]));
}

// ---- one exponential, e^x = 2^n (1 + p) ------------------------------------------------------
// Split x = n ln2 + r with n = round(x / ln2), so |r| <= ln2 / 2. Then e^x = 2^n e^r, and
// 2^n is made by writing n + 127 into a float's exponent bits. What remains, p = e^r - 1 on
// |r| <= 0.347, is a short polynomial: Taylor to r^7, whose first left-out term
// r^8 / 8! < 6e-9 is below float's rounding (6e-8). Keeping p = e^r - 1 rather than e^r lets
// tanh form e^{2a} - 1 without cancellation when a is small.
typedef struct {
    float scale;   // 2^n
    float p;       // e^r - 1
} ExpParts;

static inline ExpParts exp_parts(float x) {   // x in [-87, 88]: 2^n stays a normal float
    const float log2e = 1.44269504f;
    const float ln2_hi = 0.693145751953125f;   // ln 2 = ln2_hi + ln2_lo, ln2_hi has 16 bits,
    const float ln2_lo = 1.428606765330187e-06f;   // so n * ln2_hi is exact for |n| < 2^8
    const float round_magic = 12582912.0f;    // 1.5 * 2^23: adding it rounds to an integer
    union { float value; uint32_t bits; } shifted = {.value = x * log2e + round_magic};
    float n = shifted.value - round_magic;   // the low bits of `shifted` now hold n itself
    float r = (x - n * ln2_hi) - n * ln2_lo;
    float q = 1.0f / 5040.0f;   // Horner: p = r + r^2 (1/2 + r (1/6 + r (1/24 + ...)))
    q = q * r + 1.0f / 720.0f;
    q = q * r + 1.0f / 120.0f;
    q = q * r + 1.0f / 24.0f;
    q = q * r + 1.0f / 6.0f;
    q = q * r + 0.5f;
    // 2^n: the biased exponent n + 127 in bits 23-30. Unsigned arithmetic wraps where n < 0
    // and is defined for any input, NaN included (a NaN x gives a NaN p, so a NaN result).
    const uint32_t magic_bits = 0x4B400000u;   // the bits of round_magic
    union { uint32_t bits; float value; } two_to_n = {
        .bits = (shifted.bits - magic_bits + 127u) << 23};
    return (ExpParts){.scale = two_to_n.value, .p = r + r * r * q};
}

// ---- the kernels ------------------------------------------------------------------------------
// tanh(x) = sign(x) (e^{2a} - 1) / (e^{2a} + 1) with a = |x|. Past a = 9.02 the float nearest
// tanh is exactly 1 (1 - tanh(a) < 3e-8, half the gap below 1), so a is clamped at 9.1, which
// also keeps e^{2a} finite. e^{2a} - 1 = 2^n p + (2^n - 1): both terms exact, one rounding.
__attribute__((target_clones("avx2", "default")))
void tanh_kernel(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        float a = fabsf(x);
        a = a > 9.1f ? 9.1f : a;
        ExpParts e = exp_parts(2.0f * a);
        float em1 = e.scale * e.p + (e.scale - 1.0f);   // e^{2a} - 1
        out[i] = copysignf(em1 / (em1 + 2.0f), x);
    }
}

// sigmoid(x) = 1 / (1 + e^{-x}). Past |x| = 87 the clamp keeps 2^n a normal float; the answer
// there is 1 (x > 87) or below 2e-38 (x < -88), where PyTorch's float sigmoid also flushes.
__attribute__((target_clones("avx2", "default")))
void sigmoid_kernel(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) {
        float m = -inp[i];
        m = m < -87.0f ? -87.0f : m;
        m = m > 88.0f ? 88.0f : m;
        ExpParts e = exp_parts(m);
        float e_minus_x = e.scale * e.p + e.scale;   // e^{-x}
        out[i] = 1.0f / (1.0f + e_minus_x);
    }
}
