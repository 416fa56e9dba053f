#!/usr/bin/env python3
"""Writes N standard normal 2-D points (float32, seeded) to a .npy file:
the shared start points of fm-run sample --x0 and PyTorch's sampler."""
import sys

import numpy as np

n, path = int(sys.argv[1]), sys.argv[2]
np.save(path, np.random.default_rng(0).standard_normal((n, 2)).astype(np.float32))
