#!/usr/bin/python3
"""gen_fixtures_seq2seq_models.py: PyTorch golden values for the GRU encoder-decoders of
chapters 05-07: one training step of each model, every gradient, as seq2seq.bin does for
chapter 04 (tests/ref/gen_fixtures.py, gen_seq2seq).

Run by hand from the project root, with the interpreter that has PyTorch 1.13:

    /usr/bin/python3 tests/ref/gen_fixtures_seq2seq_models.py

It writes three small files, committed so `make test` never needs PyTorch, in the UNRF format
of gen_fixtures.py (whose Fixture class and padded_ids it reuses), then reads them back and
checks them against a second implementation (see verify() at the end):

    tests/fixtures/cho_seq2seq.bin   chapter 05: Cho et al. (2014), bentrevett notebook 2,
                                     prefix "cho.", and its no-context ablation, "cho_noctx."
    tests/fixtures/bi_seq2seq.bin    chapter 06: a bidirectional GRU encoder joined by
                                     tanh(fc(.)) as in notebook 3, a Cho decoder, prefix "bi."
    tests/fixtures/attn_seq2seq.bin  chapter 07: bentrevett notebook 3 (Bahdanau attention) with
                                     notebook 4's packing and padding mask, prefix "attn."

Every model stores, as seq2seq.bin's "s2s." does (p is the prefix):
    inputs   p.src (S, B) int32, p.src_len (B) int32, p.tgt (T, B) int32, and every parameter
             p.<name> under its PyTorch named_parameters() name, in that order
    outputs  p.loss (1): CrossEntropyLoss(ignore_index=<pad>) over outputs[1:] and tgt[1:]
             attn only: attn.alpha (T-1, B, S), the attention weights of decoder steps 1..T-1
    grads    grad.p.<name> for every parameter; p.grad_norm (1), the total 2-norm before clipping
    step     step.p.<name>: the parameters after clip_grad_norm_(1.0) and one Adam(lr=1e-3) step
Every parameter starts U(-1, 1), wider than seq2seq.bin's U(-0.5, 0.5): at 0.5 the attention
weights were nearly uniform (max/min < 1.13 in a row) and every gradient norm was below 1, so
neither the attention nor the clipping was really tested. At 1 the weights of a row differ by
up to 3.3x, and clip_grad_norm_ scales cho, bi and attn (norms 1.59, 1.33, 1.75) but leaves
cho_noctx (0.83) alone: both branches of the clip are covered.
Each file has its own seed: running the script twice gives the same bytes.

---- Conventions shared by the three models (those of chapter 04) ----------------------------
  ids       <unk> 0, <pad> 1, <sos> 2, <eos> 3, words 4 .. V-1 (common/vocab.h)
  layout    time-major: src[s, b], tgt[t, b]; a sentence is <sos> w1 .. wn <eos> then <pad>
            up to S (or T); src_len / tgt lengths count <sos> and <eos>
  encoder   packed (pack_padded_sequence(enforce_sorted=False), unsorted lengths): sentence b
            reads only its src_len[b] real ids; a final state is the one at its own last id
  decoder   teacher forcing 1, dropout 0; step t = 1 .. T-1 READS tgt[t-1] (B) and PREDICTS
            tgt[t]; it runs over the whole padded batch (a finished sentence reads <eos> or
            <pad>), and the loss ignores those steps
  loss      sum of -log softmax(logits_t)[tgt[t, b]] over every (t, b), t >= 1, with
            tgt[t, b] != <pad>, divided by the number of such pairs (one mean over the batch)
  GRU       PyTorch's gate order r, z, n in the rows of weight_ih (3H, in) / weight_hh (3H, H):
                r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
                z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
                n = tanh(W_in x + b_in + r * (W_hn h + b_hn))     (r multiplies b_hn too)
                h' = (1 - z) * n + z * h
  Linear    y = x W^T + b, W (out, in)
  cat       the ORDER of every concatenation below matters (it is the column order of W)

---- 1. cho_seq2seq.bin, prefix "cho." (V_src 13, V_tgt 11, E 5, H 6, B 3) --------------------
  x_s = E_src[src_s]                                                   (B, E)
  h_s = GRU_enc(x_s, h_{s-1}),  h_0 = 0                                (B, H)
  z   = h at each sentence's own last real id (<eos>)                  (B, H)   the context
  s_0 = z
  d_t = E_tgt[tgt[t-1]]                                                (B, E)
  s_t = GRU_dec(cat(d_t, z), s_{t-1})                                  (B, H)   input E+H
  logits_t = fc_out(cat(d_t, s_t, z))                                  (B, V_tgt)   E+2H -> V
  parameters (named_parameters() order, shapes):
    encoder.embedding.weight (13, 5)
    encoder.rnn.weight_ih_l0 (18, 5)  encoder.rnn.weight_hh_l0 (18, 6)
    encoder.rnn.bias_ih_l0 (18)       encoder.rnn.bias_hh_l0 (18)
    decoder.embedding.weight (11, 5)
    decoder.rnn.weight_ih_l0 (18, 11) decoder.rnn.weight_hh_l0 (18, 6)
    decoder.rnn.bias_ih_l0 (18)       decoder.rnn.bias_hh_l0 (18)
    decoder.fc_out.weight (11, 17)    decoder.fc_out.bias (11)
  src_len [5, 7, 3] (S 7), tgt lengths [4, 6, 5] (T 6)

  The same file, prefix "cho_noctx.": the ablation without the context at every step (the
  ch04 model with a one-layer GRU): s_0 = z, s_t = GRU_dec(d_t, s_{t-1}) (input E),
  logits_t = fc_out(s_t) (H -> V). Same names; decoder.rnn.weight_ih_l0 (18, 5),
  decoder.fc_out.weight (11, 6). Same src / tgt, its own parameters.

---- 2. bi_seq2seq.bin, prefix "bi." (V_src 13, V_tgt 11, E 5, H 6, B 3) ----------------------
  f_s = GRU_fwd(x_s, f_{s-1}),  s = 0 .. len-1, f_{-1} = 0              (B, H)
  g_s = GRU_bwd(x_s, g_{s+1}),  s = len-1 .. 0, g_len = 0               (B, H)
        (each sentence's backward pass STARTS at its own last real id, not at S-1)
  z   = tanh(encoder.fc(cat(f_{len-1}, g_0)))                          (B, H)   2H -> H
        (f_{len-1}, g_0 are nn.GRU's hidden[-2], hidden[-1])
  decoder exactly as model 1: s_0 = z, s_t = GRU_dec(cat(d_t, z), s_{t-1}),
        logits_t = fc_out(cat(d_t, s_t, z))
  parameters:
    encoder.embedding.weight (13, 5)
    encoder.rnn.weight_ih_l0 (18, 5) weight_hh_l0 (18, 6) bias_ih_l0 (18) bias_hh_l0 (18)
    encoder.rnn.weight_ih_l0_reverse (18, 5) weight_hh_l0_reverse (18, 6)
        bias_ih_l0_reverse (18) bias_hh_l0_reverse (18)
    encoder.fc.weight (6, 12)  encoder.fc.bias (6)
    decoder.* as model 1 (decoder.rnn.weight_ih_l0 (18, 11), decoder.fc_out.weight (11, 17))
  src_len [7, 4, 6] (S 7), tgt lengths [5, 6, 3] (T 6)

---- 3. attn_seq2seq.bin, prefix "attn." (V_src 13, V_tgt 11, E 5, H_e 6, H_d 7, B 3) ---------
  encoder   f_s, g_s as model 2 with H_e;
            h_s = cat(f_s, g_s)                        (S, B, 2H_e), ZERO at padded s >= len
            s_0 = tanh(encoder.fc(cat(f_{len-1}, g_0)))                 (B, H_d)  2H_e -> H_d
  decoder step t (s_{t-1} is the state BEFORE this step's GRU):
            d_t     = E_tgt[tgt[t-1]]                                   (B, E)
            e_{t,s} = v(tanh(attn(cat(s_{t-1}, h_s))))           (B, S)  H_d+2H_e -> H_d -> 1
            alpha_t = softmax over s of e_{t,s}, with padded s (s >= src_len[b], i.e.
                      src[s, b] == <pad>) set to -1e10 first: their weight is exactly 0
            w_t     = sum_s alpha_{t,s} h_s                             (B, 2H_e)
            s_t     = GRU_dec(cat(d_t, w_t), s_{t-1})                   input E+2H_e
            logits_t = fc_out(cat(s_t, w_t, d_t))                       H_d+2H_e+E -> V
            (note the three different orders: attn takes (state, memory), the GRU takes
             (embedding, context), fc_out takes (state, context, embedding))
  parameters:
    encoder.embedding.weight (13, 5)
    encoder.rnn.{weight_ih_l0 (18, 5), weight_hh_l0 (18, 6), bias_ih_l0, bias_hh_l0 (18)}
        and the same four with _reverse
    encoder.fc.weight (7, 12)  encoder.fc.bias (7)
    decoder.attention.attn.weight (7, 19)  decoder.attention.attn.bias (7)
    decoder.attention.v.weight (1, 7)
    decoder.embedding.weight (11, 5)
    decoder.rnn.weight_ih_l0 (21, 17) decoder.rnn.weight_hh_l0 (21, 7)
    decoder.rnn.bias_ih_l0 (21)       decoder.rnn.bias_hh_l0 (21)
    decoder.fc_out.weight (11, 24)    decoder.fc_out.bias (11)
  attn.alpha (T-1, B, S): alpha[t-1, b, s] is alpha_t for decoder step t = 1 .. T-1
  src_len [4, 7, 5] (S 7), tgt lengths [6, 3, 5] (T 6)
"""
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from gen_fixtures import OUT_DIR, Fixture, padded_ids

