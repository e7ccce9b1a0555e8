// seq_mask.c: see seq_mask.h. Introduced with the LSTM (issue 5).
#include "seq_mask.h"

#include "ops.h"
#include "util.h"

const float *length_mask(Tape *tp, const int *lengths, int T, int B) {
    int all_full = 1;
    for (int b = 0; b < B; b++) {
        if (lengths[b] < 0 || lengths[b] > T)
            die("length %d of sequence %d is outside [0, %d] (the padded length)", lengths[b], b, T);
        all_full &= lengths[b] == T;
    }
    if (all_full) return NULL;
    float *mask = arena_alloc(&tp->arena, sizeof(float) * (size_t)T * B);   // (T, B)
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) mask[(size_t)t * B + b] = t < lengths[b] ? 1.0f : 0.0f;
    return mask;
}

Tensor *mask_padded_steps(Tape *tp, Tensor *out, const float *mask) {
    if (!mask) return out;
    int T = out->shape[0], B = out->shape[1], H = out->size / (T * B);
    Tensor *keep = tensor_new(tp, out->ndim, out->shape);   // (T, B, H) the mask, repeated over H
    for (int tb = 0; tb < T * B; tb++)
        for (int j = 0; j < H; j++) keep->data[(size_t)tb * H + j] = mask[tb];
    return op_mul(tp, out, keep);
}
