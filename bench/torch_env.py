"""Which BLAS the running PyTorch really uses, for the benchmark reports.

Debian's python3-torch 1.13 is built with BLAS_INFO=generic and calls whatever libblas.so.3 the dynamic
linker finds; by default that is netlib's reference BLAS (about 1 GFLOP/s: a crippled baseline). For a fair
PyTorch eager figure run the benchmarks with OpenBLAS, either installed (`apt-get install libopenblas0-pthread`,
which switches the libblas.so.3 alternative system-wide) or unpacked without installing:
    apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/openblas
    LD_LIBRARY_PATH=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=N …
"""

import os
import sys

import torch


def blas_library():
    """Path of the BLAS shared library mapped into this process (after a matmul), or "unknown"."""
    torch.ones(8, 8) @ torch.ones(8, 8)
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    return ", ".join(sorted(libs)) or "unknown"


def describe(threads):
    """Sets PyTorch's (and OpenBLAS's, if not set) thread count; returns a dict for the report and warns on
    stderr when the reference BLAS is in use."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    torch.set_num_threads(threads)
    lib = blas_library()
    if "openblas" not in lib and "mkl" not in lib:
        print("warning: PyTorch uses %s (not OpenBLAS/MKL): the eager baseline is far slower than it should be; "
              "see bench/torch_env.py" % lib, file=sys.stderr)
    return {"torch": torch.__version__, "threads": threads, "blas": lib}
