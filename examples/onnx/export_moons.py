#!/usr/bin/env python3
"""Exports the seed's moons velocity network to ONNX (moons_velocity.onnx).

The module is the seed's `Flow` (examples/moons-declarative.mlir spells the
same network in linalg): v(x_t, t) = net(cat(t, x_t)), a 3-64-64-64-2 MLP
with ELU, its parameters named net.{0,2,4,6}.{weight,bias}. The batch is a
dynamic axis, so the imported network takes tensor<?x2xf32>.

  /usr/bin/python3 examples/onnx/export_moons.py [-o moons_velocity.onnx]
"""
import argparse

import torch
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="moons_velocity.onnx")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    flow = Flow()
    x = torch.zeros(4, 2)
    t = torch.zeros(4, 1)
    torch.onnx.export(flow, (x, t), args.output, input_names=["x_t", "t"],
                      output_names=["v"], opset_version=13,
                      dynamic_axes={"x_t": {0: "batch"}, "t": {0: "batch"},
                                    "v": {0: "batch"}})


if __name__ == "__main__":
    main()
