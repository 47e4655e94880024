#!/usr/bin/python3
"""Times greedy decoding of the benchmark sentence with PyTorch eager (float64, the reference modules of
tools/attnviz_torch.py) on the very attnviz-model files the C++ benchmark uses, and — with --cpp — runs the
C++ benchmark in the same session and prints the ratio.

    build/bench/attnviz_bench --write-models /tmp/models
    /usr/bin/python3 bench/pytorch_decode.py --models /tmp/models --cpp build/bench/attnviz_bench

Both sides: 1 thread (torch.set_num_threads(1); Eigen's matrix-vector products are single-threaded),
30 source words "s4 … s33", 30 output tokens (out.bias[<eos>] = −1000), CPU time per sentence.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import attnviz_torch as at  # noqa: E402

NAMES = ("bahdanau", "luong", "gnmt")


@torch.no_grad()
def greedy_ids(model, src_ids, sos, eos, max_len):
    """The minimal eager loop: encode, then step + argmax (no trace kept) — PyTorch's best case."""
    enc = model.encode(src_ids)
    state, y, out = enc["state"], sos, []
    for _ in range(max_len):
        logits, info, state = model.step(enc, state, y)
        y = int(torch.argmax(logits))
        if y == eos:
            break
        out.append(y)
    return out


def cpu_time(fn, min_seconds):
    fn()  # warm up
    n, start = 0, time.process_time()
    while True:
        fn()
        n += 1
        spent = time.process_time() - start
        if spent >= min_seconds and n >= 3:
            return spent / n, n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True, help="folder with {bahdanau,luong,gnmt}.model.json")
    ap.add_argument("--cpp", help="path of attnviz_bench: run it too and print the ratio")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=3.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    rows = {}
    for name in NAMES:
        with open(os.path.join(args.models, name + ".model.json")) as f:
            doc = json.load(f)
        model, cfg = at.model_from_document(doc)
        model.eval()
        src_vocab, tgt_vocab = doc["vocab"]["source"], doc["vocab"]["target"]
        sentence = " ".join("s%d" % i for i in range(4, 34))
        ids, _ = at.source_ids(sentence.split(), src_vocab)
        sos, eos = tgt_vocab.index("<sos>"), tgt_vocab.index("<eos>")
        out = greedy_ids(model, ids, sos, eos, cfg["max_len"])
        t_min, n_min = cpu_time(lambda: greedy_ids(model, ids, sos, eos, cfg["max_len"]), args.min_time)
        t_tr, n_tr = cpu_time(lambda: at.greedy_trace(model, ids, tgt_vocab, cfg["max_len"]), args.min_time)
        rows[name] = {"steps": len(out) + (0 if len(out) == cfg["max_len"] else 1), "torch_ms": t_min * 1e3,
                      "torch_trace_ms": t_tr * 1e3}
        print("pytorch %-9s %7.1f ms/sentence (argmax loop, %d runs), %7.1f ms with the trace as lists (%d runs)"
              % (name, t_min * 1e3, n_min, t_tr * 1e3, n_tr), flush=True)
        del doc, model

    if args.cpp:
        res = subprocess.run([args.cpp, "--benchmark_filter=Greedy", "--benchmark_format=json",
                              "--benchmark_min_time=%g" % args.min_time], check=True, capture_output=True, text=True)
        for b in json.loads(res.stdout)["benchmarks"]:
            name = b["name"].replace("BM_Greedy", "").lower()
            if name in rows:
                scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
                rows[name]["cpp_ms"] = b["cpu_time"] * scale
        print("\n| model | steps | C++ (ms/sentence, CPU) | PyTorch argmax loop | ratio | PyTorch with trace | ratio |")
        print("|---|---|---|---|---|---|---|")
        for name in NAMES:
            r = rows[name]
            if "cpp_ms" in r:
                print("| %s | %d | %.1f | %.1f | %.2f× | %.1f | %.2f× |" % (
                    name, r["steps"], r["cpp_ms"], r["torch_ms"], r["torch_ms"] / r["cpp_ms"],
                    r["torch_trace_ms"], r["torch_trace_ms"] / r["cpp_ms"]))


if __name__ == "__main__":
    main()
