//===- Program.cpp - Calling compiled fm programs -------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::Program: loading a library compiled ahead of time (its manifest is
// Manifest.cpp's), and the calling convention. Needs no compiler; the JIT and
// the ahead-of-time compiler are the compiler's (lib/Driver).
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Program.h"

#include "fm/Runtime/Allocation.h"
#include "fm/Runtime/Cuda.h"
#include "fm/Runtime/LibrarySeal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

int64_t fmrt::numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t TensorRef::numElements() const { return fmrt::numElements(shape); }

bool fmrt::hasDnnlBackend() {
#if FM_HAVE_DNNL
  return true;
#else
  return false;
#endif
}

bool fmrt::isBackendAvailable(Backend backend) {
  switch (backend) {
  case Backend::Linalg:
    return true;
  case Backend::Dnnl:
    return hasDnnlBackend();
  case Backend::Cuda:
    // The CUDA layer is built everywhere; whether a GPU is there is
    // Program::load's question.
    return true;
  }
  return false;
}

fmrt::Backend fmrt::defaultBackend() {
  return hasDnnlBackend() ? Backend::Dnnl : Backend::Linalg;
}

//===----------------------------------------------------------------------===//
// Result layout
//===----------------------------------------------------------------------===//

namespace {
/// Where one result lives in the struct the compiled function returns.
struct ResultSlot {
  /// Which of the entry point's results it is.
  size_t index;
  size_t offset;
  /// The type compiled code returns: the entry point's, except that on the
  /// cuda backend a scalar result comes back as a 0-d tensor in device
  /// memory (`inDevice0d`; fm-gpu-device-tensors).
  ValueType type;
  bool inDevice0d = false;
};

/// Size and alignment of a result in LLVM's data layout on x86-64: scalars
/// are naturally aligned; a memref descriptor is {ptr, ptr, i64,
/// [r x i64], [r x i64]}.
std::pair<size_t, size_t> sizeAndAlign(const ValueType &type) {
  switch (type.kind) {
  case ValueType::Kind::F32:
    return {4, 4};
  case ValueType::Kind::F64:
  case ValueType::Kind::I64:
  case ValueType::Kind::Index:
    return {8, 8};
  case ValueType::Kind::Tensor:
    return {24 + 16 * type.shape.size(), 8};
  }
  return {8, 8};
}
} // namespace

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

struct Program::Impl {
  std::shared_ptr<void> owner;
  llvm::StringMap<PackedFunction> functions;
  /// Per entry point: the result slots and the total result size.
  llvm::StringMap<std::pair<std::vector<ResultSlot>, size_t>> layouts;
  /// Whether tensor results are written into the caller's destinations
  /// (the CPU backends: fm-cpu-result-destinations) rather than returned.
  bool destinations = false;
};

Program::Program(std::vector<EntryPoint> entryPoints,
                 llvm::StringMap<PackedFunction> functions,
                 std::shared_ptr<void> owner, Backend backend)
    : impl(std::make_unique<Impl>()), entries(std::move(entryPoints)),
      compiledFor(backend) {
  impl->owner = std::move(owner);
  impl->functions = std::move(functions);
  impl->destinations = backend != Backend::Cuda;
  for (const EntryPoint &entry : entries) {
    std::vector<ResultSlot> slots;
    size_t offset = 0, maxAlign = 1;
    for (auto [index, v] : llvm::enumerate(entry.results)) {
      ValueType type = v.type;
      if (impl->destinations && type.isTensor())
        continue;
      bool inDevice0d = backend == Backend::Cuda && !type.isTensor();
      if (inDevice0d) {
        type.element = type.kind == ValueType::Kind::F32   ? ElementType::F32
                       : type.kind == ValueType::Kind::F64 ? ElementType::F64
                                                           : ElementType::I64;
        type.kind = ValueType::Kind::Tensor;
        type.shape.clear();
      }
      auto [size, align] = sizeAndAlign(type);
      offset = llvm::alignTo(offset, align);
      slots.push_back({index, offset, type, inDevice0d});
      offset += size;
      maxAlign = std::max(maxAlign, align);
    }
    impl->layouts[entry.name] = {std::move(slots),
                                 llvm::alignTo(offset, maxAlign)};
  }
}

