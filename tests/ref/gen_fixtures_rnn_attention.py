#!/usr/bin/python3
"""gen_fixtures_rnn_attention.py: PyTorch golden values for the GRU, the bidirectional wrapper
and Bahdanau attention (common/gru.c, bidirectional.c, attention.c; issues 10-12).

Run by hand from the project root, with the interpreter that has PyTorch 1.13:

    /usr/bin/python3 tests/ref/gen_fixtures_rnn_attention.py

It writes three small files, committed so `make test` never needs PyTorch, in the UNRF format
of gen_fixtures.py (whose Fixture class it reuses):

    tests/fixtures/gru.bin            nn.GRU, 2 layers, packed sequences     (check_gru.c)
    tests/fixtures/bidirectional.bin  nn.GRU / nn.LSTM / nn.RNN with bidirectional=True, 2 layers,
                                      packed sequences                       (check_bidirectional.c)
    tests/fixtures/attention.bin      one step of bentrevett notebook 3's Attention, with
                                      notebook 4's padding mask              (check_attention.c)

Every case stores its inputs, every parameter under its state_dict name (prefixed), a random
weight R per output, the outputs, and the gradients grad.<name> of loss = sum(out * R) + ...
Each file has its own seed: running the script twice gives the same bytes.
"""
import torch
import torch.nn.functional as F

from gen_fixtures import Fixture, randn


def widen(module, a=0.6):
    """Wider than PyTorch's default init, so the gates and tanh leave their linear region."""
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-a, a)


def add_params(fx, prefix, module):
    for name, p in module.named_parameters():
        fx.add(f"{prefix}.{name}", p)


def add_param_grads(fx, prefix, module):
    for name, p in module.named_parameters():
        fx.add(f"grad.{prefix}.{name}", p.grad)


# ---- recurrent cases: gru.bin and bidirectional.bin ----------------------------------------
#   inputs   <p>.x (T, B, I), <p>.lengths (B), <p>.h0 (L*D, B, H), <p>.c0 (LSTM only),
#            <p>.R1 (T, B, D*H), <p>.R2 (L*D, B, H), <p>.R3 (LSTM only), every parameter
#            <p>.<state_dict name>
#   outputs  <p>.out (T, B, D*H) (zeros at padding), <p>.h_n, <p>.c_n (LSTM only)
#   grads    of loss = sum(out R1) + sum(h_n R2) [+ sum(c_n R3)]: grad.<p>.<name> for every
#            parameter, grad.<p>.x, grad.<p>.h0 [, grad.<p>.c0]
# The sequences go through pack_padded_sequence(enforce_sorted=False): unsorted lengths.

def recurrent_case(fx, prefix, cls, T, B, I, H, L, lengths, bidirectional):
    D = 2 if bidirectional else 1
    is_lstm = cls is torch.nn.LSTM
    rnn = cls(I, H, num_layers=L, bidirectional=bidirectional)
    widen(rnn)
    x = randn(T, B, I).requires_grad_(True)
    h0 = randn(L * D, B, H, scale=0.5).requires_grad_(True)
    c0 = randn(L * D, B, H, scale=0.5).requires_grad_(True) if is_lstm else None
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths),
                                                     enforce_sorted=False)
    out_packed, state = rnn(packed, (h0, c0) if is_lstm else h0)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=T)
    h_n, c_n = state if is_lstm else (state, None)
    R1, R2 = randn(*out.shape), randn(*h_n.shape)
    loss = (out * R1).sum() + (h_n * R2).sum()
    if is_lstm:
        R3 = randn(*c_n.shape)
        loss = loss + (c_n * R3).sum()
    loss.backward()
    fx.add(f"{prefix}.x", x)
    fx.ints(f"{prefix}.lengths", lengths)
    fx.add(f"{prefix}.h0", h0)
    if is_lstm:
        fx.add(f"{prefix}.c0", c0)
    add_params(fx, prefix, rnn)
    fx.add(f"{prefix}.R1", R1)
    fx.add(f"{prefix}.R2", R2)
    if is_lstm:
        fx.add(f"{prefix}.R3", R3)
    fx.add(f"{prefix}.out", out)
    fx.add(f"{prefix}.h_n", h_n)
    if is_lstm:
        fx.add(f"{prefix}.c_n", c_n)
    add_param_grads(fx, prefix, rnn)
    fx.add(f"grad.{prefix}.x", x.grad)
    fx.add(f"grad.{prefix}.h0", h0.grad)
    if is_lstm:
        fx.add(f"grad.{prefix}.c0", c0.grad)


