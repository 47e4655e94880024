#!/usr/bin/env python3
"""Every speed goal of issue 17 in one run, side by side with PyTorch eager, printed as one table.

    python3 bench/run_all.py BUILD_DIR [--quick] [--only decode,train,transformer,ui] [--json FILE]
                             [--work-dir DIR] [--python /usr/bin/python3] [--openblas DIR | --no-openblas]
    python3 bench/run_all.py BUILD_DIR --dry-run      # check the binaries, list the commands, run nothing

BUILD_DIR is a CMake build configured with -DATTNVIZ_BUILD_BENCHMARKS=ON (and ATTNVIZ_BUILD_UI=ON, the default)
where the targets attnviz_bench, attnviz_precision_bench, attnviz_transformer_bench and attnviz_ui_bench are
built. The driver uses the standard library only; it runs the existing benchmarks one after the other:

  decode       bench/pytorch_decode_bench.py --cpp attnviz_precision_bench (PyTorch eager float32 greedy on the three
               issue-3 models, then the C++ engine on the very same weights: greedy and beam 5 in float32, the
               bandwidth floor of the output projection), then bench/run_all_torch.py beam (PyTorch eager beam 5 on
               the same weights);
  train        bench/pytorch_train_bench.py with 1 and 2 threads and attnviz_bench's BM_TrainBahdanau (bits:32)
               with 1 and 2 threads;
  transformer  attnviz_transformer_bench --write, bench/pytorch_transformer_bench.py --dtype float32 --cpp (the C++
               engine in float64, same weights), and attnviz_precision_bench on the same weights as a model file
               (the app's float32 path);
  ui           attnviz_ui_bench (QT_QPA_PLATFORM=offscreen): the step-view frame at n = 50, d = 256, the heatmap
               update and start to the first painted frame.

PyTorch runs under --python (/usr/bin/python3, Debian's torch 1.13) with OpenBLAS when it is found (--openblas DIR,
else the unpacked copy bench/torch_env.py describes, /tmp/openblas/...): without it PyTorch falls back to the
reference BLAS, which the table's machine lines then say. Each command's output is kept in the work directory.

Times: CPU time where both sides report it (the machine is shared: wall time also counts waiting for a core),
wall time beside it; each goal names the basis it is judged on. A sub-benchmark that fails is reported with its
command and the end of its error output, its rows say FAILED, the others still run, and the exit status is 1.
A missing benchmark binary stops the run before anything starts (exit status 2), naming the CMake option.
"""

import argparse
import glob
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
OPENBLAS_DEFAULT = "/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
SECTIONS = ("decode", "train", "transformer", "ui")
BINARIES = {  # binary -> (sections that need it, the CMake options that build it)
    "attnviz_precision_bench": (("decode", "transformer"), "-DATTNVIZ_BUILD_BENCHMARKS=ON (needs libbenchmark-dev)"),
    "attnviz_bench": (("train",), "-DATTNVIZ_BUILD_BENCHMARKS=ON (needs libbenchmark-dev)"),
    "attnviz_transformer_bench": (("transformer",), "-DATTNVIZ_BUILD_BENCHMARKS=ON (needs libbenchmark-dev)"),
    "attnviz_ui_bench": (("ui",), "-DATTNVIZ_BUILD_BENCHMARKS=ON and -DATTNVIZ_BUILD_UI=ON (the default)"),
}
MODELS = (("bahdanau", "bahdanau_h256"), ("luong", "luong_h256"), ("gnmt", "gnmt8_h128"))
TRANSFORMER_SENTENCE = " ".join("w%d" % i for i in range(4, 34))  # attnviz_transformer_bench's source ids 4..33
FULL = {"decode_repeat": 7, "beam_repeat": 3, "train_iters": 20, "train_warmup": 3, "train_reps": 5,
        "train_min_time": 1, "transformer_repeat": 15}
QUICK = {"decode_repeat": 2, "beam_repeat": 1, "train_iters": 4, "train_warmup": 1, "train_reps": 2,
         "train_min_time": 0.1, "transformer_repeat": 3}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------
