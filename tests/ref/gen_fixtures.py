#!/usr/bin/python3
"""gen_fixtures.py: golden values from PyTorch for the C tests (tests/README.md).

Run by hand from the project root, with the interpreter that has PyTorch 1.13:

    /usr/bin/python3 tests/ref/gen_fixtures.py

It writes five small files, which are committed, so `make test` never needs PyTorch:

    tests/fixtures/ops.bin     forward values and gradients of every op  (check_torch_ops.c)
    tests/fixtures/optim.bin   Adam, SGD with momentum, clip_grad_norm_   (check_torch_ops.c)
    tests/fixtures/lstm.bin    nn.LSTM on packed sequences of different lengths (check_lstm.c)
    tests/fixtures/rnn.bin     nn.RNN (tanh) on packed sequences of different lengths (check_rnn.c)
    tests/fixtures/seq2seq.bin chapter 04's Seq2Seq: one training step, every gradient (check_ch04.c)

Everything is seeded: running it twice gives the same bytes on the same machine.

The format ("UNRF", version 1), every number little-endian:

    char[4] "UNRF"   uint32 version (1)   uint32 count
    then `count` tensors, each:
        uint32 name_len   char name[name_len] (UTF-8, no terminating NUL)
        uint32 dtype      (0 = float32, 1 = int32)
        uint32 ndim       (1 to 4; a scalar is stored with shape (1,))
        int32  shape[ndim]
        dtype  data[prod(shape)]   (row-major)
"""
import os
import random
import struct

import numpy as np
import torch
import torch.nn.functional as F

MAGIC = b"UNRF"
VERSION = 1
DTYPE_F32, DTYPE_I32 = 0, 1
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "fixtures")


class Fixture:
    """An ordered list of named tensors, written in the UNRF format."""

    def __init__(self):
        self.items = []
        self.names = set()

    def add(self, name, value, dtype=None):
        if name in self.names:
            raise ValueError(f"tensor {name} added twice")
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        arr = np.asarray(value)
        if dtype is None:
            dtype = DTYPE_I32 if np.issubdtype(arr.dtype, np.integer) else DTYPE_F32
        arr = arr.astype("<i4" if dtype == DTYPE_I32 else "<f4")
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if not 1 <= arr.ndim <= 4:
            raise ValueError(f"{name}: {arr.ndim} dimensions; the C tensors have 1 to 4")
        self.items.append((name, dtype, np.ascontiguousarray(arr)))
        self.names.add(name)

    def ints(self, name, values):
        self.add(name, np.asarray(values, dtype=np.int32), DTYPE_I32)

    def save(self, filename):
        path = os.path.join(OUT_DIR, filename)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(MAGIC)
            f.write(struct.pack("<II", VERSION, len(self.items)))
            for name, dtype, arr in self.items:
                raw = name.encode("utf-8")
                f.write(struct.pack("<I", len(raw)))
                f.write(raw)
                f.write(struct.pack("<II", dtype, arr.ndim))
                f.write(struct.pack(f"<{arr.ndim}i", *arr.shape))
                f.write(arr.tobytes())
        os.replace(tmp, path)
        print(f"wrote {os.path.relpath(path)}: {len(self.items)} tensors, "
              f"{os.path.getsize(path)} bytes")


def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=torch.float32) * scale


def uniform(lo, hi, *shape):
    return torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo


# ---- ops.bin -------------------------------------------------------------------------------
# One "case" per op: float inputs <case>.x0, <case>.x1, ...; integer arguments <case>.ids /
# <case>.targets / <case>.args; the output <case>.out; a random weight <case>.R of the output's
# shape; and for every input that needs one, the gradient <case>.dxK of loss = sum(out * R).

def op_case(fx, name, fn, inputs, needs_grad=None, ints=None):
    if needs_grad is None:
        needs_grad = [True] * len(inputs)
    xs = [x.clone().requires_grad_(g) for x, g in zip(inputs, needs_grad)]
    out = fn(*xs)
    R = randn(*out.shape) if out.dim() > 0 else randn(1).reshape(())
    (out * R).sum().backward()
    for k, x in enumerate(xs):
        fx.add(f"{name}.x{k}", x)
    for key, values in (ints or {}).items():
        fx.ints(f"{name}.{key}", values)
    fx.add(f"{name}.out", out)
    fx.add(f"{name}.R", R)
    for k, x in enumerate(xs):
        if needs_grad[k]:
            fx.add(f"{name}.dx{k}", x.grad)


