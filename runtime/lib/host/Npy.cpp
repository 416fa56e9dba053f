//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The header is a Python literal; only the subset that numpy writes for
// plain arrays is parsed: a dict whose keys are quoted strings and whose
// values are a quoted string ('descr'), True or False ('fortran_order') and
// a tuple of non-negative integers ('shape'), with optional trailing commas
// and whitespace anywhere Python allows it.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Npy.h"

#include "fm/Runtime/FileUtils.h"

#include "Bytes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

using namespace fmrt;

static constexpr char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicLen = 6;

/// numpy's ARRAY_ALIGN and GROWTH_AXIS_MAX_DIGITS (numpy/lib/format.py).
static constexpr size_t kArrayAlign = 64;
static constexpr size_t kGrowthAxisMaxDigits = 21;

namespace {
/// The parsed header of a .npy file.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Parses the header dict. Errors are plain descriptions; the caller adds
/// the file name.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  StatusOr<NpyHeader> parse() {
    NpyHeader header;
    bool seenDescr = false, seenFortran = false, seenShape = false;
    skipSpace();
    if (!consume('{'))
      return error("expected '{'");
    skipSpace();
    while (!consume('}')) {
      std::string key;
      if (Status status = parseString(key); !status.ok())
        return status;
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after key '" + key + "'");
      skipSpace();
      bool *seen = nullptr;
      Status status;
      if (key == "descr") {
        seen = &seenDescr;
        status = parseDescr(header.descr);
      } else if (key == "fortran_order") {
        seen = &seenFortran;
        status = parseBool(header.fortranOrder);
      } else if (key == "shape") {
        seen = &seenShape;
        status = parseShape(header.shape);
      } else {
        return error("unexpected key '" + key + "'");
      }
      if (!status.ok())
        return status;
      if (*seen)
        return error("key '" + key + "' appears twice");
      *seen = true;
      skipSpace();
      if (consume(',')) {
        skipSpace();
        continue;
      }
      if (!consume('}'))
        return error("expected ',' or '}' after the value of '" + key + "'");
      break;
    }
    skipSpace();
    if (pos != text.size())
      return error("unexpected text after the header dict");
    for (auto [seen, name] : {std::pair(seenDescr, "descr"),
                              std::pair(seenFortran, "fortran_order"),
                              std::pair(seenShape, "shape")})
      if (!seen)
        return Status::error(std::string("malformed header: no '") + name +
                             "' key");
    return header;
  }

