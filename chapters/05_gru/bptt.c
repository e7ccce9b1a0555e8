// bptt.c: see bptt.h. Chapter 05.
#include "bptt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "util.h"

double bptt_log10_norm(const float *v, int n) {
    double sq = 0.0;
    for (int i = 0; i < n; i++) sq += (double)v[i] * v[i];
    return sq > 0.0 ? 0.5 * log10(sq) : -INFINITY;
}

int bptt_last_zero_row(const float *rows, int T, int H) {
    for (int t = T; t >= 0; t--) {
        int all_zero = 1;
        for (int j = 0; j < H && all_zero; j++) all_zero = rows[(size_t)t * H + j] == 0.0f;
        if (all_zero) return t;
    }
    return -1;
}

// ---- the weights, whatever the cell -------------------------------------------------------------
// G rows per weight: H for the RNN, 4H (i f g o) for the LSTM, 3H (r z n) for the GRU.
typedef struct CellWeights {
    CellKind kind;
    int H, G;
    const float *W_ih, *W_hh;   // (G, 1), (G, H)
    const float *b_ih, *b_hh;   // (G), (G)
} CellWeights;

static CellWeights cell_weights(const RecurrentLayer *l) {
    CellWeights w;
    memset(&w, 0, sizeof w);
    w.kind = l->kind;
    const Tensor *W_ih, *W_hh, *b_ih, *b_hh;
    switch (l->kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        W_ih = l->cell.rnn.weight_ih, W_hh = l->cell.rnn.weight_hh;
        b_ih = l->cell.rnn.bias_ih, b_hh = l->cell.rnn.bias_hh;
        w.H = l->cell.rnn.hidden, w.G = w.H;
        break;
    case CELL_LSTM:
        W_ih = l->cell.lstm.weight_ih, W_hh = l->cell.lstm.weight_hh;
        b_ih = l->cell.lstm.bias_ih, b_hh = l->cell.lstm.bias_hh;
        w.H = l->cell.lstm.hidden, w.G = 4 * w.H;
        break;
    case CELL_GRU:
        W_ih = l->cell.gru.weight_ih, W_hh = l->cell.gru.weight_hh;
        b_ih = l->cell.gru.bias_ih, b_hh = l->cell.gru.bias_hh;
        w.H = l->cell.gru.hidden, w.G = 3 * w.H;
        break;
    default:
        die("bptt: unknown cell kind %d", (int)l->kind);
    }
    if (W_ih->shape[1] != 1) die("bptt: the layer must have 1 input, not %d", W_ih->shape[1]);
    w.W_ih = W_ih->data, w.W_hh = W_hh->data, w.b_ih = b_ih->data, w.b_hh = b_hh->data;
    return w;
}

static double sigmoid_d(double a) { return 1.0 / (1.0 + exp(-a)); }

static double norm2_d(const double *v, int n) {
    double sq = 0.0;
    for (int i = 0; i < n; i++) sq += v[i] * v[i];
    return sqrt(sq);
}

// What the forward keeps for the backward, every step t = 0..T (row 0 is the initial state).
typedef struct Trajectory {
    double *h;      // (T + 1, H)
    double *c;      // (T + 1, H) LSTM: the cell; unused otherwise
    double *acts;   // (T + 1, G) the gates after their nonlinearities: LSTM i f g o, GRU r z n
    double *aux;    // (T + 1, H) LSTM: tanh(c_t); GRU: gh_n = W_hn h_{t-1} + b_hn
} Trajectory;

// ---- forward, one step, x_t = 1 -------------------------------------------------------------------
static void forward_step(const CellWeights *w, Trajectory *tr, int t) {
    int H = w->H, G = w->G;
    const double *hp = tr->h + (size_t)(t - 1) * H;
    double *h = tr->h + (size_t)t * H, *act = tr->acts + (size_t)t * G, *aux = tr->aux + (size_t)t * H;
    // the recurrent product, kept apart from the input part (the GRU needs gh_n alone)
    for (int r = 0; r < G; r++) {
        double gh = w->b_hh[r];
        for (int j = 0; j < H; j++) gh += (double)w->W_hh[(size_t)r * H + j] * hp[j];
        double gx = (double)w->W_ih[r] + w->b_ih[r];   // W_ih x_t + b_ih with x_t = 1
        if (w->kind == CELL_GRU && r >= 2 * H) {
            aux[r - 2 * H] = gh;   // gh_n: n needs it apart, r * gh_n
            act[r] = gx;           // gx_n for now
        } else {
            act[r] = gx + gh;      // pre-activation
        }
    }
    switch (w->kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        for (int j = 0; j < H; j++) h[j] = w->kind == CELL_RNN_TANH ? tanh(act[j]) : fmax(act[j], 0.0);
        break;
    case CELL_LSTM: {
        double *c = tr->c + (size_t)t * H;
        const double *cp = tr->c + (size_t)(t - 1) * H;
        for (int r = 0; r < G; r++) act[r] = (r >= 2 * H && r < 3 * H) ? tanh(act[r]) : sigmoid_d(act[r]);
        for (int j = 0; j < H; j++) {
            c[j] = act[H + j] * cp[j] + act[j] * act[2 * H + j];   // c = f c_prev + i g
            aux[j] = tanh(c[j]);
            h[j] = act[3 * H + j] * aux[j];                      // h = o tanh(c)
        }
        break;
    }
    case CELL_GRU:
        for (int j = 0; j < 2 * H; j++) act[j] = sigmoid_d(act[j]);   // r, z
        for (int j = 0; j < H; j++) {
            double r = act[j], z = act[H + j];
            double n = act[2 * H + j] = tanh(act[2 * H + j] + r * aux[j]);   // n = tanh(gx_n + r gh_n)
            h[j] = (1.0 - z) * n + z * hp[j];
        }
        break;
    }
}

