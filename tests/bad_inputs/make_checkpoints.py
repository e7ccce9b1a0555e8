#!/usr/bin/env python3
"""Write the checkpoint files of tests/bad_inputs/checkpoints/ (issue 13, hardening).

Every file is a checkpoint of tests/fuzz/tiny_model.h's model (enc.weight (3, 2), enc.bias (3,),
out.weight (2, 3), config {"model":"tiny","hidden":3,"layers":[1]}) with one thing wrong, so
each case of tests/check_bad_inputs.c tests exactly one check. good.safetensors and
good.train.safetensors are the correct pair the others are variations of. Run from the project
root (the files are committed; this only regenerates them):  python3 tests/bad_inputs/make_checkpoints.py
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints")
CONFIG = '{"model":"tiny","hidden":3,"layers":[1]}'
SHAPES = [("enc.weight", [3, 2]), ("enc.bias", [3]), ("out.weight", [2, 3])]
SPECIALS = ["<unk>", "<pad>", "<sos>", "<eos>"]


def meta(**changes):
    m = {"format": "unrolled-checkpoint-1", "kind": "model", "run_id": "tiny-run", "step": "7",
         "config": CONFIG, "src_vocab": json.dumps(SPECIALS + ["a", "b"], separators=(",", ":")),
         "tgt_vocab": json.dumps(SPECIALS + ["x", "y"], separators=(",", ":"))}
    m.update(changes)
    return {k: v for k, v in m.items() if v is not None}


def floats(n, start=0.0):
    return struct.pack("<%df" % n, *[start + 0.25 * i for i in range(n)])


def tensors(shapes, dtype="F32"):
    """Header entries tiling the data section in order, and the data."""
    header, data = {}, b""
    for name, shape in shapes:
        n = 1
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + 4 * n]}
        data += floats(n, len(data))
    return header, data


def raw(path, header_text, data=b"", length=None):
    """header_text as it is (padded to 8), with a true or a made-up length field."""
    text = header_text.encode() if isinstance(header_text, str) else header_text
    while (8 + len(text)) % 8:
        text += b" "
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(struct.pack("<Q", len(text) if length is None else length) + text + data)


def write(path, header, data, metadata=None):
    full = {"__metadata__": metadata} if metadata is not None else {}
    full.update(header)
    raw(path, json.dumps(full, separators=(",", ":")), data)


def main():
    os.makedirs(OUT, exist_ok=True)
    h, d = tensors(SHAPES)
    write("good.safetensors", h, d, meta())
    # the training state that belongs with good.safetensors (5 pairs, batches of 2, shuffled)
    train_shapes = [(p + n, s) for n, s in SHAPES for p in ("adam.m.", "adam.v.")]
    th, td = tensors(train_shapes)
    th["iter.order"] = {"dtype": "I32", "shape": [5], "data_offsets": [len(td), len(td) + 20]}
    rng = "0123456789abcdef 0123456789abcdef 0123456789abcdef 0123456789abcdef"
    train_meta = {"format": "unrolled-checkpoint-1", "kind": "train", "run_id": "tiny-run", "step": "7",
                  "adam.step": "3", "adam.lr_beta1_beta2_eps": "0.01 0.9 0.999 1e-08", "iter.epoch": "1",
                  "iter.pos": "1", "iter.batch_shuffle_bucket": "2 1 0", "iter.rng": rng, "rng": rng}
    write("good.train.safetensors", th, td + struct.pack("<5i", 3, 1, 4, 0, 2), train_meta)
    write("train_other_run.train.safetensors", th, td + struct.pack("<5i", 3, 1, 4, 0, 2),
          dict(train_meta, run_id="another-run"))
    write("train_bad_order.train.safetensors", th, td + struct.pack("<5i", 3, 1, 3, 0, 2), train_meta)
    write("train_other_batch.train.safetensors", th, td + struct.pack("<5i", 3, 1, 4, 0, 2),
          dict(train_meta, **{"iter.batch_shuffle_bucket": "4 1 0"}))

    # the header
    raw("header_not_json.safetensors", '{"enc.weight": {"dtype": "F32", "shape": [3, 2]')
    raw("header_not_object.safetensors", "[1, 2, 3]")
    raw("header_longer_than_file.safetensors", "{}", length=4096)
    raw("header_over_limit.safetensors", "{}", length=1 << 40)
    raw("header_nested_too_deep.safetensors", "[" * 100 + "]" * 100)
    raw("header_trailing_comma.safetensors", '{"__metadata__":{"kind":"model"},}')
    raw("header_duplicate_key.safetensors", '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', floats(1))
    raw("header_invalid_utf8.safetensors", b'{"__metadata__":{"kind":"mod\xc3l"}}')
    raw("tensor_name_with_nul.safetensors", '{"enc\\u0000.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        floats(1))
    raw("tensor_name_with_newline.safetensors", '{"enc\\nweight":{"dtype":"F8","shape":[1],"data_offsets":[0,4]}}',
        floats(1))
    # the tensors
    h2 = json.loads(json.dumps(h))
    h2["enc.bias"]["dtype"] = "F8"
    write("unknown_dtype.safetensors", h2, d, meta())
    h2 = json.loads(json.dumps(h))
    h2["enc.bias"]["dtype"] = "I32"
    write("wrong_dtype.safetensors", h2, d, meta())
    h2 = json.loads(json.dumps(h))
    h2["enc.weight"]["shape"] = [2, 3]
    write("wrong_shape.safetensors", h2, d, meta())
    h2 = json.loads(json.dumps(h))
    h2["enc.bias"]["shape"] = [-3]
    write("negative_shape.safetensors", h2, d, meta())
    mh, md = tensors(SHAPES[:2])
    write("missing_tensor.safetensors", mh, md, meta())
    xh, xd = tensors(SHAPES + [("dec.weight", [2])])
    write("unexpected_tensor.safetensors", xh, xd, meta())
    h2 = json.loads(json.dumps(h))
    h2["enc.bias"]["data_offsets"] = [20, 32]
    write("overlapping_offsets.safetensors", h2, d, meta())
    h2 = json.loads(json.dumps(h))
    h2["out.weight"]["data_offsets"] = [36, 60]
    write("offsets_out_of_range.safetensors", h2, d[:48], meta())
    h2 = json.loads(json.dumps(h))
    h2["out.weight"]["data_offsets"] = [40, 64]
    write("offsets_leave_gap.safetensors", h2, d + b"\0" * 4, meta())
    write("data_after_last_tensor.safetensors", h, d + b"\0" * 8, meta())
    h2 = json.loads(json.dumps(h))
    h2["enc.bias"]["data_offsets"] = [36, 24]
    write("offsets_reversed.safetensors", h2, d, meta())
    # the metadata
    write("other_model.safetensors", h, d, meta(config='{"model":"tiny","hidden":4,"layers":[1]}'))
    write("config_not_json.safetensors", h, d, meta(config='{"model":"tiny",'))
    write("no_config.safetensors", h, d, meta(config=None))
    write("vocab_without_specials.safetensors", h, d, meta(src_vocab='["a","b","c","d","e"]'))
    write("vocab_token_with_newline.safetensors", h, d,
          meta(src_vocab=json.dumps(["<unk>\n"] + SPECIALS[1:] + ["a"])))
    write("vocab_not_json.safetensors", h, d, meta(tgt_vocab='["<unk>","<pad>"'))
    write("step_not_integer.safetensors", h, d, meta(step="7x"))
    write("kind_train.safetensors", h, d, meta(kind="train"))
    full = {"__metadata__": dict(meta(), step=7)}
    full.update(h)
    raw("metadata_value_not_string.safetensors", json.dumps(full, separators=(",", ":")), d)


if __name__ == "__main__":
    main()
