#!/usr/bin/env python3
"""The PyTorch twin of examples/meanflow.mlir's training loop, timed like
bench/meanflow_likelihood.sh times fm-exec.

usage: pytorch_meanflow.py SEED STEPS [OUT.npy]

Trains MeanFlow's 2-D recipe for STEPS Adam steps (lr 1e-2, batch 256 of
make_moons(noise=0.05)) on one thread and prints

  pytorch meanflow: STEPS steps in X s (Y us/step)
  pytorch meanflow: Y' us/step without make_moons (make_moons Z us/step)

the first timing the whole loop, make_moons included as in the seed's
moons example (bench/pytorch_moons.py), the second the same loop less the
data draws, which are timed on their own. If OUT.npy is given it then maps
10,000 noise points to data with one MeanFlow step and writes them there
(float32 [10000, 2]), for `fm-exec eval OUT.npy --data moons`.

The recipe is examples/meanflow.mlir's (REFERENCE.md "MeanFlow training
recipe", in the library's time convention):

  network   u(z, r, t) = MLP(cat(z, r, t)): 4 -> 64 -> 64 -> 64 -> 2, ELU,
            named as an nn.Sequential net.{0,2,4,6}
  times     noise at 0, data at 1: z_t = (1 - t)·x0 + t·x1, v = x1 - x0;
            two U[0, 1) draws per row ordered t <= r (t = min, r = max), and
            r = t on all rows but the first 25%; u(z_t, r, t) is the average
            velocity from t to r, so z_r = z_t - (t - r)·u(z_t, r, t)
  target    differentiating (r - t)·u = integral of v from t to r along
            the path with respect to t gives u = v - (t - r)·du/dt, with
            du/dt = v·dz u + dt u: the target is stopgrad(v - (t - r)·du/dt)
            (t - r <= 0 here; the official code's (t, r) are swapped and its
            t - r >= 0, the same identity)
  loss      delta = ||u - target||^2 per row, w = 1 / (delta + c)^p with
            p = 1, c = 0.01, detached, L = mean(w·delta)
  sampling  one step from t = 0 to r = 1: x1 = z0 + u(z0, r=1, t=0)

u and du/dt come from ONE forward-mode pass: torch.autograd.forward_ad dual
numbers (PyTorch >= 1.11) with tangents (v, 0, 1) over (z, r, t) and none
on the parameters; the primal u keeps its reverse-mode graph for the
backward pass, and the tangent enters the target detached. Where
forward_ad is missing the script falls back to
torch.autograd.functional.jvp (reverse-over-reverse, double backward), and
says so on stderr.

This is the reference loop; it is not part of FM-MLIR and runs only where
Debian's python3-torch and python3-sklearn are installed. Run it as
OPENBLAS_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 pytorch_meanflow.py ...
"""
import sys
import time

import numpy as np
import torch
from sklearn.datasets import make_moons
from torch import Tensor, nn

try:
    import torch.autograd.forward_ad as fwAD
except ImportError:  # PyTorch < 1.11
    fwAD = None


class MeanFlow(nn.Module):
    def __init__(self, dim: int = 2, h: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim + 2, h), nn.ELU(),
            nn.Linear(h, h), nn.ELU(),
            nn.Linear(h, h), nn.ELU(),
            nn.Linear(h, dim))

    def forward(self, z: Tensor, r: Tensor, t: Tensor) -> Tensor:
        # examples/meanflow.mlir's @u: cat(z, r, t), r and t as columns.
        return self.net(torch.cat((z, r, t), -1))


def u_and_dudt(model: MeanFlow, z: Tensor, r: Tensor, t: Tensor,
               v: Tensor):
    """u(z, r, t) and its JVP along (v, 0, 1) over (z, r, t)."""
    if fwAD is not None:
        with fwAD.dual_level():
            out = model(fwAD.make_dual(z, v),
                        fwAD.make_dual(r, torch.zeros_like(r)),
                        fwAD.make_dual(t, torch.ones_like(t)))
            u, dudt = fwAD.unpack_dual(out)
        return u, dudt
    u, dudt = torch.autograd.functional.jvp(
        model, (z, r, t), (v, torch.zeros_like(r), torch.ones_like(t)),
        create_graph=True)
    return u, dudt


def draw_times(n: int, ratio: float = 0.25):
    """(t, r) columns: t <= r on the first round(ratio·n) rows, r = t on
    the others."""
    a, b = torch.rand(n, 1), torch.rand(n, 1)
    t, r = torch.minimum(a, b), torch.maximum(a, b)
    differing = int(round(ratio * n))
    r = torch.cat((r[:differing], t[differing:]))
    return t, r


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: pytorch_meanflow.py SEED STEPS [OUT.npy]")
    seed, steps = int(sys.argv[1]), int(sys.argv[2])
    out = sys.argv[3] if len(sys.argv) == 4 else None
    if fwAD is None:
        print("pytorch meanflow: no torch.autograd.forward_ad, using "
              "torch.autograd.functional.jvp", file=sys.stderr)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = MeanFlow()
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    p, c = 1.0, 0.01
    data_time = 0.0
    start = time.perf_counter()
    for _ in range(steps):
        data_start = time.perf_counter()
        x1 = Tensor(make_moons(256, noise=0.05)[0])
        data_time += time.perf_counter() - data_start
        x0 = torch.randn_like(x1)
        t, r = draw_times(len(x1))
        z = (1 - t) * x0 + t * x1
        v = x1 - x0
        u, dudt = u_and_dudt(model, z, r, t, v)
        target = (v - (t - r) * dudt).detach()
        delta = ((u - target) ** 2).sum(-1)
        w = 1.0 / (delta.detach() + c) ** p
        loss = (w * delta).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    elapsed = time.perf_counter() - start
    print("pytorch meanflow: %d steps in %.2f s (%.0f us/step)" %
          (steps, elapsed, 1e6 * elapsed / steps))
    print("pytorch meanflow: %.0f us/step without make_moons "
          "(make_moons %.0f us/step)" %
          (1e6 * (elapsed - data_time) / steps, 1e6 * data_time / steps))
    if out is not None:
        # One MeanFlow step from t = 0 to r = 1: z_r = z_t - (t - r)·u.
        z0 = torch.randn(10000, 2)
        with torch.no_grad():
            ones = torch.ones(len(z0), 1)
            x = z0 + model(z0, ones, torch.zeros_like(ones))
        np.save(out, x.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