def away_from_zero(x, margin=0.1):
    """relu's kink at 0 is not differentiable: keep every input clear of it."""
    return torch.where(x.abs() < margin, torch.full_like(x, 0.5), x)


def gen_ops():
    torch.manual_seed(2)
    fx = Fixture()
    M, K, N = 3, 4, 5
    # matmul: the four transpose combinations, then a (T, B, K) left operand
    for ta in (0, 1):
        for tb in (0, 1):
            a = randn(K, M) if ta else randn(M, K)
            b = randn(N, K) if tb else randn(K, N)
            op_case(fx, f"matmul_{'tn'[ta]}{'tn'[tb]}",
                    lambda a, b, ta=ta, tb=tb: (a.t() if ta else a) @ (b.t() if tb else b),
                    [a, b], ints={"args": [ta, tb]})
    op_case(fx, "matmul_3d", lambda a, b: a @ b, [randn(2, 3, K), randn(K, N)],
            ints={"args": [0, 0]})
    # linear: with a bias and a (T, B, in) input; without a bias
    op_case(fx, "linear", F.linear, [randn(2, 3, 4), randn(5, 4), randn(5)])
    op_case(fx, "linear_nobias", lambda x, w: F.linear(x, w), [randn(3, 4), randn(5, 4)])
    # add / sub / mul: b of a's shape, a bias (H) and a (B, H) suffix, all over a (T, B, H)
    for op_name, fn in (("add", torch.add), ("sub", torch.sub), ("mul", torch.mul)):
        for kind, bshape in (("same", (2, 3, 4)), ("bias", (4,)), ("rows", (3, 4))):
            op_case(fx, f"{op_name}_{kind}", fn, [randn(2, 3, 4), randn(*bshape)])
    op_case(fx, "scale", lambda x: x * -1.7, [randn(3, 4)])
    op_case(fx, "add_scalar", lambda x: x + 0.3, [randn(3, 4)])
    # activations
    op_case(fx, "tanh", torch.tanh, [randn(3, 5, scale=1.5)])
    op_case(fx, "sigmoid", torch.sigmoid, [randn(3, 5, scale=2.0)])
    op_case(fx, "relu", torch.relu, [away_from_zero(randn(3, 5))])
    op_case(fx, "exp", torch.exp, [randn(3, 5)])
    op_case(fx, "log", torch.log, [uniform(0.2, 3.0, 3, 5)])
    # softmax family over the last dimension, leading dimensions included
    op_case(fx, "softmax", lambda x: torch.softmax(x, -1), [randn(2, 3, 6, scale=3.0)])
    op_case(fx, "log_softmax", lambda x: torch.log_softmax(x, -1), [randn(2, 3, 6, scale=3.0)])
    # cross-entropy: ignore_index -100 (PyTorch's default) and a PAD id that is a real class
    targets = [3, -100, 0, 5, -100, 2, 2, -100]
    op_case(fx, "cross_entropy_ignore", lambda x: F.cross_entropy(x, torch.tensor(targets)),
            [randn(8, 6, scale=2.0)], ints={"targets": targets, "args": [-100]})
    targets_pad = [3, 0, 1, 5, 0, 2, 4, 1]
    op_case(fx, "cross_entropy_pad",
            lambda x: F.cross_entropy(x, torch.tensor(targets_pad), ignore_index=0),
            [randn(8, 6, scale=2.0)], ints={"targets": targets_pad, "args": [0]})
    op_case(fx, "mse", F.mse_loss, [randn(3, 4), randn(3, 4)])
    op_case(fx, "sum", torch.sum, [randn(3, 4)])
    op_case(fx, "mean", torch.mean, [randn(3, 4)])
    # embedding: ids (T, B) with repeated ids (1 three times, 4 twice)
    ids = [[1, 4, 0, 1, 6], [2, 1, 4, 3, 5]]
    op_case(fx, "embedding", lambda w: F.embedding(torch.tensor(ids), w), [randn(7, 4)],
            ints={"ids": ids})
    # concat / split on the last dimension; select / stack on the first
    op_case(fx, "concat", lambda a, b, c: torch.cat([a, b, c], -1),
            [randn(2, 3, 2), randn(2, 3, 4), randn(2, 3, 1)])
    op_case(fx, "split", lambda x: x[..., 2:5], [randn(2, 3, 7)], ints={"args": [2, 3]})
    op_case(fx, "select", lambda x: x[2], [randn(4, 3, 2)], ints={"args": [2]})
    op_case(fx, "stack", lambda a, b, c: torch.stack([a, b, c]),
            [randn(3, 4), randn(3, 4), randn(3, 4)])
    fx.save("ops.bin")


