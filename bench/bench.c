// bench/bench.c: how fast is unrolled? The workloads of issue 8, timed the way
// bench/torch_ref.py times the same workloads in PyTorch, so `make bench-compare` can put the
// two side by side.
//
//     bin/bench                      every row, all cores, writes bench/results.csv
//     bin/bench --threads 1          one core (the OpenMP thread count; results do not change)
//     bin/bench --quick              a smoke run: 1 warm-up and 3 timed runs per row
//     bin/bench --only lstm_h512     one row (--list prints the names)
//     bin/bench --cpu-time           CPU seconds instead of wall-clock (steadier on a busy machine)
//     make bench-compare             this and bench/torch_ref.py, row by row (bench/compare.py)
//
// Method. Each row runs in its own child process (fork), so the peak resident memory the
// parent reads back with wait4() (ru_maxrss) is that row's alone. The child builds the
// workload, runs it WARMUP_RUNS times untimed, then times single runs until it has at least
// MIN_RUNS and has spent TIME_BUDGET_S, or has MAX_RUNS; the row reports the MEDIAN run.
// bench/torch_ref.py uses the same constants.
//
// The rows:
//   * matmul_*: gemm() with beta = 0, GFLOP/s = 2 M N K / time. Square 256/512/1024, and the
//     three products of a linear layer at the 2-layer LSTM step of the bentrevett model
//     (batch 128, [x | h] of 256 + 512 = 768 inputs, 4H = 2048 gate pre-activations):
//     forward y = x W^T (NT), backward dx = dy W (NN) and dW = dy^T x (TN);
//   * rnn_*: chapter 01's vanilla tanh RNN (common/rnn.h) over T = 1000 steps, input size 1,
//     forward + backward of loss = sum(h_T), parameter grads zeroed first;
//   * lstm_*: one LSTM layer (common/lstm.h), batch 64, 50 steps, input 64, forward + backward
//     of loss = sum(out);
//   * gru_*: one GRU layer (common/gru.h), the same shapes as the LSTM rows;
//   * seq2seq_*: one training step of chapter 04's Seq2Seq LSTM (common/lstm_seq2seq.h), the
//     step the chapter trains with: embeddings and dropout 0.5, encoder, decoder step by step
//     with teacher forcing 0.5, cross-entropy, backward, clip_grad_norm(1), Adam. The batch is
//     fixed: B sentences of T ids each (<sos>, T - 2 random words, <eos>), on both sides;
//   * attention_*: the same step of chapter 07's model (chapters/07_attention/bahdanau.h,
//     bentrevett notebook 3: bidirectional GRU encoder, additive attention, GRU decoder).
// For the recurrent rows, GFLOP/s counts the matrix products only (forward and backward).
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "fileio.h"
#include "gemm.h"
#include "gru.h"
#include "lstm.h"
#include "lstm_seq2seq.h"
#include "../chapters/07_attention/bahdanau.h"
#include "optim.h"
#include "ops.h"
#include "params.h"
#include "rnn.h"
#include "util.h"
#include "vocab.h"

// ---- the timing method (keep in step with bench/torch_ref.py) -----------------------------
enum { WARMUP_RUNS = 3, MIN_RUNS = 10, MAX_RUNS = 200 };
#define TIME_BUDGET_S 2.0
enum { QUICK_WARMUP_RUNS = 1, QUICK_RUNS = 3 };

