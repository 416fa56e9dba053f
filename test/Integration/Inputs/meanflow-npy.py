"""The .npy files of meanflow-point-mass.test, without numpy.

  meanflow-npy.py write PATH      256 rows of the point c = (1, -2), float32
  meanflow-npy.py check PATH TOL  how far the [N, 2] samples are from c
"""
import struct
import sys

C = (1.0, -2.0)


def write(path, rows):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 2), }" % len(rows)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        for row in rows:
            f.write(struct.pack("<2f", *row))


def read(path):
    data = open(path, "rb").read()
    size = struct.unpack("<H", data[8:10])[0]
    body = data[10 + size:]
    values = struct.unpack("<%df" % (len(body) // 4), body)
    return [values[i:i + 2] for i in range(0, len(values), 2)]


if sys.argv[1] == "write":
    write(sys.argv[2], [C] * 256)
else:
    points = read(sys.argv[2])
    error = max(max(abs(p[0] - C[0]), abs(p[1] - C[1])) for p in points)
    within = error < float(sys.argv[3])
    print("%d points, %s" % (len(points), "all near c" if within else "max |x - c| = %.4f" % error))