PAD = 1
INIT = 1.0      # every parameter U(-INIT, INIT) (see the top of the file)
LR, MAX_NORM = 1e-3, 1.0


# ---- model 1: Cho et al. (bentrevett notebook 2), packed --------------------------------------

class GruEncoder(nn.Module):
    """Notebook 2's Encoder: the context is the GRU's final state (packed: at each own <eos>)."""

    def __init__(self, input_dim, emb_dim, hid_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, emb_dim)
        self.rnn = nn.GRU(emb_dim, hid_dim)

    def forward(self, src, src_len):
        embedded = self.embedding(src)                                  # (S, B, E)
        packed = pack_padded_sequence(embedded, src_len, enforce_sorted=False)
        _, hidden = self.rnn(packed)                                    # (1, B, H)
        return hidden


class BiGruEncoder(nn.Module):
    """Notebook 3's Encoder (with notebook 4's packing): outputs (S, B, 2H_e), zeros at padding,
    and the decoder's first state tanh(fc(cat(forward final, backward final))) (B, H_d)."""

    def __init__(self, input_dim, emb_dim, enc_hid_dim, dec_hid_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, emb_dim)
        self.rnn = nn.GRU(emb_dim, enc_hid_dim, bidirectional=True)
        self.fc = nn.Linear(enc_hid_dim * 2, dec_hid_dim)

    def forward(self, src, src_len):
        embedded = self.embedding(src)
        packed = pack_padded_sequence(embedded, src_len, enforce_sorted=False)
        packed_outputs, hidden = self.rnn(packed)
        outputs, _ = pad_packed_sequence(packed_outputs, total_length=src.shape[0])
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1)))
        return outputs, hidden