def gen_gru():
    torch.manual_seed(10)
    fx = Fixture()
    recurrent_case(fx, "gru", torch.nn.GRU, T=6, B=3, I=4, H=5, L=2, lengths=[5, 6, 2],
                   bidirectional=False)
    fx.save("gru.bin")


def gen_bidirectional():
    torch.manual_seed(11)
    fx = Fixture()
    shape = dict(T=5, B=4, I=3, H=4, L=2, lengths=[3, 5, 1, 4], bidirectional=True)
    recurrent_case(fx, "bigru", torch.nn.GRU, **shape)
    recurrent_case(fx, "bilstm", torch.nn.LSTM, **shape)
    recurrent_case(fx, "birnn", torch.nn.RNN, **shape)
    fx.save("bidirectional.bin")


# ---- attention.bin -------------------------------------------------------------------------
# bentrevett/pytorch-seq2seq notebook 3's Attention module, re-typed here, with the padding
# mask notebook 4 adds (masked_fill(mask == 0, -1e10) before the softmax) and the context the
# notebook's Decoder computes (bmm of the weights with the encoder outputs):
#   inputs   attn.s (B, D) the decoder's hidden state, attn.enc (S, B, 2*enc_hid),
#            attn.src_len (B), attn.R1 (B, S), attn.R2 (B, 2*enc_hid), and the parameters
#            decoder.attention.attn.weight (D, D + 2*enc_hid), .attn.bias (D), .v.weight (1, D)
#   outputs  attn.scores (B, S) before the mask, attn.alpha (B, S), attn.context (B, 2*enc_hid)
#   grads    of loss = sum(alpha R1) + sum(context R2): grad.<parameter name>, grad.attn.s,
#            grad.attn.enc

class Attention(torch.nn.Module):
    def __init__(self, enc_hid_dim, dec_hid_dim):
        super().__init__()
        self.attn = torch.nn.Linear((enc_hid_dim * 2) + dec_hid_dim, dec_hid_dim)
        self.v = torch.nn.Linear(dec_hid_dim, 1, bias=False)

    def forward(self, hidden, encoder_outputs, mask):
        # hidden (B, D), encoder_outputs (S, B, 2 enc_hid), mask (B, S)
        src_len = encoder_outputs.shape[0]
        hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)         # (B, S, D)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)         # (B, S, 2 enc_hid)
        energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
        scores = self.v(energy).squeeze(2)                         # (B, S)
        masked = scores.masked_fill(mask == 0, -1e10)
        return scores, F.softmax(masked, dim=1)


def gen_attention():
    torch.manual_seed(12)
    fx = Fixture()
    enc_hid, D, S, B, src_len = 3, 5, 6, 3, [6, 2, 4]
    att = Attention(enc_hid, D)
    widen(att, 0.8)
    s = randn(B, D).requires_grad_(True)
    enc = randn(S, B, 2 * enc_hid).requires_grad_(True)
    mask = torch.arange(S).unsqueeze(0) < torch.tensor(src_len).unsqueeze(1)   # (B, S)
    scores, alpha = att(s, enc, mask)
    context = torch.bmm(alpha.unsqueeze(1), enc.permute(1, 0, 2)).squeeze(1)   # (B, 2 enc_hid)
    # -1e10 underflows: exp(-1e10 - max) is exactly 0 in float32, like our exact zeros
    assert bool((alpha[~mask] == 0).all()), "padded weights are not exactly 0"
    R1, R2 = randn(*alpha.shape), randn(*context.shape)
    ((alpha * R1).sum() + (context * R2).sum()).backward()
    fx.add("attn.s", s)
    fx.add("attn.enc", enc)
    fx.ints("attn.src_len", src_len)
    add_params(fx, "decoder.attention", att)
    fx.add("attn.R1", R1)
    fx.add("attn.R2", R2)
    fx.add("attn.scores", scores)
    fx.add("attn.alpha", alpha)
    fx.add("attn.context", context)
    add_param_grads(fx, "decoder.attention", att)
    fx.add("grad.attn.s", s.grad)
    fx.add("grad.attn.enc", enc.grad)
    fx.save("attention.bin")


if __name__ == "__main__":
    if not torch.__version__.startswith("1.13"):
        print(f"note: the committed fixtures came from PyTorch 1.13; this is {torch.__version__}")
    torch.set_num_threads(1)
    gen_gru()
    gen_bidirectional()
    gen_attention()
