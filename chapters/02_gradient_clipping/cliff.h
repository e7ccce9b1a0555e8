// cliff.h: chapter 02's one-unit RNN with a cliff in its loss surface (Pascanu, Mikolov and
// Bengio 2013, "On the difficulty of training recurrent neural networks", section 3 / Fig. 6):
//
//     x_t = w * sigmoid(x_{t-1}) + b,    x_0 = 0.5,    L(w, b) = (x_50 - 0.7)^2
//
// For most (w, b) the loss changes smoothly, but along a curve the map x -> w sigmoid(x) + b
// gains or loses a fixed point and x_50 jumps: a wall where the gradient is enormous. Plain
// gradient descent that lands on the wall takes a step of that enormous size.
#ifndef CH02_CLIFF_H
#define CH02_CLIFF_H

#define CLIFF_STEPS 50

// L(w, b) and, by backpropagation through the 50 steps, dL/dw and dL/db (in double).
double cliff_loss_grad(double w, double b, double *dw, double *db);

// Gradient descent from (w0, b0): `steps` updates with learning rate lr; if clip > 0, the
// gradient (dw, db) is rescaled to norm `clip` whenever its norm exceeds it. path (steps + 1,
// 2) receives every (w, b) visited; max_grad_norm the largest gradient norm seen.
// Returns the number of points written (it stops early if the loss becomes non-finite).
int cliff_descent(double w0, double b0, double lr, double clip, int steps, double *path,
                  double *max_grad_norm);

#endif
