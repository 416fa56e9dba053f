"""Writes a small version 1.0 .npy file, without numpy.

  write-npy.py PATH DESCR SHAPE VALUE...

DESCR is '<f4', '<f8', '<i4' or '<i8'; SHAPE is comma-separated ("4,2").
"""
import struct
import sys

FORMATS = {"<f4": "f", "<f8": "d", "<i4": "i", "<i8": "q"}

path, descr, shape = sys.argv[1], sys.argv[2], sys.argv[3]
dims = [int(d) for d in shape.split(",")]
cast = float if descr.startswith("<f") else int
values = [cast(v) for v in sys.argv[4:]]
count = 1
for d in dims:
    count *= d
if len(values) != count:
    sys.exit("write-npy.py: %d values for shape %s" % (len(values), shape))
text = "(%s)" % (", ".join(map(str, dims)) + ("," if len(dims) == 1 else ""))
header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr,
                                                                      text)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
    f.write(header.encode())
    f.write(struct.pack("<%d%s" % (count, FORMATS[descr]), *values))
