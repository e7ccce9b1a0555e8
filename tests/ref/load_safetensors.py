#!/usr/bin/env python3
"""load_safetensors.py: read and write safetensors files without the safetensors package,
and check that an unrolled checkpoint loads into the matching PyTorch module.
Introduced in issue 6 (data pipeline). Optional tooling: `make test` never runs it.

    python3 tests/ref/load_safetensors.py show FILE
        print the metadata and every tensor's name, dtype and shape
    python3 tests/ref/load_safetensors.py lstm_lm FILE
        load FILE into nn.Embedding(V, E) + nn.LSTM(E, H) + nn.Linear(H, V) (V, E, H taken from
        the metadata "config"), with load_state_dict(strict=True); print each tensor's sum
    python3 tests/ref/load_safetensors.py write_lstm_lm FILE V E H SEED
        write such a module's state_dict (seeded) as FILE, the way safetensors.torch.save_file
        lays it out, with a "config" in the metadata, and print each tensor's sum

The format: 8 bytes little-endian header length N, N bytes of JSON, then the data section,
each tensor at data_offsets [begin, end) relative to the data section's start.
"""
import json
import struct
import sys

import torch
from torch import nn

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
          "U8": torch.uint8, "BOOL": torch.bool}


def load_file(path):
    """(tensors dict, metadata dict) from a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        buf = bytearray(data[begin:end])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


def save_file(tensors, path, metadata=None):
    """Write tensors (name -> contiguous CPU tensor) like safetensors.torch.save_file."""
    inverse = {v: k for k, v in DTYPES.items()}
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": inverse[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


class LstmLm(nn.Module):
    def __init__(self, V, E, H):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H)
        self.fc = nn.Linear(H, V)


def main(argv):
    if len(argv) >= 3 and argv[1] == "show":
        tensors, metadata = load_file(argv[2])
        for k, v in metadata.items():
            print(f"meta {k} = {v[:100]}{'...' if len(v) > 100 else ''}")
        for k, t in tensors.items():
            print(f"{k} {t.dtype} {tuple(t.shape)}")
    elif len(argv) >= 3 and argv[1] == "lstm_lm":
        tensors, metadata = load_file(argv[2])
        cfg = json.loads(metadata["config"])
        model = LstmLm(cfg["vocab"], cfg["emb"], cfg["hidden"])
        model.load_state_dict(tensors, strict=True)
        for k, t in model.state_dict().items():
            print(f"{k} {tuple(t.shape)} sum={t.double().sum().item():.9g}")
        print("src_vocab:", len(json.loads(metadata["src_vocab"])), "tokens; tgt_vocab:",
              len(json.loads(metadata["tgt_vocab"])), "tokens")
        x = torch.tensor([[2], [4], [5]])
        out, _ = model.rnn(model.embedding(x))
        print("forward ok, logits shape", tuple(model.fc(out).shape))
        print("load_state_dict(strict=True): OK")
    elif len(argv) == 7 and argv[1] == "write_lstm_lm":
        V, E, H, seed = (int(a) for a in argv[3:7])
        torch.manual_seed(seed)
        model = LstmLm(V, E, H)
        cfg = json.dumps({"model": "lstm_lm", "vocab": V, "emb": E, "hidden": H})
        save_file(model.state_dict(), argv[2], {"config": cfg, "format": "written by PyTorch"})
        for k, t in model.state_dict().items():
            print(f"{k} {tuple(t.shape)} sum={t.double().sum().item():.9g}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
