#!/usr/bin/env python3
"""The flow_matching library's 2-D discrete example
(examples/2d_discrete_flow_matching.ipynb) in plain PyTorch, timed like the
other bench/pytorch_*.py references.

usage: pytorch_discrete.py {uniform|mask} SEED STEPS [OUT.npy]

Trains the notebook's probability denoiser for STEPS Adam steps on one
thread, then samples 10,000 points with 64 MixtureDiscreteEulerSolver steps
and prints

  pytorch discrete (SOURCE): STEPS steps in X s (Y ms/step)
  pytorch discrete: sampled 10000 points with 64 steps in X s
  hit rate H

the first timing the whole training loop (data, source and time draws
included, as in the notebook), the second the whole solver loop. H is the
fraction of samples on an "on" cell of the checkerboard (mask tokens count
as misses). If OUT.npy is given the samples are written there, int64
[10000, 2]. The mean loss of the last 100 steps goes to stderr.

The recipe, as implemented here (the notebook's cells and the library's
MixtureDiscreteProbPath, PolynomialConvexScheduler, MixturePathGeneralizedKL
and MixtureDiscreteEulerSolver, re-implemented because flow_matching is not
installed; REFERENCE.md "Discrete mixture path" and
"MixtureDiscreteEulerSolver step"):

  data      inf_train_gen(n_grid_points=128, B): G = 32, x1 ~ U{0..127},
            s ~ U{0..G-1}, b ~ U{0,1}, x2 = s + 2G - b·2G + (floor(x1/G)
            mod 2)·G, three torch.randint draws in that order, int64 [B, 2].
            The support is the 4x4 checkerboard of 32x32 cells whose cell
            is "on" iff (x1 // 32 + x2 // 32) is even; every such cell has
            the same mass, 1/8. The script checks this on 100,000 draws
            before training (under fork_rng, so the training stream is the
            same as without the check).
  source    "uniform": vocab V = 128, x0 ~ U{0..127} per token
            (randint_like); "mask": V = 129, x0 = 128 (the mask token)
            everywhere; the data still uses n_grid_points = 128.
  model     MLP(input_dim=V, time_dim=1, hidden_dim=128, length=2), checked
            against the notebook: t -> Linear(1, 1); tokens ->
            Embedding(V, 128) -> [B, 256]; h = cat(tokens, t) [B, 257];
            main = Swish, Linear(257, 128), Swish, Linear(128, 128), Swish,
            Linear(128, 128), Swish, Linear(128, 2V); logits [B, 2, V].
            Swish(x) = sigmoid(x)·x. Note main starts with a Swish, so the
            embeddings and the time feature enter through one.
  path      kappa_t = t^2, dkappa_t = 2t (PolynomialConvexScheduler(n=2));
            t = rand(B)·(1 - 1e-3); per token x_t = x0 where
            rand < 1 - kappa_t, else x1.
  loss      MixturePathGeneralizedKL, reduction "mean" over all B·2 tokens:
            with log p = log_softmax(logits),
            l = -dkappa/(1 - kappa)·[p(x_t) - d + (1 - d)·log p(x1)],
            d = [x_t == x1].
  optimizer Adam(lr 1e-3), batch 4096, zero_grad / backward / step.
  sampling  x_init as the source (randint over V, or all mask tokens),
            solver.sample(step_size=1/64, time_grid=[0, 1 - 1e-3]) with
            the softmax of the logits as p_1|t: the library takes
            n = ceil((1 - 1e-3)/(1/64)) = 64 steps on the float32 grid
            t_i = i/64 (i < 64) plus t_64 = 0.999. Each step is one NFE:
            X1 ~ Cat(p_1|t(. | x_t, t_i)) by torch.multinomial. On the last
            step (i = 63, t = 63/64) x <- X1 and sampling stops, so t_64
            and the last h are never used. Otherwise u = dkappa/(1 -
            kappa)·onehot(X1), u[x_t] = 0, lambda = sum u, the token jumps
            iff rand < 1 - exp(-h·lambda) with h = t_{i+1} - t_i = 1/64, to
            a draw from Cat(u/lambda) (torch.multinomial over the jumping
            rows, as the library does; with no divergence-free term that
            row is one-hot, so the draw is always X1). At i = 0, t = 0 and
            dkappa = 0: nobody jumps, the first NFE is spent for nothing.
            The notebook passes time_grid = linspace(0, 0.999, 9) with
            return_intermediates; only its ends matter for the final
            sample, so the grid here is [0, 0.999].

At batch 4096 (and 10,000 when sampling) most tensors are 2-20 MB, above
glibc's mmap threshold, so by default every one of them is mapped, page
faulted and unmapped again, and on this machine a training step then
takes ~80-90 ms instead of ~40-45 ms (sampling ~4.5-5 s instead of ~3.2 s).
The script therefore calls mallopt(M_TRIM_THRESHOLD = 1 GiB,
M_MMAP_THRESHOLD = 32 MiB) before it starts, the in-process equivalent of
MALLOC_TRIM_THRESHOLD_ / MALLOC_MMAP_THRESHOLD_; results are unchanged
(same seed, same samples). PYTORCH_DISCRETE_MALLOC=default skips the call.

This is the reference loop; it is not part of FM-MLIR and runs only where
Debian's python3-torch is installed. Run it as
OPENBLAS_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 pytorch_discrete.py ...
"""
import ctypes
import ctypes.util
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