class ChoDecoder(nn.Module):
    """Notebook 2's Decoder; feed_context=False is the ablation (GRU over the embedding only,
    fc_out over the state only)."""

    def __init__(self, output_dim, emb_dim, hid_dim, feed_context=True):
        super().__init__()
        self.output_dim = output_dim
        self.feed_context = feed_context
        self.embedding = nn.Embedding(output_dim, emb_dim)
        if feed_context:
            self.rnn = nn.GRU(emb_dim + hid_dim, hid_dim)
            self.fc_out = nn.Linear(emb_dim + hid_dim * 2, output_dim)
        else:
            self.rnn = nn.GRU(emb_dim, hid_dim)
            self.fc_out = nn.Linear(hid_dim, output_dim)

    def forward(self, input, hidden, context):
        # input (B), hidden (1, B, H), context (1, B, H)
        embedded = self.embedding(input.unsqueeze(0))                   # (1, B, E)
        if self.feed_context:
            emb_con = torch.cat((embedded, context), dim=2)             # (1, B, E + H)
            _, hidden = self.rnn(emb_con, hidden)
            output = torch.cat((embedded.squeeze(0), hidden.squeeze(0), context.squeeze(0)),
                               dim=1)                                   # (B, E + 2H)
        else:
            _, hidden = self.rnn(embedded, hidden)
            output = hidden.squeeze(0)                                  # (B, H)
        return self.fc_out(output), hidden


