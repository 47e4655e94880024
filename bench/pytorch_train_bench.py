#!/usr/bin/python3
"""PyTorch eager baseline for the issue-4 training benchmark: target tokens per second when training the
Bahdanau model (hidden 256, embedding 128, vocabulary 8,000, batch 32, source and target length 10) on CPU.

  /usr/bin/python3 bench/pytorch_train_bench.py [--threads 2] [--iters 20] [--warmup 3] [--json]
        [--cpp build/bench/attnviz_bench]    # also run the C++ benchmark in the same session, print the ratio

One training step = teacher-forced forward over the batch (bidirectional GRU encoder, bridge
s_0 = tanh(W ←h_1 + b), per target position: additive attention queried by s_{i-1}, GRU([E y_{i-1}; c_i], s_{i-1}),
logits W_out [s_i; c_i; E y_{i-1}] + b — SPEC §4 "bahdanau", attention size da = hidden), mean cross-entropy
over all target tokens, backward, gradient-norm clipping at 1.0, Adam (lr 1e-3). float32, random token ids
(seeded). Throughput = batch × target length × timed iterations / wall time; the process CPU time is
reported too (on a loaded machine wall time is not the engine's speed). Read bench/torch_env.py about BLAS.
"""

import argparse
import json
import statistics
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_env


class Bahdanau(nn.Module):
    def __init__(self, V, E, H, da):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(V, E), nn.Embedding(V, E)
        self.encoder = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(H, H)
        self.W_q, self.W_k = nn.Linear(H, da, bias=False), nn.Linear(2 * H, da, bias=False)
        self.v, self.b = nn.Linear(da, 1, bias=False), nn.Parameter(torch.zeros(da))
        self.decoder = nn.GRUCell(E + 2 * H, H)
        self.out = nn.Linear(3 * H + E, V)

    def forward(self, src, tgt_in):
        # src (B × n), tgt_in (B × m) = <sos> y_1 … y_{m-1}; returns logits (B × m × V)
        keys, h_n = self.encoder(self.src_emb(src))          # keys (B × n × 2H), h_n (2 × B × H)
        s = torch.tanh(self.bridge(h_n[1]))                   # s_0 (B × H)
        proj = self.W_k(keys)                                 # (B × n × da)
        emb = self.tgt_emb(tgt_in)                            # (B × m × E)
        feats = []
        for i in range(tgt_in.shape[1]):
            e = self.v(torch.tanh(proj + (self.W_q(s) + self.b).unsqueeze(1))).squeeze(-1)   # (B × n)
            a = torch.softmax(e, dim=1)
            c = torch.bmm(a.unsqueeze(1), keys).squeeze(1)    # (B × 2H)
            s = self.decoder(torch.cat([emb[:, i], c], dim=1), s)
            feats.append(torch.cat([s, c, emb[:, i]], dim=1))
        # the output layer once over all positions (one big matmul instead of m small ones)
        return self.out(torch.stack(feats, dim=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--embedding", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--length", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cpp", help="path of attnviz_bench: run BM_TrainBahdanau with the same threads and print the ratio")
    args = ap.parse_args()
    env = torch_env.describe(args.threads)
    torch.manual_seed(0)
    model = Bahdanau(args.vocab, args.embedding, args.hidden, args.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    B, L, V = args.batch, args.length, args.vocab
    src = torch.randint(4, V, (B, L))
    tgt = torch.randint(4, V, (B, L))
    tgt_in = torch.cat([torch.full((B, 1), 1), tgt[:, :-1]], dim=1)   # <sos> = id 1

    def step():
        opt.zero_grad()
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss)

    for _ in range(args.warmup):
        step()
    times = []
    cpu0 = time.process_time()
    for _ in range(args.iters):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0   # all threads of this process: robust to other load on the machine
    total = sum(times)
    result = {"case": "bahdanau_train", "threads": args.threads, "hidden": args.hidden, "embedding": args.embedding,
              "vocab": V, "batch": B, "length": L, "iters": args.iters,
              "tokens_per_s": B * L * args.iters / total, "ms_per_batch_median": 1e3 * statistics.median(times),
              "cpu_ms_per_batch": 1e3 * cpu / args.iters,
              "params": sum(p.numel() for p in model.parameters())}
    result.update(env)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print("pytorch eager train bahdanau H%d E%d V%d batch %d len %d, %d thread(s): %.0f target tokens/s "
              "(median %.1f ms per batch over %d batches)" % (args.hidden, args.embedding, V, B, L, args.threads,
                                                               result["tokens_per_s"], result["ms_per_batch_median"],
                                                               args.iters))
        print("(CPU time %.1f ms per batch; torch %s, BLAS %s)" % (result["cpu_ms_per_batch"], env["torch"], env["blas"]))
    if args.cpp:
        if (args.hidden, args.embedding, args.vocab, args.batch, args.length) != (256, 128, 8000, 32, 10):
            raise SystemExit("--cpp: the C++ benchmark has the default shapes only")
        run_cpp(args.cpp, args.threads, B * L * 1e3 / result["cpu_ms_per_batch"], result["tokens_per_s"])


def run_cpp(path, threads, torch_tok_per_cpu_s, torch_tok_per_s):
    """BM_TrainBahdanau (float32 output layer, the same shapes) with `threads` threads, 5 repetitions."""
    out = subprocess.run([path, "--benchmark_filter=BM_TrainBahdanau/threads:%d/bits:32" % threads,
                          "--benchmark_repetitions=5", "--benchmark_min_time=1", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    wall = statistics.median(b["tok/s"] for b in runs)
    cpu = statistics.median(b["tok/cpu_s"] for b in runs)
    print("attnviz C++ train bahdanau, %d thread(s): %.0f target tokens/s (median of %d), %.0f per CPU-second"
          % (threads, wall, len(runs), cpu))
    print("ratio C++ / PyTorch: %.2fx wall, %.2fx CPU time" % (wall / torch_tok_per_s, cpu / torch_tok_per_cpu_s))


if __name__ == "__main__":
    main()
