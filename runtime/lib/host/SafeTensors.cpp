//===- SafeTensors.cpp - safetensors checkpoints --------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The header is JSON, read and written with nlohmann::json through its
// non-throwing interface only (these files may be compiled without C++
// exceptions). Reading bounds the nesting depth first, by a scan of the
// text, and refuses a byte order mark and NUL bytes, which nlohmann::json
// would let through; then one SAX pass checks the syntax, keeps the
// parser's message for a malformed header and finds duplicate keys, which a
// JSON object would silently merge; only then is the header parsed into a
// JSON value.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/SafeTensors.h"

#include "fm/Runtime/FileUtils.h"

#include "Bytes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

using namespace fmrt;

using Json = nlohmann::json;

/// The reference implementation's MAX_HEADER_SIZE.
static constexpr uint64_t kMaxHeaderSize = 100'000'000;
/// safetensors headers nest three levels deep; anything much deeper is not
/// a safetensors header.
static constexpr int kMaxNesting = 64;
static constexpr std::string_view kMetadataKey = "__metadata__";

static std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

/// The number of elements of `shape`, or nullopt on overflow.
static std::optional<int64_t> elementCount(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    if (dim < 0 || __builtin_mul_overflow(count, dim, &count))
      return std::nullopt;
  return count;
}

/// Whether `text` is valid UTF-8 (RFC 3629): no overlong forms, no
/// surrogates, nothing above U+10FFFF.
static bool isUTF8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t codePoint, smallest;
    if ((lead & 0xe0) == 0xc0) {
      length = 2;
      codePoint = lead & 0x1f;
      smallest = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      codePoint = lead & 0x0f;
      smallest = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      codePoint = lead & 0x07;
      smallest = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length)
      return false;
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80)
        return false;
      codePoint = codePoint << 6 | (next & 0x3f);
    }
    if (codePoint < smallest || codePoint > 0x10ffff ||
        (codePoint >= 0xd800 && codePoint <= 0xdfff))
      return false;
    i += length;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Header checks before the JSON value
//===----------------------------------------------------------------------===//

/// Fails if arrays and objects nest deeper than kMaxNesting.
static Status checkNesting(std::string_view text) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxNesting)
        return Status::error("header nests deeper than " +
                             std::to_string(kMaxNesting) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return Status::success();
}

/// Fails on two things that nlohmann::json tolerates but JSON (RFC 8259)
/// and the reference implementation do not: a byte order mark at the start,
/// which it skips, and a NUL byte, which it takes for the end of the text.
static Status checkJsonBytes(std::string_view text) {
  if (text.substr(0, 3) == "\xef\xbb\xbf")
    return Status::error("a byte order mark at the start");
  size_t nul = text.find('\0');
  if (nul != std::string_view::npos)
    return Status::error("a NUL byte at offset " + std::to_string(nul));
  return Status::success();
}

namespace {
/// A SAX handler for nlohmann::json that builds nothing: it keeps the
/// parser's error message and finds the first duplicate key (after
/// unescaping, so "a" and "\u0061" are the same key) of any object.
class HeaderScanner {
public:
  /// The message of a syntax error, if there was one.
  std::optional<std::string> syntaxError;
  /// A description of the first duplicate key, if there was one.
  std::optional<std::string> duplicate;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const Json::string_t &) {
    return true;
  }
  bool string(Json::string_t &) { return true; }
  bool binary(Json::binary_t &) { return true; }

  bool start_object(std::size_t) {
    containers.emplace_back();
    return true;
  }
  bool key(Json::string_t &key) {
    if (!duplicate && !containers.back().insert(key).second)
      duplicate =
          (containers.size() == 1 ? "duplicate tensor '" : "duplicate key '") +
          key + "' in the header";
    return true;
  }
  bool end_object() {
    containers.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    containers.emplace_back();
    return true;
  }
  bool end_array() {
    containers.pop_back();
    return true;
  }