class ChoSeq2Seq(nn.Module):
    """Models 1 and 2: z from the encoder is both the first state and the per-step context."""

    def __init__(self, encoder, decoder, bidirectional):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.bidirectional = bidirectional

    def forward(self, src, src_len, trg):
        T, B = trg.shape
        outputs = torch.zeros(T, B, self.decoder.output_dim)
        if self.bidirectional:
            _, z = self.encoder(src, src_len)                           # (B, H)
            context = z.unsqueeze(0)                                    # (1, B, H)
        else:
            context = self.encoder(src, src_len)                        # (1, B, H)
        hidden = context
        input = trg[0]
        for t in range(1, T):
            output, hidden = self.decoder(input, hidden, context)
            outputs[t] = output
            input = trg[t]                                              # teacher forcing 1
        return outputs, None


# ---- model 3: Bahdanau attention (bentrevett notebooks 3 and 4) -----------------------------

class Attention(nn.Module):
    def __init__(self, enc_hid_dim, dec_hid_dim):
        super().__init__()
        self.attn = nn.Linear((enc_hid_dim * 2) + dec_hid_dim, dec_hid_dim)
        self.v = nn.Linear(dec_hid_dim, 1, bias=False)

    def forward(self, hidden, encoder_outputs, mask):
        # hidden (B, H_d), encoder_outputs (S, B, 2H_e), mask (B, S)
        src_len = encoder_outputs.shape[0]
        hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)             # (B, S, H_d)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)             # (B, S, 2H_e)
        energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
        attention = self.v(energy).squeeze(2)                          # (B, S)
        attention = attention.masked_fill(mask == 0, -1e10)
        return F.softmax(attention, dim=1)


class AttnDecoder(nn.Module):
    def __init__(self, output_dim, emb_dim, enc_hid_dim, dec_hid_dim, attention):
        super().__init__()
        self.output_dim = output_dim
        self.attention = attention
        self.embedding = nn.Embedding(output_dim, emb_dim)
        self.rnn = nn.GRU((enc_hid_dim * 2) + emb_dim, dec_hid_dim)
        self.fc_out = nn.Linear((enc_hid_dim * 2) + dec_hid_dim + emb_dim, output_dim)

    def forward(self, input, hidden, encoder_outputs, mask):
        embedded = self.embedding(input.unsqueeze(0))                   # (1, B, E)
        a = self.attention(hidden, encoder_outputs, mask)               # (B, S)
        weighted = torch.bmm(a.unsqueeze(1), encoder_outputs.permute(1, 0, 2))
        weighted = weighted.permute(1, 0, 2)                            # (1, B, 2H_e)
        rnn_input = torch.cat((embedded, weighted), dim=2)
        output, hidden = self.rnn(rnn_input, hidden.unsqueeze(0))
        prediction = self.fc_out(torch.cat((output.squeeze(0), weighted.squeeze(0),
                                            embedded.squeeze(0)), dim=1))
        return prediction, hidden.squeeze(0), a


