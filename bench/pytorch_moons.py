#!/usr/bin/env python3
"""The seed's PyTorch moons example, timed like bench/moons.sh times fm-run.

usage: pytorch_moons.py SEED OUTDIR

Trains the seed's Flow (MLP 3-64-64-64-2, ELU) for 10,000 Adam steps (lr
1e-2, batch 256 of make_moons(noise=0.05)) on one thread, then samples
10,000 points with the seed's midpoint step at 8 and 100 steps, writing
OUTDIR/torch-SEED-STEPS.npy. This is the reference loop; it is not part of
FM-MLIR and runs only where Debian's python3-torch and python3-sklearn are
installed.
"""
import sys
import time

import numpy as np
import torch
from sklearn.datasets import make_moons
from torch import Tensor, nn


class Flow(nn.Module):
    def __init__(self, dim: int = 2, h: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim + 1, h), nn.ELU(),
            nn.Linear(h, h), nn.ELU(),
            nn.Linear(h, h), nn.ELU(),
            nn.Linear(h, dim))

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        return self.net(torch.cat((t, x_t), -1))

    def step(self, x_t: Tensor, t_start: Tensor, t_end: Tensor) -> Tensor:
        t_start = t_start.view(1, 1).expand(x_t.shape[0], 1)
        return x_t + (t_end - t_start) * self(
            x_t + self(x_t, t_start) * (t_end - t_start) / 2,
            t_start + (t_end - t_start) / 2)


def main():
    seed, out = int(sys.argv[1]), sys.argv[2]
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)
    flow = Flow()
    optimizer = torch.optim.Adam(flow.parameters(), 1e-2)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for _ in range(10000):
        x_1 = Tensor(make_moons(256, noise=0.05)[0])
        x_0 = torch.randn_like(x_1)
        t = torch.rand(len(x_1), 1)
        x_t = (1 - t) * x_0 + t * x_1
        dx_t = x_1 - x_0
        optimizer.zero_grad()
        loss_fn(flow(x_t, t), dx_t).backward()
        optimizer.step()
    print("seed %d: pytorch trained 10000 steps in %.2f s" %
          (seed, time.perf_counter() - start))
    for steps in (8, 100):
        x = torch.randn(10000, 2)
        time_steps = torch.linspace(0, 1.0, steps + 1)
        start = time.perf_counter()
        with torch.no_grad():
            for i in range(steps):
                x = flow.step(x, time_steps[i], time_steps[i + 1])
        print("seed %d: pytorch sampled 10000 points with %d midpoint steps "
              "in %.3f s" % (seed, steps, time.perf_counter() - start))
        np.save("%s/torch-%d-%d.npy" % (out, seed, steps),
                x.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
