#!/usr/bin/env python3
"""PyTorch's side of test/Onnx/pytorch-roundtrip.test.

  sample (--onnx MODEL | --checkpoint FILE.safetensors) --x0 X0.npy
         --steps N -o OUT.npy
      Builds the seed's Flow module (examples/onnx/export_moons.py), loads
      its weights by name, strictly, from the ONNX file's initializers or
      from an fm-run checkpoint, and integrates x0 from t = 0 to 1 with the
      seed's midpoint step.
  compare A.npy B.npy TOL
      Fails unless max |A - B| <= TOL.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "examples", "onnx"))
from export_moons import Flow  # noqa: E402


def read_safetensors(path):
    """The F32 tensors of a safetensors file, by name (the format is an
    8-byte little-endian header size, a JSON header, then the data)."""
    with open(path, "rb") as f:
        blob = f.read()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + size])
    data = blob[8 + size:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4")
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def sample(args):
    flow = Flow()
    if args.onnx:
        model = onnx.load(args.onnx)
        state = {init.name: torch.from_numpy(numpy_helper.to_array(init).copy())
                 for init in model.graph.initializer}
    else:
        state = read_safetensors(args.checkpoint)
    flow.load_state_dict(state, strict=True)
    x = torch.from_numpy(np.load(args.x0).astype(np.float32))
    steps = args.steps
    with torch.no_grad():
        for i in range(steps):
            t0 = torch.full((x.shape[0], 1), i / steps)
            dt = 1.0 / steps
            half = x + flow(x, t0) * dt / 2
            x = x + dt * flow(half, t0 + dt / 2)
    np.save(args.output, x.numpy())


def compare(args):
    a, b = np.load(args.a), np.load(args.b)
    assert a.shape == b.shape, (a.shape, b.shape)
    err = float(np.max(np.abs(a - b)))
    print(f"max |difference| {err:.3g} (tolerance {args.tol})")
    sys.exit(0 if err <= args.tol else 1)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--onnx")
    g.add_argument("--checkpoint")
    s.add_argument("--x0", required=True)
    s.add_argument("--steps", type=int, required=True)
    s.add_argument("-o", "--output", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("tol", type=float)
    args = parser.parse_args()
    torch.set_num_threads(1)
    sample(args) if args.command == "sample" else compare(args)


if __name__ == "__main__":
    main()
