#!/usr/bin/python3
"""Round-trip and cross checks for attnviz model files against the PyTorch reference (tools/attnviz_torch.py).

  /usr/bin/python3 tools/check_model_roundtrip.py
      every fixture of tests/data/golden/index.json: model file -> fresh torch model -> greedy trace equals the
      stored trace (tolerance 1e-12), beam files reproduce, the .cbor twin equals the .json, and
      JSON -> CBOR -> JSON gives back the same document.
  /usr/bin/python3 tools/check_model_roundtrip.py --model M.json|M.cbor --trace T.json [--tol 1e-9]
      compares any attnviz-trace (e.g. from `attnviz translate M "sentence" --json > T.json`) with what PyTorch
      computes for the same model and sentence (the sentence is rebuilt from the trace's "source", else from
      its source_tokens). Prints the first differing JSON pointer.
Exit status 0 when everything matches, 1 otherwise.
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnviz_cbor  # noqa: E402
import attnviz_torch as at  # noqa: E402

TRACE_KEYS = ("architecture", "score", "source_tokens", "target_tokens", "encoder_states", "steps")


def diff(a, b, tol, ptr=""):
    """First difference between JSON values a (reference) and b, or None. Numbers within `tol` absolute."""
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or a is None:
        return None if a == b else "%s: expected %r, found %r" % (ptr or "/", a, b)
    if isinstance(a, (int, float)):
        if not isinstance(b, (int, float)):
            return "%s: expected a number, found %r" % (ptr, b)
        return None if math.isfinite(b) and abs(a - b) <= tol else "%s: expected %r, found %r (|diff| %.3g)" % (
            ptr, a, b, abs(a - b) if math.isfinite(b) else float("inf"))
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return "%s: expected %d elements, found %s" % (ptr, len(a), len(b) if isinstance(b, list) else repr(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, tol, "%s/%d" % (ptr, i))
            if d:
                return d
        return None
    if not isinstance(b, dict):
        return "%s: expected an object, found %r" % (ptr, b)
    for k in a:
        if k not in b:
            return "%s/%s: missing" % (ptr, k)
        d = diff(a[k], b[k], tol, "%s/%s" % (ptr, k))
        if d:
            return d
    return None


def reference_trace(model_path, sentence):
    doc = at.load_document(model_path)
    model, cfg = at.model_from_document(doc)
    trace, _ = at.trace_document(model, doc["architecture"], cfg, sentence, doc["vocab"]["source"],
                                 doc["vocab"]["target"], doc.get("tokenizer", "whitespace"))
    return doc, model, cfg, trace


def check_pair(model_path, trace_path, tol):
    with open(trace_path, encoding="utf-8") as f:
        got = json.load(f)
    mdoc = at.load_document(model_path)
    sentence = got.get("source")
    if sentence is None:
        sentence = ("" if mdoc.get("tokenizer") == "char" else " ").join(got["source_tokens"])
    _, _, _, ref = reference_trace(model_path, sentence)
    return diff({k: ref[k] for k in TRACE_KEYS if k in ref}, got, tol)


def check_golden(golden, tol):
    with open(os.path.join(golden, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    failures = 0
    for fx in index["fixtures"]:
        files = {k: os.path.join(golden, v) for k, v in fx["files"].items()}
        problems = []
        d = check_pair(files["model"], files["trace"], tol)
        if d:
            problems.append("trace " + d)
        with open(files["model"], encoding="utf-8") as f:
            mjson = json.load(f)
        if attnviz_cbor.loads(attnviz_cbor.dumps(mjson)) != mjson:
            problems.append("JSON -> CBOR -> JSON changed the model document")
        if "model_cbor" in files and at.load_document(files["model_cbor"]) != mjson:
            problems.append(".model.cbor differs from .model.json")
        if "beam" in files:
            with open(files["beam"], encoding="utf-8") as f:
                bref = json.load(f)
            _, model, cfg, _ = reference_trace(files["model"], fx["source"])
            ids = at.source_ids(at.tokenize(fx["source"], fx["tokenizer"], cfg["lowercase"]), mjson["vocab"]["source"])[0]
            b = at.beam_search(model, ids, mjson["vocab"]["target"], cfg["max_len"], bref["beam"])
            d = diff({"tokens": bref["tokens"], "score": bref["score"]}, b, tol)
            if d:
                problems.append("beam " + d)
        print("%-22s %s" % (fx["name"], "ok" if not problems else "FAIL: " + "; ".join(problems)))
        failures += bool(problems)
    return failures


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", default=os.path.join(here, "..", "tests", "data", "golden"))
    ap.add_argument("--model")
    ap.add_argument("--trace")
    ap.add_argument("--tol", type=float, default=None, help="absolute tolerance (1e-12 golden, 1e-9 --trace)")
    args = ap.parse_args()
    if args.model or args.trace:
        if not (args.model and args.trace):
            ap.error("--model and --trace go together")
        d = check_pair(args.model, args.trace, args.tol if args.tol is not None else 1e-9)
        print(d or "ok: the trace matches PyTorch")
        return 1 if d else 0
    return 1 if check_golden(args.golden, args.tol if args.tol is not None else 1e-12) else 0


if __name__ == "__main__":
    sys.exit(main())