# The machine

def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def cpu_model():
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def cpu_jiffies():
    """(busy, total) jiffies of all CPUs from /proc/stat, or None."""
    fields = read("/proc/stat").split("\n", 1)[0].split()
    if len(fields) < 5 or fields[0] != "cpu":
        return None
    v = [int(x) for x in fields[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)   # idle + iowait
    return sum(v[:8]) - idle, sum(v[:8])


def children_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cmake_cache(build):
    out = {}
    for line in read(os.path.join(build, "CMakeCache.txt")).splitlines():
        if ":" in line and "=" in line and not line.startswith(("//", "#")):
            key, value = line.split("=", 1)
            out[key.split(":", 1)[0]] = value
    return out


def compiler(build):
    for path in glob.glob(os.path.join(build, "CMakeFiles", "*", "CMakeCXXCompiler.cmake")):
        text = read(path)
        ident = next((l.split('"')[1] for l in text.splitlines() if l.startswith("set(CMAKE_CXX_COMPILER_ID ")), "")
        version = next((l.split('"')[1] for l in text.splitlines() if l.startswith("set(CMAKE_CXX_COMPILER_VERSION ")), "")
        if ident:
            return "%s %s" % (ident, version)
    return "unknown"


def git_commit(source):
    """The commit of the build's source tree (CMakeCache's CMAKE_HOME_DIRECTORY), and whether it had changes."""
    try:
        head = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", source, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ---------------------------------------------------------------------------------------------------------
# Running the sub-benchmarks

class Step:
    """One command; `after` names the step whose files it reads."""

    def __init__(self, section, name, argv, env=None, parse=None, after=None):
        self.section, self.name, self.argv, self.env, self.parse, self.after = section, name, argv, env or {}, parse, after

    def shell(self):
        env = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(self.env.items()))
        return (env + " " if env else "") + " ".join(shlex.quote(a) for a in self.argv)


def run_step(step, index, work, failures):
    """Runs one command, keeps its output in the work directory; True if it ran and parsed."""
    log("[%d] %s: %s" % (index, step.name, step.shell()))
    env = dict(os.environ)
    env.update(step.env)
    t0 = time.time()
    try:
        p = subprocess.run(step.argv, env=env, capture_output=True, text=True)
    except OSError as e:
        failures.append((step, "could not start: %s" % e))
        return False
    base = os.path.join(work, "%02d-%s" % (index, step.name.replace(" ", "_")))
    for suffix, text in ((".out", p.stdout), (".err", p.stderr)):
        with open(base + suffix, "w") as f:
            f.write(text)
    log("    %.0f s, exit status %d" % (time.time() - t0, p.returncode))
    if p.returncode != 0:
        tail = "\n".join(p.stderr.strip().splitlines()[-15:])
        failures.append((step, "exit status %d; the end of its error output (%s.err):\n%s" % (p.returncode, base, tail)))
        return False
    if step.parse:
        try:
            step.parse(p.stdout)
        except (ValueError, KeyError, IndexError, TypeError) as e:
            failures.append((step, "its output could not be read (%s: %s); see %s.out" % (type(e).__name__, e, base)))
            return False
    return True


def json_object(text):
    """The JSON document in a program's output (pytorch_*_bench.py may print other lines before or after it)."""
    start = min(i for i in (text.find("{"), text.find("[")) if i >= 0)
    return json.JSONDecoder().raw_decode(text[start:])[0]


def line_value(text, prefix, pattern):
    """The numbers of `pattern` (a format with %f fields) on the first line starting with prefix."""
    import re
    for line in text.splitlines():
        if line.startswith(prefix):
            m = re.search(pattern.replace("%f", r"([\d.]+)"), line)
            if m:
                return [float(x) for x in m.groups()]
    raise ValueError("no line %r with %r in the output" % (prefix, pattern))