Program::~Program() = default;

llvm::Expected<std::unique_ptr<Program>> Program::load(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &why) {
    return makeError("cannot load '" + path + "': " + why);
  };
  // dlopen searches the library path for a bare name: always pass a path.
  llvm::SmallString<256> absolute(path);
  if (std::error_code ec = llvm::sys::fs::make_absolute(absolute))
    return fail(ec.message());
  if (!llvm::sys::fs::exists(absolute))
    return fail("no such file");
  if (llvm::sys::fs::is_directory(absolute))
    return fail("it is a directory");
  // Before the loader maps it: a damaged library could crash it.
  if (llvm::Error err = checkLibrarySeal(absolute))
    return fail(llvm::toString(std::move(err)) + "; compile it again");

  dlerror();
  void *handle = dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return fail(why ? why : "dlopen failed");
  }
  std::shared_ptr<void> owner(handle, [](void *h) { dlclose(h); });
  installOutOfMemoryHook(dlsym(handle, kOutOfMemoryHook));
  installCheckFailedHook(dlsym(handle, kCheckFailedHook));

  const auto *text =
      static_cast<const char *>(dlsym(handle, "fm_program_manifest"));
  if (!text)
    return fail("not a compiled fm program (no fm_program_manifest; compile "
                "one with `fm-run compile`)");
  llvm::Expected<Manifest> manifest = parseManifest(text);
  if (!manifest)
    return fail(llvm::toString(manifest.takeError()));
  if (!isBackendAvailable(manifest->backend))
    return fail("it was compiled for the " +
                llvm::StringRef(backendName(manifest->backend)) +
                " backend, which this build lacks");
  // Loading the library loaded its GPU kernels (or failed to).
  if (manifest->backend == Backend::Cuda) {
    if (Status status = cuda::load(); !status.ok())
      return fail("it was compiled for the cuda backend: " + status.message());
    if (Status status = cuda::takeError(); !status.ok())
      return fail(status.message());
  }
  if (llvm::Error err = checkRunsOnHost(*manifest))
    return fail(llvm::toString(std::move(err)));

  llvm::StringMap<PackedFunction> functions;
  for (const EntryPoint &entry : manifest->entries) {
    void *symbol = dlsym(handle, ("_mlir_" + entry.name).c_str());
    if (!symbol)
      return fail("entry point '" + entry.name + "' has no code (_mlir_" +
                  entry.name + ")");
    functions[entry.name] = reinterpret_cast<PackedFunction>(symbol);
  }
  return std::unique_ptr<Program>(
      new Program(std::move(manifest->entries), std::move(functions),
                  std::move(owner), manifest->backend));
}

std::unique_ptr<Program>
Program::fromFunctions(std::vector<EntryPoint> entries,
                       llvm::StringMap<PackedFunction> functions,
                       std::shared_ptr<void> owner, Backend backend) {
  return std::unique_ptr<Program>(new Program(
      std::move(entries), std::move(functions), std::move(owner), backend));
}

std::vector<const EntryPoint *> Program::entriesWithRole(EntryRole role) const {
  std::vector<const EntryPoint *> found;
  for (const EntryPoint &entry : entries)
    if (entry.role == role)
      found.push_back(&entry);
  return found;
}

