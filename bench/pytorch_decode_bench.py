#!/usr/bin/python3
"""PyTorch eager baseline for the issue-3 decoding benchmark: greedy decoding of a 30-word sentence with the
reference models of tools/attnviz_torch.py (nn.Embedding, nn.GRU/nn.LSTM, nn.Linear; float32 by default).

  /usr/bin/python3 bench/pytorch_decode_bench.py [--threads 1] [--repeat 5] [--save-dir DIR] [--json]
  /usr/bin/python3 bench/pytorch_decode_bench.py --model M.cbor --sentence "..." [--max-len 30]

Without --model it builds the three issue-3 cases with seeded random weights:
  (a) bahdanau H256 E128 V8000   (b) luong 2 layers H256 E128 general V8000   (c) gnmt 8 layers H128 E128 V8000
and sets out.bias[<eos>] = -1e4 so every run decodes exactly max_len = 30 steps (the same work as the C++ engine
given the same file). --save-dir writes each model as DIR/<case>.model.cbor (CBOR, float64) so the C++ benchmark
can decode the very same weights; the sentence is 30 words of the source vocabulary ("w5 w6 … w34").
Reported: median wall time per sentence over --repeat runs (after one warm-up), decoder steps, ms per step,
mean process CPU time per sentence. Read bench/torch_env.py about BLAS first.

  /usr/bin/python3 bench/pytorch_decode_bench.py --save-dir DIR --cpp build/bench/attnviz_precision_bench

also runs the C++ engine on the very same weights (DIR/<case>.model.cbor, issue 17: float32 and float64, beside
the bandwidth floor of the output projection) in the same session and prints the ratios side by side.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import attnviz_torch as at  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_env  # noqa: E402

CASES = {
    "bahdanau_h256": ("bahdanau", {"cell": "gru", "layers": 1, "score": "additive", "attention_size": 256,
                                   "hidden_size": 256, "embedding_size": 128, "max_len": 30}),
    "luong_h256": ("luong", {"cell": "lstm", "layers": 2, "score": "general", "input_feeding": True,
                             "hidden_size": 256, "embedding_size": 128, "max_len": 30}),
    "gnmt8_h128": ("gnmt", {"cell": "lstm", "layers": 8, "score": "additive", "attention_size": 128,
                            "hidden_size": 128, "embedding_size": 128, "max_len": 30}),
}
VOCAB = 8000


def vocab(n):
    return list(at.SPECIALS) + ["w%d" % i for i in range(len(at.SPECIALS), n)]


def random_model(arch, config, seed):
    cfg = at.effective_config(arch, config)
    v = vocab(VOCAB)
    model = at.Model(arch, cfg, VOCAB, VOCAB, attention_bias=True)
    at.init_random(model, seed, 0.1, decimals=6)
    with torch.no_grad():
        model.out.bias[v.index("<eos>")] = -1e4   # never stop early: exactly max_len steps
    return model, cfg, v, v


@torch.no_grad()
def greedy_ids(model, ids, tgt, max_len):
    """Plain eager greedy loop: encode, then step + argmax (every step still computes scores, weights,
    alignment and context, as the C++ engine does); no trace conversion to Python lists."""
    sos, eos = tgt.index("<sos>"), tgt.index("<eos>")
    enc = model.encode(ids)
    state, y, out = enc["state"], sos, []
    for _ in range(max_len):
        logits, _, state = model.step(enc, state, y)
        y = int(torch.argmax(logits))
        out.append(y)
        if y == eos:
            break
    return out


def time_decode(model, ids, tgt, max_len, repeat):
    greedy_ids(model, ids, tgt, max_len)   # warm-up
    times, steps = [], 0
    cpu0 = time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        steps = len(greedy_ids(model, ids, tgt, max_len))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), steps, (time.process_time() - cpu0) / repeat


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("--save-dir")
    ap.add_argument("--model")
    ap.add_argument("--sentence")
    ap.add_argument("--max-len", type=int)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cpp", help="attnviz_precision_bench: time the C++ engine on the saved models too (needs --save-dir)")
    args = ap.parse_args()
    if args.cpp and not args.save_dir:
        ap.error("--cpp decodes the models --save-dir writes: give --save-dir DIR")
    env = torch_env.describe(args.threads)
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    sentence = " ".join("w%d" % i for i in range(5, 35))
    runs = []
    if args.model:
        doc = at.load_document(args.model)
        model, cfg = at.model_from_document(doc)
        src, tgt = doc["vocab"]["source"], doc["vocab"]["target"]
        runs.append((os.path.basename(args.model), model, cfg, src, tgt, args.sentence or sentence))
    else:
        for i, (name, (arch, config)) in enumerate(CASES.items()):
            model, cfg, src, tgt = random_model(arch, config, 100 + i)
            if args.save_dir:
                os.makedirs(args.save_dir, exist_ok=True)
                w = at.to_attnviz_weights(model.state_dict(), arch, cfg, len(src), len(tgt))
                at.save_document(at.model_document(w, arch, cfg, src, tgt), os.path.join(args.save_dir, name + ".model.cbor"))
            runs.append((name, model, cfg, src, tgt, sentence))
    results = []
    for name, model, cfg, src, tgt, sent in runs:
        model.to(dtype)
        ids = at.source_ids(at.tokenize(sent, "whitespace", cfg["lowercase"]), src)[0]
        sec, steps, cpu = time_decode(model, ids, tgt, args.max_len or cfg["max_len"], args.repeat)
        r = {"case": name, "dtype": args.dtype, "source_tokens": len(ids), "steps": steps,
             "ms_per_sentence": 1e3 * sec, "ms_per_step": 1e3 * sec / steps, "cpu_ms_per_sentence": 1e3 * cpu}
        r.update(env)
        results.append(r)
    if args.cpp:
        for r in results:
            out = subprocess.run([args.cpp, "--json", "--repeat", str(max(5, args.repeat)), "--model",
                                  os.path.join(args.save_dir, r["case"] + ".model.cbor")],
                                 check=True, capture_output=True, text=True).stdout
            doc = json.loads(out)
            cpp = doc["models"][0]
            r["cpp"] = cpp
            r["cpp_stream_read_1GiB_GBs"] = doc["stream_read_1GiB_GBs"]
            r["cpp_float32_ms_per_sentence"] = cpp["greedy_float32_ms"]
            r["cpp_float64_ms_per_sentence"] = cpp["greedy_float64_ms"]
            r["cpp_floor_ms_per_step"] = cpp["floor_ms"]
            r["ratio_pytorch_over_cpp_float32"] = r["ms_per_sentence"] / cpp["greedy_float32_ms"]
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for r in results:
            print("%-16s pytorch eager %s, %d thread(s): %8.2f ms / sentence (%d source tokens, %d steps, %.3f ms/step;"
                  " CPU %.2f ms)" % (r["case"], r["dtype"], r["threads"], r["ms_per_sentence"], r["source_tokens"],
                                     r["steps"], r["ms_per_step"], r["cpu_ms_per_sentence"]))
            if "cpp_float32_ms_per_sentence" in r:
                print("%-16s C++ float32 %8.2f ms, float64 %8.2f ms (%.2f×); PyTorch %s / C++ float32 = %.2f×;"
                      " C++ float32 step %.3f ms vs bandwidth floor %.3f ms"
                      % (r["case"], r["cpp_float32_ms_per_sentence"], r["cpp_float64_ms_per_sentence"],
                         r["cpp_float64_ms_per_sentence"] / r["cpp_float32_ms_per_sentence"], r["dtype"],
                         r["ratio_pytorch_over_cpp_float32"], r["cpp_float32_ms_per_sentence"] / r["steps"],
                         r["cpp_floor_ms_per_step"]))
        print("(torch %s, BLAS %s)" % (env["torch"], env["blas"]))


if __name__ == "__main__":
    main()