// Wall-clock time; with --cpu-time, the CPU time of the whole process instead (every thread,
// spinning included): steadier than wall time on a machine that is busy with other work.
static clockid_t g_clock = CLOCK_MONOTONIC;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(g_clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// ---- workloads -------------------------------------------------------------------------
// A row names a workload kind and its sizes; the kind's setup builds everything once,
// `run` is the timed part, `teardown` frees it.

typedef struct Row Row;
typedef struct Workload {
    void *(*setup)(const Row *row);
    void (*run)(void *state);
    void (*teardown)(void *state);
    double (*flops)(const Row *row);   // floating-point operations per run, or NULL
} Workload;

struct Row {
    const char *name;      // what --only takes, and the CSV key torch_ref.py matches
    const char *shape;     // printed beside the name
    const Workload *kind;  // NULL: a row whose model is not in common/ yet (the Seq2Seq steps), printed as such
    int arg[8];            // the kind's sizes, see each kind below
};

static void fill_uniform(float *x, size_t n, Rng *rng) {
    for (size_t i = 0; i < n; i++) x[i] = rng_uniform(rng, -1.0f, 1.0f);
}

// -- matmul: arg = {trans_a, trans_b, M, N, K}: C (M, N) = op(A) (M, K) . op(B) (K, N)
typedef struct MatmulState {
    int ta, tb, M, N, K;
    float *A, *B, *C;
} MatmulState;

static void *matmul_setup(const Row *row) {
    MatmulState *s = xmalloc(sizeof *s);
    s->ta = row->arg[0], s->tb = row->arg[1], s->M = row->arg[2], s->N = row->arg[3], s->K = row->arg[4];
    Rng rng;
    rng_seed(&rng, 1);
    s->A = xmalloc(sizeof(float) * (size_t)s->M * s->K);
    s->B = xmalloc(sizeof(float) * (size_t)s->K * s->N);
    s->C = xmalloc(sizeof(float) * (size_t)s->M * s->N);
    fill_uniform(s->A, (size_t)s->M * s->K, &rng);
    fill_uniform(s->B, (size_t)s->K * s->N, &rng);
    return s;
}

static void matmul_run(void *state) {
    MatmulState *s = state;
    int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
    gemm(s->ta, s->tb, s->M, s->N, s->K, s->A, lda, s->B, ldb, 0.0f, s->C, s->N);
}

static void matmul_teardown(void *state) {
    MatmulState *s = state;
    free(s->A), free(s->B), free(s->C), free(s);
}

static double matmul_flops(const Row *row) {
    return 2.0 * row->arg[2] * row->arg[3] * row->arg[4];
}

static const Workload MATMUL = {matmul_setup, matmul_run, matmul_teardown, matmul_flops};

// -- recurrent layers: arg = {T, B, I, H}
// Products per run: the input projection x W_ih^T once forward and dW_ih once backward (x
// needs no gradient); the recurrent h W_hh^T once forward, dh and dW_hh backward.
static double recurrent_flops(const Row *row, int gates) {
    double T = row->arg[0], B = row->arg[1], I = row->arg[2], H = row->arg[3];
    double ih = 2.0 * T * B * I * gates * H, hh = 2.0 * T * B * H * gates * H;
    return 2.0 * ih + 3.0 * hh;
}
static double rnn_flops(const Row *row) { return recurrent_flops(row, 1); }
static double lstm_flops(const Row *row) { return recurrent_flops(row, 4); }
static double gru_flops(const Row *row) { return recurrent_flops(row, 3); }

typedef struct RecurrentState {
    int T, B, I, H;
    Params P;
    Rng rng;
    RNN rnn;
    LSTM lstm;
    GRU gru;
    Tape inputs;   // holds x (T, B, I), never reset
    Tensor *x;
    Tape tape;     // one run's activations, reset every run
} RecurrentState;

static RecurrentState *recurrent_setup(const Row *row) {
    RecurrentState *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->T = row->arg[0], s->B = row->arg[1], s->I = row->arg[2], s->H = row->arg[3];
    params_init(&s->P);
    rng_seed(&s->rng, 1);
    tape_init(&s->inputs, sizeof(float) * (size_t)s->T * s->B * s->I + 4096, NULL);
    s->x = tensor_3d(&s->inputs, s->T, s->B, s->I);
    fill_uniform(s->x->data, (size_t)s->x->size, &s->rng);
    // Every step keeps a handful of (B, 4H) activations and their grads: reserve plenty of
    // address space; only the pages a run touches count towards the resident memory.
    size_t per_step = sizeof(float) * (size_t)s->B * (size_t)(s->I + 4 * s->H) * 16 + 4096;
    tape_init(&s->tape, per_step * (size_t)s->T + ((size_t)64 << 20), &s->rng);
    return s;
}

static void recurrent_teardown(void *state) {
    RecurrentState *s = state;
    tape_free(&s->tape);
    tape_free(&s->inputs);
    params_free(&s->P);
    free(s);
}

static void *rnn_setup(const Row *row) {
    RecurrentState *s = recurrent_setup(row);
    s->rnn = rnn_create(&s->P, &s->rng, "rnn", s->I, s->H, 1, RNN_TANH, 0.0f);
    return s;
}

// loss = sum(h_T): chapter 01's question, how much of it reaches every earlier step.
static void rnn_run(void *state) {
    RecurrentState *s = state;
    tape_reset(&s->tape);
    params_zero_grad(&s->P);
    RNNOutput r = rnn_forward(&s->tape, &s->rnn, s->x, NULL, NULL);
    tape_backward(&s->tape, op_sum(&s->tape, r.h_n));
}

static const Workload RNN_LAYER = {rnn_setup, rnn_run, recurrent_teardown, rnn_flops};

static void *lstm_setup(const Row *row) {
    RecurrentState *s = recurrent_setup(row);
    s->lstm = lstm_create(&s->P, &s->rng, "lstm", s->I, s->H, 1, 0.0f);
    return s;
}

// loss = sum(out): every step's output receives a gradient.
static void lstm_run(void *state) {
    RecurrentState *s = state;
    tape_reset(&s->tape);
    params_zero_grad(&s->P);
    LSTMOutput r = lstm_forward(&s->tape, &s->lstm, s->x, NULL, NULL, NULL);
    tape_backward(&s->tape, op_sum(&s->tape, r.out));
}

static const Workload LSTM_LAYER = {lstm_setup, lstm_run, recurrent_teardown, lstm_flops};

static void *gru_setup(const Row *row) {
    RecurrentState *s = recurrent_setup(row);
    s->gru = gru_create(&s->P, &s->rng, "gru", s->I, s->H, 1, 0.0f);
    return s;
}

// loss = sum(out), as the LSTM rows.
static void gru_run(void *state) {
    RecurrentState *s = state;
    tape_reset(&s->tape);
    params_zero_grad(&s->P);
    GRUOutput r = gru_forward(&s->tape, &s->gru, s->x, NULL, NULL);
    tape_backward(&s->tape, op_sum(&s->tape, r.out));
}

static const Workload GRU_LAYER = {gru_setup, gru_run, recurrent_teardown, gru_flops};

// -- seq2seq: arg = {E, H, L, V_src, V_tgt, B, T, model}; model 0: chapter 04's LSTM (U(-0.08,
// 0.08), notebook 1), 1: chapter 07's attention model (N(0, 0.01) weights, notebook 3)
typedef struct Seq2SeqState {
    Seq2SeqModel *m;
    Adam adam;
    Rng rng;       // dropout masks and teacher-forcing draws
    Tape tape;
    int *src, *tgt, *len;   // (T, B), (T, B), (B)
    int T, B;
} Seq2SeqState;

static void *seq2seq_setup(const Row *row) {
    Seq2SeqState *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    const int *a = row->arg;
    s->T = a[6], s->B = a[5];
    Seq2SeqConfig cfg = {.emb = a[0], .hidden = a[1], .layers = a[2], .src_vocab = a[3], .tgt_vocab = a[4],
                         .dropout = 0.5f, .init_range = a[7] ? 0.0f : 0.08f, .init_std = a[7] ? 0.01f : 0.0f};
    rng_seed(&s->rng, 1);
    s->m = a[7] ? bahdanau_new(&cfg, &s->rng) : lstm_seq2seq_new(&cfg, &s->rng);
    s->adam = adam_create(&s->m->P, 1e-3f);
    size_t n = (size_t)s->T * s->B;
    s->src = xmalloc(sizeof(int) * n), s->tgt = xmalloc(sizeof(int) * n), s->len = xmalloc(sizeof(int) * s->B);
    for (int t = 0; t < s->T; t++)
        for (int b = 0; b < s->B; b++) {
            int first = t == 0, last = t == s->T - 1;
            int src_word = VOCAB_N_SPECIALS + (int)rng_below(&s->rng, (uint32_t)(a[3] - VOCAB_N_SPECIALS));
            int tgt_word = VOCAB_N_SPECIALS + (int)rng_below(&s->rng, (uint32_t)(a[4] - VOCAB_N_SPECIALS));
            s->src[t * s->B + b] = first ? VOCAB_SOS : last ? VOCAB_EOS : src_word;
            s->tgt[t * s->B + b] = first ? VOCAB_SOS : last ? VOCAB_EOS : tgt_word;
        }
    for (int b = 0; b < s->B; b++) s->len[b] = s->T;
    tape_init(&s->tape, seq2seq_tape_bytes(s->m, s->B, s->T, s->T), &s->rng);
    s->tape.training = 1;
    return s;
}

// One update, as seq2seq_train does it.
static void seq2seq_run(void *state) {
    Seq2SeqState *s = state;
    tape_reset(&s->tape);
    params_zero_grad(&s->m->P);
    Tensor *loss = seq2seq_loss(&s->tape, s->m, s->src, s->len, s->T, s->tgt, s->T, s->B, 0.5f, &s->rng);
    tape_backward(&s->tape, loss);
    clip_grad_norm(&s->m->P, 1.0f);
    adam_step(&s->adam);
}

static void seq2seq_teardown(void *state) {
    Seq2SeqState *s = state;
    tape_free(&s->tape);
    adam_free(&s->adam);
    seq2seq_delete(s->m);
    free(s->src), free(s->tgt), free(s->len), free(s);
}

static const Workload SEQ2SEQ_STEP = {seq2seq_setup, seq2seq_run, seq2seq_teardown, NULL};

// ---- the rows ------------------------------------------------------------------------------
static const Row rows[] = {
    {"matmul_256", "256x256 . 256x256 (NN)", &MATMUL, {0, 0, 256, 256, 256}},
    {"matmul_512", "512x512 . 512x512 (NN)", &MATMUL, {0, 0, 512, 512, 512}},
    {"matmul_1024", "1024x1024 . 1024x1024 (NN)", &MATMUL, {0, 0, 1024, 1024, 1024}},
    {"matmul_lstm_fwd", "128x768 . (2048x768)^T (NT)", &MATMUL, {0, 1, 128, 2048, 768}},
    {"matmul_lstm_dx", "128x2048 . 2048x768 (NN)", &MATMUL, {0, 0, 128, 768, 2048}},
    {"matmul_lstm_dw", "(128x2048)^T . 128x768 (TN)", &MATMUL, {1, 0, 2048, 768, 128}},
    {"rnn_h32_b1", "T=1000 B=1 I=1 H=32", &RNN_LAYER, {1000, 1, 1, 32}},
    {"rnn_h32_b32", "T=1000 B=32 I=1 H=32", &RNN_LAYER, {1000, 32, 1, 32}},
    {"rnn_h128_b1", "T=1000 B=1 I=1 H=128", &RNN_LAYER, {1000, 1, 1, 128}},
    {"rnn_h128_b32", "T=1000 B=32 I=1 H=128", &RNN_LAYER, {1000, 32, 1, 128}},
    {"lstm_h128", "T=50 B=64 I=64 H=128", &LSTM_LAYER, {50, 64, 64, 128}},
    {"lstm_h512", "T=50 B=64 I=64 H=512", &LSTM_LAYER, {50, 64, 64, 512}},
    {"gru_h128", "T=50 B=64 I=64 H=128", &GRU_LAYER, {50, 64, 64, 128}},
    {"gru_h512", "T=50 B=64 I=64 H=512", &GRU_LAYER, {50, 64, 64, 512}},

    // One training step of chapter 04's model.
    // arg = {E embedding, H hidden, L layers, source vocabulary, target vocabulary, B, T lengths}
    {"seq2seq_small", "E=64 H=128 L=1 V=1000/1000 B=64 T=12", &SEQ2SEQ_STEP, {64, 128, 1, 1000, 1000, 64, 12}},
    {"seq2seq_bentrevett", "E=256 H=512 L=2 V=7853/5893 B=128 T=14", &SEQ2SEQ_STEP,
     {256, 512, 2, 7853, 5893, 128, 14}},
    // One training step of chapter 07's model (bentrevett notebook 3), the same arg with model = 1.
    {"attention_small", "E=64 H=128 V=1000/1000 B=64 T=12", &SEQ2SEQ_STEP, {64, 128, 1, 1000, 1000, 64, 12, 1}},
    {"attention_bentrevett", "E=256 H=512 V=7853/5893 B=128 T=14", &SEQ2SEQ_STEP,
     {256, 512, 1, 7853, 5893, 128, 14, 1}},
};
enum { N_ROWS = sizeof rows / sizeof rows[0] };

// ---- running one row in a child process ------------------------------------------------------

typedef struct Options {
    int threads, quick, fork_rows, cpu_time;
    const char *only, *csv;
} Options;

typedef struct Result {
    double median_ms;
    int runs;
    int ok;
} Result;

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Warm up, then time single runs; return the median. (In the child process.)
static Result time_row(const Row *row, const Options *o) {
    int warmup = o->quick ? QUICK_WARMUP_RUNS : WARMUP_RUNS;
    int min_runs = o->quick ? QUICK_RUNS : MIN_RUNS, max_runs = o->quick ? QUICK_RUNS : MAX_RUNS;
    double budget = o->quick ? 0.0 : TIME_BUDGET_S;
    void *state = row->kind->setup(row);
    for (int i = 0; i < warmup; i++) row->kind->run(state);
    double times[MAX_RUNS], start = now_s();
    int runs = 0;
    while (runs < max_runs && (runs < min_runs || now_s() - start < budget)) {
        double t0 = now_s();
        row->kind->run(state);
        times[runs++] = now_s() - t0;
    }
    row->kind->teardown(state);
    qsort(times, (size_t)runs, sizeof(double), compare_doubles);
    double median = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
    return (Result){.median_ms = 1e3 * median, .runs = runs, .ok = 1};
}

static void set_threads(int threads) {
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
}

// The peak resident memory, in MB, of this process so far (for --no-fork runs).
static double self_peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

// Runs the row in a child; *rss_mb gets the child's peak resident memory. The parent never
// starts an OpenMP thread, so each child begins with a clean runtime.
static Result run_row(const Row *row, const Options *o, double *rss_mb) {
    if (!o->fork_rows) {
        set_threads(o->threads);
        Result r = time_row(row, o);
        *rss_mb = self_peak_rss_mb();
        return r;
    }
    int fd[2];
    if (pipe(fd) != 0) die("pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(fd[0]);
        set_threads(o->threads);
        Result r = time_row(row, o);
        ssize_t w = write(fd[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    Result r = {0};
    ssize_t got = read(fd[0], &r, sizeof r);
    close(fd[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0) die("wait4: %s", strerror(errno));
    if (got != (ssize_t)sizeof r || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("row %s failed in its child process (status %d)", row->name, status);
    *rss_mb = ru.ru_maxrss / 1024.0;   // Linux reports kilobytes
    return r;
}

// ---- the command line ------------------------------------------------------------------------

static int all_cores(void) {
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: bin/bench [--threads N] [--quick] [--only NAME] [--csv PATH] [--no-fork] [--cpu-time] [--list]\n"
            "  --threads N   OpenMP threads (default: all %d cores)\n"
            "  --quick       smoke run: %d warm-up + %d timed runs per row\n"
            "  --only NAME   run one row (--list prints the names)\n"
            "  --csv PATH    where the results go (default bench/results.csv)\n"
            "  --no-fork     run every row in this process (for perf/valgrind; the RSS column is\n"
            "                then the process's peak so far)\n"
            "  --cpu-time    time the process's CPU seconds instead of wall-clock seconds (steadier\n"
            "                on a busy machine; with several threads it adds them up)\n",
            all_cores(), QUICK_WARMUP_RUNS, QUICK_RUNS);
}

static Options parse_args(int argc, char **argv) {
    Options o = {.threads = all_cores(), .fork_rows = 1, .csv = "bench/results.csv"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--list")) {
            for (int r = 0; r < N_ROWS; r++) printf("%-20s %s%s\n", rows[r].name, rows[r].shape,
                                                    rows[r].kind ? "" : "  (not measured yet)");
            exit(0);
        } else if (!strcmp(a, "--quick")) {
            o.quick = 1;
        } else if (!strcmp(a, "--no-fork")) {
            o.fork_rows = 0;
        } else if (!strcmp(a, "--cpu-time")) {
            o.cpu_time = 1;
            g_clock = CLOCK_PROCESS_CPUTIME_ID;
        } else if (!strcmp(a, "--threads") && has_value) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf(stderr, "bench: --threads wants a positive number, got '%s'\n", argv[i]);
                exit(EXIT_USAGE);
            }
            o.threads = (int)n;
        } else if (!strcmp(a, "--only") && has_value) {
            o.only = argv[++i];
        } else if (!strcmp(a, "--csv") && has_value) {
            o.csv = argv[++i];
        } else {
            fprintf(stderr, "bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            exit(EXIT_USAGE);
        }
    }
#ifndef _OPENMP
    if (o.threads != 1) {
        fprintf(stderr, "bench: built without OpenMP (OPENMP=0): running on 1 thread\n");
        o.threads = 1;
    }
#endif
    if (o.only) {
        int found = 0;
        for (int r = 0; r < N_ROWS; r++) found |= !strcmp(rows[r].name, o.only);
        if (!found) {
            fprintf(stderr, "bench: no row named '%s' (bin/bench --list prints them)\n", o.only);
            exit(EXIT_USAGE);
        }
    }
    return o;
}

int main(int argc, char **argv) {
    set_program_name("bench");
    Options o = parse_args(argc, argv);
    printf("unrolled bench: %d thread%s; each row: %d warm-up run%s, then the MEDIAN of ",
           o.threads, o.threads == 1 ? "" : "s", o.quick ? QUICK_WARMUP_RUNS : WARMUP_RUNS,
           (o.quick ? QUICK_WARMUP_RUNS : WARMUP_RUNS) == 1 ? "" : "s");
    if (o.quick) printf("%d timed runs (--quick)", QUICK_RUNS);
    else printf("%d to %d timed runs (at least %.0f s)", MIN_RUNS, MAX_RUNS, TIME_BUDGET_S);
    printf("%s\n", o.cpu_time ? ", in CPU time (--cpu-time)" : "");
    printf("gemm kernel: %s.  GFLOP/s of the rnn/lstm/gru rows counts their matrix products only.\n",
           gemm_kernel_name());
    printf("%-20s %-40s %10s %5s %9s %9s\n", "row", "shape", "median ms", "runs", "GFLOP/s",
           "peak MB");

    AtomicFile csv;
    FILE *f = atomic_open_or_die(&csv, o.csv);
    fprintf(f, "name,shape,threads,runs,median_ms,gflops,peak_rss_mb\n");
    for (int r = 0; r < N_ROWS; r++) {
        const Row *row = &rows[r];
        if (o.only && strcmp(row->name, o.only)) continue;
        if (!row->kind) {
            printf("%-20s %-40s %10s\n", row->name, row->shape, "not measured yet");
            continue;
        }
        double rss_mb = 0.0;
        Result res = run_row(row, &o, &rss_mb);
        double gflops = row->kind->flops ? row->kind->flops(row) / (res.median_ms * 1e6) : NAN;
        printf("%-20s %-40s %10.3f %5d %9.1f %9.1f\n", row->name, row->shape, res.median_ms,
               res.runs, gflops, rss_mb);
        fflush(stdout);
        fprintf(f, "%s,%s,%d,%d,%.4f,%.2f,%.1f\n", row->name, row->shape, o.threads, res.runs,
                res.median_ms, gflops, rss_mb);
    }
    atomic_commit_or_die(&csv);
    printf("wrote %s\n", o.csv);
    return 0;
}