def plan(args, bench, work, res, openblas):
    """The commands in order; each parse function stores what it read in res."""
    p = QUICK if args.quick else FULL
    py, steps = args.python, []

    def torch_env(threads):
        env = {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
        if openblas:
            env["LD_LIBRARY_PATH"] = openblas + (":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else "")
        return env

    def keep(key, transform=json_object):
        def parse(text):
            res[key] = transform(text)
        return parse

    precision = os.path.join(bench, "attnviz_precision_bench")
    models = os.path.join(work, "models")
    if "decode" in args.only:
        steps.append(Step("decode", "decode pytorch+cpp", [py, os.path.join(HERE, "pytorch_decode_bench.py"), "--threads", "1",
                                                           "--repeat", str(p["decode_repeat"]), "--save-dir", models,
                                                           "--cpp", precision, "--json"],
                          torch_env(1), keep("decode")))
        steps.append(Step("decode", "beam pytorch", [py, os.path.join(HERE, "run_all_torch.py"), "beam", "--threads", "1",
                                                     "--repeat", str(p["beam_repeat"])], torch_env(1), keep("beam")))
    if "train" in args.only:
        def torch_train(threads):
            return Step("train", "train pytorch %d thread%s" % (threads, "s" if threads > 1 else ""),
                        [py, os.path.join(HERE, "pytorch_train_bench.py"), "--threads", str(threads), "--iters",
                         str(p["train_iters"]), "--warmup", str(p["train_warmup"]), "--json"],
                        torch_env(threads), keep("train_torch_%d" % threads))

        def cpp_train(text):
            runs = [b for b in json_object(text)["benchmarks"] if b.get("run_type") == "iteration"]
            for threads in (1, 2):
                mine = [b for b in runs if b["name"].startswith("BM_TrainBahdanau/threads:%d/bits:32" % threads)]
                res["train_cpp_%d" % threads] = {"tok_s": statistics.median(b["tok/s"] for b in mine),
                                                 "tok_cpu_s": statistics.median(b["tok/cpu_s"] for b in mine),
                                                 "runs": len(mine)}
        steps.append(torch_train(1))
        steps.append(Step("train", "train cpp", [os.path.join(bench, "attnviz_bench"),
                                                 "--benchmark_filter=^BM_TrainBahdanau/threads:[12]/bits:32",
                                                 "--benchmark_repetitions=%d" % p["train_reps"],
                                                 "--benchmark_min_time=%g" % p["train_min_time"],
                                                 "--benchmark_format=json"], {}, cpp_train))
        steps.append(torch_train(2))
    if "transformer" in args.only:
        prefix = os.path.join(work, "transformer")
        tbench = os.path.join(bench, "attnviz_transformer_bench")
        steps.append(Step("transformer", "transformer weights", [tbench, "--write", prefix]))
        steps.append(Step("transformer", "transformer pytorch+cpp",
                          [py, os.path.join(HERE, "pytorch_transformer_bench.py"), prefix, "--threads", "1", "--repeat",
                           str(p["transformer_repeat"]), "--dtype", "float32", "--cpp", tbench],
                          torch_env(1), keep("transformer"), after="transformer weights"))
        steps.append(Step("transformer", "transformer model file",
                          [py, os.path.join(HERE, "run_all_torch.py"), "transformer-model", prefix, prefix + ".model.cbor"],
                          torch_env(1), after="transformer weights"))
        steps.append(Step("transformer", "transformer cpp float32",
                          [precision, "--json", "--repeat", str(p["transformer_repeat"]), "--model", prefix + ".model.cbor",
                           "--sentence", TRANSFORMER_SENTENCE], {}, keep("transformer_f32"),
                          after="transformer model file"))
    if "ui" in args.only:
        def ui(text):
            wanted = {"ui_frame": ("step view frame, n=50 d=256", "median %f ms wall, %f ms CPU"),
                      "ui_heatmap": ("heatmap update", "median %f ms"),
                      "ui_start": ("start to first painted", "median %f ms from main\\(\\), %f ms from process launch")}
            errors = []
            for key, (prefix, pattern) in wanted.items():
                try:
                    res[key] = line_value(text, prefix, pattern)
                except ValueError as e:
                    errors.append(str(e))
            if errors:   # what it said instead (e.g. "start to first frame: run 3 failed")
                errors += [line for line in text.splitlines() if "fail" in line]
                raise ValueError("; ".join(errors))
        steps.append(Step("ui", "ui", [os.path.join(bench, "attnviz_ui_bench")], {"QT_QPA_PLATFORM": "offscreen"}, ui))
    return steps


# ---------------------------------------------------------------------------------------------------------
# The table

def ms(x):
    return "%.0f" % x if x >= 100 else ("%.1f" % x if x >= 10 else ("%.2f" % x if x >= 1 else "%.3f" % x))


def rate(x):
    return "{:,.0f}".format(x)


def ratio(x):
    return "%.2f×" % x


class Row:
    def __init__(self, what, goal, needs):
        self.what, self.goal, self.needs = what, goal, needs
        self.attnviz = self.baseline = self.cpu = self.wall = "—"
        self.met = "n/a"


def rows(res, sections=SECTIONS):
    out = []
    section = {"decode": "decode", "beam": "decode", "train": "train", "transformer": "transformer", "ui": "ui"}

    def row(what, goal, needs, fill):
        if section[next(k for k in section if needs[0].startswith(k))] not in sections:
            return
        r = Row(what, goal, needs)
        try:
            fill(r)
        except (KeyError, IndexError, TypeError, ZeroDivisionError, StopIteration):
            r.attnviz = r.baseline = r.cpu = r.wall = "FAILED" if not all(k in res for k in needs) else "unreadable"
            r.met = "—"
        out.append(r)

    def judge(r, value, ok):
        r.met = "yes" if ok(value) else "NO"

    def versus(r, ours, theirs, goal=None):
        """ours, theirs: (CPU ms, wall ms) per sentence; the ratios are theirs ÷ ours; goal: the CPU ratio's minimum."""
        r.attnviz, r.baseline = ("%s CPU (%s wall)" % (ms(cpu), ms(wall)) for cpu, wall in (ours, theirs))
        r.cpu, r.wall = ratio(theirs[0] / ours[0]), ratio(theirs[1] / ours[1])
        if goal:
            judge(r, theirs[0] / ours[0], lambda v: v >= goal)

    def decode_case(short, case):
        def pair():
            t = next(x for x in res["decode"] if x["case"] == case)
            return t, t["cpp"]

        def greedy(r):
            t, c = pair()
            versus(r, (c["greedy_float32_cpu_ms"], c["greedy_float32_ms"]), (t["cpu_ms_per_sentence"], t["ms_per_sentence"]), 4)

        def beam(r):
            _, c = pair()
            b = next(x for x in res["beam"]["results"] if x["case"] == case)
            versus(r, (c["beam5_float32_cpu_ms"], c["beam5_float32_ms"]), (b["median_cpu_ms"], b["median_wall_ms"]), 4)

        # The floor: the output projection's bytes ÷ the measured streaming (memory) bandwidth, a read of
        # 1 GiB, against a decoder step: the greedy translation without its encoder (once a sentence) ÷ its steps. Two
        # stricter references beside it, without a goal: the same bytes at the bandwidth of a read of their own size
        # (the matrix fits in this machine's cache), and every matrix the step multiplies by at theirs.
        def step(c):
            return "%s CPU a step (%s with the encoder)" % (ms(c["decoder_step_float32_ms"]), ms(c["step_float32_ms"]))

        def floor(r):
            _, c = pair()
            r.attnviz = step(c)
            r.baseline = "floor %s (%.1f MB at %.1f GB/s)" % (ms(c["floor_1GiB_ms"]), c["out_bytes_per_step_float32"] / 1e6,
                                                             res["decode"][0]["cpp_stream_read_1GiB_GBs"])
            r.cpu = ratio(c["decoder_step_over_floor_1GiB"])
            judge(r, c["decoder_step_over_floor_1GiB"], lambda v: v <= 2)

        def reference_floor(floor_ms, mb, gbs, over):
            """A floor shown without a goal; the arguments name the fields of attnviz_precision_bench's JSON."""
            def fill(r):
                _, c = pair()
                r.attnviz = step(c)
                r.baseline = "floor %s (%.1f MB at %.1f GB/s)" % (ms(c[floor_ms]), c[mb] / 1e6, c[gbs])
                r.cpu = ratio(c[over])
                r.met = "n/a"
            return fill

        cached_floor = reference_floor("floor_ms", "out_bytes_per_step_float32", "stream_read_same_size_GBs",
                                       "decoder_step_over_floor")
        step_floor = reference_floor("step_floor_ms", "step_bytes_float32", "stream_read_step_size_GBs",
                                     "decoder_step_over_step_floor")

        row("greedy, %s (ms/sentence)" % short, "≥ 4× (CPU)", ("decode",), greedy)
        row("beam 5, %s (ms/sentence)" % short, "≥ 4× (CPU)", ("decode", "beam"), beam)
        row("%s decoder step ÷ memory-bandwidth floor of out" % short, "≤ 2× (CPU)", ("decode",), floor)
        row("%s decoder step ÷ in-cache floor of out" % short, "—", ("decode",), cached_floor)
        row("%s decoder step ÷ in-cache floor of all its matrices" % short, "—", ("decode",), step_floor)

    for short, case in MODELS:
        decode_case(short, case)

    def torch_tok_cpu(t):
        return t["batch"] * t["length"] * 1e3 / t["cpu_ms_per_batch"]

    def train(threads):
        def fill(r):
            t, c = res["train_torch_%d" % threads], res["train_cpp_%d" % threads]
            r.attnviz = "%s tok/s (%s per CPU-s)" % (rate(c["tok_s"]), rate(c["tok_cpu_s"]))
            r.baseline = "%s tok/s (%s per CPU-s)" % (rate(t["tokens_per_s"]), rate(torch_tok_cpu(t)))
            cpu = c["tok_cpu_s"] / torch_tok_cpu(t)
            r.cpu, r.wall = ratio(cpu), ratio(c["tok_s"] / t["tokens_per_s"])
            if threads == 1:
                judge(r, cpu, lambda v: v >= 2)
        return fill

    def core_gain(r):
        one, two = res["train_cpp_1"], res["train_cpp_2"]
        t1, t2 = res["train_torch_1"], res["train_torch_2"]
        r.attnviz = "%s → %s tok/s" % (rate(one["tok_s"]), rate(two["tok_s"]))
        r.baseline = "%s → %s tok/s" % (rate(t1["tokens_per_s"]), rate(t2["tokens_per_s"]))
        gain = two["tok_s"] / one["tok_s"]
        r.wall = ratio(gain) + " (PyTorch %s)" % ratio(t2["tokens_per_s"] / t1["tokens_per_s"])
        judge(r, gain, lambda v: v > 1.1)

    row("training, 1 thread (bahdanau H 256, batch 32)", "≥ 2× (CPU)", ("train_torch_1", "train_cpp_1"), train(1))
    row("training, 2 threads", "—", ("train_torch_2", "train_cpp_2"), train(2))
    row("training: gain from the 2nd core (1 → 2 threads)", "> 1.1× (wall)",
        ("train_torch_1", "train_torch_2", "train_cpp_1", "train_cpp_2"), core_gain)

    def transformer_f32(r):
        t, c = res["transformer"], res["transformer_f32"]["models"][0]
        versus(r, (c["greedy_float32_cpu_ms"], c["greedy_float32_ms"]), (t["pytorch_median_cpu_ms"], t["pytorch_median_wall_ms"]))

    def transformer_f64(r):
        t = res["transformer"]
        versus(r, (t["cpp_median_cpu_ms"], t["cpp_median_wall_ms"]), (t["pytorch_median_cpu_ms"], t["pytorch_median_wall_ms"]))

    row("transformer greedy, float32 (app path, full trace)", "—", ("transformer", "transformer_f32"), transformer_f32)
    row("transformer greedy, float64 engine (attnviz_transformer_bench)", "—", ("transformer",), transformer_f64)

    def frame(r):
        wall, cpu = res["ui_frame"]
        r.attnviz = "%s wall (%s CPU)" % (ms(wall), ms(cpu))
        judge(r, wall, lambda v: v <= 8)

    def heatmap(r):
        r.attnviz = ms(res["ui_heatmap"][0])
        judge(r, res["ui_heatmap"][0], lambda v: v <= 16)

    def start(r):
        in_process, launch = res["ui_start"]
        r.attnviz = "%s from launch (%s from main())" % (ms(launch), ms(in_process))
        judge(r, launch, lambda v: v <= 300)

    row("step-view frame, n = 50, d = 256, 1280 × 800 (ms)", "≤ 8 ms (wall)", ("ui_frame",), frame)
    row("heatmap update 200 × 200 (ms)", "≤ 16 ms (wall)", ("ui_heatmap",), heatmap)
    row("start to first painted frame (ms)", "≤ 300 ms (wall)", ("ui_start",), start)
    return out


def table(rs):
    head = ("what", "AttnViz median", "PyTorch eager median (or reference)", "ratio (CPU)", "ratio (wall)", "goal", "met")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rs:
        lines.append("| " + " | ".join((r.what, r.attnviz, r.baseline, r.cpu, r.wall, r.goal, r.met)) + " |")
    return "\n".join(lines)


def notes(res):
    """Lines under the table: what the rows do not show."""
    out = []
    if "decode" in res:
        n = res["params"]["decode_repeat"]
        out.append("Decoding: 1 thread, the 30-word sentence, exactly 30 steps, vocabulary 8,000; C++ float32 with the "
                   "full trace (medians of %d, thread CPU time); PyTorch eager float32 argmax loop (median wall of %d "
                   "runs; its CPU time is the mean of those runs). One thread's streaming read of a 1 GiB buffer: %.1f GB/s."
                   % (max(5, n), n, res["decode"][0]["cpp_stream_read_1GiB_GBs"]))
        for short, case in MODELS:
            t = next((x for x in res["decode"] if x["case"] == case), None)
            if t:
                c = t["cpp"]
                out.append("  %s: %d steps (PyTorch %d); C++ float64 greedy %s ms CPU (float32 is %.2f× faster); the output "
                           "product alone %s ms = %.2f× the floor" % (short, c["steps"], t["steps"], ms(c["greedy_float64_cpu_ms"]),
                                                                       c["speedup_float32_cpu"], ms(c["gemv_ms"]), c["gemv_over_floor"]))
    if "beam" in res:
        out.append("Beam 5: PyTorch steps each live hypothesis through the reference module (one sequence at a time) and "
                   "ranks all 5 × V sums with one topk; C++ steps the 5 in one product per matrix (issue 17).")
    if "transformer" in res:
        t = res["transformer"]
        out.append("Transformer (d_model 256, 8 heads, 4 + 4 layers, ff 1,024, V 8,000, 30 steps, the same weights on "
                   "both sides): PyTorch nn.Transformer float32 re-running the decoder on the whole prefix each step; "
                   "same tokens as the C++ engine: %s." % ("yes" if t.get("same_output_as_cpp") else "NO"))
        if "transformer_f32" in res:
            c = res["transformer_f32"]["models"][0]
            out.append("  C++ float32: beam 5 %s ms CPU; step %s ms = %.2f× its output projection's floor (%s ms)"
                       % (ms(c["beam5_float32_cpu_ms"]), ms(c["step_float32_ms"]), c["step_over_floor"], ms(c["floor_ms"])))
    return out


# ---------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", metavar="BUILD_DIR")
    ap.add_argument("--quick", action="store_true", help="few repetitions: a smoke run of a few minutes")
    ap.add_argument("--dry-run", action="store_true", help="check the binaries and list the commands; run nothing")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections (default: all): " + ", ".join(SECTIONS))
    ap.add_argument("--json", metavar="FILE", help="also write the machine, the rows and every parsed result")
    ap.add_argument("--work-dir", help="where the models and each command's output go (default: a new /tmp directory)")
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python with torch (default /usr/bin/python3)")
    ap.add_argument("--openblas", help="directory with OpenBLAS's libblas.so.3 for PyTorch (default: %s if there)" % OPENBLAS_DEFAULT)
    ap.add_argument("--no-openblas", action="store_true", help="PyTorch with whatever BLAS the system gives it")
    args = ap.parse_args()
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in args.only if s not in SECTIONS]
    if unknown or not args.only:
        ap.error("--only: expected some of %s, found %s" % (", ".join(SECTIONS), ", ".join(unknown) or "nothing"))

    build = os.path.abspath(args.build)
    bench = os.path.join(build, "bench")
    missing = []
    cache = cmake_cache(build)
    for name, (sections, option) in BINARIES.items():
        if any(s in args.only for s in sections) and not os.access(os.path.join(bench, name), os.X_OK):
            missing.append("%s is missing (needed by %s): configure %s with %s and build it: cmake --build %s --target %s"
                           % (os.path.join(bench, name), ", ".join(s for s in sections if s in args.only), build, option,
                              build, name))
    if missing:
        if not cache:
            missing.append("(%s has no CMakeCache.txt: is it a CMake build directory?)" % build)
        elif cache.get("ATTNVIZ_BUILD_BENCHMARKS", "OFF").upper() in ("OFF", "0", "FALSE", "NO"):
            missing.append("(%s was configured with ATTNVIZ_BUILD_BENCHMARKS=%s)" % (build, cache.get("ATTNVIZ_BUILD_BENCHMARKS", "unset")))
        elif cache.get("ATTNVIZ_BUILD_UI", "ON").upper() in ("OFF", "0", "FALSE", "NO") and "ui" in args.only:
            missing.append("(%s was configured with ATTNVIZ_BUILD_UI=OFF: no attnviz_ui_bench)" % build)
    if not os.access(args.python, os.X_OK):
        missing.append("%s is missing: --python names the Python with torch" % args.python)

    openblas = None
    if not args.no_openblas:
        candidate = args.openblas or OPENBLAS_DEFAULT
        if os.path.exists(os.path.join(candidate, "libblas.so.3")):
            openblas = candidate
        elif args.openblas:
            missing.append("--openblas %s: no libblas.so.3 there" % args.openblas)

    work = os.path.abspath(args.work_dir) if args.work_dir else None
    if args.dry_run:
        work = work or "/tmp/attnviz-run-all-XXXX"
        for i, s in enumerate(plan(args, bench, work, {}, openblas), 1):
            print("[%d] %s: %s" % (i, s.name, s.shell()))
        if not openblas:
            print("(no OpenBLAS found: PyTorch would use the system's BLAS; see bench/torch_env.py)")
        for m in missing:
            print("error: " + m, file=sys.stderr)
        return 2 if missing else 0
    if missing:
        for m in missing:
            print("error: " + m, file=sys.stderr)
        return 2
    if work:
        os.makedirs(work, exist_ok=True)
    else:
        work = tempfile.mkdtemp(prefix="attnviz-run-all-")

    if not openblas:
        log("warning: no OpenBLAS for PyTorch (looked in %s): it will use the system's BLAS, possibly the reference "
            "one, a crippled baseline; see bench/torch_env.py" % (args.openblas or OPENBLAS_DEFAULT))
    machine = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpu": cpu_model(), "cpus": os.cpu_count(),
               "cpus_usable": len(os.sched_getaffinity(0)), "memory_GB": None,
               "load_start": os.getloadavg(), "source": git_commit(cache.get("CMAKE_HOME_DIRECTORY", SOURCE)), "compiler": compiler(build),
               "build_type": cache.get("CMAKE_BUILD_TYPE", "?"), "native": cache.get("ATTNVIZ_NATIVE", "?"),
               "quick": args.quick, "work_dir": work}
    mem = [l for l in read("/proc/meminfo").splitlines() if l.startswith("MemTotal:")]
    if mem:
        machine["memory_GB"] = round(int(mem[0].split()[1]) / 1024 / 1024, 1)
    log("machine: %s, %d CPUs, load average %s at the start; work directory %s"
        % (machine["cpu"], machine["cpus"], " ".join("%.2f" % x for x in machine["load_start"]), work))
    jiffies0, children0, t0 = cpu_jiffies(), children_cpu_seconds(), time.time()

    res, failures = {"params": QUICK if args.quick else FULL}, []
    steps = plan(args, bench, work, res, openblas)
    done = set()
    for i, step in enumerate(steps, 1):
        if step.after and step.after not in done:
            failures.append((step, "not run: it needs the files of '%s', which failed" % step.after))
        elif run_step(step, i, work, failures):
            done.add(step.name)
    machine["load_end"] = os.getloadavg()
    machine["seconds"] = round(time.time() - t0)
    jiffies1, hz = cpu_jiffies(), os.sysconf("SC_CLK_TCK")
    if jiffies0 and jiffies1:
        elapsed_cpu = (jiffies1[1] - jiffies0[1]) / hz
        busy = (jiffies1[0] - jiffies0[0]) / hz
        ours = children_cpu_seconds() - children0
        machine["busy_share"] = busy / elapsed_cpu if elapsed_cpu else None
        machine["others_cpus"] = max(0.0, busy - ours) / (time.time() - t0)
    torch_info = (res.get("beam", {}).get("torch") or res.get("transformer", {}).get("torch")
                  or (res["decode"][0] if "decode" in res else None) or res.get("train_torch_1"))
    if torch_info:
        machine["torch"], machine["blas"] = torch_info.get("torch"), torch_info.get("blas")

    rs = rows(res, args.only)
    print()
    print("AttnViz against PyTorch eager — bench/run_all.py%s, %s" % (" --quick" if args.quick else "", machine["date"]))
    print()
    print(table(rs))
    print()
    for line in notes(res):
        print(line)
    print()
    print("Machine: %s, %d CPUs (%d usable), %s GB; load average %s at the start, %s at the end; run took %d s."
          % (machine["cpu"], machine["cpus"], machine["cpus_usable"], machine["memory_GB"],
             " ".join("%.2f" % x for x in machine["load_start"]), " ".join("%.2f" % x for x in machine["load_end"]),
             machine["seconds"]))
    if "busy_share" in machine:
        print("During the run the CPUs were %.0f%% busy; processes other than these benchmarks used about %.2f CPUs."
              % (100 * machine["busy_share"], machine["others_cpus"]))
    print("Build %s: %s, %s, ATTNVIZ_NATIVE=%s; source %s. PyTorch %s, BLAS %s."
          % (build, machine["compiler"], machine["build_type"], machine["native"], machine["source"], machine.get("torch", "?"),
             machine.get("blas", "?")))
    blas = machine.get("blas") or ""
    if torch_info and "openblas" not in blas and "mkl" not in blas:
        print("WARNING: PyTorch did not use OpenBLAS or MKL: its figures are a crippled baseline (bench/torch_env.py).")
    if "transformer" in res and not res["transformer"].get("same_output_as_cpp"):
        failures.append((next(s for s in steps if s.name == "transformer pytorch+cpp"),
                         "PyTorch's greedy tokens differ from the C++ engine's on the same weights"))
    print("Each command's output: %s" % work)
    for pattern in ("models/*.cbor", "transformer.bin", "transformer.model.cbor"):
        for path in glob.glob(os.path.join(work, pattern)):
            os.remove(path)   # hundreds of MB of weights, rewritten by every run
    shutil.rmtree(os.path.join(work, "models"), ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "rows": [vars(r) for r in rs], "results": res,
                       "failures": [{"command": s.shell(), "error": e} for s, e in failures]}, f, indent=1, default=str)
    if failures:
        print()
        print("%d sub-benchmark%s FAILED:" % (len(failures), "s" if len(failures) > 1 else ""))
        for step, error in failures:
            print("- %s: %s\n  %s" % (step.name, step.shell(), error.replace("\n", "\n  ")))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