  bool parse_error(std::size_t, const std::string &lastToken,
                   const Json::exception &error) {
    // Without the "[json.exception.parse_error.101] " in front and the text
    // of the token read last, which may be long and need not be UTF-8: the
    // line and column say where the error is.
    std::string message = error.what();
    size_t idEnd = message.find("] ");
    if (message.rfind("[json.exception.", 0) == 0 && idEnd != std::string::npos)
      message.erase(0, idEnd + 2);
    std::string lastRead = "; last read: '" + lastToken + "'";
    size_t at = message.find(lastRead);
    if (at != std::string::npos)
      message.erase(at, lastRead.size());
    syntaxError = std::move(message);
    return false;
  }

private:
  /// The objects and arrays that enclose the parser's position, innermost
  /// last, with the keys seen so far (none for an array).
  std::vector<std::set<std::string>> containers;
};
} // namespace

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {
/// A validated header entry.
struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t begin;
  uint64_t end;
};
} // namespace

/// A JSON value as a non-negative integer (at most INT64_MAX). Integral
/// floating-point numbers such as 2.0 and 2e3 count as integers.
static std::optional<uint64_t> asIndex(const Json &value) {
  if (const auto *u = value.get_ptr<const Json::number_unsigned_t *>()) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return *u;
  }
  if (const auto *i = value.get_ptr<const Json::number_integer_t *>()) {
    if (*i < 0)
      return std::nullopt;
    return static_cast<uint64_t>(*i);
  }
  if (const auto *d = value.get_ptr<const Json::number_float_t *>()) {
    double whole;
    // 2^63, the first double above INT64_MAX.
    if (std::modf(*d, &whole) == 0.0 && whole >= 0.0 &&
        whole < 9223372036854775808.0)
      return static_cast<uint64_t>(whole);
  }
  return std::nullopt;
}

/// Parses and checks one tensor entry against a byte buffer of `bufferSize`
/// bytes; errors name the tensor.
static StatusOr<Entry> parseEntry(const std::string &name, const Json &value,
                                  uint64_t bufferSize) {
  auto fail = [&](const std::string &what) {
    return Status::error("tensor '" + name + "' " + what);
  };
  const auto *object = value.get_ptr<const Json::object_t *>();
  if (!object)
    return fail("is not described by an object");
  for (const auto &field : *object) {
    const std::string &key = field.first;
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return fail("has an unknown field '" + key + "'");
  }
  auto get = [&](const char *key) -> const Json * {
    auto it = object->find(key);
    return it == object->end() ? nullptr : &it->second;
  };

  const Json *dtype = get("dtype");
  if (!dtype)
    return fail("has no 'dtype'");
  const auto *dtypeName = dtype->get_ptr<const Json::string_t *>();
  if (!dtypeName)
    return fail("has a 'dtype' that is not a string");
  if (*dtypeName != "F32")
    return fail("has dtype " + *dtypeName + "; only F32 is supported");

  Entry entry;
  entry.name = name;
  const Json *shapeValue = get("shape");
  if (!shapeValue)
    return fail("has no 'shape'");
  const auto *shape = shapeValue->get_ptr<const Json::array_t *>();
  if (!shape)
    return fail("has a 'shape' that is not an array");
  for (const Json &dim : *shape) {
    std::optional<uint64_t> d = asIndex(dim);
    if (!d)
      return fail("has a 'shape' that is not a list of non-negative integers");
    entry.shape.push_back(static_cast<int64_t>(*d));
  }

  const Json *offsetsValue = get("data_offsets");
  if (!offsetsValue)
    return fail("has no 'data_offsets'");
  const auto *offsets = offsetsValue->get_ptr<const Json::array_t *>();
  std::optional<uint64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = asIndex((*offsets)[0]);
    end = asIndex((*offsets)[1]);
  }
  if (!begin || !end)
    return fail("has 'data_offsets' that are not two non-negative integers");
  entry.begin = *begin;
  entry.end = *end;
  std::string offsetsText = "[" + std::to_string(entry.begin) + ", " +
                            std::to_string(entry.end) + "]";
  if (entry.begin > entry.end)
    return fail("has decreasing data_offsets " + offsetsText);
  if (entry.end > bufferSize)
    return fail("has data_offsets " + offsetsText + " beyond the " +
                std::to_string(bufferSize) + "-byte data buffer");

  std::optional<int64_t> count = elementCount(entry.shape);
  int64_t bytes = 0;
  if (!count || __builtin_mul_overflow(*count, int64_t(4), &bytes))
    return fail("has a shape " + shapeString(entry.shape) +
                " that is too large");
  if (static_cast<uint64_t>(bytes) != entry.end - entry.begin)
    return fail("has shape " + shapeString(entry.shape) + ", which needs " +
                std::to_string(bytes) + " bytes, but data_offsets " +
                offsetsText + " span " +
                std::to_string(entry.end - entry.begin));
  return entry;
}

