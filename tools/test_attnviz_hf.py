#!/usr/bin/python3
"""tools/attnviz_hf.py end to end, without transformers or torch: cross-attentions shaped as Hugging Face's
generate(output_attentions=True, return_dict_in_generate=True) returns them (steps × layers × [batch, heads,
query_len, source_len], wrapped in objects with .tolist() like tensors) become an attnviz-trace that
`attnviz export` draws; bad shapes and weights are refused with the place named, and nothing is written.
    tools/test_attnviz_hf.py ATTNVIZ_BINARY
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attnviz_hf import generate_trace, save_generate_attentions  # noqa: E402


class Tensor:
    """Stands in for a torch tensor: generate() hands out tensors, the tool only calls .tolist()."""
    def __init__(self, data):
        self.data = data

    def tolist(self):
        return self.data


def softmax(xs):
    m = max(xs)
    e = [math.exp(x - m) for x in xs]
    s = sum(e)
    return [v / s for v in e]


def fake_generate(n, steps, layers, heads, batch=2, query_len=1, rng=random.Random(3)):
    cross = []
    for _ in range(steps):
        per_layer = []
        for _ in range(layers):
            per_layer.append(Tensor([[[softmax([rng.gauss(0, 2) for _ in range(n)]) for _ in range(query_len)]
                                      for _ in range(heads)] for _ in range(batch)]))
        cross.append(tuple(per_layer))
    enc = tuple(Tensor([[[softmax([rng.gauss(0, 1) for _ in range(n)]) for _ in range(n)] for _ in range(heads)]
                        for _ in range(batch)]) for _ in range(layers))
    return tuple(cross), enc


def main():
    attnviz = sys.argv[1]
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    src = ["▁The", "▁red", "▁car", "▁is", "▁very", "▁fast", ".", "</s>"]
    tgt = ["▁El", "▁coche", "▁rojo", "▁es", "▁muy", "▁rápido", ".", "</s>"]
    cross, enc = fake_generate(len(src), len(tgt), layers=3, heads=4)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "red_car.trace.json")
        doc = save_generate_attentions(path, src, tgt, cross, encoder_attentions=enc, batch_index=1, eos_token="</s>",
                                       title="fake Marian")
        check(doc["target_tokens"] == tgt[:-1], "the final </s> is a step, not a target word")
        check(len(doc["steps"]) == len(tgt), "one step per generated token")
        check(doc["steps"][2]["heads"][1][3] == [float(v) for v in cross[2][1].data[1][3][-1]],
              "step 3, layer 2, head 4 is batch element 1's row")
        check(len(doc["encoder_self_attention"]) == 3 and len(doc["encoder_self_attention"][0]) == 4, "encoder [layers][heads]")
        # attnviz reads it: the picture and the numbers out
        png = os.path.join(d, "red_car.png")
        r = subprocess.run([attnviz, "export", path, "-o", png], capture_output=True, text=True,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        check(r.returncode == 0, f"attnviz export: {r.returncode} {r.stderr}")
        check(os.path.exists(png) and os.path.getsize(png) > 1000, "the PNG is written")
        # query_len > 1 (no cache): the last row is the step's
        cross2, _ = fake_generate(3, 2, layers=1, heads=2, batch=1, query_len=2)
        doc2 = generate_trace(["a", "b", "c"], ["x", "y"], cross2)
        check(doc2["steps"][1]["heads"][0][1] == cross2[1][0].data[0][1][-1], "the last query row is the step's")
        # bad input: named, nothing written
        bad = os.path.join(d, "bad.json")
        cases = [
            (lambda: save_generate_attentions(bad, ["a", "b"], ["x", "y"], cross2), "expected 2 weights (one per source token), found 3"),
            (lambda: save_generate_attentions(bad, ["a", "b", "c"], ["x"], cross2), "expected 2 tokens"),
            (lambda: save_generate_attentions(bad, ["a", "b", "c"], ["x", "y"], [[Tensor([[[[0.5, 0.6, 0.1]]]])]]),
             "cross_attentions[0][0][0][0]: expected attention weights that sum to 1"),
            (lambda: save_generate_attentions(bad, ["a", "b", "c"], ["x"], []), "found none"),
        ]
        for f, says in cases:
            try:
                f()
                failures.append(f"no error for: {says}")
            except ValueError as e:
                check(says in str(e), f"message {e!s} lacks {says!r}")
            check(not os.path.exists(bad), "nothing written for bad input")
        # the loader refuses what the tool would not write: a head that is not a distribution
        doc["steps"][0]["heads"][0][0] = [0.9] * len(src)
        with open(bad, "w") as f:
            json.dump(doc, f)
        r = subprocess.run([attnviz, "export", bad, "-o", os.path.join(d, "bad.png")], capture_output=True, text=True,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        check(r.returncode == 2 and "/steps/0/heads/0/0" in r.stderr, f"attnviz refuses the bad head: {r.returncode} {r.stderr}")
    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
