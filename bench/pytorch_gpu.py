#!/usr/bin/env python3
"""The PyTorch twin of bench/mlp.py's programs on a CUDA GPU, for bench/gpu.sh.

usage: pytorch_gpu.py --mode eager|compile|gemm [--width 64] [--act elu]
                      [--batch 256] [--steps 10000]
                      [--sample-points 10000] [--sample-steps 100]

The seed's recipe on the GPU: an MLP (D+1 → W → W → W → D), the CondOT path
from N(0, I), MSE, Adam lr 1e-2; moons data (noise 0.05) drawn on the GPU
every step, as make_moons draws them. Then midpoint sampling. `compile`
wraps the training step's forward and loss and the sampler's step in
torch.compile; its compile time is reported apart from the timed steps,
which start after two warm-up steps (as fm-exec's times exclude `fm-run
compile`). Prints `train SECONDS`, `sample SECONDS` and `compile SECONDS`.
`gemm` times only the products of one training step (each layer's
forward product and weight gradient, and the input gradient of every layer
but the first) as plain f32 cuBLAS calls through torch.matmul, and prints
`gemm SECONDS` (a step's products) and `gemm_flop FLOP`.
Needs PyTorch with CUDA (the GPU machines' PyTorch 2.11).
"""
import argparse
import math
import time

import torch
from torch import nn

ACTIVATIONS = {"elu": nn.ELU, "silu": nn.SiLU}


def moons(n, device):
    """make_moons(n, noise=0.05) on `device`: half on each moon."""
    outer = n // 2
    inner = n - outer
    a = torch.rand(outer, device=device) * math.pi
    b = torch.rand(inner, device=device) * math.pi
    x = torch.cat([torch.stack([torch.cos(a), torch.sin(a)], 1),
                   torch.stack([1 - torch.cos(b), 0.5 - torch.sin(b)], 1)])
    return x + 0.05 * torch.randn_like(x)


def products(width, batch, device, repetitions=20):
    """Seconds and FLOP of one training step's products, cuBLAS alone."""
    torch.backends.cuda.matmul.allow_tf32 = False  # f32, as fm's cuBLASLt
    dims = [(3, width), (width, width), (width, width), (width, 2)]
    layers = [(torch.randn(batch, fan_in, device=device),
               torch.randn(fan_out, fan_in, device=device),
               torch.randn(batch, fan_out, device=device), k > 0)
              for k, (fan_in, fan_out) in enumerate(dims)]

    def step():
        for x, w, dy, needs_dx in layers:
            torch.matmul(x, w.t())
            torch.matmul(dy.t(), x)
            if needs_dx:
                torch.matmul(dy, w)

    for _ in range(3):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repetitions):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / repetitions
    flop = sum(2 * batch * fan_in * fan_out * (3 if k > 0 else 2)
               for k, (fan_in, fan_out) in enumerate(dims))
    return seconds, flop


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["eager", "compile", "gemm"],
                   required=True)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--act", choices=sorted(ACTIVATIONS), default="elu")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--sample-points", type=int, default=10000)
    p.add_argument("--sample-steps", type=int, default=100)
    a = p.parse_args()
    dev = torch.device("cuda")
    torch.manual_seed(0)
    if a.mode == "gemm":
        seconds, flop = products(a.width, a.batch, dev)
        print("gemm %.6f" % seconds)
        print("gemm_flop %d" % flop)
        return
    act = ACTIVATIONS[a.act]
    net = nn.Sequential(nn.Linear(3, a.width), act(),
                        nn.Linear(a.width, a.width), act(),
                        nn.Linear(a.width, a.width), act(),
                        nn.Linear(a.width, 2)).to(dev)
    opt = torch.optim.Adam(net.parameters(), 1e-2)

    def loss_of(x1):
        x0 = torch.randn_like(x1)
        t = torch.rand(len(x1), 1, device=dev)
        xt = (1 - t) * x0 + t * x1
        v = net(torch.cat((t, xt), -1))
        return torch.mean((v - (x1 - x0)) ** 2)

    def midpoint(x, t0, t1):
        t = t0.expand(x.shape[0], 1)
        h = t1 - t0
        mid = x + net(torch.cat((t, x), -1)) * h / 2
        return x + h * net(torch.cat((t + h / 2, mid), -1))

    compiled_loss = loss_of
    step_fn = midpoint
    compile_seconds = 0.0
    if a.mode == "compile":
        compiled_loss = torch.compile(loss_of)
        step_fn = torch.compile(midpoint)

    def train_step():
        opt.zero_grad(set_to_none=True)
        compiled_loss(moons(a.batch, dev)).backward()
        opt.step()

    start = time.perf_counter()
    for _ in range(2):
        train_step()
    torch.cuda.synchronize()
    compile_seconds += time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(a.steps - 2):
        train_step()
    torch.cuda.synchronize()
    train = time.perf_counter() - start

    grid = torch.linspace(0, 1, a.sample_steps + 1, device=dev).view(-1, 1, 1)
    with torch.no_grad():
        start = time.perf_counter()
        step_fn(torch.randn(a.sample_points, 2, device=dev), grid[0], grid[1])
        torch.cuda.synchronize()
        compile_seconds += time.perf_counter() - start
        x = torch.randn(a.sample_points, 2, device=dev)
        start = time.perf_counter()
        for i in range(a.sample_steps):
            x = step_fn(x, grid[i], grid[i + 1])
        torch.cuda.synchronize()
        sample = time.perf_counter() - start
    # The timed steps exclude two warm-up steps: scale to the whole run.
    print("train %.4f" % (train * a.steps / (a.steps - 2)))
    print("sample %.4f" % sample)
    print("compile %.2f" % compile_seconds)


if __name__ == "__main__":
    main()
