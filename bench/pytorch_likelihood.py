#!/usr/bin/env python3
"""Exact log-likelihood of points under a trained examples/moons.mlir model,
computed in PyTorch the way flow_matching's ODESolver.compute_likelihood
does, to check and time `fm-exec likelihood`.

usage: pytorch_likelihood.py CHECKPOINT.safetensors POINTS.npy STEPS [OUT.npy]

Loads the seed's network from a checkpoint that fm-exec wrote (read by
hand: an 8-byte little-endian header length, a JSON header giving each
tensor's dtype, shape and data_offsets into the bytes after it, and a
"__metadata__" entry to skip), and the points ([N, 2]). As examples/moons.mlir's
@loglik and REFERENCE.md "Likelihood":

  velocity  v(x, t) = MLP(cat(t, x)): 3 -> 64 -> 64 -> 64 -> 2, ELU,
            net.{0,2,4,6}.{weight,bias} laid out as nn.Linear
  ODE       (x, l) with dx/dt = v(x, t) and dl/dt = div v(x, t), the
            divergence exact: D = 2 autograd passes, one per dimension
  solve     x(1) = the points, l(1) = 0, integrated from t = 1 down to
            t = 0 with STEPS equal midpoint steps (h = -1/STEPS,
            t_i = 1 + i·h, in f32 like fm.integrate)
  result    log p1(x1) = log N(x(0); 0, I) + l(0), in nats; l(0) is minus
            the integral of div v from 0 to 1

Prints

  pytorch likelihood: N points, STEPS midpoint steps in X s, mean log p Y nats

timing the integration and the final log-density only (not the loading),
on one thread, and writes log p of every point to OUT.npy ([N, 1] float32,
as fm-exec likelihood -o writes) if given. Runs only where Debian's
python3-torch is installed; run it as
OPENBLAS_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 pytorch_likelihood.py ...
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
from torch import Tensor

# The seed's velocity network (examples/moons.mlir's @velocity).
from pytorch_moons import Flow

# safetensors dtype names and the numpy types they are stored as.
DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8",
          "I32": "<i4"}


def load_safetensors(path: str) -> dict:
    """The tensors of a safetensors file, as float32 torch tensors."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len])
    data = blob[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in DTYPES:
            sys.exit("%s: unsupported dtype %s of %s" %
                     (path, info["dtype"], name))
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(
            array.reshape(info["shape"]).astype(np.float32))
    return tensors


def velocity_and_divergence(flow: Flow, x: Tensor, t: Tensor):
    """v(x, t) and its exact divergence, one autograd pass per dimension."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        v = flow(x, t.expand(x.shape[0], 1))
        div = torch.zeros(x.shape[0])
        dims = x.shape[1]
        for i in range(dims):
            div += torch.autograd.grad(
                v[:, i].sum(), x, create_graph=False,
                retain_graph=i + 1 < dims)[0][:, i]
    return v.detach(), div


def log_likelihood(flow: Flow, x1: Tensor, steps: int) -> Tensor:
    """log p1(x1) per point: (x, l) integrated from t = 1 to 0."""
    h = torch.tensor((0.0 - 1.0) / steps, dtype=torch.float32)
    x, l = x1.clone(), torch.zeros(x1.shape[0])
    for i in range(steps):
        t = (1.0 + i * h).view(1, 1)
        v1, _ = velocity_and_divergence(flow, x, t)
        v2, div2 = velocity_and_divergence(flow, x + h / 2 * v1, t + h / 2)
        x = x + h * v2
        l = l + h * div2
    log_p0 = -0.5 * (x * x).sum(-1) - 0.5 * x.shape[1] * math.log(2 * math.pi)
    return log_p0 + l


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: pytorch_likelihood.py CHECKPOINT.safetensors "
                 "POINTS.npy STEPS [OUT.npy]")
    checkpoint, points, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    out = sys.argv[4] if len(sys.argv) == 5 else None
    torch.set_num_threads(1)
    flow = Flow()
    flow.load_state_dict(load_safetensors(checkpoint))
    flow.requires_grad_(False)
    x1 = torch.from_numpy(np.load(points).astype(np.float32))
    start = time.perf_counter()
    with torch.no_grad():
        log_p = log_likelihood(flow, x1, steps)
    elapsed = time.perf_counter() - start
    print("pytorch likelihood: %d points, %d midpoint steps in %.3f s, "
          "mean log p %.4f nats" %
          (x1.shape[0], steps, elapsed, log_p.mean().item()))
    if out is not None:
        np.save(out, log_p.numpy().astype(np.float32).reshape(-1, 1))


if __name__ == "__main__":
    main()