class AttnSeq2Seq(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, src, src_len, trg):
        T, B = trg.shape
        outputs = torch.zeros(T, B, self.decoder.output_dim)
        alphas = torch.zeros(T - 1, B, src.shape[0])
        encoder_outputs, hidden = self.encoder(src, src_len)
        mask = (src != PAD).permute(1, 0)                              # (B, S)
        input = trg[0]
        for t in range(1, T):
            output, hidden, a = self.decoder(input, hidden, encoder_outputs, mask)
            outputs[t] = output
            alphas[t - 1] = a
            input = trg[t]
        return outputs, alphas


# ---- one training step, stored as seq2seq.bin stores it ------------------------------------

def one_step(fx, prefix, model, src, src_len, tgt):
    V_tgt = model.decoder.output_dim
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-INIT, INIT)
    fx.ints(f"{prefix}.src", src.numpy())
    fx.ints(f"{prefix}.src_len", src_len)
    fx.ints(f"{prefix}.tgt", tgt.numpy())
    for name, p in model.named_parameters():
        fx.add(f"{prefix}.{name}", p)
    outputs, alphas = model(src, torch.tensor(src_len), tgt)
    loss = F.cross_entropy(outputs[1:].reshape(-1, V_tgt), tgt[1:].reshape(-1), ignore_index=PAD)
    loss.backward()
    fx.add(f"{prefix}.loss", loss)
    if alphas is not None:
        fx.add(f"{prefix}.alpha", alphas)
    for name, p in model.named_parameters():
        fx.add(f"grad.{prefix}.{name}", p.grad)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
    fx.add(f"{prefix}.grad_norm", norm.reshape(1))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    opt.step()
    for name, p in model.named_parameters():
        fx.add(f"step.{prefix}.{name}", p)


def gen_cho():
    torch.manual_seed(21)
    rng = np.random.default_rng(21)
    fx = Fixture()
    V_src, V_tgt, E, H = 13, 11, 5, 6
    src_len, tgt_len = [5, 7, 3], [4, 6, 5]
    src, tgt = padded_ids(src_len, V_src, rng), padded_ids(tgt_len, V_tgt, rng)
    for prefix, feed in (("cho", True), ("cho_noctx", False)):
        model = ChoSeq2Seq(GruEncoder(V_src, E, H), ChoDecoder(V_tgt, E, H, feed), False)
        one_step(fx, prefix, model, src, src_len, tgt)
    fx.save("cho_seq2seq.bin")


def gen_bi():
    torch.manual_seed(22)
    rng = np.random.default_rng(22)
    fx = Fixture()
    V_src, V_tgt, E, H = 13, 11, 5, 6
    src_len, tgt_len = [7, 4, 6], [5, 6, 3]
    src, tgt = padded_ids(src_len, V_src, rng), padded_ids(tgt_len, V_tgt, rng)
    model = ChoSeq2Seq(BiGruEncoder(V_src, E, H, H), ChoDecoder(V_tgt, E, H, True), True)
    one_step(fx, "bi", model, src, src_len, tgt)
    fx.save("bi_seq2seq.bin")


def gen_attn():
    torch.manual_seed(23)
    rng = np.random.default_rng(23)
    fx = Fixture()
    V_src, V_tgt, E, H_e, H_d = 13, 11, 5, 6, 7
    src_len, tgt_len = [4, 7, 5], [6, 3, 5]
    src, tgt = padded_ids(src_len, V_src, rng), padded_ids(tgt_len, V_tgt, rng)
    model = AttnSeq2Seq(BiGruEncoder(V_src, E, H_e, H_d),
                        AttnDecoder(V_tgt, E, H_e, H_d, Attention(H_e, H_d)))
    one_step(fx, "attn", model, src, src_len, tgt)
    fx.save("attn_seq2seq.bin")


# ---- verify: read the files back and recompute them a second way ----------------------------
# A reader of the format as tests/fixture.c reads it, and a second implementation of each model
# that shares nothing with the one above: no nn.GRU, no packing, no mask: one sentence at a
# time, written from the equations in the header, looping only over its real ids, the softmax
# only over its real source positions, the loss as a sum over real targets / their count.
# Autograd on it gives the gradients; the clip and Adam step are written out by hand.

