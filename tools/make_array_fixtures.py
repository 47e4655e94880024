#!/usr/bin/env python3
"""Writes the small array-file fixtures in tests/data/arrays/ (SPEC §5 "Hidden states from numerical tools").

Needs numpy and torch (/usr/bin/python3 here). Run from the repository root:
    /usr/bin/python3 tools/make_array_fixtures.py
Good files hold the same numbers as states.json (the textbook example with a W for "general");
bad files are listed with the message each must produce in bad.tsv (read by tests/core/tst_array_files.cpp
and tests/app/tst_cli_attend.cpp). The tests fail, not skip, when a file listed here is missing.
"""
import io
import json
import os
import struct
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "arrays")
H = np.array([[0, 1, 1], [5, 0, 1], [1, 1, 0], [0, 5, 1]], dtype=np.float64)   # n × dk
S = np.array([[10, 5, 10], [1, 2, 3]], dtype=np.float64)                     # m × dq
W = np.arange(9, dtype=np.float64).reshape(3, 3) / 8                         # dq × dk, exact in float16
SRC = ["I", "am", "a", "stüdent"]
TGT = ["je", "suis"]
bad = []  # (file, array named in the message, text the message contains)


def path(name):
    return os.path.join(OUT, name)


def npy_bytes(arr=None, header=None, data=None):
    """An .npy member; header/data override what NumPy would write (for bad input)."""
    if header is None:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=True)
        return buf.getvalue()
    h = header.encode("latin1")
    h += b" " * (63 - (10 + len(h)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + (data or b"")


def npz(name, members, deflate=False):
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
        for k, v in members.items():
            z.writestr(k + ".npy", v if isinstance(v, bytes) else npy_bytes(v))


def safetensors(name, arrays, meta=None, header_override=None, extra=b""):
    hdr, data = {}, b""
    for k, (dt, a) in arrays.items():
        b = a.tobytes()
        hdr[k] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    if meta:
        hdr["__metadata__"] = meta
    h = header_override if header_override is not None else json.dumps(hdr).encode()
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data + extra)


class Evil:
    """Pickles as a call of os.system: the reader must refuse it without running anything."""
    def __reduce__(self):
        return (os.system, ("echo attnviz-must-not-run-this",))


def main():
    os.makedirs(OUT, exist_ok=True)
    json.dump({"format": "attnviz-example", "version": 1, "source_tokens": SRC, "target_tokens": TGT,
               "encoder_states": H.tolist(), "decoder_states": S.tolist(), "parameters": {"W": W.tolist()}, "score": "dot"},
              open(path("states.json"), "w", encoding="utf-8"), ensure_ascii=False)

    # Good files.
    npz("states.npz", {"encoder_states": H, "decoder_states": S, "W": W})
    npz("states_mixed.npz", {"encoder_states": np.asfortranarray(H.astype(">f4")), "decoder_states": S.astype("<f2"),
                             "W": np.asfortranarray(W), "source_tokens": np.array(SRC),
                             "target_tokens": np.array([t.encode() for t in TGT]), "unused": np.arange(5)}, deflate=True)
    safetensors("states.safetensors", {"encoder_states": ("F32", H.astype("<f4")), "decoder_states": ("F64", S),
                                       "W": ("F16", W.astype("<f2"))},
                {"source_tokens": json.dumps(SRC), "target_tokens": json.dumps(TGT)})
    bf16 = torch.tensor(H, dtype=torch.bfloat16).view(torch.int16).numpy().astype("<i2")
    safetensors("states_bf16.safetensors", {"encoder_states": ("BF16", bf16), "decoder_states": ("F32", S.astype("<f4"))})
    torch.save({"encoder_states": torch.tensor(H, dtype=torch.float32), "decoder_states": torch.tensor(S),
                "W": torch.tensor(W).t().contiguous().t(),  # column-major strides
                "source_tokens": SRC, "target_tokens": TGT}, path("states.pt"))
    torch.save({"encoder_states": torch.tensor(H, dtype=torch.float16), "decoder_states": torch.tensor(S, dtype=torch.bfloat16)[:, :],
                "W": torch.nn.Parameter(torch.tensor(W, dtype=torch.float32))}, path("states_half.pt"))

    # Bad .npz files.
    npz("int_dtype.npz", {"encoder_states": H.astype(np.int64), "decoder_states": S})
    bad.append(("int_dtype.npz", "encoder_states", "integer or boolean dtype"))
    npz("object_dtype.npz", {"encoder_states": np.array([1, "x"], dtype=object), "decoder_states": S})
    bad.append(("object_dtype.npz", "encoder_states", "object dtype"))
    npz("three_d.npz", {"encoder_states": H[None], "decoder_states": S})
    bad.append(("three_d.npz", "encoder_states", "found shape (1, 4, 3)"))
    npz("nan.npz", {"encoder_states": H, "decoder_states": np.array([[1, np.nan, 0], [1, 2, 3]])})
    bad.append(("nan.npz", "decoder_states", "found NaN at index (0, 1)"))
    npz("inf.npz", {"encoder_states": (H * 1e5).astype("<f2"), "decoder_states": S})  # 5e5 overflows float16: inf
    bad.append(("inf.npz", "encoder_states", "found Infinity"))
    npz("no_encoder.npz", {"decoder_states": S})
    bad.append(("no_encoder.npz", "encoder_states", "found none"))
    npz("short_data.npz", {"encoder_states": npy_bytes(header="{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", data=H.tobytes()[:80]),
                           "decoder_states": S})
    bad.append(("short_data.npz", "encoder_states", "found 80 bytes"))
    npz("absurd_shape.npz", {"encoder_states": npy_bytes(header="{'descr': '<f8', 'fortran_order': False, 'shape': (4, 1000000000), }", data=b"\0" * 96),
                             "decoder_states": S})
    bad.append(("absurd_shape.npz", "encoder_states", "expected every dimension between 0 and 100000"))
    npz("bad_header.npz", {"encoder_states": npy_bytes(header="{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3)", data=H.tobytes()),
                           "decoder_states": S})
    bad.append(("bad_header.npz", "encoder_states", "expected '}' in the NumPy header"))
    npz("tokens_count.npz", {"encoder_states": H, "decoder_states": S, "source_tokens": np.array(["a", "b"])})
    bad.append(("tokens_count.npz", "source_tokens", "expected 4 tokens"))
    npz("general_without_W.npz", {"encoder_states": H, "decoder_states": S})  # used with --score general
    good = open(path("states.npz"), "rb").read()
    open(path("truncated.npz"), "wb").write(good[: len(good) // 2])
    bad.append(("truncated.npz", "", "expected a zip archive, found a truncated or corrupt one"))
    # A deflated member whose directory entry says it inflates to 1000 bytes but which inflates to 4 MB.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("encoder_states.npy", npy_bytes(np.zeros((500, 1000))))
        z.writestr("decoder_states.npy", npy_bytes(S))
    b = bytearray(buf.getvalue())
    real = struct.pack("<I", len(npy_bytes(np.zeros((500, 1000)))))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # patch the uncompressed size in local and central headers
        at = b.find(sig)
        off = 22 if sig == b"PK\x03\x04" else 24
        assert b[at + off: at + off + 4] == real
        b[at + off: at + off + 4] = struct.pack("<I", 1000)
    open(path("lying_size.npz"), "wb").write(bytes(b))
    bad.append(("lying_size.npz", "encoder_states", "expected"))

    # Bad .safetensors files.
    safetensors("st_header_beyond.safetensors", {}, header_override=b'{"encoder_states": {}}')
    raw = open(path("st_header_beyond.safetensors"), "rb").read()
    open(path("st_header_beyond.safetensors"), "wb").write(struct.pack("<Q", 1 << 40) + raw[8:])
    bad.append(("st_header_beyond.safetensors", "", "header length within the file"))
    safetensors("st_not_json.safetensors", {}, header_override=b'{"encoder_states": [1, 2,, 3]}')
    bad.append(("st_not_json.safetensors", "", "expected valid JSON"))
    hdr = {"encoder_states": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 480]},
           "decoder_states": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}
    safetensors("st_offsets_outside.safetensors", {}, header_override=json.dumps(hdr).encode(), extra=b"\0" * 48)
    bad.append(("st_offsets_outside.safetensors", "encoder_states", "expected data_offsets within the 48 data bytes"))
    hdr = {"encoder_states": {"dtype": "F64", "shape": [4, 3], "data_offsets": [0, 48]},
           "decoder_states": {"dtype": "F32", "shape": [2, 3], "data_offsets": [48, 72]}}
    safetensors("st_count_mismatch.safetensors", {}, header_override=json.dumps(hdr).encode(), extra=b"\0" * 72)
    bad.append(("st_count_mismatch.safetensors", "encoder_states", "expected 96 bytes for F64 shape (4, 3)"))
    safetensors("st_int.safetensors", {"encoder_states": ("I64", H.astype("<i8")), "decoder_states": ("F64", S)})
    bad.append(("st_int.safetensors", "encoder_states", "an integer dtype"))

    # Bad .pt files.
    torch.save({"encoder_states": torch.tensor(H), "decoder_states": torch.tensor(S), "x": Evil()}, path("evil.pt"))
    bad.append(("evil.pt", "data.pkl", "refused the global \"posix.system\""))
    torch.save(torch.tensor(H), path("bare_tensor.pt"))
    bad.append(("bare_tensor.pt", "data.pkl", "found a bare tensor"))
    torch.save({"encoder_states": torch.tensor(H, dtype=torch.int64), "decoder_states": torch.tensor(S)}, path("int_tensor.pt"))
    bad.append(("int_tensor.pt", "encoder_states", "LongStorage (an integer or bool dtype"))
    torch.save({"encoder_states": torch.tensor(H)}, path("legacy.pt"), _use_new_zipfile_serialization=False)
    bad.append(("legacy.pt", "", "legacy pickle file"))

    with open(path("bad.tsv"), "w", encoding="utf-8") as f:
        f.write("# Bad array files (tools/make_array_fixtures.py) and what loading each must report: file<TAB>array<TAB>text the message contains.\n")
        for row in bad:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
