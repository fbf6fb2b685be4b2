"""The web service. Importing it first (as `uvicorn app.main:app` does) pins the BLAS libraries to
one thread per process, before numpy loads them.

Why: inference runs on `MAX_CONCURRENT_GENERATIONS` threads of its own, each doing small matrix
products (a GRU step at batch 1-8). OpenBLAS would start a pool of threads per call on top of them;
on a 2-core machine under load those threads fight the inference threads for the cores, and a
64-bar x 8-variation generation took 6-8 s instead of under one. Parallelism here comes from the
inference threads and from uvicorn workers, not from BLAS. An explicit setting in the environment
wins.
"""

import os

# numpy's OpenBLAS only: OMP_NUM_THREADS and MKL_NUM_THREADS would also change PyTorch (training,
# in the same test process), and with it the weights a seeded run gives
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
