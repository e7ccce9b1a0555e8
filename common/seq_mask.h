// seq_mask.h: padding masks for batches of sequences of different lengths.
// Introduced with the LSTM (issue 5); every recurrent layer (RNN, LSTM, GRU, bidirectional)
// and attention use it.
//
// A padded batch holds B sequences in a (T, B, ...) tensor; sequence b is real for
// t < lengths[b] and padding after. The mask is (T, B): mask[t*B + b] = 1 on real steps, 0 on
// padding. Recurrent cells carry their state unchanged where the mask is 0, which is how a
// padded batch computes exactly what PyTorch's packed sequences compute.
#ifndef UNROLLED_SEQ_MASK_H
#define UNROLLED_SEQ_MASK_H

#include "tensor.h"

// The (T, B) mask in the tape's arena, or NULL when every length is T (nothing to mask).
// Lengths outside [0, T] are fatal.
const float *length_mask(Tape *tp, const int *lengths, int T, int B);

// out (T, B, H) with every padded step set to 0 (what pad_packed_sequence returns): a
// multiplication by the mask repeated over H, so the gradient at padded steps is 0 too.
// Returns out itself when mask is NULL.
Tensor *mask_padded_steps(Tape *tp, Tensor *out, const float *mask);

#endif