private:
  Status error(const std::string &what) const {
    return Status::error("malformed header at byte " + std::to_string(pos) +
                         ": " + what);
  }

  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }
  bool consume(char c) {
    if (peek() != c || atEnd())
      return false;
    ++pos;
    return true;
  }
  void skipSpace() {
    while (!atEnd() && (text[pos] == ' ' || text[pos] == '\t' ||
                        text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  /// A '...' or "..." string without escapes.
  Status parseString(std::string &out) {
    char quote = peek();
    if (atEnd() || (quote != '\'' && quote != '"'))
      return error("expected a quoted string");
    size_t start = ++pos;
    while (!atEnd() && text[pos] != quote && text[pos] != '\n') {
      if (text[pos] == '\\')
        return error("escape sequences in strings are not supported");
      ++pos;
    }
    if (atEnd() || text[pos] == '\n')
      return error("unterminated string");
    out = std::string(text.substr(start, pos - start));
    ++pos;
    return Status::success();
  }

  Status parseDescr(std::string &out) {
    if (peek() == '[')
      return error("structured dtypes (a list as 'descr') are not supported");
    if (peek() != '\'' && peek() != '"')
      return error("'descr' is not a string");
    return parseString(out);
  }

  Status parseBool(bool &out) {
    std::string_view rest = text.substr(pos);
    if (rest.substr(0, 4) == "True") {
      out = true;
      pos += 4;
    } else if (rest.substr(0, 5) == "False") {
      out = false;
      pos += 5;
    } else {
      return error("'fortran_order' is not True or False");
    }
    if (!atEnd() &&
        (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_'))
      return error("'fortran_order' is not True or False");
    return Status::success();
  }

  Status parseShape(std::vector<int64_t> &out) {
    if (!consume('('))
      return error("'shape' is not a tuple");
    skipSpace();
    bool sawComma = false;
    while (!consume(')')) {
      if (peek() == '-')
        return error("'shape' has a negative dimension");
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        return error("'shape' is not a tuple of integers");
      int64_t value = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        int digit = peek() - '0';
        if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
          return error("a dimension of 'shape' is too large");
        value = value * 10 + digit;
        ++pos;
      }
      out.push_back(value);
      skipSpace();
      if (consume(',')) {
        sawComma = true;
        skipSpace();
        continue;
      }
      if (!consume(')'))
        return error("expected ',' or ')' in 'shape'");
      break;
    }
    // "(3)" is the integer 3 in Python, not a tuple.
    if (out.size() == 1 && !sawComma)
      return error("'shape' is not a tuple");
    return Status::success();
  }

  std::string_view text;
  size_t pos = 0;
};
} // namespace

static std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

/// "value at row r, column c is NaN" or "... is inf" / "-inf".
static std::string nonFiniteMessage(double value, int64_t index, int64_t cols) {
  const char *what = std::isnan(value) ? "NaN" : value > 0 ? "inf" : "-inf";
  return "value at row " + std::to_string(index / cols) + ", column " +
         std::to_string(index % cols) + " is " + what;
}

int64_t NpyTensor::numElements() const {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return count;
}

namespace {
/// A .npy file's header and where its data lie in the file's bytes.
struct NpyLayout {
  NpyHeader header;
  ElementType dtype = ElementType::F32;
  size_t itemSize = 4;
  int64_t count = 0;
  const char *data = nullptr;
};
} // namespace

/// Parses the header of a .npy file and checks that its data are all there.
/// Integer dtypes are accepted only where `integersSupported`. Errors are
/// descriptions without the file name.
static StatusOr<NpyLayout> parseLayout(std::string_view bytes,
                                       bool integersSupported) {
  auto fail = [](const std::string &what) { return Status::error(what); };
  if (bytes.size() < kMagicLen ||
      std::memcmp(bytes.data(), kMagic, kMagicLen) != 0)
    return fail("not a .npy file (bad magic string)");
  if (bytes.size() < kMagicLen + 2)
    return fail("truncated header (no format version)");
  auto major = static_cast<uint8_t>(bytes[6]);
  auto minor = static_cast<uint8_t>(bytes[7]);
  size_t lengthBytes;
  if (major == 1 && minor == 0)
    lengthBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lengthBytes = 4;
  else
    return fail("unsupported format version " + std::to_string(major) + "." +
                std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  size_t prefix = kMagicLen + 2 + lengthBytes;
  if (bytes.size() < prefix)
    return fail("truncated header (no header length)");
  const char *lengthPtr = bytes.data() + kMagicLen + 2;
  uint64_t headerLen =
      lengthBytes == 2 ? readLE16(lengthPtr) : readLE32(lengthPtr);
  if (headerLen > bytes.size() - prefix)
    return fail("truncated header: header length " + std::to_string(headerLen) +
                " exceeds the " + std::to_string(bytes.size() - prefix) +
                " bytes after the header length");

  StatusOr<NpyHeader> header =
      HeaderParser(bytes.substr(prefix, headerLen)).parse();
  if (!header.ok())
    return header.status();

  NpyLayout layout;
  if (header->descr == "<f4")
    layout = {*header, ElementType::F32, 4};
  else if (header->descr == "<f8")
    layout = {*header, ElementType::F64, 8};
  else if (integersSupported && header->descr == "<i4")
    layout = {*header, ElementType::I32, 4};
  else if (integersSupported && header->descr == "<i8")
    layout = {*header, ElementType::I64, 8};
  else
    return fail("unsupported dtype '" + header->descr + "' (supported: " +
                (integersSupported ? "'<f4', '<f8', '<i4' and '<i8')"
                                   : "'<f4' and '<f8')"));
  if (header->fortranOrder)
    return fail("fortran_order True is not supported (only C order)");

  int64_t count = 1, dataBytes;
  for (int64_t d : header->shape)
    if (__builtin_mul_overflow(count, d, &count))
      return fail("shape " + shapeString(header->shape) + " is too large");
  if (__builtin_mul_overflow(count, static_cast<int64_t>(layout.itemSize),
                             &dataBytes))
    return fail("shape " + shapeString(header->shape) + " is too large");
  uint64_t available = bytes.size() - prefix - headerLen;
  if (available < static_cast<uint64_t>(dataBytes))
    return fail("truncated data: shape " + shapeString(header->shape) +
                " needs " + std::to_string(dataBytes) +
                " bytes, the file has " + std::to_string(available));
  if (available > static_cast<uint64_t>(dataBytes))
    return fail("trailing garbage: " +
                std::to_string(available - static_cast<uint64_t>(dataBytes)) +
                " bytes after the array data");
  layout.count = count;
  layout.data = bytes.data() + prefix + headerLen;
  return layout;
}

/// Parses the bytes of a .npy file as a 2-D float32 array; errors are
/// descriptions without the file name.
static StatusOr<NpyArray> parseNpy(std::string_view bytes) {
  auto fail = [](const std::string &what) { return Status::error(what); };
  StatusOr<NpyLayout> layout = parseLayout(bytes, /*integersSupported=*/false);
  if (!layout.ok())
    return layout.status();
  const std::vector<int64_t> &shape = layout->header.shape;
  NpyArray array;
  if (shape.size() == 2) {
    array.rows = shape[0];
    array.cols = shape[1];
  } else if (shape.size() == 1) {
    array.rows = shape[0];
    array.cols = 1;
  } else {
    return fail("shape " + shapeString(shape) +
                " is not 2-D (or 1-D, read as a column)");
  }

  const char *src = layout->data;
  int64_t count = layout->count;
  array.data.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    if (layout->itemSize == 4) {
      float value = readFloat32LE(src + 4 * i);
      if (!std::isfinite(value))
        return fail(nonFiniteMessage(value, i, array.cols));
      array.data[i] = value;
    } else {
      double value = readFloat64LE(src + 8 * i);
      if (!std::isfinite(value))
        return fail(nonFiniteMessage(value, i, array.cols));
      auto rounded = static_cast<float>(value);
      if (std::isinf(rounded)) {
        // In %e form, e.g. -3.500000e+38.
        char text[32];
        std::snprintf(text, sizeof(text), "%e", value);
        return fail("float64 value " + std::string(text) + " at row " +
                    std::to_string(i / array.cols) + ", column " +
                    std::to_string(i % array.cols) + " overflows float32");
      }
      array.data[i] = rounded;
    }
  }
  return array;
}

StatusOr<NpyTensor> fmrt::readNpyTensor(std::string_view path) {
  auto fail = [&](const std::string &what) {
    return Status::error("npy file '" + std::string(path) + "': " + what);
  };
  StatusOr<std::string> bytes = readFile(path);
  if (!bytes.ok())
    return fail("cannot open: " + bytes.status().message());
  StatusOr<NpyLayout> layout = parseLayout(*bytes, /*integersSupported=*/true);
  if (!layout.ok())
    return fail(layout.status().message());
  NpyTensor tensor;
  tensor.dtype = layout->dtype;
  tensor.shape = layout->header.shape;
  const char *src = layout->data;
  auto count = static_cast<size_t>(layout->count);
  switch (layout->dtype) {
  case ElementType::F32:
    tensor.floats.resize(count);
    for (size_t i = 0; i < count; ++i)
      tensor.floats[i] = readFloat32LE(src + 4 * i);
    break;
  case ElementType::F64:
    tensor.floats.resize(count);
    for (size_t i = 0; i < count; ++i)
      tensor.floats[i] = readFloat64LE(src + 8 * i);
    break;
  case ElementType::I32:
    tensor.ints.resize(count);
    for (size_t i = 0; i < count; ++i)
      tensor.ints[i] = static_cast<int32_t>(readLE32(src + 4 * i));
    break;
  case ElementType::I64:
    tensor.ints.resize(count);
    for (size_t i = 0; i < count; ++i)
      tensor.ints[i] = static_cast<int64_t>(readLE64(src + 8 * i));
    break;
  }
  return tensor;
}

StatusOr<NpyArray> fmrt::readNpy(std::string_view path) {
  auto fail = [&](const std::string &what) {
    return Status::error("npy file '" + std::string(path) + "': " + what);
  };
  StatusOr<std::string> bytes = readFile(path);
  if (!bytes.ok())
    return fail("cannot open: " + bytes.status().message());
  StatusOr<NpyArray> array = parseNpy(*bytes);
  if (!array.ok())
    return fail(array.status().message());
  return array;
}

/// Appends `count` int64 values, little endian.
static void writeInt64LE(FileWriter &os, const int64_t *data, int64_t count) {
  char buffer[4096];
  for (int64_t i = 0; i < count;) {
    int64_t chunk = std::min<int64_t>(count - i, sizeof(buffer) / 8);
    for (int64_t k = 0; k < chunk; ++k)
      writeLittleEndian(buffer + 8 * k, static_cast<uint64_t>(data[i + k]), 8);
    os.write(buffer, static_cast<size_t>(chunk) * 8);
    i += chunk;
  }
}

/// The header of a [rows, cols] .npy file of `descr` ('<f4', '<i8'), as
/// numpy's _write_array_header and _wrap_header write it for version 1.0:
/// the dict with sorted keys, spare spaces for the growth axis, then spaces
/// and a newline up to a multiple of ARRAY_ALIGN.
static std::string npyHeader(const char *descr, int64_t rows, int64_t cols) {
  std::string rowsText = std::to_string(rows);
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (" + rowsText +
                       ", " + std::to_string(cols) + "), }";
  header.append(kGrowthAxisMaxDigits - rowsText.size(), ' ');
  size_t withNewline = header.size() + 1;
  size_t padding =
      kArrayAlign - (kMagicLen + 2 + 2 + withNewline) % kArrayAlign;
  header.append(padding, ' ');
  header += '\n';
  return header;
}

/// Writes a [rows, cols] .npy file of `descr` ('<f4', '<i8') whose data
/// `writeData` writes: numpy.save's bytes for the same array.
static Status
writeNpyFile(std::string_view path, const char *descr, int64_t rows,
             int64_t cols,
             const std::function<Status(FileWriter &)> &writeData) {
  std::string header = npyHeader(descr, rows, cols);
  return writeFileAtomically(path, [&](FileWriter &os) {
    char prefix[kMagicLen + 4];
    std::memcpy(prefix, kMagic, kMagicLen);
    prefix[6] = 1;
    prefix[7] = 0;
    writeLittleEndian(prefix + 8, header.size(), 2);
    os.write(prefix, sizeof(prefix));
    os.write(header);
    return writeData(os);
  });
}

/// The element count of a [rows, cols] array of `elementSize`-byte values,
/// or an error for a negative or too large shape or missing data.
static StatusOr<int64_t> checkedCount(std::string_view path, int64_t rows,
                                      int64_t cols, int64_t elementSize,
                                      const void *data) {
  auto fail = [&](const std::string &what) {
    return Status::error("cannot write '" + std::string(path) + "': " + what);
  };
  int64_t count;
  if (rows < 0 || cols < 0)
    return fail("negative shape [" + std::to_string(rows) + ", " +
                std::to_string(cols) + "]");
  if (__builtin_mul_overflow(rows, cols, &count) ||
      count > std::numeric_limits<int64_t>::max() / elementSize)
    return fail("shape too large");
  if (count > 0 && !data)
    return fail("no data");
  return count;
}

Status fmrt::writeNpy(std::string_view path, const float *data, int64_t rows,
                      int64_t cols) {
  StatusOr<int64_t> count = checkedCount(path, rows, cols, 4, data);
  if (!count.ok())
    return count.status();
  for (int64_t i = 0; i < *count; ++i)
    if (!std::isfinite(data[i]))
      return Status::error("cannot write '" + std::string(path) +
                           "': " + nonFiniteMessage(data[i], i, cols));
  return writeNpyFile(path, "<f4", rows, cols, [&](FileWriter &os) {
    writeFloat32LE(os, data, *count);
    return Status::success();
  });
}

Status fmrt::writeNpyInt64(std::string_view path, const int64_t *data,
                           int64_t rows, int64_t cols) {
  StatusOr<int64_t> count = checkedCount(path, rows, cols, 8, data);
  if (!count.ok())
    return count.status();
  return writeNpyFile(path, "<i8", rows, cols, [&](FileWriter &os) {
    writeInt64LE(os, data, *count);
    return Status::success();
  });
}

int64_t fmrt::npyFileBytes(ElementType element, int64_t rows, int64_t cols) {
  int64_t count, data, total;
  if (rows < 0 || cols < 0 || __builtin_mul_overflow(rows, cols, &count) ||
      __builtin_mul_overflow(count, elementSize(element), &data) ||
      __builtin_add_overflow(
          data,
          static_cast<int64_t>(kMagicLen + 4 +
                               npyHeader("<f4", rows, cols).size()),
          &total))
    return -1;
  return total;
}

Status fmrt::writeNpyStreamed(
    std::string_view path, ElementType element, int64_t rows, int64_t cols,
    const std::function<Status(const NpyRowSink &)> &produce) {
  auto fail = [&](const std::string &what) {
    return Status::error("cannot write '" + std::string(path) + "': " + what);
  };
  if (element != ElementType::F32 && element != ElementType::I64)
    return fail("only float32 and int64 arrays are written");
  if (npyFileBytes(element, rows, cols) < 0)
    return fail("shape [" + std::to_string(rows) + ", " + std::to_string(cols) +
                "] is too large");
  const char *descr = element == ElementType::F32 ? "<f4" : "<i8";
  Status result;
  Status written = writeNpyFile(path, descr, rows, cols, [&](FileWriter &os) {
    int64_t done = 0;
    NpyRowSink sink = [&](const void *data, int64_t count) -> Status {
      if (count < 0 || count > rows - done)
        return Status::error(std::to_string(done + count) +
                             " rows for an "
                             "array of " +
                             std::to_string(rows));
      int64_t elements = count * cols;
      if (element == ElementType::F32) {
        const auto *values = static_cast<const float *>(data);
        for (int64_t i = 0; i < elements; ++i)
          if (!std::isfinite(values[i]))
            return Status::error(
                nonFiniteMessage(values[i], done * cols + i, cols));
        writeFloat32LE(os, values, elements);
      } else {
        writeInt64LE(os, static_cast<const int64_t *>(data), elements);
      }
      done += count;
      return Status::success();
    };
    result = produce(sink);
    if (result.ok() && done != rows)
      result = Status::error(std::to_string(done) + " rows for an array of " +
                             std::to_string(rows));
    return result;
  });
  if (!result.ok())
    return fail(result.message());
  return written;
}