# ---- optim.bin -----------------------------------------------------------------------------
# Two parameters, w (4, 3) and b (5), so the C side exercises Params' padded layout.
# <opt>.init.w, <opt>.grad<s>.w (the gradient given at step s), <opt>.step<s>.w (the
# parameter after step s) and the optimiser's state after step s.

def gen_optim():
    torch.manual_seed(3)
    fx = Fixture()
    shapes = {"w": (4, 3), "b": (5,)}
    init = {k: randn(*s) for k, s in shapes.items()}
    grads = [{k: randn(*s, scale=0.5 * (s_i + 1)) for k, s in shapes.items()}
             for s_i in range(3)]
    for k in shapes:
        fx.add(f"init.{k}", init[k])
        for s in range(3):
            fx.add(f"grad{s + 1}.{k}", grads[s][k])

    def run(opt_name, make_opt, state_keys):
        params = {k: init[k].clone().requires_grad_(True) for k in shapes}
        opt = make_opt(list(params.values()))
        for s in range(3):
            for k, p in params.items():
                p.grad = grads[s][k].clone()
            opt.step()
            for k, p in params.items():
                fx.add(f"{opt_name}.step{s + 1}.{k}", p)
                for state_key, c_name in state_keys:
                    fx.add(f"{opt_name}.step{s + 1}.{c_name}.{k}", opt.state[p][state_key])

    run("adam", lambda ps: torch.optim.Adam(ps, lr=1e-3),
        [("exp_avg", "m"), ("exp_avg_sq", "v")])
    run("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
        [("momentum_buffer", "velocity")])

    # clip_grad_norm_: one case above the threshold (clipped), one below (left alone)
    for case, max_norm in (("clip", 1.0), ("noclip", 100.0)):
        params = {k: init[k].clone().requires_grad_(True) for k in shapes}
        for k, p in params.items():
            p.grad = grads[2][k].clone()
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm)
        fx.add(f"{case}.max_norm", torch.tensor([max_norm]))
        fx.add(f"{case}.norm", norm.reshape(1))
        for k, p in params.items():
            fx.add(f"{case}.grad.{k}", p.grad)
    fx.save("optim.bin")


# ---- lstm.bin ------------------------------------------------------------------------------
# nn.LSTM(I, H, num_layers=2) on a batch of 3 sequences of lengths 6, 3, 5 (not sorted),
# packed with pack_padded_sequence(enforce_sorted=False), with h0 and c0 given:
#   inputs   lstm.x (T, B, I), lstm.lengths (B), lstm.h0 / lstm.c0 (L, B, H),
#            R1 (T, B, H), R2 / R3 (L, B, H), and every parameter under its state_dict name
#            prefixed "lstm." (lstm.weight_ih_l0, ...)
#   outputs  lstm.out (T, B, H) (zeros at padding), lstm.h_n, lstm.c_n (L, B, H)
#   grads    of loss = sum(out * R1) + sum(h_n * R2) + sum(c_n * R3): grad.<name> for every
#            parameter, grad.lstm.x, grad.lstm.h0, grad.lstm.c0
# and the same for a one-layer bidirectional nn.LSTM under the prefix "bi." (the reverse
# direction's parameters end in _reverse), which checks that running a layer backwards in
# time over the padded batch starts each sequence at its own last token.

def lstm_case(fx, prefix, T, B, I, H, L, lengths, bidirectional):
    D = 2 if bidirectional else 1
    lstm = torch.nn.LSTM(I, H, num_layers=L, bidirectional=bidirectional)
    # wider than PyTorch's U(+-1/sqrt(H)), so the gates leave their linear region
    with torch.no_grad():
        for p in lstm.parameters():
            p.uniform_(-0.6, 0.6)
    x = randn(T, B, I).requires_grad_(True)
    h0 = randn(L * D, B, H, scale=0.5).requires_grad_(True)
    c0 = randn(L * D, B, H, scale=0.5).requires_grad_(True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths),
                                                     enforce_sorted=False)
    out_packed, (h_n, c_n) = lstm(packed, (h0, c0))
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=T)
    R1, R2, R3 = randn(*out.shape), randn(*h_n.shape), randn(*c_n.shape)
    loss = (out * R1).sum() + (h_n * R2).sum() + (c_n * R3).sum()
    loss.backward()
    fx.add(f"{prefix}.x", x)
    fx.ints(f"{prefix}.lengths", lengths)
    fx.add(f"{prefix}.h0", h0)
    fx.add(f"{prefix}.c0", c0)
    for name, p in lstm.named_parameters():
        fx.add(f"{prefix}.{name}", p)
    fx.add(f"{prefix}.R1", R1)
    fx.add(f"{prefix}.R2", R2)
    fx.add(f"{prefix}.R3", R3)
    fx.add(f"{prefix}.out", out)
    fx.add(f"{prefix}.h_n", h_n)
    fx.add(f"{prefix}.c_n", c_n)
    for name, p in lstm.named_parameters():
        fx.add(f"grad.{prefix}.{name}", p.grad)
    fx.add(f"grad.{prefix}.x", x.grad)
    fx.add(f"grad.{prefix}.h0", h0.grad)
    fx.add(f"grad.{prefix}.c0", c0.grad)