const SafeTensor *SafeTensorsFile::lookup(std::string_view name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &tensors[it->second];
}

StatusOr<SafeTensorsFile> fmrt::readSafeTensors(std::string_view path) {
  auto fail = [&](const std::string &what) {
    return Status::error("checkpoint '" + std::string(path) + "': " + what);
  };
  StatusOr<std::string> file = readFile(path);
  if (!file.ok())
    return fail("cannot open: " + file.status().message());
  std::string_view bytes = *file;

  if (bytes.size() < 8)
    return fail("file of " + std::to_string(bytes.size()) +
                " bytes is too short for the 8-byte header length");
  uint64_t headerSize = readLE64(bytes.data());
  if (headerSize > kMaxHeaderSize)
    return fail("header length " + std::to_string(headerSize) +
                " exceeds the format's limit of " +
                std::to_string(kMaxHeaderSize) + " bytes");
  if (headerSize > bytes.size() - 8)
    return fail("header length " + std::to_string(headerSize) +
                " exceeds the " + std::to_string(bytes.size() - 8) +
                " bytes after the length field");
  std::string_view header = bytes.substr(8, headerSize);
  std::string_view buffer = bytes.substr(8 + headerSize);

  if (Status status = checkNesting(header); !status.ok())
    return fail(status.message());
  if (Status status = checkJsonBytes(header); !status.ok())
    return fail("malformed JSON header: " + status.message());
  const char *headerEnd = header.data() + header.size();
  HeaderScanner scanner;
  if (!Json::sax_parse(header.data(), headerEnd, &scanner))
    return fail("malformed JSON header: " +
                scanner.syntaxError.value_or("syntax error"));
  if (scanner.duplicate)
    return fail(*scanner.duplicate);
  Json json = Json::parse(header.data(), headerEnd, /*cb=*/nullptr,
                          /*allow_exceptions=*/false);
  if (json.is_discarded())
    return fail("malformed JSON header");
  const auto *root = json.get_ptr<const Json::object_t *>();
  if (!root)
    return fail("header is not a JSON object");

  SafeTensorsFile result;
  result.path = std::string(path);
  // The entries are visited by name (a JSON object is a std::map), so the
  // first error reported does not depend on their order in the file.
  std::vector<Entry> entries;
  for (const auto &[name, value] : *root) {
    if (name == kMetadataKey) {
      const auto *metadata = value.get_ptr<const Json::object_t *>();
      if (!metadata)
        return fail("'__metadata__' is not an object");
      for (const auto &[key, entryValue] : *metadata) {
        const auto *text = entryValue.get_ptr<const Json::string_t *>();
        if (!text)
          return fail("'__metadata__' value of '" + key + "' is not a string");
        result.metadata[key] = *text;
      }
      continue;
    }
    StatusOr<Entry> entry = parseEntry(name, value, buffer.size());
    if (!entry.ok())
      return fail(entry.status().message());
    entries.push_back(std::move(*entry));
  }

  // The tensors must tile the byte buffer: sorted by offsets (empty tensors
  // first at a shared offset), each begins where the previous one ends.
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t expected = 0;
  const Entry *previous = nullptr;
  for (const Entry &entry : entries) {
    if (entry.begin < expected)
      return fail("tensors '" + previous->name + "' and '" + entry.name +
                  "' overlap in the data buffer");
    if (entry.begin > expected)
      return fail("hole of " + std::to_string(entry.begin - expected) +
                  " bytes in the data buffer before tensor '" + entry.name +
                  "'");
    expected = entry.end;
    previous = &entry;
  }
  if (expected != buffer.size())
    return fail(std::to_string(buffer.size() - expected) +
                " bytes at the end of the file belong to no tensor");

  result.tensors.reserve(entries.size());
  for (Entry &entry : entries) {
    SafeTensor tensor;
    tensor.name = std::move(entry.name);
    tensor.shape = std::move(entry.shape);
    size_t count = (entry.end - entry.begin) / 4;
    tensor.data.resize(count);
    const char *src = buffer.data() + entry.begin;
    for (size_t i = 0; i < count; ++i)
      tensor.data[i] = readFloat32LE(src + 4 * i);
    result.index[tensor.name] = result.tensors.size();
    result.tensors.push_back(std::move(tensor));
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// `json` with the escapes \b and \f spelled \u0008 and \u000c, as the
/// writer has always written them (it used llvm::json before), so that the
/// bytes of a checkpoint do not depend on the version that wrote it. In
/// nlohmann::json's output every backslash begins an escape sequence.
static std::string withLongEscapes(const std::string &json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] != '\\' || i + 1 == json.size()) {
      out += json[i];
      continue;
    }
    char escaped = json[++i];
    if (escaped == 'b')
      out += "\\u0008";
    else if (escaped == 'f')
      out += "\\u000c";
    else
      (out += '\\') += escaped;
  }
  return out;
}

