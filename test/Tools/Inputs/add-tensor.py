"""Copies a safetensors file with one more F32 tensor, without numpy.

  add-tensor.py IN OUT NAME

The new tensor NAME has shape [1] and value 0; the header keeps its
metadata and the other tensors' offsets.
"""
import json
import struct
import sys

src, dst, name = sys.argv[1:4]
data = open(src, "rb").read()
size = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + size])
body = data[8 + size:]
header[name] = {"dtype": "F32", "shape": [1],
                "data_offsets": [len(body), len(body) + 4]}
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(dst, "wb") as out:
    out.write(struct.pack("<Q", len(text)) + text + body + b"\0" * 4)