const EntryPoint *Program::lookup(llvm::StringRef name) const {
  for (const EntryPoint &entry : entries)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

namespace {
/// The unpacked arguments of one call: every scalar of every memref
/// descriptor and every scalar argument, in order, plus pointers to them.
class PackedCall {
public:
  void addTensor(const TensorRef &view) {
    // allocated and aligned pointers, offset, sizes, strides.
    words.push_back(reinterpret_cast<int64_t>(view.data));
    words.push_back(reinterpret_cast<int64_t>(view.data));
    words.push_back(0);
    for (int64_t d : view.shape)
      words.push_back(d);
    int64_t stride = 1;
    llvm::SmallVector<int64_t, 4> strides(view.shape.size());
    for (size_t i = view.shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= view.shape[i];
    }
    for (int64_t s : strides)
      words.push_back(s);
  }
  template <typename T> void addScalar(T value) {
    int64_t word = 0;
    std::memcpy(&word, &value, sizeof(T));
    words.push_back(word);
  }
  /// Pointers to each word, then `result`.
  llvm::SmallVector<void *> pointers(void *result) {
    llvm::SmallVector<void *> ptrs;
    for (int64_t &w : words)
      ptrs.push_back(&w);
    if (result)
      ptrs.push_back(result);
    return ptrs;
  }

private:
  // Stable storage: reserved once, pointers taken after all pushes.
  llvm::SmallVector<int64_t, 128> words;
};

/// A returned memref descriptor, read from the result struct.
struct ReturnedTensor {
  char *allocated;
  char *aligned;
  int64_t offset;
  llvm::SmallVector<int64_t, 4> sizes;
  llvm::SmallVector<int64_t, 4> strides;
};

ReturnedTensor readDescriptor(const char *p, size_t rank) {
  ReturnedTensor t;
  std::memcpy(&t.allocated, p, 8);
  std::memcpy(&t.aligned, p + 8, 8);
  std::memcpy(&t.offset, p + 16, 8);
  t.sizes.resize(rank);
  t.strides.resize(rank);
  std::memcpy(t.sizes.data(), p + 24, 8 * rank);
  std::memcpy(t.strides.data(), p + 24 + 8 * rank, 8 * rank);
  return t;
}

/// Copies a strided tensor of `size`-byte elements into a contiguous
/// row-major destination. An empty tensor copies nothing (its destination
/// may be null).
void copyStrided(const char *src, llvm::ArrayRef<int64_t> sizes,
                 llvm::ArrayRef<int64_t> strides, size_t size, char *&dst) {
  if (llvm::is_contained(sizes, 0))
    return;
  if (sizes.empty()) {
    std::memcpy(dst, src, size);
    dst += size;
    return;
  }
  if (sizes.size() == 1 && strides[0] == 1) {
    std::memcpy(dst, src, sizes[0] * size);
    dst += sizes[0] * size;
    return;
  }
  for (int64_t i = 0; i < sizes[0]; ++i)
    copyStrided(src + i * strides[0] * size, sizes.drop_front(),
                strides.drop_front(), size, dst);
}
} // namespace

static bool matchesShape(const ValueType &type, llvm::ArrayRef<int64_t> shape) {
  if (type.shape.size() != shape.size())
    return false;
  for (auto [want, got] : llvm::zip(type.shape, shape))
    if (want >= 0 && want != got)
      return false;
  return true;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(d);
  return text + "]";
}

/// Whether a tensor of `sizes` with `strides` is row-major and contiguous
/// (a dimension of size 1 may have any stride).
static bool isContiguous(llvm::ArrayRef<int64_t> sizes,
                         llvm::ArrayRef<int64_t> strides) {
  int64_t expected = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] != 1 && strides[d] != expected)
      return false;
    expected *= sizes[d];
  }
  return true;
}

/// Copies result #`index` of `name`, a tensor in device memory whose first
/// element is at `data`, into its host destination (a scalar's, for a
/// scalar returned as a 0-d tensor).
static llvm::Error copyFromDevice(llvm::StringRef name, size_t index,
                                  const ResultSlot &slot,
                                  const ReturnedTensor &t, const char *data,
                                  const Destination &dest) {
  size_t bytes = elementSize(slot.type.element);
  void *out = nullptr;
  if (slot.inDevice0d) {
    if (auto *f = std::get_if<float *>(&dest))
      out = *f;
    else if (auto *d = std::get_if<double *>(&dest))
      out = *d;
    else
      out = std::get<int64_t *>(dest);
  } else {
    const TensorRef &view = std::get<TensorRef>(dest);
    if (view.shape != llvm::ArrayRef<int64_t>(t.sizes))
      return makeError(llvm::formatv(
          "'{0}' result #{1} has shape {2}, but its destination has {3}", name,
          index, shapeString(t.sizes), shapeString(view.shape)));
    if (!isContiguous(t.sizes, t.strides))
      return makeError(llvm::formatv(
          "'{0}' result #{1} is not contiguous in GPU memory", name, index));
    out = view.data;
    bytes *= view.numElements();
  }
  if (Status status = cuda::copy(out, data, bytes); !status.ok())
    return makeError("'" + name + "': " + status.message());
  return llvm::Error::success();
}

