#!/usr/bin/python3
"""End-to-end test of tools/attnviz_capture.py, run by CTest (tests/CMakeLists.txt):

    /usr/bin/python3 tools/test_attnviz_capture.py path/to/attnviz

The demo GRU model's states are captured to .npz and .json, `attnviz attend … --score general --json`
computes the attention, and its weights and contexts must equal the model's own (PyTorch) to 1e-12.
Exits 77 (CTest: skipped) with the reason printed when PyTorch or numpy is not installed.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch  # noqa: F401
except ImportError as e:
    print(f"skipped: {e} (install python3-torch to run this test)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnviz_capture  # noqa: E402


def main():
    attnviz = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        for name in ("states.npz", "states.json"):
            path = os.path.join(d, name)
            weights, context = attnviz_capture.demo(path)
            r = subprocess.run([attnviz, "attend", path, "--score", "general", "--json"], capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                print(f"attnviz attend {name} failed ({r.returncode}): {r.stderr}")
                return 1
            trace = json.loads(r.stdout)
            got_w = np.array([s["weights"] for s in trace["steps"]])
            got_c = np.array([s["context"] for s in trace["steps"]])
            dw, dc = np.abs(got_w - weights).max(), np.abs(got_c - context).max()
            print(f"{name}: {len(trace['steps'])} steps, max |Δweights| = {dw:.2e}, max |Δcontext| = {dc:.2e}")
            if got_w.shape != weights.shape or dw > 1e-12 or dc > 1e-12:
                return 1
            if trace["source_tokens"] != ["I", "am", "a", "student"] or trace["target_tokens"] != ["je", "suis", "étudiant"]:
                print(f"tokens differ: {trace['source_tokens']} {trace['target_tokens']}")
                return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
