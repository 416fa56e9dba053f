// RUN: fm-opt %s --fm-gpu-map-linalg=threads=2048 --verify-diagnostics

/// A block has at most 1024 threads.
// expected-error @+1 {{fm-gpu-map-linalg: threads must be in [1, 1024], got 2048}}
func.func @f() {
  return
}