/// The bytes `view` covers.
static std::pair<const char *, const char *> bytesOf(const TensorRef &view) {
  const char *begin = static_cast<const char *>(view.data);
  return {begin, begin + view.numElements() * elementSize(view.element)};
}

namespace {
/// A destination that overlaps an argument or another destination: the
/// code writes into `scratch`, copied to `view` after the call.
struct StagedResult {
  TensorRef view;
  std::vector<char> scratch;
};
} // namespace

/// For each tensor destination of `results`, whether its bytes overlap
/// those of any other tensor of `args` or `results`, found in O(n log n):
/// with the non-empty ranges sorted by their first byte, a range overlaps
/// another exactly where it starts before the furthest end of the ranges
/// sorted before it, or ends after the start of the next one. (A training
/// step passes each parameter and moment both as an argument and as a
/// destination: comparing every pair took about 2% of a moons step, and
/// grows with the square of a network's tensors.)
static llvm::SmallVector<bool>
destinationsThatOverlap(llvm::ArrayRef<Argument> args,
                        llvm::ArrayRef<Destination> results) {
  struct Range {
    const char *begin, *end;
    size_t destination; // results.size() for an argument
  };
  llvm::SmallVector<Range, 64> ranges;
  auto add = [&](const TensorRef &view, size_t destination) {
    auto [begin, end] = bytesOf(view);
    if (begin < end)
      ranges.push_back({begin, end, destination});
  };
  for (const Argument &arg : args)
    if (const auto *input = std::get_if<TensorRef>(&arg))
      add(*input, results.size());
  for (auto [i, dest] : llvm::enumerate(results))
    if (const auto *view = std::get_if<TensorRef>(&dest))
      add(*view, i);
  llvm::sort(ranges, [](const Range &a, const Range &b) {
    return std::less<const char *>()(a.begin, b.begin);
  });
  llvm::SmallVector<bool> overlaps(results.size(), false);
  const char *furthest = nullptr;
  for (auto [k, range] : llvm::enumerate(ranges)) {
    bool before = k > 0 && std::less<const char *>()(range.begin, furthest);
    bool after = k + 1 < ranges.size() &&
                 std::less<const char *>()(ranges[k + 1].begin, range.end);
    if (range.destination < results.size() && (before || after))
      overlaps[range.destination] = true;
    if (k == 0 || std::less<const char *>()(furthest, range.end))
      furthest = range.end;
  }
  return overlaps;
}

/// Checks each tensor result's destination (its shape, where the type fixes
/// it) and appends it to `packed`. Compiled code writes destinations while
/// it reads its arguments, so one that overlaps an argument or an earlier
/// destination is staged in a buffer of its own.
static llvm::Error addDestinations(llvm::StringRef name,
                                   const EntryPoint &entry,
                                   llvm::ArrayRef<Argument> args,
                                   llvm::ArrayRef<Destination> results,
                                   PackedCall &packed,
                                   std::vector<StagedResult> &staged) {
  llvm::SmallVector<bool> mayOverlap = destinationsThatOverlap(args, results);
  auto overlap = [](const TensorRef &a, const TensorRef &b) {
    auto [a0, a1] = bytesOf(a);
    auto [b0, b1] = bytesOf(b);
    return a0 < a1 && b0 < b1 && a0 < b1 && b0 < a1;
  };
  auto overlapsAny = [&](const TensorRef &view, size_t result) {
    for (const Argument &arg : args)
      if (const auto *input = std::get_if<TensorRef>(&arg);
          input && overlap(view, *input))
        return true;
    for (const Destination &other : results.take_front(result))
      if (const auto *earlier = std::get_if<TensorRef>(&other);
          earlier && overlap(view, *earlier))
        return true;
    return false;
  };
  staged.reserve(results.size());
  for (auto [i, dest, result] : llvm::enumerate(results, entry.results)) {
    if (!result.type.isTensor())
      continue;
    const TensorRef &view = std::get<TensorRef>(dest);
    if (!matchesShape(result.type, view.shape))
      return makeError(llvm::formatv(
          "'{0}' result #{1} is {2}, but its destination has shape {3}", name,
          i, result.type.str(), shapeString(view.shape)));
    // Only a destination that overlaps some tensor can overlap an argument
    // or an earlier destination.
    if (!mayOverlap[i] || !overlapsAny(view, i)) {
      packed.addTensor(view);
      continue;
    }
    auto [begin, end] = bytesOf(view);
    StagedResult &stage =
        staged.emplace_back(StagedResult{view, std::vector<char>(end - begin)});
    packed.addTensor(TensorRef(stage.scratch.data(), view.element, view.shape));
  }
  return llvm::Error::success();
}