def gen_lstm():
    torch.manual_seed(5)
    fx = Fixture()
    lstm_case(fx, "lstm", T=6, B=3, I=5, H=6, L=2, lengths=[6, 3, 5], bidirectional=False)
    lstm_case(fx, "bi", T=5, B=3, I=4, H=3, L=1, lengths=[2, 5, 4], bidirectional=True)
    fx.save("lstm.bin")


# ---- rnn.bin -------------------------------------------------------------------------------
# nn.RNN(I, H, num_layers=2, nonlinearity="tanh") on a batch of 3 sequences of lengths 4, 6, 2
# (not sorted), packed with pack_padded_sequence(enforce_sorted=False), with h0 given:
#   inputs   rnn.x (T, B, I), rnn.lengths (B), rnn.h0 (L, B, H), R1 (T, B, H), R2 (L, B, H),
#            every parameter under its state_dict name prefixed "rnn." (rnn.weight_ih_l0, ...)
#   outputs  rnn.out (T, B, H) (zeros at padding), rnn.h_n (L, B, H)
#   grads    of loss = sum(out * R1) + sum(h_n * R2): grad.<name> for every parameter,
#            grad.rnn.x, grad.rnn.h0
# Its own seed, so adding it changed none of the other files' bytes.

def gen_rnn():
    torch.manual_seed(7)
    fx = Fixture()
    T, B, I, H, L, lengths = 6, 3, 4, 5, 2, [4, 6, 2]
    rnn = torch.nn.RNN(I, H, num_layers=L, nonlinearity="tanh")
    # wider than PyTorch's U(+-1/sqrt(H)), so tanh leaves its linear region
    with torch.no_grad():
        for p in rnn.parameters():
            p.uniform_(-0.8, 0.8)
    x = randn(T, B, I).requires_grad_(True)
    h0 = randn(L, B, H, scale=0.5).requires_grad_(True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths),
                                                     enforce_sorted=False)
    out_packed, h_n = rnn(packed, h0)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=T)
    R1, R2 = randn(*out.shape), randn(*h_n.shape)
    ((out * R1).sum() + (h_n * R2).sum()).backward()
    fx.add("rnn.x", x)
    fx.ints("rnn.lengths", lengths)
    fx.add("rnn.h0", h0)
    for name, p in rnn.named_parameters():
        fx.add(f"rnn.{name}", p)
    fx.add("rnn.R1", R1)
    fx.add("rnn.R2", R2)
    fx.add("rnn.out", out)
    fx.add("rnn.h_n", h_n)
    for name, p in rnn.named_parameters():
        fx.add(f"grad.rnn.{name}", p.grad)
    fx.add("grad.rnn.x", x.grad)
    fx.add("grad.rnn.h0", h0.grad)
    fx.save("rnn.bin")


# ---- seq2seq.bin ---------------------------------------------------------------------------
# Chapter 04's model: bentrevett notebook 1's Seq2Seq (Encoder, Decoder, teacher forcing), with
# the source packed (pack_padded_sequence) so each sentence's context is its state at its own
# <eos>, as chapters/04_seq2seq_lstm/lstm_seq2seq.c and common/seq2seq_model.c compute it. Teacher forcing ratio 1 and dropout
# 0, so nothing random is left. Embeddings 4, hidden 5, 2 layers, vocabularies 11 / 9, a batch
# of 3 padded pairs of different lengths (<pad> = 1, <sos> = 2, <eos> = 3):
#   inputs   s2s.src (S, B), s2s.src_len (B), s2s.tgt (T, B), every parameter as s2s.<name>
#   outputs  s2s.loss: CrossEntropyLoss(ignore_index=<pad>) over outputs[1:] and trg[1:]
#   grads    grad.s2s.<name> for every parameter; s2s.grad_norm (before clipping)
#   step     step.s2s.<name>: the parameters after clip_grad_norm_(1.0) and one Adam(lr=1e-3) step
# Its own seed, so adding it changed none of the other files' bytes.