Status
fmrt::writeSafeTensors(std::string_view path,
                       const std::vector<TensorView> &tensors,
                       const std::map<std::string, std::string> &metadata) {
  auto fail = [&](const std::string &what) {
    return Status::error("cannot write '" + std::string(path) + "': " + what);
  };

  for (const auto &[key, value] : metadata)
    if (!isUTF8(key) || !isUTF8(value))
      return fail("metadata entry '" + key + "' is not valid UTF-8");

  std::set<std::string_view> seen;
  std::vector<int64_t> counts(tensors.size());
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView &t = tensors[i];
    if (t.name.empty())
      return fail("a tensor has an empty name");
    if (t.name == kMetadataKey)
      return fail("'__metadata__' is reserved and cannot name a tensor");
    if (!isUTF8(t.name))
      return fail("tensor name '" + t.name + "' is not valid UTF-8");
    if (!seen.insert(t.name).second)
      return fail("duplicate tensor '" + t.name + "'");
    std::optional<int64_t> count = elementCount(t.shape);
    if (!count || *count > std::numeric_limits<int64_t>::max() / 4)
      return fail("tensor '" + t.name + "' has an invalid shape " +
                  shapeString(t.shape));
    if (*count > 0 && !t.data)
      return fail("tensor '" + t.name + "' has no data");
    counts[i] = *count;
    if (__builtin_add_overflow(total, *count * 4, &total))
      return fail("the tensors are too large");
  }

  // The reference orders tensors by decreasing dtype alignment, then by
  // name; with F32 only, by name.
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return tensors[a].name < tensors[b].name;
  });

  // An ordered_json object keeps its keys in insertion order: metadata
  // first, then the tensors in file order.
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json entries = nlohmann::ordered_json::object();
    for (const auto &[key, value] : metadata)
      entries[key] = value;
    json[std::string(kMetadataKey)] = std::move(entries);
  }
  int64_t offset = 0;
  for (size_t i : order) {
    int64_t end = offset + counts[i] * 4;
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = "F32";
    entry["shape"] = tensors[i].shape;
    entry["data_offsets"] = nlohmann::ordered_json::array({offset, end});
    json[tensors[i].name] = std::move(entry);
    offset = end;
  }
  // Compact, UTF-8 unescaped. Every string was checked to be UTF-8 above,
  // so the error handler (which would replace invalid bytes rather than
  // throw) never acts.
  std::string header = withLongEscapes(
      json.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                nlohmann::ordered_json::error_handler_t::replace));
  // Pad with spaces to a multiple of 8 bytes, as the reference writer does,
  // so that the data buffer is 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxHeaderSize)
    return fail("header of " + std::to_string(header.size()) +
                " bytes exceeds the format's limit of " +
                std::to_string(kMaxHeaderSize) + " bytes");

  return writeFileAtomically(path, [&](FileWriter &os) {
    char length[8];
    writeLittleEndian(length, header.size(), 8);
    os.write(length, sizeof(length));
    os.write(header);
    for (size_t i : order)
      writeFloat32LE(os, tensors[i].data, counts[i]);
    return Status::success();
  });
}

Status fmrt::checkTensor(const SafeTensorsFile &file, std::string_view name,
                         const std::vector<int64_t> &expectedShape) {
  const SafeTensor *tensor = file.lookup(name);
  if (!tensor)
    return Status::error("checkpoint '" + file.getPath() +
                         "': missing tensor '" + std::string(name) + "'");
  if (tensor->shape != expectedShape)
    return Status::error("checkpoint '" + file.getPath() + "': tensor '" +
                         std::string(name) + "' has shape " +
                         shapeString(tensor->shape) + ", expected " +
                         shapeString(expectedShape));
  return Status::success();
}
