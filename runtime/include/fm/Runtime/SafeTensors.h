//===- SafeTensors.h - safetensors checkpoints ------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checkpoints in the safetensors format (github.com/huggingface/safetensors):
//
//   8 bytes   N, the header size, unsigned 64-bit little-endian
//   N bytes   the header, a UTF-8 JSON object:
//               {"__metadata__": {"key": "value", ...},        (optional)
//                "<name>": {"dtype": "F32", "shape": [d0, ...],
//                           "data_offsets": [begin, end]}, ...}
//   rest      the byte buffer; a tensor's bytes are [begin, end) of it,
//             little-endian, row-major
//
// As in the reference implementation (safetensors/src/tensor.rs), tensors
// must tile the byte buffer exactly: sorted by offset, the first begins at
// 0, each begins where the previous ends, and the last ends at the end of
// the file. Headers over 100,000,000 bytes are refused. The writer pads the
// header with spaces to a multiple of 8 bytes, writes `__metadata__` first
// and the tensors sorted by name, byte for byte as the reference does for
// F32 tensors.
//
// Only F32 tensors are supported: the runtime's parameters are float32.
//
// This header belongs to the runtime's host layer: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_SAFETENSORS_H
#define FM_RUNTIME_SAFETENSORS_H

#include "fm/Runtime/Status.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fmrt {

/// A tensor to write: its name, shape and row-major float32 data of
/// product(shape) elements (a scalar has shape [] and one element).
struct TensorView {
  std::string name;
  std::vector<int64_t> shape;
  const float *data = nullptr;
};

/// A tensor read from a file, owning its data.
struct SafeTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The validated contents of a safetensors file.
class SafeTensorsFile {
public:
  /// The path the file was read from, as given to readSafeTensors.
  const std::string &getPath() const { return path; }
  /// The `__metadata__` map (empty if the file has none).
  const std::map<std::string, std::string> &getMetadata() const {
    return metadata;
  }
  /// All tensors, in the order of their data in the file.
  const std::vector<SafeTensor> &getTensors() const { return tensors; }
  /// The tensor called `name`, or null.
  const SafeTensor *lookup(std::string_view name) const;

private:
  friend StatusOr<SafeTensorsFile> readSafeTensors(std::string_view path);

  std::string path;
  std::map<std::string, std::string> metadata;
  std::vector<SafeTensor> tensors;
  /// The position in `tensors` of each name.
  std::map<std::string, size_t, std::less<>> index;
};

/// Writes `tensors` (F32) and `metadata` to `path` in the safetensors format,
/// atomically (see writeFileAtomically): on any error an existing file at
/// `path` is left as it was. Errors: duplicate, empty or reserved
/// ("__metadata__") names, names or metadata that are not valid UTF-8,
/// negative dimensions, a null `data` for a non-empty tensor, a header over
/// the format's limit, and any I/O failure.
Status writeSafeTensors(std::string_view path,
                        const std::vector<TensorView> &tensors,
                        const std::map<std::string, std::string> &metadata);

/// Reads and validates the safetensors file at `path`: the header length
/// against the file size and the format's limit, the JSON (syntax, UTF-8,
/// no duplicate keys, at most 64 levels of nesting), every entry (exactly
/// the fields dtype, shape and data_offsets; dtype F32, other dtypes being
/// refused with the tensor named; non-negative integer dimensions; the
/// offsets in bounds and spanning exactly 4 × product(shape) bytes), the
/// tiling of the byte buffer (no overlap, no hole, nothing after the last
/// tensor) and `__metadata__` (strings to strings). Messages begin with
/// "checkpoint '<path>': ".
StatusOr<SafeTensorsFile> readSafeTensors(std::string_view path);

/// Checks that `file` has a tensor `name` of shape `expectedShape`. Errors
/// read "checkpoint 'x.safetensors': missing tensor 'layer1.bias'" or
/// "checkpoint 'x.safetensors': tensor 'layer0.weight' has shape [64, 3],
/// expected [64, 2]".
Status checkTensor(const SafeTensorsFile &file, std::string_view name,
                   const std::vector<int64_t> &expectedShape);

} // namespace fmrt

#endif // FM_RUNTIME_SAFETENSORS_H