class S2SEncoder(torch.nn.Module):
    def __init__(self, input_dim, emb, hidden, layers, dropout):
        super().__init__()
        self.embedding = torch.nn.Embedding(input_dim, emb)
        self.rnn = torch.nn.LSTM(emb, hidden, layers, dropout=dropout)
        self.dropout = torch.nn.Dropout(dropout)

    def forward(self, src, src_len):
        embedded = self.dropout(self.embedding(src))
        packed = torch.nn.utils.rnn.pack_padded_sequence(embedded, src_len, enforce_sorted=False)
        _, (hidden, cell) = self.rnn(packed)
        return hidden, cell


class S2SDecoder(torch.nn.Module):
    def __init__(self, output_dim, emb, hidden, layers, dropout):
        super().__init__()
        self.output_dim = output_dim
        self.embedding = torch.nn.Embedding(output_dim, emb)
        self.rnn = torch.nn.LSTM(emb, hidden, layers, dropout=dropout)
        self.fc_out = torch.nn.Linear(hidden, output_dim)
        self.dropout = torch.nn.Dropout(dropout)

    def forward(self, input, hidden, cell):
        embedded = self.dropout(self.embedding(input.unsqueeze(0)))
        output, (hidden, cell) = self.rnn(embedded, (hidden, cell))
        return self.fc_out(output.squeeze(0)), hidden, cell


class S2S(torch.nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, src, src_len, trg, teacher_forcing_ratio):
        trg_length, batch_size = trg.shape
        outputs = torch.zeros(trg_length, batch_size, self.decoder.output_dim)
        hidden, cell = self.encoder(src, src_len)
        input = trg[0, :]
        for t in range(1, trg_length):
            output, hidden, cell = self.decoder(input, hidden, cell)
            outputs[t] = output
            teacher_force = random.random() < teacher_forcing_ratio
            input = trg[t] if teacher_force else output.argmax(1)
        return outputs


def padded_ids(lengths, vocab, rng):
    """Time-major ids: <sos> words <eos>, then <pad>."""
    ids = np.full((max(lengths), len(lengths)), 1, dtype=np.int64)
    for b, n in enumerate(lengths):
        ids[0, b] = 2
        ids[1:n - 1, b] = rng.integers(4, vocab, size=n - 2)
        ids[n - 1, b] = 3
    return torch.tensor(ids)


def gen_seq2seq():
    torch.manual_seed(11)
    rng = np.random.default_rng(11)
    fx = Fixture()
    V_src, V_tgt, E, H, L = 11, 9, 4, 5, 2
    model = S2S(S2SEncoder(V_src, E, H, L, 0.0), S2SDecoder(V_tgt, E, H, L, 0.0))
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)
    src_len, tgt_len = [5, 3, 6], [4, 6, 3]
    src, tgt = padded_ids(src_len, V_src, rng), padded_ids(tgt_len, V_tgt, rng)
    fx.ints("s2s.src", src.numpy())
    fx.ints("s2s.src_len", src_len)
    fx.ints("s2s.tgt", tgt.numpy())
    for name, p in model.named_parameters():
        fx.add(f"s2s.{name}", p)
    outputs = model(src, torch.tensor(src_len), tgt, 1.0)
    loss = F.cross_entropy(outputs[1:].reshape(-1, V_tgt), tgt[1:].reshape(-1), ignore_index=1)
    loss.backward()
    fx.add("s2s.loss", loss)
    for name, p in model.named_parameters():
        fx.add(f"grad.s2s.{name}", p.grad)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    fx.add("s2s.grad_norm", norm.reshape(1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    opt.step()
    for name, p in model.named_parameters():
        fx.add(f"step.s2s.{name}", p)
    fx.save("seq2seq.bin")


if __name__ == "__main__":
    if not torch.__version__.startswith("1.13"):
        print(f"note: the committed fixtures came from PyTorch 1.13; this is {torch.__version__}")
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    gen_ops()
    gen_optim()
    gen_lstm()
    gen_rnn()
    gen_seq2seq()