N_GRID = 128
HIDDEN = 128
BATCH = 4096
LR = 1e-3
EPSILON = 1e-3
N_SAMPLES = 10000
NFE = 64


def keep_heap():
    """Stop glibc from mapping and unmapping every large tensor."""
    if os.environ.get("PYTORCH_DISCRETE_MALLOC") == "default":
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: 1 GiB
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: 32 MiB, glibc's max
    except (OSError, AttributeError):
        pass


def inf_train_gen(n_grid_points: int = 128, batch_size: int = 200) -> Tensor:
    assert n_grid_points % 4 == 0
    n_grid_points = n_grid_points // 4
    x1 = torch.randint(low=0, high=n_grid_points * 4, size=(batch_size,))
    samples_x2 = torch.randint(low=0, high=n_grid_points, size=(batch_size,))
    x2 = (samples_x2
          + 2 * n_grid_points
          - torch.randint(low=0, high=2, size=(batch_size,)) * 2 * n_grid_points
          + (torch.floor(x1 / n_grid_points) % 2) * n_grid_points)
    x_end = 1.0 * torch.cat([x1[:, None], x2[:, None]], dim=1)
    return x_end.long()


def on_cell(x: Tensor) -> Tensor:
    """True where both tokens are grid values on an "on" cell."""
    inside = (x < N_GRID).all(dim=1)
    return inside & ((x[:, 0] // 32 + x[:, 1] // 32) % 2 == 0)


class Swish(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return torch.sigmoid(x) * x


class MLP(nn.Module):
    def __init__(self, input_dim: int = 128, time_dim: int = 1,
                 hidden_dim: int = 128, length: int = 2):
        super().__init__()
        self.input_dim = input_dim
        self.time_embedding = nn.Linear(1, time_dim)
        self.token_embedding = nn.Embedding(input_dim, hidden_dim)
        self.main = nn.Sequential(
            Swish(),
            nn.Linear(hidden_dim * length + time_dim, hidden_dim),
            Swish(),
            nn.Linear(hidden_dim, hidden_dim),
            Swish(),
            nn.Linear(hidden_dim, hidden_dim),
            Swish(),
            nn.Linear(hidden_dim, input_dim * length))

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        t = self.time_embedding(t.unsqueeze(-1))
        x = self.token_embedding(x)
        b, n, d = x.shape
        h = torch.cat([x.reshape(b, n * d), t], dim=1)
        return self.main(h).reshape(b, n, self.input_dim)


def schedule(t: Tensor):
    """PolynomialConvexScheduler(n=2): (kappa_t, dkappa_t)."""
    return t ** 2.0, 2.0 * t ** 1.0


def generalized_kl(logits: Tensor, x_1: Tensor, x_t: Tensor,
                   t: Tensor) -> Tensor:
    log_p = torch.log_softmax(logits, dim=-1)
    log_p_x1 = torch.gather(log_p, -1, x_1.unsqueeze(-1)).view(*x_1.shape)
    p_xt = torch.gather(torch.exp(log_p), -1,
                        x_t.unsqueeze(-1)).view(*x_1.shape)
    kappa, dkappa = schedule(t)
    jump = (dkappa / (1 - kappa))[:, None].repeat(1, x_1.shape[1])
    delta = (x_t == x_1).to(log_p.dtype)
    return torch.mean(-jump * (p_xt - delta + (1 - delta) * log_p_x1))


def categorical(probs: Tensor) -> Tensor:
    return torch.multinomial(probs.flatten(0, -2), 1,
                             replacement=True).view(*probs.shape[:-1])


@torch.no_grad()
def sample(model: MLP, x_init: Tensor, vocab: int) -> Tensor:
    t_init, t_final = 0.0, torch.tensor(1 - EPSILON).item()
    step_size = 1 / NFE
    n_steps = math.ceil((t_final - t_init) / step_size)
    grid = torch.tensor([t_init + step_size * i for i in range(n_steps)]
                        + [t_final])
    x_t = x_init.clone()
    for i in range(n_steps):
        t = grid[i:i + 1]
        h = grid[i + 1:i + 2] - grid[i:i + 1]
        p_1t = torch.softmax(model(x_t, t.repeat(x_t.shape[0])), dim=-1)
        x_1 = categorical(p_1t)
        if i == n_steps - 1:
            x_t = x_1
            break
        kappa, dkappa = schedule(t)
        u = dkappa / (1 - kappa) * F.one_hot(x_1, vocab).to(kappa.dtype)
        u = torch.where(F.one_hot(x_t, vocab).to(torch.bool),
                        torch.zeros_like(u), u)
        intensity = u.sum(dim=-1)
        jump = torch.rand(x_t.shape) < 1 - torch.exp(-h * intensity)
        if jump.sum() > 0:
            x_t[jump] = categorical(u[jump])
    return x_t


def source(kind: str, shape, vocab: int, like: Tensor = None) -> Tensor:
    if kind == "uniform":
        if like is not None:
            return torch.randint_like(like, high=vocab)
        return torch.randint(size=shape, high=vocab)
    if like is not None:
        return torch.zeros_like(like) + N_GRID
    return (torch.zeros(size=shape) + N_GRID).long()


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("uniform", "mask"):
        sys.exit(__doc__.split("\n\n")[1])
    kind, seed, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    out = sys.argv[4] if len(sys.argv) == 5 else None
    vocab = N_GRID + (1 if kind == "mask" else 0)
    keep_heap()
    torch.set_num_threads(1)
    torch.manual_seed(seed)

    with torch.random.fork_rng(devices=[]):
        data = inf_train_gen(N_GRID, 100000)
        assert data.dtype == torch.int64 and data.min() >= 0
        assert data.max() < N_GRID and bool(on_cell(data).all())
        cells = (data[:, 0] // 32) * 4 + data[:, 1] // 32
        counts = torch.bincount(cells, minlength=16)
        on = counts[(torch.arange(16) // 4 + torch.arange(16) % 4) % 2 == 0]
        assert on.numel() == 8 and int(on.sum()) == 100000
        assert float(on.min()) > 0.95 * 100000 / 8

    model = MLP(input_dim=vocab, time_dim=1, hidden_dim=HIDDEN)
    optim = torch.optim.Adam(model.parameters(), lr=LR)
    tail = torch.zeros(())
    start = time.perf_counter()
    for i in range(steps):
        optim.zero_grad()
        x_1 = inf_train_gen(N_GRID, BATCH)
        x_0 = source(kind, None, vocab, like=x_1)
        t = torch.rand(x_1.shape[0]) * (1 - EPSILON)
        kappa, _ = schedule(t)
        from_source = torch.rand(x_1.shape) < (1 - kappa)[:, None].expand_as(x_1)
        x_t = torch.where(from_source, x_0, x_1)
        loss = generalized_kl(model(x_t, t), x_1, x_t, t)
        loss.backward()
        optim.step()
        if i >= steps - 100:
            tail += loss.detach()
    elapsed = time.perf_counter() - start
    print("pytorch discrete (%s): %d steps in %.2f s (%.1f ms/step)" %
          (kind, steps, elapsed, 1000 * elapsed / max(steps, 1)))
    if steps:
        print("pytorch discrete (%s): mean loss of the last %d steps %.4f" %
              (kind, min(steps, 100), float(tail) / min(steps, 100)),
              file=sys.stderr)

    start = time.perf_counter()
    x_init = source(kind, (N_SAMPLES, 2), vocab)
    x = sample(model, x_init, vocab)
    print("pytorch discrete: sampled %d points with %d steps in %.3f s" %
          (N_SAMPLES, NFE, time.perf_counter() - start))
    print("hit rate %.4f" % float(on_cell(x).double().mean()))
    if out:
        np.save(out, x.numpy().astype(np.int64))


if __name__ == "__main__":
    main()
