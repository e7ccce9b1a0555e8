#!/usr/bin/env python3
"""bench/torch_ref.py: bin/bench's workloads in PyTorch, timed the same way.

    python3 bench/torch_ref.py                  every row, all cores -> bench/results_torch.csv
    python3 bench/torch_ref.py --threads 1      one core (torch.set_num_threads, OMP/OpenBLAS too)
    python3 bench/torch_ref.py --quick          1 warm-up + 3 timed runs per row
    python3 bench/torch_ref.py --only lstm_h512
    python3 bench/torch_ref.py --cpu-time       CPU seconds instead of wall-clock (busy machines)

Same method as bench/bench.c: each row runs in its own child process (its peak resident
memory comes from os.wait4); the child builds the workload, runs it WARMUP_RUNS times, then
times single runs until it has MIN_RUNS and has spent TIME_BUDGET_S, or has MAX_RUNS, and
reports the median. Same row names, shapes and losses:
  * matmul_*: torch.mm(..., out=C), the transposed operands passed as .t() views (so BLAS gets
    the transpose flags, as gemm does);
  * rnn_*: nn.RNN(1, H, nonlinearity='tanh'), T = 1000, loss = h_n.sum();
  * lstm_*: nn.LSTM(64, H), T = 50, B = 64, loss = out.sum();
  * gru_*: nn.GRU(64, H), the same shapes, loss = out.sum();
each forward + backward after zero_grad(set_to_none=True);
  * seq2seq_*: one training step of bentrevett notebook 1's Seq2Seq (the model chapter 04
    reproduces): Encoder/Decoder with embeddings, dropout 0.5, nn.LSTM(E, H, L, dropout=0.5),
    fc_out, the decoder looped step by step with teacher forcing 0.5 (random.random() per step),
    CrossEntropyLoss(ignore_index=<pad>) over outputs[1:], backward, clip_grad_norm_(1), Adam;
  * attention_*: the same step of bentrevett notebook 3's model (the one chapter 07 reproduces):
    bidirectional GRU encoder, tanh(fc([h_fwd; h_bwd])), additive attention at every decoder
    step, GRU decoder over [emb; weighted], fc_out over [output; weighted; emb], N(0, 0.01).
Every child also checks its numbers against float64 (a wrong BLAS build fails loudly).
The peak memory includes the Python interpreter and libtorch (about 150-250 MB).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# ---- the timing method (keep in step with bench/bench.c) -----------------------------------
WARMUP_RUNS, MIN_RUNS, MAX_RUNS, TIME_BUDGET_S = 3, 10, 200, 2.0
QUICK_WARMUP_RUNS, QUICK_RUNS = 1, 3

# ---- the rows (the same names and shapes as bench/bench.c) ---------------------------------
# (name, shape, kind, args)
ROWS = [
    ("matmul_256", "256x256 . 256x256 (NN)", "matmul", (0, 0, 256, 256, 256)),
    ("matmul_512", "512x512 . 512x512 (NN)", "matmul", (0, 0, 512, 512, 512)),
    ("matmul_1024", "1024x1024 . 1024x1024 (NN)", "matmul", (0, 0, 1024, 1024, 1024)),
    ("matmul_lstm_fwd", "128x768 . (2048x768)^T (NT)", "matmul", (0, 1, 128, 2048, 768)),
    ("matmul_lstm_dx", "128x2048 . 2048x768 (NN)", "matmul", (0, 0, 128, 768, 2048)),
    ("matmul_lstm_dw", "(128x2048)^T . 128x768 (TN)", "matmul", (1, 0, 2048, 768, 128)),
    ("rnn_h32_b1", "T=1000 B=1 I=1 H=32", "rnn", (1000, 1, 1, 32)),
    ("rnn_h32_b32", "T=1000 B=32 I=1 H=32", "rnn", (1000, 32, 1, 32)),
    ("rnn_h128_b1", "T=1000 B=1 I=1 H=128", "rnn", (1000, 1, 1, 128)),
    ("rnn_h128_b32", "T=1000 B=32 I=1 H=128", "rnn", (1000, 32, 1, 128)),
    ("lstm_h128", "T=50 B=64 I=64 H=128", "lstm", (50, 64, 64, 128)),
    ("lstm_h512", "T=50 B=64 I=64 H=512", "lstm", (50, 64, 64, 512)),
    ("gru_h128", "T=50 B=64 I=64 H=128", "gru", (50, 64, 64, 128)),
    ("gru_h512", "T=50 B=64 I=64 H=512", "gru", (50, 64, 64, 512)),
]

# ---- one training step of chapter 04's model (bentrevett notebook 1) -------------------------
# args = (E embedding, H hidden, L layers, source vocabulary, target vocabulary, B, T lengths)
SEQ2SEQ_ROWS = [
    ("seq2seq_small", "E=64 H=128 L=1 V=1000/1000 B=64 T=12", "seq2seq", (64, 128, 1, 1000, 1000, 64, 12)),
    ("seq2seq_bentrevett", "E=256 H=512 L=2 V=7853/5893 B=128 T=14", "seq2seq",
     (256, 512, 2, 7853, 5893, 128, 14)),
]
# One training step of chapter 07's model (bentrevett notebook 3); args as above, L unused.
ATTENTION_ROWS = [
    ("attention_small", "E=64 H=128 V=1000/1000 B=64 T=12", "attention", (64, 128, 1, 1000, 1000, 64, 12)),
    ("attention_bentrevett", "E=256 H=512 V=7853/5893 B=128 T=14", "attention",
     (256, 512, 1, 7853, 5893, 128, 14)),
]
ALL_ROWS = ROWS + SEQ2SEQ_ROWS + ATTENTION_ROWS


def flops(kind, args):
    """Floating-point operations per run (for the recurrent rows: the matrix products only)."""
    if kind == "matmul":
        return 2.0 * args[2] * args[3] * args[4]
    if kind not in ("rnn", "lstm", "gru"):
        return float("nan")
    T, B, I, H = args
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    ih, hh = 2.0 * T * B * I * gates * H, 2.0 * T * B * H * gates * H
    return 2.0 * ih + 3.0 * hh


# ---- the workloads (run in the child process) -----------------------------------------------
def setup_matmul(torch, args):
    ta, tb, M, N, K = args
    g = torch.Generator().manual_seed(1)
    A = torch.rand(K, M, generator=g) * 2 - 1 if ta else torch.rand(M, K, generator=g) * 2 - 1
    B = torch.rand(N, K, generator=g) * 2 - 1 if tb else torch.rand(K, N, generator=g) * 2 - 1
    opA, opB = (A.t() if ta else A), (B.t() if tb else B)
    C = torch.empty(M, N)

    def run():
        torch.mm(opA, opB, out=C)

    def check():
        run()
        want = opA.double() @ opB.double()
        return ((C.double() - want).abs().max() / want.abs().max()).item()
    return run, check


def setup_recurrent(torch, kind, args):
    T, B, I, H = args
    torch.manual_seed(1)
    if kind == "rnn":
        model = torch.nn.RNN(I, H, nonlinearity="tanh")
    elif kind == "gru":
        model = torch.nn.GRU(I, H)
    else:
        model = torch.nn.LSTM(I, H)
    x = torch.rand(T, B, I) * 2 - 1

    def loss_of(m, inp):
        out, state = m(inp)
        return state.sum() if kind == "rnn" else out.sum()

    def run():
        model.zero_grad(set_to_none=True)
        loss_of(model, x).backward()

    def check():
        import copy
        with torch.no_grad():
            got = loss_of(model, x).item()
            want = loss_of(copy.deepcopy(model).double(), x.double()).item()
        return abs(got - want) / max(abs(want), 1e-30)
    return run, check


def training_step(torch, model, V_src, V_tgt, B, T):
    """One Seq2Seq training step as bentrevett's train_fn (the model's forward takes src, trg and
    the teacher-forcing ratio), on a fixed batch of B sentences of T ids, and its float64 check."""
    import copy
    nn = torch.nn
    PAD, SOS, EOS, N_SPECIALS = 1, 2, 3, 4
    model.train()
    opt = torch.optim.Adam(model.parameters())
    crit = nn.CrossEntropyLoss(ignore_index=PAD)

    def sentences(V):
        ids = torch.randint(N_SPECIALS, V, (T, B))
        ids[0], ids[-1] = SOS, EOS
        return ids
    src, trg = sentences(V_src), sentences(V_tgt)

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(src, trg, 0.5)
        loss = crit(out[1:].view(-1, V_tgt), trg[1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    def check():
        # float32 against float64 on the same weights (eval mode, teacher forcing 1).
        with torch.no_grad():
            def loss_of(m):
                m.eval()
                out = m(src, trg, 1.0)
                return crit(out[1:].view(-1, V_tgt), trg[1:].reshape(-1)).item()
            got = loss_of(model)
            want = loss_of(copy.deepcopy(model).double())
            model.train()
        return abs(got - want) / abs(want)
    return step, check


def setup_seq2seq(torch, args):
    import random
    nn = torch.nn
    E, H, L, V_src, V_tgt, B, T = args
    torch.manual_seed(1)
    random.seed(1)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V_src, E)
            self.rnn = nn.LSTM(E, H, L, dropout=0.5 if L > 1 else 0.0)
            self.dropout = nn.Dropout(0.5)

        def forward(self, src):
            _, (hidden, cell) = self.rnn(self.dropout(self.embedding(src)))
            return hidden, cell

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V_tgt, E)
            self.rnn = nn.LSTM(E, H, L, dropout=0.5 if L > 1 else 0.0)
            self.fc_out = nn.Linear(H, V_tgt)
            self.dropout = nn.Dropout(0.5)

        def forward(self, inp, hidden, cell):
            out, (hidden, cell) = self.rnn(self.dropout(self.embedding(inp.unsqueeze(0))), (hidden, cell))
            return self.fc_out(out.squeeze(0)), hidden, cell

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = Encoder(), Decoder()

        def forward(self, src, trg, teacher_forcing_ratio):
            outputs = torch.zeros(T, B, V_tgt, dtype=self.decoder.fc_out.weight.dtype)
            hidden, cell = self.encoder(src)
            inp = trg[0]
            for t in range(1, T):
                output, hidden, cell = self.decoder(inp, hidden, cell)
                outputs[t] = output
                inp = trg[t] if random.random() < teacher_forcing_ratio else output.argmax(1)
            return outputs

    model = Seq2Seq()
    for p in model.parameters():
        nn.init.uniform_(p.data, -0.08, 0.08)
    return training_step(torch, model, V_src, V_tgt, B, T)


def setup_attention(torch, args):
    import random
    nn = torch.nn
    F = torch.nn.functional
    E, H, _, V_src, V_tgt, B, T = args
    torch.manual_seed(1)
    random.seed(1)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V_src, E)
            self.rnn = nn.GRU(E, H, bidirectional=True)
            self.fc = nn.Linear(2 * H, H)
            self.dropout = nn.Dropout(0.5)

        def forward(self, src):
            outputs, hidden = self.rnn(self.dropout(self.embedding(src)))
            hidden = torch.tanh(self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1)))
            return outputs, hidden

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.Linear(2 * H + H, H)
            self.v = nn.Linear(H, 1, bias=False)

        def forward(self, hidden, encoder_outputs):
            src_len = encoder_outputs.shape[0]
            hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)
            encoder_outputs = encoder_outputs.permute(1, 0, 2)
            energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
            return F.softmax(self.v(energy).squeeze(2), dim=1)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = Attention()
            self.embedding = nn.Embedding(V_tgt, E)
            self.rnn = nn.GRU(2 * H + E, H)
            self.fc_out = nn.Linear(2 * H + H + E, V_tgt)
            self.dropout = nn.Dropout(0.5)

        def forward(self, inp, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(inp.unsqueeze(0)))
            a = self.attention(hidden, encoder_outputs).unsqueeze(1)
            weighted = torch.bmm(a, encoder_outputs.permute(1, 0, 2)).permute(1, 0, 2)
            output, hidden = self.rnn(torch.cat((embedded, weighted), dim=2), hidden.unsqueeze(0))
            prediction = self.fc_out(torch.cat((output.squeeze(0), weighted.squeeze(0), embedded.squeeze(0)), dim=1))
            return prediction, hidden.squeeze(0)

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = Encoder(), Decoder()

        def forward(self, src, trg, teacher_forcing_ratio):
            outputs = torch.zeros(T, B, V_tgt, dtype=self.decoder.fc_out.weight.dtype)
            encoder_outputs, hidden = self.encoder(src)
            inp = trg[0]
            for t in range(1, T):
                output, hidden = self.decoder(inp, hidden, encoder_outputs)
                outputs[t] = output
                inp = trg[t] if random.random() < teacher_forcing_ratio else output.argmax(1)
            return outputs

    model = Seq2Seq()
    for name, p in model.named_parameters():
        if "weight" in name:
            nn.init.normal_(p.data, mean=0, std=0.01)
        else:
            nn.init.constant_(p.data, 0)
    return training_step(torch, model, V_src, V_tgt, B, T)


SETUP = {
    "matmul": setup_matmul,
    "rnn": lambda torch, args: setup_recurrent(torch, "rnn", args),
    "lstm": lambda torch, args: setup_recurrent(torch, "lstm", args),
    "gru": lambda torch, args: setup_recurrent(torch, "gru", args),
    "seq2seq": setup_seq2seq,
    "attention": setup_attention,
}


def child(name, quick, cpu_time):
    """Time one row in this process; print one JSON line."""
    clock = time.process_time if cpu_time else time.perf_counter
    import torch
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    row = {r[0]: r for r in ALL_ROWS}[name]
    _, _, kind, args = row
    run, check = SETUP[kind](torch, args)
    rel_err = check()
    warmup = QUICK_WARMUP_RUNS if quick else WARMUP_RUNS
    min_runs, max_runs = (QUICK_RUNS, QUICK_RUNS) if quick else (MIN_RUNS, MAX_RUNS)
    budget = 0.0 if quick else TIME_BUDGET_S
    for _ in range(warmup):
        run()
    times, start = [], clock()
    while len(times) < max_runs and (len(times) < min_runs or clock() - start < budget):
        t0 = clock()
        run()
        times.append(clock() - t0)
    print(json.dumps({"median_ms": 1e3 * statistics.median(times), "runs": len(times),
                      "rel_err": rel_err, "threads": torch.get_num_threads()}))


# ---- the parent: one child per row ----------------------------------------------------------
def openblas_core():
    """Which OpenBLAS kernel set this environment selects (None if OpenBLAS is not there)."""
    try:
        import ctypes
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


def run_child(name, threads, quick, cpu_time):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name] + (["--quick"] if quick else []) \
        + (["--cpu-time"] if cpu_time else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"torch_ref: row {name} failed in its child process (exit {proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024.0   # Linux: kilobytes
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only")
    ap.add_argument("--csv", default="bench/results_torch.csv")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time the process's CPU seconds (all threads) instead of wall-clock seconds")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.quick, a.cpu_time)
        return 0
    try:
        import torch
    except ImportError:
        print("torch_ref: PyTorch is not installed (Debian: apt-get install python3-torch); "
              "skipping the PyTorch reference")
        return 0
    names = [r[0] for r in ALL_ROWS]
    if a.only and a.only not in names:
        sys.exit(f"torch_ref: no row named '{a.only}' (rows: {' '.join(names)})")
    if a.threads < 1:
        sys.exit("torch_ref: --threads wants a positive number")
    warm, runs = (QUICK_WARMUP_RUNS, f"{QUICK_RUNS} timed runs (--quick)") if a.quick else \
        (WARMUP_RUNS, f"{MIN_RUNS} to {MAX_RUNS} timed runs (at least {TIME_BUDGET_S:.0f} s)")
    print(f"PyTorch {torch.__version__} reference: {a.threads} thread{'s' if a.threads > 1 else ''}; "
          f"each row: {warm} warm-up run{'s' if warm > 1 else ''}, then the MEDIAN of {runs}"
          + (", in CPU time (--cpu-time)" if a.cpu_time else ""))
    core = openblas_core()
    print(f"BLAS: OpenBLAS, {core} kernels" if core else "BLAS: not OpenBLAS", "| OPENBLAS_CORETYPE=" +
          os.environ.get("OPENBLAS_CORETYPE", "(unset)"), "OPENBLAS_L2_SIZE=" +
          os.environ.get("OPENBLAS_L2_SIZE", "(unset)"))
    print("GFLOP/s of the rnn/lstm/gru rows counts their matrix products only; peak MB includes "
          "Python + libtorch.")
    print(f"{'row':<20} {'shape':<40} {'median ms':>10} {'runs':>5} {'GFLOP/s':>9} {'peak MB':>9}")
    lines = ["name,shape,threads,runs,median_ms,gflops,peak_rss_mb"]
    wrong = []
    for name, shape, kind, args in ALL_ROWS:
        if a.only and name != a.only:
            continue
        if kind is None:
            print(f"{name:<20} {shape:<40} {'not measured yet':>10}")
            continue
        r = run_child(name, a.threads, a.quick, a.cpu_time)
        gflops = flops(kind, args) / (r["median_ms"] * 1e6)
        bad = r["rel_err"] > (1e-4 if kind == "matmul" else 1e-3)
        if bad:
            wrong.append(name)
        print(f"{name:<20} {shape:<40} {r['median_ms']:10.3f} {r['runs']:5d} {gflops:9.1f} "
              f"{r['peak_rss_mb']:9.1f}" + (f"  WRONG: relative error {r['rel_err']:.2g}" if bad else ""),
              flush=True)
        lines.append(f"{name},{shape},{a.threads},{r['runs']},{r['median_ms']:.4f},{gflops:.2f},"
                     f"{r['peak_rss_mb']:.1f}")
    # atomically, like common/fileio.h: write a temporary file, then rename it over the CSV
    folder = os.path.dirname(os.path.abspath(a.csv))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(a.csv)}.tmp-{os.getpid()}")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, a.csv)
    print(f"wrote {a.csv}")
    if wrong:
        sys.exit(f"torch_ref: PyTorch computed wrong numbers for {', '.join(wrong)} "
                 "(check OPENBLAS_CORETYPE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
