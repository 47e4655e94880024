#!/usr/bin/python3
"""PyTorch eager baseline for the transformer decoding benchmark (issue 16), on the very weights the C++ benchmark
uses: build/bench/attnviz_transformer_bench --write PREFIX writes PREFIX.json + PREFIX.bin; this script loads them
into torch.nn.Transformer (d_model 256, 8 heads, 4 + 4 layers, ff 1024, vocabulary 8,000) and decodes the 30-token
source greedily for 30 steps (out.bias[<eos>] = -1e4), the way people usually do with nn.Transformer: encode once,
then at every step re-run the decoder on the whole prefix <sos> y_1 .. y_{t-1} (causal mask) and take the last
position's logits. torch.no_grad, eval mode, 1 thread by default.

    /usr/bin/python3 bench/pytorch_transformer_bench.py PREFIX [--threads 1] [--repeat 15] [--dtype float64|float32]
                                                               [--cpp build/bench/attnviz_transformer_bench]

Reports the median wall and CPU time per sentence and checks that the greedy output equals the C++ engine's
(greedy_ids in PREFIX.json). With --cpp it also runs the C++ benchmark in the same session and prints the ratio.
Read bench/torch_env.py about BLAS first (OpenBLAS via LD_LIBRARY_PATH for a fair figure).
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_env  # noqa: E402


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d_model"]
        self.src_emb = nn.Embedding(c["source_vocab"], d)
        self.tgt_emb = nn.Embedding(c["target_vocab"], d)
        self.transformer = nn.Transformer(d, c["heads"], c["encoder_layers"], c["decoder_layers"], c["ff_size"],
                                          dropout=0.0, batch_first=True)
        self.out = nn.Linear(d, c["target_vocab"])
        pe = torch.zeros(c["max_len"], d, dtype=torch.float64)
        for pos in range(c["max_len"]):
            for k in range(0, d, 2):
                angle = pos / math.pow(10000.0, k / d)
                pe[pos, k] = math.sin(angle)
                pe[pos, k + 1] = math.cos(angle)
        self.register_buffer("pe", pe)
        self.scale = math.sqrt(d)


def load(prefix, dtype):
    with open(prefix + ".json") as f:
        doc = json.load(f)
    c = doc["config"]
    model = Model(c).double()   # load float64 exactly, then convert
    flat = np.fromfile(prefix + ".bin", dtype="<f8")
    state, offset = {}, 0
    alias = {"encoder.embedding": "src_emb.weight", "decoder.embedding": "tgt_emb.weight"}
    for w in doc["weights"]:
        n = int(np.prod(w["shape"]))
        state[alias.get(w["name"], w["name"])] = torch.from_numpy(flat[offset:offset + n].reshape(w["shape"]).copy())
        offset += n
    assert offset == flat.size, "PREFIX.bin has %d numbers, the weights %d" % (flat.size, offset)
    state["pe"] = model.pe
    model.load_state_dict(state, strict=True)
    return model.to(dtype).eval(), doc


@torch.no_grad()
def greedy(model, src, sos, eos, steps):
    x = model.src_emb(src) * model.scale + model.pe[:src.shape[1]]
    memory = model.transformer.encoder(x)
    ys = [sos]
    for _ in range(steps):
        t = len(ys)
        tgt = model.tgt_emb(torch.tensor([ys])) * model.scale + model.pe[:t]
        mask = nn.Transformer.generate_square_subsequent_mask(t).to(x.dtype)
        h = model.transformer.decoder(tgt, memory, tgt_mask=mask)
        logits = model.out(h[:, -1])
        y = int(torch.argmax(logits, dim=-1))
        ys.append(y)
        if y == eos:
            break
    return ys[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--cpp", help="the C++ benchmark program, run in the same session")
    args = ap.parse_args()
    env = torch_env.describe(args.threads)
    dtype = getattr(torch, args.dtype)
    model, doc = load(args.prefix, dtype)
    c = doc["config"]
    src = torch.tensor([doc["source_ids"]])
    out = greedy(model, src, c["sos"], c["eos"], c["max_len"])  # warm-up
    same = out == doc["greedy_ids"]
    wall, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = greedy(model, src, c["sos"], c["eos"], c["max_len"])
        cpu.append(1000 * (time.process_time() - c0))
        wall.append(1000 * (time.perf_counter() - t0))
    report = {"torch": env, "dtype": args.dtype, "steps": len(out), "runs": args.repeat,
              "pytorch_median_wall_ms": statistics.median(wall), "pytorch_median_cpu_ms": statistics.median(cpu),
              "same_output_as_cpp": same}
    if args.cpp:
        text = subprocess.run([args.cpp, "--repeat", str(args.repeat)], check=True, capture_output=True,
                              text=True).stdout
        m = re.search(r"median wall ([\d.]+) ms, median CPU ([\d.]+) ms", text)
        report["cpp_median_wall_ms"], report["cpp_median_cpu_ms"] = float(m.group(1)), float(m.group(2))
        report["ratio_wall"] = report["pytorch_median_wall_ms"] / report["cpp_median_wall_ms"]
        report["ratio_cpu"] = report["pytorch_median_cpu_ms"] / report["cpp_median_cpu_ms"]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
