//===- SafeTensors.cpp - safetensors checkpoints --------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The header is parsed with llvm::json after two checks that llvm::json does
// not make: the nesting depth is bounded first (its parser recurses), and
// duplicate keys, which it silently merges, are found by a scan of the text.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/SafeTensors.h"

#include "fm/Runtime/FileUtils.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

using namespace fmrt;

/// The reference implementation's MAX_HEADER_SIZE.
static constexpr uint64_t kMaxHeaderSize = 100'000'000;
/// safetensors headers nest three levels deep; anything much deeper is not
/// a safetensors header and could exhaust the JSON parser's stack.
static constexpr int kMaxNesting = 64;
static constexpr llvm::StringLiteral kMetadataKey = "__metadata__";

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

/// The number of elements of `shape`, or nullopt on overflow.
static std::optional<int64_t> elementCount(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    if (dim < 0 || llvm::MulOverflow(count, dim, count))
      return std::nullopt;
  return count;
}

//===----------------------------------------------------------------------===//
// Header checks beyond llvm::json
//===----------------------------------------------------------------------===//

/// Fails if arrays and objects nest deeper than kMaxNesting.
static llvm::Error checkNesting(llvm::StringRef text) {
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
        return makeError("header nests deeper than " +
                         llvm::Twine(kMaxNesting) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return llvm::Error::success();
}

namespace {
/// Finds the first duplicate key of any object in a JSON text that
/// llvm::json::parse accepted.
class DuplicateKeyScanner {
public:
  explicit DuplicateKeyScanner(llvm::StringRef text) : text(text) {}

  /// Describes the first duplicate key, or returns nullopt.
  std::optional<std::string> scan() {
    scanValue(0);
    return duplicate;
  }

private:
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  /// Skips a string token and returns its decoded value.
  std::string scanString() {
    size_t start = pos++;
    bool escaped = false;
    while (pos < text.size() && text[pos] != '"') {
      if (text[pos] == '\\') {
        escaped = true;
        ++pos;
      }
      ++pos;
    }
    ++pos;
    llvm::StringRef token = text.slice(start, pos);
    if (!escaped)
      return token.drop_front().drop_back().str();
    llvm::Expected<llvm::json::Value> value = llvm::json::parse(token);
    if (!value) {
      llvm::consumeError(value.takeError());
      return token.str();
    }
    return value->getAsString().value_or(token).str();
  }

  void scanValue(int depth) {
    skipSpace();
    if (pos >= text.size())
      return;
    switch (text[pos]) {
    case '{':
      return scanObject(depth);
    case '[':
      return scanArray(depth);
    case '"':
      scanString();
      return;
    default:
      while (pos < text.size() &&
             !llvm::StringRef(",]} \t\r\n").contains(text[pos]))
        ++pos;
    }
  }

  void scanArray(int depth) {
    ++pos;
    skipSpace();
    while (!duplicate && pos < text.size() && text[pos] != ']') {
      scanValue(depth + 1);
      skipSpace();
      if (pos < text.size() && text[pos] == ',')
        ++pos;
      skipSpace();
    }
    ++pos;
  }

  void scanObject(int depth) {
    ++pos;
    std::set<std::string> keys;
    skipSpace();
    while (!duplicate && pos < text.size() && text[pos] != '}') {
      std::string key = scanString();
      if (!keys.insert(key).second) {
        duplicate = (depth == 0 ? "duplicate tensor '" : "duplicate key '") +
                    key + "' in the header";
        return;
      }
      skipSpace();
      ++pos; // ':'
      scanValue(depth + 1);
      skipSpace();
      if (pos < text.size() && text[pos] == ',')
        ++pos;
      skipSpace();
    }
    ++pos;
  }

  llvm::StringRef text;
  size_t pos = 0;
  std::optional<std::string> duplicate;
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

/// A JSON value as a non-negative integer.
static std::optional<uint64_t> asIndex(const llvm::json::Value &value) {
  // getAsInteger also accepts integral doubles such as 2.0 and 2e3.
  std::optional<int64_t> i = value.getAsInteger();
  if (!i || *i < 0)
    return std::nullopt;
  return static_cast<uint64_t>(*i);
}

/// Parses and checks one tensor entry against a byte buffer of `bufferSize`
/// bytes; errors name the tensor.
static llvm::Expected<Entry> parseEntry(llvm::StringRef name,
                                        const llvm::json::Value &value,
                                        uint64_t bufferSize) {
  auto fail = [&](const llvm::Twine &what) {
    return makeError("tensor '" + name + "' " + what);
  };
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    return fail("is not described by an object");
  for (const auto &field : *object) {
    llvm::StringRef key = field.first;
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return fail("has an unknown field '" + key + "'");
  }

  const llvm::json::Value *dtype = object->get("dtype");
  if (!dtype)
    return fail("has no 'dtype'");
  std::optional<llvm::StringRef> dtypeName = dtype->getAsString();
  if (!dtypeName)
    return fail("has a 'dtype' that is not a string");
  if (*dtypeName != "F32")
    return fail("has dtype " + *dtypeName + "; only F32 is supported");

  Entry entry;
  entry.name = name.str();
  const llvm::json::Array *shape = object->getArray("shape");
  if (!object->get("shape"))
    return fail("has no 'shape'");
  if (!shape)
    return fail("has a 'shape' that is not an array");
  for (const llvm::json::Value &dim : *shape) {
    std::optional<uint64_t> d = asIndex(dim);
    if (!d)
      return fail("has a 'shape' that is not a list of non-negative integers");
    entry.shape.push_back(static_cast<int64_t>(*d));
  }

  const llvm::json::Array *offsets = object->getArray("data_offsets");
  if (!object->get("data_offsets"))
    return fail("has no 'data_offsets'");
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
                llvm::Twine(bufferSize) + "-byte data buffer");

  std::optional<int64_t> count = elementCount(entry.shape);
  int64_t bytes = 0;
  if (!count || llvm::MulOverflow(*count, int64_t(4), bytes))
    return fail("has a shape " + shapeString(entry.shape) +
                " that is too large");
  if (static_cast<uint64_t>(bytes) != entry.end - entry.begin)
    return fail("has shape " + shapeString(entry.shape) + ", which needs " +
                llvm::Twine(bytes) + " bytes, but data_offsets " + offsetsText +
                " span " + llvm::Twine(entry.end - entry.begin));
  return entry;
}

const SafeTensor *SafeTensorsFile::lookup(llvm::StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &tensors[it->second];
}

llvm::Expected<SafeTensorsFile> fmrt::readSafeTensors(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &what) {
    return makeError("checkpoint '" + path + "': " + what);
  };
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return fail("cannot open: " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();

  if (bytes.size() < 8)
    return fail("file of " + llvm::Twine(bytes.size()) +
                " bytes is too short for the 8-byte header length");
  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  if (headerSize > kMaxHeaderSize)
    return fail("header length " + llvm::Twine(headerSize) +
                " exceeds the format's limit of " +
                llvm::Twine(kMaxHeaderSize) + " bytes");
  if (headerSize > bytes.size() - 8)
    return fail("header length " + llvm::Twine(headerSize) + " exceeds the " +
                llvm::Twine(bytes.size() - 8) +
                " bytes after the length field");
  llvm::StringRef header = bytes.substr(8, headerSize);
  llvm::StringRef buffer = bytes.substr(8 + headerSize);

  if (llvm::Error err = checkNesting(header))
    return fail(llvm::toString(std::move(err)));
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(header);
  if (!json)
    return fail("malformed JSON header: " + llvm::toString(json.takeError()));
  if (std::optional<std::string> duplicate = DuplicateKeyScanner(header).scan())
    return fail(*duplicate);
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fail("header is not a JSON object");

  SafeTensorsFile result;
  result.path = path.str();
  // Visit the entries by name so that the first error reported does not
  // depend on the JSON object's hash order.
  std::vector<llvm::StringRef> names;
  for (const auto &kv : *root)
    names.push_back(kv.first);
  llvm::sort(names);

  std::vector<Entry> entries;
  for (llvm::StringRef name : names) {
    const llvm::json::Value &value = *root->get(name);
    if (name == kMetadataKey) {
      const llvm::json::Object *metadata = value.getAsObject();
      if (!metadata)
        return fail("'__metadata__' is not an object");
      for (const auto &kv : *metadata) {
        std::optional<llvm::StringRef> text = kv.second.getAsString();
        if (!text)
          return fail("'__metadata__' value of '" + llvm::StringRef(kv.first) +
                      "' is not a string");
        result.metadata[kv.first.str()] = text->str();
      }
      continue;
    }
    llvm::Expected<Entry> entry = parseEntry(name, value, buffer.size());
    if (!entry)
      return fail(llvm::toString(entry.takeError()));
    entries.push_back(std::move(*entry));
  }

  // The tensors must tile the byte buffer: sorted by offsets (empty tensors
  // first at a shared offset), each begins where the previous one ends.
  llvm::sort(entries, [](const Entry &a, const Entry &b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t expected = 0;
  const Entry *previous = nullptr;
  for (const Entry &entry : entries) {
    if (entry.begin < expected)
      return fail("tensors '" + previous->name + "' and '" + entry.name +
                  "' overlap in the data buffer");
    if (entry.begin > expected)
      return fail("hole of " + llvm::Twine(entry.begin - expected) +
                  " bytes in the data buffer before tensor '" + entry.name +
                  "'");
    expected = entry.end;
    previous = &entry;
  }
  if (expected != buffer.size())
    return fail(llvm::Twine(buffer.size() - expected) +
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
      tensor.data[i] =
          llvm::bit_cast<float>(llvm::support::endian::read32le(src + 4 * i));
    result.index[tensor.name] = result.tensors.size();
    result.tensors.push_back(std::move(tensor));
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

llvm::Error
fmrt::writeSafeTensors(llvm::StringRef path, llvm::ArrayRef<TensorView> tensors,
                       const std::map<std::string, std::string> &metadata) {
  auto fail = [&](const llvm::Twine &what) {
    return makeError("cannot write '" + path + "': " + what);
  };

  for (const auto &[key, value] : metadata)
    if (!llvm::json::isUTF8(key) || !llvm::json::isUTF8(value))
      return fail("metadata entry '" + key + "' is not valid UTF-8");

  llvm::StringSet<> seen;
  std::vector<int64_t> counts(tensors.size());
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView &t = tensors[i];
    if (t.name.empty())
      return fail("a tensor has an empty name");
    if (t.name == kMetadataKey)
      return fail("'__metadata__' is reserved and cannot name a tensor");
    if (!llvm::json::isUTF8(t.name))
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
    if (llvm::AddOverflow(total, *count * 4, total))
      return fail("the tensors are too large");
  }

  // The reference orders tensors by decreasing dtype alignment, then by
  // name; with F32 only, by name.
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](size_t a, size_t b) {
    return tensors[a].name < tensors[b].name;
  });

  std::string header;
  {
    llvm::raw_string_ostream os(header);
    llvm::json::OStream json(os);
    json.objectBegin();
    if (!metadata.empty()) {
      json.attributeBegin(kMetadataKey);
      json.objectBegin();
      for (const auto &[key, value] : metadata)
        json.attribute(key, value);
      json.objectEnd();
      json.attributeEnd();
    }
    int64_t offset = 0;
    for (size_t i : order) {
      int64_t end = offset + counts[i] * 4;
      json.attributeBegin(tensors[i].name);
      json.objectBegin();
      json.attribute("dtype", "F32");
      json.attributeArray("shape", [&] {
        for (int64_t dim : tensors[i].shape)
          json.value(dim);
      });
      json.attributeArray("data_offsets", [&] {
        json.value(offset);
        json.value(end);
      });
      json.objectEnd();
      json.attributeEnd();
      offset = end;
    }
    json.objectEnd();
  }
  // Pad with spaces to a multiple of 8 bytes, as the reference writer does,
  // so that the data buffer is 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxHeaderSize)
    return fail("header of " + llvm::Twine(header.size()) +
                " bytes exceeds the format's limit of " +
                llvm::Twine(kMaxHeaderSize) + " bytes");

  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    char length[8];
    llvm::support::endian::write64le(length, header.size());
    os.write(length, sizeof(length));
    os << header;
    for (size_t i : order)
      writeFloat32LE(os, tensors[i].data, counts[i]);
    return llvm::Error::success();
  });
}

llvm::Error fmrt::checkTensor(const SafeTensorsFile &file, llvm::StringRef name,
                              llvm::ArrayRef<int64_t> expectedShape) {
  const SafeTensor *tensor = file.lookup(name);
  if (!tensor)
    return makeError("checkpoint '" + file.getPath() + "': missing tensor '" +
                     name + "'");
  if (llvm::ArrayRef<int64_t>(tensor->shape) != expectedShape)
    return makeError("checkpoint '" + file.getPath() + "': tensor '" + name +
                     "' has shape " + shapeString(tensor->shape) +
                     ", expected " + shapeString(expectedShape));
  return llvm::Error::success();
}
