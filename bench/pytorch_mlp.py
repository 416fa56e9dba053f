#!/usr/bin/env python3
"""The PyTorch twin of bench/mlp.py's programs on the CPU, for bench/scale.sh.

usage: pytorch_mlp.py --width W --act elu|silu --batch B --threads T
                      --train-steps N --sample-steps M [--lr LR]

Times one training step (moons data drawn with torch, the CondOT path, MSE,
backward, Adam, lr 1e-2 by default) and one sampling step (one network evaluation on
10,000 points, no gradients), each as the mean over N (M) repetitions after
two warm-up ones, on T threads (torch.set_num_threads; run it with
OPENBLAS_NUM_THREADS=T too). Prints `train SECONDS` and `sample SECONDS`.
Debian's python3-torch (1.13) with OpenBLAS, as REFERENCE.md measured.
"""
import argparse
import math
import time

import torch
from torch import nn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--act", choices=["elu", "silu"], required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--train-steps", type=int, default=20)
    p.add_argument("--sample-steps", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    act = {"elu": nn.ELU, "silu": nn.SiLU}[a.act]
    w = a.width
    net = nn.Sequential(nn.Linear(3, w), act(), nn.Linear(w, w), act(),
                        nn.Linear(w, w), act(), nn.Linear(w, 2))
    opt = torch.optim.Adam(net.parameters(), a.lr)

    def moons(n):
        half = n // 2
        s = torch.rand(half) * math.pi
        u = torch.rand(n - half) * math.pi
        x = torch.cat([torch.stack([torch.cos(s), torch.sin(s)], 1),
                       torch.stack([1 - torch.cos(u), 0.5 - torch.sin(u)], 1)])
        return x + 0.05 * torch.randn_like(x)

    def train_step():
        x1 = moons(a.batch)
        x0 = torch.randn_like(x1)
        t = torch.rand(a.batch, 1)
        xt = (1 - t) * x0 + t * x1
        opt.zero_grad()
        loss = torch.mean((net(torch.cat((t, xt), -1)) - (x1 - x0)) ** 2)
        loss.backward()
        opt.step()

    x = torch.randn(10000, 2)
    tt = torch.full((10000, 1), 0.5)

    def sample_step():
        with torch.no_grad():
            net(torch.cat((tt, x), -1))

    for fn, n, name in ((train_step, a.train_steps, "train"),
                        (sample_step, a.sample_steps, "sample")):
        for _ in range(2):
            fn()
        start = time.perf_counter()
        for _ in range(n):
            fn()
        print("%s %.6f" % (name, (time.perf_counter() - start) / n))


if __name__ == "__main__":
    main()
