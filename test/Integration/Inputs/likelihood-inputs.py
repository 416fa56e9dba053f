"""Writes mu.safetensors (the Gaussian flow's parameter mu = [[1, -0.5]])
and points.npy (8 points of shape [8, 2], f32) into the directory argv[1],
for likelihood-hutchinson.test. Plain struct/json: no numpy needed."""
import json
import os
import struct
import sys

out = sys.argv[1]
header = json.dumps(
    {"mu": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]}}).encode()
header += b" " * (-len(header) % 8)
with open(os.path.join(out, "mu.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header +
            struct.pack("<2f", 1.0, -0.5))
points = [1.0, -0.5, 1.3, -0.2, 0.2, 0.4, 2.0, -1.5,
          0.9, -0.6, 1.1, -0.4, 0.5, 0.0, 1.5, -1.0]
npy = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 2), }"
npy += " " * (64 - 10 - len(npy) - 1) + "\n"
with open(os.path.join(out, "points.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy)) +
            npy.encode() + struct.pack("<16f", *points))
