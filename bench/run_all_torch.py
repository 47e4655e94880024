#!/usr/bin/python3
"""The PyTorch half of bench/run_all.py that the other bench scripts do not already do (run_all.py itself uses the
standard library only and runs this with /usr/bin/python3, which has torch).

  /usr/bin/python3 bench/run_all_torch.py beam [--threads 1] [--repeat 3] [--beam 5]
      Beam search, PyTorch eager float32, on the three models of bench/pytorch_decode_bench.py (built from the same
      seeds, so the very weights its --save-dir writes and attnviz_precision_bench --model decodes): its 30-word
      sentence, exactly 30 steps (out.bias[<eos>] = -1e4: no hypothesis finishes). Every step runs
      the reference module's step() for each live hypothesis (tools/attnviz_torch.py's modules decode one
      sequence at a time), then one log_softmax each and one topk over the stacked hypotheses x V sums. Prints
      JSON: per case the median wall and median process CPU ms per sentence.

  /usr/bin/python3 bench/run_all_torch.py transformer-model PREFIX OUT.cbor
      The weights attnviz_transformer_bench --write PREFIX wrote, as an attnviz-model file (through
      tools/pytorch_transformer_to_attnviz.py), so that attnviz_precision_bench --model decodes the very weights
      bench/pytorch_transformer_bench.py times, in float32 (the app's default path) and float64.

Read bench/torch_env.py about BLAS first.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import attnviz_torch as at  # noqa: E402
import pytorch_decode_bench  # noqa: E402
import torch_env  # noqa: E402

SENTENCE = " ".join("w%d" % i for i in range(5, 35))   # pytorch_decode_bench.py's sentence


@torch.no_grad()
def beam_steps(model, ids, tgt, max_len, k):
    """Eager beam search (sum of log-probabilities, the k best live candidates each step); returns the steps run."""
    sos, eos, V = tgt.index("<sos>"), tgt.index("<eos>"), len(tgt)
    enc = model.encode(ids)
    live = [([], 0.0, enc["state"])]   # (token ids, sum log p, decoder state)
    finished, steps = 0, 0
    for _ in range(max_len):
        outs = [model.step(enc, st, toks[-1] if toks else sos) for toks, _, st in live]
        logp = torch.stack([torch.log_softmax(logits, dim=0) for logits, _, _ in outs])
        total = logp + torch.tensor([lp for _, lp, _ in live], dtype=logp.dtype).unsqueeze(1)
        best = torch.topk(total.reshape(-1), k - finished)
        steps += 1
        new = []
        for score, flat in zip(best.values.tolist(), best.indices.tolist()):
            rank, w = divmod(flat, V)
            if w == eos:
                finished += 1
            else:
                new.append((live[rank][0] + [w], score, outs[rank][2]))
        live = new
        if finished >= k or not live:
            break
    return steps


def beam(args):
    env = torch_env.describe(args.threads)
    results = []
    for i, (case, (arch, config)) in enumerate(pytorch_decode_bench.CASES.items()):
        model, cfg, src, tgt = pytorch_decode_bench.random_model(arch, config, 100 + i)   # its seeds
        model.to(torch.float32)
        ids = at.source_ids(at.tokenize(SENTENCE, "whitespace", cfg["lowercase"]), src)[0]
        steps = beam_steps(model, ids, tgt, cfg["max_len"], args.beam)   # warm-up
        wall, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            steps = beam_steps(model, ids, tgt, cfg["max_len"], args.beam)
            cpu.append(1e3 * (time.process_time() - c0))
            wall.append(1e3 * (time.perf_counter() - t0))
        results.append({"case": case, "beam": args.beam, "steps": steps, "runs": args.repeat,
                        "median_wall_ms": statistics.median(wall), "median_cpu_ms": statistics.median(cpu)})
    print(json.dumps({"torch": env, "dtype": "float32", "results": results}, indent=1))


def transformer_model(args):
    import pytorch_transformer_bench as ptb
    import pytorch_transformer_to_attnviz as conv
    model, doc = ptb.load(args.prefix, torch.float64)
    c = doc["config"]
    if (c["sos"], c["eos"]) != (1, 2) or c["source_vocab"] != c["target_vocab"]:
        raise SystemExit("transformer-model: expected <sos> 1, <eos> 2 and one vocabulary size, found %s" % c)
    with tempfile.TemporaryDirectory() as tmp:
        pt, vocab = os.path.join(tmp, "weights.pt"), os.path.join(tmp, "vocab.txt")
        torch.save({k: v for k, v in model.state_dict().items() if k != "pe"}, pt)   # pe: computed, not a weight
        with open(vocab, "w") as f:
            f.write("\n".join(list(conv.SPECIALS) + ["w%d" % i for i in range(len(conv.SPECIALS), c["target_vocab"])]) + "\n")
        return conv.main([pt, "--heads", str(c["heads"]), "--src-vocab", vocab, "--tgt-vocab", vocab,
                          "--max-len", str(c["max_len"]), "-o", args.out])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("beam")
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--repeat", type=int, default=3)
    b.add_argument("--beam", type=int, default=5)
    t = sub.add_parser("transformer-model")
    t.add_argument("prefix")
    t.add_argument("out")
    args = ap.parse_args()
    return beam(args) if args.command == "beam" else transformer_model(args)


if __name__ == "__main__":
    sys.exit(main())