// ---- backward, one step -----------------------------------------------------------------------------
// dh (H) = dL/dh_t and, for the LSTM, dc (H) = dL/dc_t from step t + 1 on (the cell path). On
// return they hold dL/dh_{t-1} and dL/dc_{t-1}. da (G) is scratch. Every gate reads h_{t-1}
// through W_hh, so dL/dh_{t-1} = W_hh^T da plus, in the GRU, the direct path z * dh.
static void backward_step(const CellWeights *w, const Trajectory *tr, int t, double *dh, double *dc,
                          double *da) {
    int H = w->H, G = w->G;
    const double *act = tr->acts + (size_t)t * G, *aux = tr->aux + (size_t)t * H;
    const double *h = tr->h + (size_t)t * H, *hp = tr->h + (size_t)(t - 1) * H;
    switch (w->kind) {
    case CELL_RNN_TANH:
    case CELL_RNN_RELU:
        // da = f'(a) dh: chapter 01's factor
        for (int j = 0; j < H; j++)
            da[j] = dh[j] * (w->kind == CELL_RNN_TANH ? 1.0 - h[j] * h[j] : (h[j] > 0.0 ? 1.0 : 0.0));
        break;
    case CELL_LSTM: {
        const double *cp = tr->c + (size_t)(t - 1) * H;
        for (int j = 0; j < H; j++) {
            double i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j];
            double dc_all = dc[j] + dh[j] * o * (1.0 - aux[j] * aux[j]);   // cell path + via h_t
            da[j] = dc_all * g * i * (1.0 - i);
            da[H + j] = dc_all * cp[j] * f * (1.0 - f);
            da[2 * H + j] = dc_all * i * (1.0 - g * g);
            da[3 * H + j] = dh[j] * aux[j] * o * (1.0 - o);
            dc[j] = dc_all * f;   // along the cell: times f_t
        }
        break;
    }
    case CELL_GRU:
        // h = (1 - z) n + z h_prev,  n = tanh(gx_n + r gh_n):  da is d(gh), the recurrent part
        for (int j = 0; j < H; j++) {
            double r = act[j], z = act[H + j], n = act[2 * H + j];
            double da_n = dh[j] * (1.0 - z) * (1.0 - n * n);
            da[j] = da_n * aux[j] * r * (1.0 - r);               // reset gate
            da[H + j] = dh[j] * (hp[j] - n) * z * (1.0 - z);    // update gate
            da[2 * H + j] = da_n * r;                            // gh_n enters n as r * gh_n
        }
        break;
    }
    for (int j = 0; j < H; j++) {
        double acc = w->kind == CELL_GRU ? dh[j] * act[H + j] : 0.0;   // GRU: the highway, z dh
        for (int r = 0; r < G; r++) acc += (double)w->W_hh[(size_t)r * H + j] * da[r];
        da[G + j] = acc;   // dL/dh_{t-1}, parked after da until every j is done
    }
    memcpy(dh, da + G, sizeof(double) * (size_t)H);
}