llvm::Error Program::call(llvm::StringRef name, llvm::ArrayRef<Argument> args,
                          llvm::ArrayRef<Destination> results) {
  const EntryPoint *entry = lookup(name);
  if (!entry)
    return makeError("no entry point '" + name + "'");
  if (args.size() != entry->inputs.size())
    return makeError(llvm::formatv("'{0}' takes {1} arguments, {2} given", name,
                                   entry->inputs.size(), args.size()));
  if (results.size() != entry->results.size())
    return makeError(llvm::formatv("'{0}' returns {1} results, {2} expected",
                                   name, entry->results.size(),
                                   results.size()));

  // On the cuda backend tensors cross in device memory: each argument is
  // uploaded into a buffer of its own for the call, and results come back
  // through the runtime's stream (fm/Runtime/Cuda.h).
  bool onDevice = compiledFor == Backend::Cuda;
  llvm::SmallVector<void *, 32> deviceArgs;
  llvm::scope_exit freeDeviceArgs([&] {
    for (void *p : deviceArgs)
      cuda::deallocate(p);
  });

  PackedCall packed;
  for (auto [i, arg, input] : llvm::enumerate(args, entry->inputs)) {
    const ValueType &type = input.type;
    auto mismatch = [&, i = i](const llvm::Twine &given) {
      return makeError(llvm::formatv("'{0}' argument #{1} must be {2}, got ",
                                     name, i, type.str()) +
                       given);
    };
    switch (type.kind) {
    case ValueType::Kind::Tensor: {
      const auto *view = std::get_if<TensorRef>(&arg);
      if (!view)
        return mismatch("a scalar");
      if (view->element != type.element || !matchesShape(type, view->shape))
        return mismatch("a tensor of " +
                        llvm::StringRef(elementTypeName(view->element)) +
                        " of shape " + shapeString(view->shape));
      if (!onDevice) {
        packed.addTensor(*view);
        break;
      }
      size_t bytes = view->numElements() * elementSize(view->element);
      void *device = nullptr;
      if (Status status = cuda::allocate(bytes, &device); !status.ok())
        return makeError("'" + name + "': " + status.message());
      deviceArgs.push_back(device);
      if (Status status = cuda::copy(device, view->data, bytes); !status.ok())
        return makeError("'" + name + "': " + status.message());
      packed.addTensor(TensorRef(device, view->element, view->shape));
      break;
    }
    case ValueType::Kind::F32:
      if (!std::holds_alternative<float>(arg))
        return mismatch("another type");
      packed.addScalar(std::get<float>(arg));
      break;
    case ValueType::Kind::F64:
      if (!std::holds_alternative<double>(arg))
        return mismatch("another type");
      packed.addScalar(std::get<double>(arg));
      break;
    case ValueType::Kind::I64:
    case ValueType::Kind::Index:
      if (!std::holds_alternative<int64_t>(arg))
        return mismatch("another type");
      packed.addScalar(std::get<int64_t>(arg));
      break;
    }
  }
  for (auto [i, dest, result] : llvm::enumerate(results, entry->results)) {
    const ValueType &type = result.type;
    bool isTensor = std::holds_alternative<TensorRef>(dest);
    if (isTensor != (type.kind == ValueType::Kind::Tensor) ||
        (type.kind == ValueType::Kind::F32 &&
         !std::holds_alternative<float *>(dest)) ||
        (type.kind == ValueType::Kind::F64 &&
         !std::holds_alternative<double *>(dest)) ||
        ((type.kind == ValueType::Kind::I64 ||
          type.kind == ValueType::Kind::Index) &&
         !std::holds_alternative<int64_t *>(dest)) ||
        (isTensor && std::get<TensorRef>(dest).element != type.element))
      return makeError(llvm::formatv(
          "'{0}' result #{1} is {2}: its destination has another type", name, i,
          type.str()));
  }
  std::vector<StagedResult> staged;
  if (impl->destinations)
    if (llvm::Error err =
            addDestinations(name, *entry, args, results, packed, staged))
      return err;

  // (A lookup, not operator[]: calls may run on several threads at once.)
  const auto &[slots, size] = impl->layouts.find(name)->second;
  // Results land in one aligned buffer laid out like the returned struct.
  llvm::SmallVector<int64_t, 64> resultStorage((size + 7) / 8 + 1);
  void *resultPtr = slots.empty() ? nullptr : resultStorage.data();
  llvm::SmallVector<void *> pointers = packed.pointers(resultPtr);
  // An allocation that fails in compiled code comes back here
  // (fm/Runtime/Allocation.h): no frame between has anything to destroy.
  std::jmp_buf failure;
  std::jmp_buf *outer = detail::setAllocationFailureTarget(&failure);
  if (int failed = setjmp(failure)) {
    detail::setAllocationFailureTarget(outer);
    if (failed == 2)
      return makeError("'" + name + "' stopped at a failed run-time check: " +
                       detail::lastFailedCheck());
    return makeError(
        llvm::formatv("'{0}' could not allocate {1} bytes: out of memory", name,
                      detail::lastFailedAllocation()));
  }
  impl->functions.lookup(name)(pointers.data());
  detail::setAllocationFailureTarget(outer);

  llvm::Error status = llvm::Error::success();
  if (onDevice)
    if (Status synced = cuda::synchronize(); !synced.ok())
      status =
          makeError("'" + name + "' failed on the GPU: " + synced.message());

  // Copy every result out, then free what the compiled code allocated (once
  // per buffer, and never an argument's buffer).
  const char *base = reinterpret_cast<const char *>(resultStorage.data());
  llvm::SmallVector<char *, 32> toFree;
  for (const ResultSlot &slot : slots) {
    size_t i = slot.index;
    const Destination &dest = results[i];
    const char *p = base + slot.offset;
    switch (slot.type.kind) {
    case ValueType::Kind::F32:
      std::memcpy(std::get<float *>(dest), p, 4);
      break;
    case ValueType::Kind::F64:
      std::memcpy(std::get<double *>(dest), p, 8);
      break;
    case ValueType::Kind::I64:
    case ValueType::Kind::Index:
      std::memcpy(std::get<int64_t *>(dest), p, 8);
      break;
    case ValueType::Kind::Tensor: {
      ReturnedTensor t = readDescriptor(p, slot.type.shape.size());
      size_t size = elementSize(slot.type.element);
      const char *data = t.aligned + t.offset * size;
      if (onDevice) {
        if (!status)
          status = copyFromDevice(name, i, slot, t, data, dest);
      } else {
        const TensorRef &view = std::get<TensorRef>(dest);
        if (!status && view.shape == llvm::ArrayRef<int64_t>(t.sizes)) {
          char *out = static_cast<char *>(view.data);
          copyStrided(data, t.sizes, t.strides, size, out);
        } else if (!status) {
          status = makeError(llvm::formatv(
              "'{0}' result #{1} has shape {2}, but its destination has {3}",
              name, i, shapeString(t.sizes), shapeString(view.shape)));
        }
      }
      bool isArgument =
          llvm::is_contained(deviceArgs, static_cast<void *>(t.allocated)) ||
          llvm::any_of(args, [&](const Argument &a) {
            const auto *v = std::get_if<TensorRef>(&a);
            return v && v->data == static_cast<void *>(t.allocated);
          });
      if (!isArgument && !llvm::is_contained(toFree, t.allocated))
        toFree.push_back(t.allocated);
      break;
    }
    }
  }
  for (char *p : toFree) {
    if (onDevice)
      cuda::deallocate(p);
    else
      std::free(p);
  }
  if (onDevice && !status)
    if (Status synced = cuda::synchronize(); !synced.ok())
      status = makeError("'" + name + "': " + synced.message());
  if (!status)
    for (const StagedResult &stage : staged)
      std::memcpy(stage.view.data, stage.scratch.data(), stage.scratch.size());
  return status;
}
