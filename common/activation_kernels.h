// activation_kernels.h: tanh and sigmoid over a float array, fast. Introduced for the benchmarks
// (issue 8), after profiling showed glibc's scalar tanhf and expf taking a third of an LSTM step.
//
// Two versions of each, side by side in activation_kernels.c:
//   * tanh_libm / sigmoid_libm: the obvious loops over libm's tanhf / expf, correctly rounded
//     or nearly so, one element at a time (glibc has no vector tanhf);
//   * tanh_kernel / sigmoid_kernel: the same functions from one exponential, e^x = 2^n e^r,
//     written without branches or calls so that the compiler turns the loop into SIMD code
//     (4 floats per SSE instruction, 8 per AVX2). At most 3 ulp from the exact value
//     (tests/check_activation_kernels.c sweeps the whole float range against double precision).
// tanh_forward / sigmoid_forward (ops.h), and so every cell and chapter, use the kernels;
// `make LIBM_ACTIVATIONS=1` builds everything with the libm versions instead.
// Both kernels give the same bits on every x86-64 machine: no fused multiply-add, and the CPU
// only changes how many lanes run at once, not what each lane computes.
#ifndef UNROLLED_ACTIVATION_KERNELS_H
#define UNROLLED_ACTIVATION_KERNELS_H

void tanh_libm(float *out, const float *inp, int n);
void sigmoid_libm(float *out, const float *inp, int n);
void tanh_kernel(float *out, const float *inp, int n);
void sigmoid_kernel(float *out, const float *inp, int n);

#endif