void bptt_log10_norms(const RecurrentLayer *l, int T, double *log_dh, double *gate) {
    CellWeights w = cell_weights(l);
    int H = w.H, G = w.G;
    Trajectory tr;
    tr.h = xcalloc((size_t)(T + 1) * H, sizeof(double));      // h_0 = 0
    tr.c = xcalloc((size_t)(T + 1) * H, sizeof(double));      // c_0 = 0
    tr.acts = xcalloc((size_t)(T + 1) * G, sizeof(double));
    tr.aux = xcalloc((size_t)(T + 1) * H, sizeof(double));
    double *dh = xmalloc(sizeof(double) * (size_t)H);         // dL/dh_t, rescaled
    double *dc = xcalloc((size_t)H, sizeof(double));          // dL/dc_t along the cell, rescaled
    double *da = xmalloc(sizeof(double) * (size_t)(G + H));   // (G) gate gradients | (H) result

    for (int t = 1; t <= T; t++) forward_step(&w, &tr, t);
    if (gate) {
        int at = w.kind == CELL_LSTM || w.kind == CELL_GRU ? H : -1;   // f and z: the second block
        for (int t = 0; t <= T; t++)
            for (int j = 0; j < H; j++)
                gate[(size_t)t * H + j] = (t > 0 && at >= 0) ? tr.acts[(size_t)t * G + at + j] : 0.0;
    }

    // After each step back, dh and dc are divided by their joint norm s and log10 s is added to
    // log_scale: the true gradient is 10^log_scale times the stored one. BPTT is linear in the
    // gradient, so this changes nothing but the range of numbers that can be represented.
    for (int j = 0; j < H; j++) dh[j] = 1.0;   // L = sum_j h_T[j]
    double log_scale = 0.0;
    for (int t = T; t >= 1; t--) {
        log_dh[t] = log_scale + log10(norm2_d(dh, H));
        backward_step(&w, &tr, t, dh, dc, da);
        double s = sqrt(norm2_d(dh, H) * norm2_d(dh, H) + norm2_d(dc, H) * norm2_d(dc, H));
        if (s > 0.0) {
            for (int j = 0; j < H; j++) dh[j] /= s, dc[j] /= s;
            log_scale += log10(s);
        }
    }
    log_dh[0] = log_scale + log10(norm2_d(dh, H));
    free(tr.h), free(tr.c), free(tr.acts), free(tr.aux), free(dh), free(dc), free(da);
}

// ---- float32, by autograd ---------------------------------------------------------------------------

void bptt_f32_grads(const RecurrentLayer *l, int T, float *dh) {
    CellWeights w = cell_weights(l);
    int H = w.H;
    Tape tp;
    // per step about 6 tensors of up to G floats, each with its grad, plus the cell's saved values
    tape_init(&tp, (size_t)(T + 1) * ((size_t)w.G * 64u + 4096u) + (1u << 20), NULL);
    Tensor *x = tensor_new(&tp, 2, (int[]){1, 1});   // x_t = 1, the same every step: (B = 1, I = 1)
    x->data[0] = 1.0f;
    Tensor **hs = xmalloc(sizeof(Tensor *) * (size_t)(T + 1));
    Tensor *c = NULL;
    hs[0] = tensor_zeros(&tp, 2, (int[]){1, H});
    tensor_requires_grad(&tp, hs[0]);   // we want dL/dh_0 too
    if (w.kind == CELL_LSTM) {
        c = tensor_zeros(&tp, 2, (int[]){1, H});
        tensor_requires_grad(&tp, c);
    }
    for (int t = 1; t <= T; t++) {
        Tensor *h = hs[t - 1];
        switch (l->kind) {   // one step of common/'s fused cell, as its layer_forward runs it
        case CELL_RNN_TANH:
        case CELL_RNN_RELU: {
            const RNNLayer *r = &l->cell.rnn;
            Tensor *pre = op_add(&tp, op_linear(&tp, x, r->weight_ih, r->bias_ih), op_linear(&tp, h, r->weight_hh, r->bias_hh));
            hs[t] = op_rnn_cell(&tp, pre, h, NULL, r->f);
            break;
        }
        case CELL_LSTM: {
            const LSTMLayer *m = &l->cell.lstm;
            Tensor *gates = op_add(&tp, op_linear(&tp, x, m->weight_ih, m->bias_ih), op_linear(&tp, h, m->weight_hh, m->bias_hh));
            Tensor *hc = op_lstm_cell(&tp, gates, h, c, NULL);   // (2, B, H)
            hs[t] = op_select(&tp, hc, 0);
            c = op_select(&tp, hc, 1);
            break;
        }
        case CELL_GRU: {
            const GRULayer *g = &l->cell.gru;
            hs[t] = op_gru_cell(&tp, op_linear(&tp, x, g->weight_ih, g->bias_ih), op_linear(&tp, h, g->weight_hh, g->bias_hh),
                                h, NULL);
            break;
        }
        }
    }
    tape_backward(&tp, op_sum(&tp, hs[T]));   // L = sum_j h_T[j]
    for (int t = 0; t <= T; t++) memcpy(dh + (size_t)t * H, hs[t]->grad, sizeof(float) * (size_t)H);
    free(hs);
    tape_free(&tp);
}
