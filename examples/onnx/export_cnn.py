#!/usr/bin/env python3
"""Exports a small convolutional velocity network to ONNX (cnn_velocity.onnx).

A U-Net in miniature for 1x8x8 images, with the layers PyTorch users reach
for: a sinusoidal time embedding (Sin, Cos) through a Linear layer, Conv2d
with GroupNorm (exported as InstanceNormalization and Reshapes) and SiLU,
GELU (Erf), average and max pooling, nearest upsampling (Resize) and
dropout (the identity in eval mode). cnn-flow.mlir declares the flow that
trains it on [N, 1, 8, 8] data.

  /usr/bin/python3 examples/onnx/export_cnn.py [-o cnn_velocity.onnx]
"""
import argparse
import math

import torch
from torch import nn


class TimeEmbedding(nn.Module):
    def __init__(self, dim: int = 16):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000.0) *
                          torch.arange(half, dtype=torch.float32) / half)
        angles = t[:, None] * freqs[None]
        return torch.cat([angles.sin(), angles.cos()], -1)


class Velocity(nn.Module):
    def __init__(self, channels: int = 16):
        super().__init__()
        self.embed = TimeEmbedding(channels)
        self.time = nn.Linear(channels, channels)
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.norm1 = nn.GroupNorm(4, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.avg = nn.AvgPool2d(2)
        self.max = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2)
        self.drop = nn.Dropout(0.1)
        self.out = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x, t):
        e = self.time(self.embed(t))
        h = nn.functional.silu(self.norm1(self.conv1(x))) + e[:, :, None, None]
        h = nn.functional.gelu(self.conv2(h))
        h = self.up(self.avg(h)) + self.up(self.max(h))
        return self.out(self.drop(h))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="cnn_velocity.onnx")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    net = Velocity().eval()
    x, t = torch.zeros(2, 1, 8, 8), torch.zeros(2)
    torch.onnx.export(net, (x, t), args.output, input_names=["x", "t"],
                      output_names=["v"], opset_version=13,
                      dynamic_axes={"x": {0: "batch"}, "t": {0: "batch"},
                                    "v": {0: "batch"}})


if __name__ == "__main__":
    main()
