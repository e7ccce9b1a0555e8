// gradcheck.c: see gradcheck.h.
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

static double eval_loss(Tape *tp, BuildLoss build_loss, void *ctx) {
    tape_reset(tp);
    tp->no_grad = 1;
    double loss = build_loss(tp, ctx)->data[0];
    tp->no_grad = 0;
    return loss;
}

GradcheckResult gradcheck(Params *P, BuildLoss build_loss, void *ctx, float eps, double rtol,
                          double atol, int max_per_tensor) {
    GradcheckResult r = {0};
    Tape tape;
    tape_init(&tape, 64u << 20, NULL);

    // 1. analytic gradients
    params_zero_grad(P);
    Tensor *loss = build_loss(&tape, ctx);
    tape_backward(&tape, loss);
    float *analytic = xmalloc(sizeof(float) * (P->size ? P->size : 1));
    memcpy(analytic, P->grad, sizeof(float) * P->size);

    // 2. numeric gradients, element by element
    Rng pick;
    rng_seed(&pick, 1234);
    for (int k = 0; k < P->n; k++) {
        Tensor *t = P->list[k];
        int count = (max_per_tensor > 0 && max_per_tensor < t->size) ? max_per_tensor : t->size;
        for (int c = 0; c < count; c++) {
            int i = count == t->size ? c : (int)rng_below(&pick, (uint32_t)t->size);
            float saved = t->data[i];
            t->data[i] = saved + eps;
            double plus = eval_loss(&tape, build_loss, ctx);
            t->data[i] = saved - eps;
            double minus = eval_loss(&tape, build_loss, ctx);
            t->data[i] = saved;
            // the step actually taken in float (saved + eps is rounded)
            double step = (double)(saved + eps) - (double)(saved - eps);
            double numeric = (plus - minus) / step;
            double a = analytic[(t->grad - P->grad) + i];
            double err = fabs(a - numeric);
            r.checked++;
            int bad = !(err <= atol + rtol * fabs(numeric));
            if (bad) r.failed++;
            if (err > r.max_abs_err || (bad && r.failed == 1) || isnan(err)) {
                r.max_abs_err = isnan(err) ? INFINITY : err;
                r.worst_name = t->name;
                r.worst_index = i;
                r.worst_analytic = a;
                r.worst_numeric = numeric;
            }
        }
    }
    free(analytic);
    tape_free(&tape);
    return r;
}