def read_unrf(filename):
    with open(os.path.join(OUT_DIR, filename), "rb") as f:
        raw = f.read()
    assert raw[:4] == b"UNRF", filename
    version, count = struct.unpack_from("<II", raw, 4)
    assert version == 1
    pos, out = 12, {}
    for _ in range(count):
        (n,) = struct.unpack_from("<I", raw, pos)
        name = raw[pos + 4:pos + 4 + n].decode("utf-8")
        pos += 4 + n
        dtype, ndim = struct.unpack_from("<II", raw, pos)
        shape = struct.unpack_from(f"<{ndim}i", raw, pos + 8)
        pos += 8 + 4 * ndim
        size = int(np.prod(shape))
        arr = np.frombuffer(raw, "<i4" if dtype == 1 else "<f4", size, pos).reshape(shape)
        pos += 4 * size
        assert name not in out, name
        out[name] = arr
    assert pos == len(raw), f"{filename}: {len(raw) - pos} trailing bytes"
    return out


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    H = h.shape[0]
    gi, gh = w_ih @ x + b_ih, w_hh @ h + b_hh
    r = torch.sigmoid(gi[:H] + gh[:H])
    z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
    n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
    return (1 - z) * n + z * h


def second_way(kind, P, src, src_len, tgt, dtype):
    """Loss (and per-step alphas for 'attn') of one batch, sentence by sentence."""
    def rnn(name, suffix=""):
        return [P[f"{name}.{w}_l0{suffix}"] for w in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh")]
    S, B = src.shape
    T = tgt.shape[0]
    total, count = torch.zeros((), dtype=dtype), 0
    alphas = torch.zeros(T - 1, B, S, dtype=dtype)
    for b in range(B):
        n = src_len[b]
        xs = [P["encoder.embedding.weight"][src[s, b]] for s in range(n)]
        H_e = P["encoder.rnn.weight_hh_l0"].shape[1]
        f, fs = torch.zeros(H_e, dtype=dtype), []
        for s in range(n):
            f = gru_cell(xs[s], f, *rnn("encoder.rnn"))
            fs.append(f)
        if kind in ("cho", "cho_noctx"):
            z = f
        else:
            g, gs = torch.zeros(H_e, dtype=dtype), [None] * n
            for s in reversed(range(n)):
                g = gru_cell(xs[s], g, *rnn("encoder.rnn", "_reverse"))
                gs[s] = g
            z = torch.tanh(P["encoder.fc.weight"] @ torch.cat((fs[-1], gs[0]))
                           + P["encoder.fc.bias"])
            mem = [torch.cat((fs[s], gs[s])) for s in range(n)]
        state = z
        # every step, as the batch runs them (attn.alpha has them all); only real targets count
        for t in range(1, T):
            d = P["decoder.embedding.weight"][tgt[t - 1, b]]
            if kind in ("cho", "bi"):
                state = gru_cell(torch.cat((d, z)), state, *rnn("decoder.rnn"))
                feat = torch.cat((d, state, z))
            elif kind == "cho_noctx":
                state = gru_cell(d, state, *rnn("decoder.rnn"))
                feat = state
            else:
                Wa, ba = P["decoder.attention.attn.weight"], P["decoder.attention.attn.bias"]
                v = P["decoder.attention.v.weight"][0]
                e = torch.stack([v @ torch.tanh(Wa @ torch.cat((state, h)) + ba) for h in mem])
                a = torch.softmax(e, 0)
                alphas[t - 1, b, :n] = a.detach()
                w = sum(a[s] * mem[s] for s in range(n))
                state = gru_cell(torch.cat((d, w)), state, *rnn("decoder.rnn"))
                feat = torch.cat((state, w, d))
            if tgt[t, b] == PAD:
                continue
            logits = P["decoder.fc_out.weight"] @ feat + P["decoder.fc_out.bias"]
            total = total - torch.log_softmax(logits, 0)[tgt[t, b]]
            count += 1
    return total / count, alphas


def worst(a, b):
    """max |a - b| / (1e-6 + 1e-5 |b|): <= 1 passes the C tests' ck_floats_close."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / (1e-6 + 1e-5 * np.abs(b))))


def verify_model(fx, prefix, dtype):
    src, tgt = fx[f"{prefix}.src"], fx[f"{prefix}.tgt"]
    src_len = [int(n) for n in fx[f"{prefix}.src_len"]]
    S, B = src.shape
    # the layout: <sos> words <eos> then <pad>, lengths as stored, one source of length S
    for ids, lens in ((src, src_len), (tgt, None)):
        for b in range(B):
            n = lens[b] if lens else int((ids[:, b] != PAD).sum())
            assert ids[0, b] == 2 and ids[n - 1, b] == 3 and (ids[n:, b] == PAD).all()
            assert (ids[1:n - 1, b] >= 4).all()
    assert max(src_len) == S and len(set(src_len)) == B
    names = [k[len(prefix) + 1:] for k in fx
             if k.startswith(prefix + ".encoder.") or k.startswith(prefix + ".decoder.")]
    P = {k: torch.tensor(fx[f"{prefix}.{k}"], dtype=dtype, requires_grad=True) for k in names}
    loss, alphas = second_way(prefix, P, torch.tensor(src.astype(np.int64)), src_len,
                              torch.tensor(tgt.astype(np.int64)), dtype)
    loss.backward()
    report = {"loss": worst(loss.item(), fx[f"{prefix}.loss"])}
    report["grads"] = max(worst(P[k].grad, fx[f"grad.{prefix}.{k}"]) for k in names)
    grads = [fx[f"grad.{prefix}.{k}"].astype(np.float64) for k in names]
    norm = np.sqrt(sum((g * g).sum() for g in grads))
    report["grad_norm"] = worst(norm, fx[f"{prefix}.grad_norm"])
    # clip_grad_norm_ then Adam's first step: m_hat = g, v_hat = g^2 (bias-corrected)
    coef = min(1.0, MAX_NORM / (norm + 1e-6))
    step = 0.0
    for k, g in zip(names, grads):
        g = g * coef
        want = fx[f"{prefix}.{k}"] - LR * g / (np.abs(g) + 1e-8)
        step = max(step, worst(want, fx[f"step.{prefix}.{k}"]))
    report["step"] = step
    if prefix == "attn":
        a = fx["attn.alpha"]
        pad = np.broadcast_to((src == PAD).T[None], a.shape)   # (T-1, B, S)
        assert (a[pad] == 0).all(), "a padded source position has a nonzero weight"
        assert np.abs(a.sum(-1) - 1).max() < 1e-6, "an alpha row does not sum to 1"
        report["alpha"] = worst(alphas.numpy(), a)
    return report


def verify():
    ok = True
    for filename, prefixes in (("cho_seq2seq.bin", ("cho", "cho_noctx")),
                               ("bi_seq2seq.bin", ("bi",)), ("attn_seq2seq.bin", ("attn",))):
        fx = read_unrf(filename)
        for prefix in prefixes:
            for dtype in (torch.float32, torch.float64):
                r = verify_model(fx, prefix, dtype)
                print(f"  {prefix:10s} {str(dtype)[6:]:8s} loss {fx[prefix + '.loss'][0]:.6f}  "
                      "worst |diff| / (1e-6 + 1e-5|ref|): "
                      + "  ".join(f"{k} {v:.3f}" for k, v in r.items()))
                ok &= all(v <= 1 for v in r.values())
    print("verify:", "every value within the C tests' tolerance" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    if not torch.__version__.startswith("1.13"):
        print(f"note: the committed fixtures came from PyTorch 1.13; this is {torch.__version__}")
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    gen_cho()
    gen_bi()
    gen_attn()
    sys.exit(0 if verify() else 1)
