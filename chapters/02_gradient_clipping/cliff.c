// cliff.c: see cliff.h. Chapter 02.
#include "cliff.h"

#include <math.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double cliff_loss_grad(double w, double b, double *dw, double *db) {
    double x[CLIFF_STEPS + 1];
    x[0] = 0.5;
    for (int t = 1; t <= CLIFF_STEPS; t++) x[t] = w * sigmoid(x[t - 1]) + b;
    double loss = (x[CLIFF_STEPS] - 0.7) * (x[CLIFF_STEPS] - 0.7);

    // BPTT: dL/dx_T = 2 (x_T - 0.7); each step back multiplies by w sigmoid'(x_{t-1}).
    double dx = 2.0 * (x[CLIFF_STEPS] - 0.7), gw = 0.0, gb = 0.0;
    for (int t = CLIFF_STEPS; t >= 1; t--) {
        double s = sigmoid(x[t - 1]);
        gw += dx * s;                 // x_t = w s + b  =>  dL/dw += dL/dx_t * s
        gb += dx;                     //                    dL/db += dL/dx_t
        dx = dx * w * s * (1.0 - s);  // dL/dx_{t-1} = dL/dx_t * w sigmoid'(x_{t-1})
    }
    if (dw) *dw = gw;
    if (db) *db = gb;
    return loss;
}

int cliff_descent(double w0, double b0, double lr, double clip, int steps, double *path,
                  double *max_grad_norm) {
    double w = w0, b = b0;
    *max_grad_norm = 0.0;
    path[0] = w, path[1] = b;
    int n = 1;
    for (int s = 0; s < steps; s++) {
        double gw, gb;
        double loss = cliff_loss_grad(w, b, &gw, &gb);
        double norm = sqrt(gw * gw + gb * gb);
        if (!isfinite(loss) || !isfinite(norm)) break;
        if (norm > *max_grad_norm) *max_grad_norm = norm;
        if (clip > 0.0 && norm > clip) {  // the same rule as clip_grad_norm in common/optim.c
            gw *= clip / norm;
            gb *= clip / norm;
        }
        w -= lr * gw;
        b -= lr * gb;
        path[2 * n] = w, path[2 * n + 1] = b;
        n++;
    }
    return n;
}
