// gradcheck.h: compare autograd's gradients with central finite differences.
//
// Put every tensor whose gradient you want checked into a Params (inputs too: for the check
// they are just more parameters), and write a function that builds the loss from them on a
// fresh tape. gradcheck() runs it once with backward to get the analytic gradients, then
// for (a sample of) every element x computes
//     numeric = (L(x + eps) - L(x - eps)) / (2 eps)      (the sum in double)
// and compares: |analytic - numeric| <= atol + rtol * |numeric|.
// Anything random inside the loss (a dropout mask) must be re-seeded inside build_loss, so
// every evaluation sees the same draw.
#ifndef UNROLLED_GRADCHECK_H
#define UNROLLED_GRADCHECK_H

#include "params.h"
#include "tensor.h"

typedef Tensor *(*BuildLoss)(Tape *tp, void *ctx);

typedef struct GradcheckResult {
    int checked;              // elements compared
    int failed;               // elements outside the tolerance
    double max_abs_err;
    const char *worst_name;   // parameter of the worst element
    int worst_index;
    double worst_analytic, worst_numeric;
} GradcheckResult;

// max_per_tensor: check at most this many elements of each tensor (chosen with a fixed
// seed), 0 for all. eps in the units of the parameters.
GradcheckResult gradcheck(Params *P, BuildLoss build_loss, void *ctx, float eps, double rtol,
                          double atol, int max_per_tensor);

// ck_assert that the result passed, with a message naming the worst element.
#define ck_assert_gradcheck(res, label)                                                       \
    ck_assert_msg((res).failed == 0 && (res).checked > 0,                                      \
                  "%s: %d of %d gradient elements off; worst %s[%d]: analytic %.7g, "          \
                  "numeric %.7g",                                                              \
                  (label), (res).failed, (res).checked, (res).worst_name ? (res).worst_name : "-", \
                  (res).worst_index, (res).worst_analytic, (res).worst_numeric)

#endif
