//===- Npy.h - NumPy .npy files for 2-D float arrays ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Reading and writing NumPy's .npy format (numpy/lib/format.py) for the
// arrays the runtime exchanges: datasets, samples (float points or integer
// tokens), trajectories.
//
// A .npy file is the magic string "\x93NUMPY", a major and a minor version
// byte, the header length (2 bytes little-endian in version 1.0, 4 bytes in
// 2.0 and 3.0), the header (a Python dict literal with the keys 'descr',
// 'fortran_order' and 'shape', padded with spaces and a newline) and the raw
// array data.
//
// This header belongs to the runtime's host layer: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_NPY_H
#define FM_RUNTIME_NPY_H

#include "fm/Runtime/ElementType.h"
#include "fm/Runtime/Status.h"

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace fmrt {

/// A 2-D float32 array in row-major order: element (r, c) is
/// data[r * cols + c].
struct NpyArray {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> data;
};

/// An array of any rank of numpy's '<f4', '<f8', '<i4' or '<i8' (f32, f64,
/// i32, i64), in row-major order. Its
/// values are held decoded, as doubles (floats) or int64s (integers):
/// every float32, float64 and int32 value is exact in one of them.
struct NpyTensor {
  ElementType dtype = ElementType::F32;
  std::vector<int64_t> shape;
  /// The values of a float dtype; empty for an integer one.
  std::vector<double> floats;
  /// The values of an integer dtype; empty for a float one.
  std::vector<int64_t> ints;

  bool isFloat() const { return fmrt::isFloat(dtype); }
  /// The number of elements: the product of the shape.
  int64_t numElements() const;
};

/// Reads the .npy file at `path` as an array of any rank (0-D included) of
/// float32, float64, int32 or int64, in C order, format versions 1.0, 2.0
/// and 3.0. Errors name the file and the problem as readNpy's do; float
/// values may be NaN or ±inf here (a caller that needs finite data checks
/// them).
StatusOr<NpyTensor> readNpyTensor(std::string_view path);

/// Reads the .npy file at `path`.
///
/// Accepted: format versions 1.0, 2.0 and 3.0; dtypes '<f4' and '<f8'
/// (float64 is rounded to float32); C order; 2-D shapes (R, C), and 1-D
/// shapes (N,), which are read as a column [N, 1]. Zero-sized arrays are
/// accepted. Everything else is an error whose message names the file and
/// the problem: a missing or unreadable file, a bad magic string, another
/// version, a malformed header dict, another dtype (named), fortran_order
/// True, another rank, data shorter or longer than the shape says, a
/// float64 value too large for float32, and NaN or ±inf values (the row and
/// column of the first one are named). float64 values too small for
/// float32 silently become subnormals or zero.
StatusOr<NpyArray> readNpy(std::string_view path);

/// Writes the [rows, cols] row-major float32 array `data` to `path` as a
/// version 1.0, '<f4', C-order .npy file whose bytes equal those of
/// numpy.save for the same array (header padded for in-place growth and
/// aligned to 64 bytes). The file is replaced atomically (see
/// writeFileAtomically). Negative sizes, a null `data` with elements, and
/// NaN or ±inf values (which readNpy would reject) are errors.
Status writeNpy(std::string_view path, const float *data, int64_t rows,
                int64_t cols);

/// Writes the [rows, cols] row-major int64 array `data` to `path` as a
/// version 1.0, '<i8', C-order .npy file (numpy.save's bytes for an int64
/// array, the dtype of a torch.long tensor), atomically. Negative sizes and
/// a null `data` with elements are errors.
Status writeNpyInt64(std::string_view path, const int64_t *data, int64_t rows,
                     int64_t cols);

/// Consumes `rows` consecutive rows (row-major) of the array being written.
using NpyRowSink = std::function<Status(const void *data, int64_t rows)>;

/// Writes a [rows, cols] float32 ('<f4') or int64 ('<i8') array to `path`
/// as writeNpy and writeNpyInt64 do, without holding it in memory:
/// `produce` calls the sink with the rows in order, in chunks of any size.
/// The file is replaced atomically once `produce` succeeded and gave
/// exactly `rows` rows; otherwise (its error, too few or too many rows, a
/// non-finite float) nothing is written and an existing file stays.
/// `element` is ElementType::F32 or ElementType::I64.
Status
writeNpyStreamed(std::string_view path, ElementType element, int64_t rows,
                 int64_t cols,
                 const std::function<Status(const NpyRowSink &)> &produce);

/// The size in bytes of the .npy file writeNpyStreamed writes, or -1 where
/// it would not fit an int64.
int64_t npyFileBytes(ElementType element, int64_t rows, int64_t cols);

} // namespace fmrt

#endif // FM_RUNTIME_NPY_H
