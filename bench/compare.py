#!/usr/bin/env python3
"""bench/compare.py: unrolled (bin/bench) and PyTorch (bench/torch_ref.py), row by row.

    make bench-compare                      (runs bench/compare.sh, which runs this)
    python3 bench/compare.py --threads 1 --quick --only lstm_h512

For each row it runs bin/bench, then torch_ref.py, one row at a time and alternating, so a
machine that gets busier during the run slows both sides alike. It prints C ms, PyTorch ms,
C/PyTorch (below 1: unrolled is faster), and for the matmul rows GFLOP/s and their ratio;
then checks issue 8's targets: every recurrent layer row (rnn, lstm, gru) at most 0.7x
PyTorch's time, the training steps at bentrevett's shapes (seq2seq_bentrevett, and issue 12's
attention_bentrevett) at most 1.0x, matmul_512 at least 0.7x PyTorch's GFLOP/s; the small
training steps are reported without a target. It writes bench/results.csv and bench/results_torch.csv.

Needs only the standard library; the PyTorch side runs with --python (default: this
interpreter). compare.sh checks that PyTorch is importable before calling this.
"""
import argparse
import csv
import io
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECURRENT_TARGET, MATMUL_TARGET, STEP_TARGET = 0.7, 0.7, 1.0


def rows_of(bench):
    """The implemented row names, in bin/bench's order."""
    out = subprocess.run([bench, "--list"], check=True, capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines()
            if line.strip() and "not measured yet" not in line]


def run_one(name, cmd, csv_path, env=None):
    """Run one side for one row; return its CSV row (a dict) and the header lines it printed."""
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        sys.exit(f"compare: {' '.join(cmd)} failed (exit {p.returncode})")
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    head = [line for line in p.stdout.splitlines()
            if line and not line.startswith(("row ", "wrote ", name))]
    return rows[0], head


def write_csv(path, rows):
    fields = ["name", "shape", "threads", "runs", "median_ms", "gflops", "peak_rss_mb"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r[k] for k in fields})
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cpu-time", action="store_true",
                    help="both sides time CPU seconds instead of wall-clock (steadier on a busy "
                         "machine; with several threads, spinning threads count too)")
    ap.add_argument("--only")
    ap.add_argument("--bench", default=os.path.join(ROOT, "bin", "bench"))
    ap.add_argument("--python", default=sys.executable, help="the Python that has PyTorch")
    ap.add_argument("--blas-env", choices=["unset", "as-is"], default="unset",
                    help="PyTorch side: unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (default: "
                         "OpenBLAS then picks its AVX-512 kernels here, measured faster and "
                         "checked correct; see BENCHMARKS.md) or keep the environment as it is")
    a = ap.parse_args()
    if not os.access(a.bench, os.X_OK):
        sys.exit(f"compare: {a.bench} is missing (HINT: make bench)")
    names = rows_of(a.bench)
    if a.only:
        if a.only not in names:
            sys.exit(f"compare: no row named '{a.only}' (rows: {' '.join(names)})")
        names = [a.only]
    torch_env = dict(os.environ)
    if a.blas_env == "unset":
        torch_env.pop("OPENBLAS_CORETYPE", None)
        torch_env.pop("OPENBLAS_L2_SIZE", None)
    common = ["--threads", str(a.threads)] + (["--quick"] if a.quick else []) \
        + (["--cpu-time"] if a.cpu_time else [])
    c_csv, t_csv = os.path.join(HERE, f".c-{os.getpid()}.csv"), os.path.join(HERE, f".t-{os.getpid()}.csv")
    c_rows, t_rows, heads = [], [], None
    load_before = os.getloadavg()[0]
    try:
        for i, name in enumerate(names):
            print(f"[{i + 1}/{len(names)}] {name} ...", file=sys.stderr, flush=True)
            c, c_head = run_one(name, [a.bench, "--only", name, "--csv", c_csv] + common, c_csv)
            t, t_head = run_one(name, [a.python, os.path.join(HERE, "torch_ref.py"), "--only", name,
                                 "--csv", t_csv] + common, t_csv, env=torch_env)
            c_rows.append(c)
            t_rows.append(t)
            heads = heads or (c_head, t_head)
    finally:
        for p in (c_csv, t_csv):
            if os.path.exists(p):
                os.remove(p)

    print("\n".join(heads[0]))
    print("\n".join(heads[1]))
    print(f"PyTorch side: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE {a.blas_env}; rows alternate C, PyTorch.")
    load_after, cores = os.getloadavg()[0], os.cpu_count()
    print(f"load average {load_before:.1f} before the run (ours adds about --threads), "
          f"{load_after:.1f} after, on {cores} cores"
          + ("\nOTHER PROGRAMS WERE RUNNING: wall-clock ratios are unreliable (try --cpu-time)"
             if load_before > 0.5 * cores else ""))
    print()
    print(f"{'row':<20} {'C ms':>10} {'torch ms':>10} {'C/torch':>8} {'C GFLOP/s':>10} "
          f"{'torch GFLOP/s':>14} {'GFLOP/s C/torch':>16} {'C MB':>7} {'torch MB':>9}  target")
    missed = []
    for c, t in zip(c_rows, t_rows):
        name = c["name"]
        ratio = float(c["median_ms"]) / float(t["median_ms"])
        gratio = float(c["gflops"]) / float(t["gflops"])
        is_matmul = name.startswith("matmul_")
        if is_matmul:
            flops = f"{float(c['gflops']):10.1f} {float(t['gflops']):14.1f} {gratio:16.2f}"
        else:
            flops = f"{'':10} {'':14} {'':16}"
        if name == "matmul_512":
            ok = gratio >= MATMUL_TARGET
            target = f"GFLOP/s >= {MATMUL_TARGET}x: {'met' if ok else 'MISSED'}"
        elif name.startswith(("rnn_", "lstm_", "gru_")):
            ok = ratio <= RECURRENT_TARGET
            target = f"time <= {RECURRENT_TARGET}x: {'met' if ok else 'MISSED'}"
        elif name.endswith("_bentrevett"):
            ok = ratio <= STEP_TARGET
            target = f"time <= {STEP_TARGET}x: {'met' if ok else 'MISSED'}"
        else:
            ok, target = True, ""
        if not ok:
            missed.append(name)
        print(f"{name:<20} {float(c['median_ms']):10.3f} {float(t['median_ms']):10.3f} {ratio:8.2f} "
              f"{flops} {float(c['peak_rss_mb']):7.1f} {float(t['peak_rss_mb']):9.1f}  {target}")
    print()
    print("targets: " + ("all met" if not missed else "missed for " + ", ".join(missed)))
    if not a.only:
        write_csv(os.path.join(HERE, "results.csv"), c_rows)
        write_csv(os.path.join(HERE, "results_torch.csv"), t_rows)
        print("wrote bench/results.csv and bench/results_torch.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
