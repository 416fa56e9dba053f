//===- Dnnl.cpp - oneDNN kernels called by compiled code ------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Implements the C ABI of fm/Runtime/Dnnl.h on oneDNN 2.6's C++ API.
//
// Every call builds a cache key from everything a oneDNN primitive depends
// on (shapes, normalized strides, flags, activation, alpha, math mode, thread
// count) and looks it up first in a map of the calling thread (no lock), then
// in the process's map (under a mutex), which creates the primitive the first
// time any thread needs it. The thread's entry keeps oneDNN memory objects
// that are pointed at each call's buffers (memref data + offset) and the
// primitive runs on the thread's own stream. Offsets and data pointers are
// not part of the key, so a new buffer never creates a primitive.
//
// Threads. oneDNN's OpenMP runtime takes its thread count from libgomp's
// per-thread `nthreads-var`, which omp_set_num_threads sets for the calling
// thread only; so each thread applies the configured count on its first call
// (and again after configureThreads). With one thread oneDNN calls its
// kernels directly and never opens a parallel region, so no libgomp worker
// exists to spin. Setting OMP_WAIT_POLICY from here would be too late:
// libgomp is a load-time dependency of libdnnl and reads its environment in
// its constructor, before main and before this code first runs.
//
// oneDNN reports errors with C++ exceptions (dnnl::error), so this file is
// compiled with -fexceptions; every exception is caught here and turned into
// a message and abort(), since compiled code cannot receive errors.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Dnnl.h"

#include "Loops.h"

#include "oneapi/dnnl/dnnl.hpp"

#include <dlfcn.h>
#include <immintrin.h>

#include <array>
#include <atomic>
#include <cassert>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace onednn = ::dnnl;
using namespace fmrt::dnnl;

//===----------------------------------------------------------------------===//
// Errors and settings
//===----------------------------------------------------------------------===//

/// Prints "fmrt_dnnl: <message>" to stderr and aborts.
[[noreturn]] __attribute__((format(printf, 1, 2))) static void
fatal(const char *format, ...) {
  std::fputs("fmrt_dnnl: ", stderr);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

namespace {

/// Process-wide settings, read from the environment on first use.
struct Settings {
  std::once_flag fromEnvironment;
  /// The thread count every calling thread should apply.
  std::atomic<int> threads{1};
  /// Bumped by configureThreads; a thread whose applied generation differs
  /// applies `threads` again.
  std::atomic<int> generation{0};
  /// The requested MathMode, as an int.
  std::atomic<int> mathMode{static_cast<int>(MathMode::F32)};
  /// Whether the layer's own loops (Loops.h) run where they beat oneDNN.
  std::atomic<bool> ownLoops{true};
  std::atomic<uint64_t> creations{0};
  std::atomic<uint64_t> executions{0};
};

Settings &settings() {
  static Settings instance;
  return instance;
}

/// libgomp's omp_set_num_threads, looked up at run time so that this library
/// needs no OpenMP link of its own; null when oneDNN does not run on
/// libgomp (then the thread count cannot be set and is left alone).
using SetNumThreadsFn = void (*)(int);
SetNumThreadsFn ompSetNumThreads() {
  static SetNumThreadsFn fn = [] {
    void *handle = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
    void *sym = dlsym(handle ? handle : RTLD_DEFAULT, "omp_set_num_threads");
    return reinterpret_cast<SetNumThreadsFn>(sym);
  }();
  return fn;
}

/// Warns once when more than one thread runs under libgomp's default wait
/// policy: its workers then spin after every parallel region, and whenever
/// another process holds a core a call can stall for milliseconds
/// (measured on 2 cores, one busy, 256x64x64 with bias and ELU: 20-40 µs
/// with 1 thread, 24-29 µs with 2 and OMP_WAIT_POLICY=passive, 44-1256 µs
/// with 2 and the default policy). Only the process's initial environment
/// can change the policy.
void warnIfSpinning(int threads) {
  static std::atomic<bool> warned{false};
  if (threads > 1 && !std::getenv("OMP_WAIT_POLICY") &&
      !std::getenv("GOMP_SPINCOUNT") && !warned.exchange(true))
    std::fprintf(stderr,
                 "fmrt_dnnl: warning: %d threads under libgomp's default "
                 "(spinning) wait policy can stall calls for milliseconds "
                 "when cores are shared; start the process with "
                 "OMP_WAIT_POLICY=passive\n",
                 threads);
}

void readEnvironment() {
  Settings &s = settings();
  if (const char *env = std::getenv("FM_DNNL_THREADS")) {
    char *end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || n < 1 || n > 1024)
      fatal("FM_DNNL_THREADS must be a thread count from 1 to 1024, not "
            "'%s'",
            env);
    s.threads.store(static_cast<int>(n));
    warnIfSpinning(static_cast<int>(n));
  }
  if (const char *env = std::getenv("FM_DNNL_MATH")) {
    if (std::strcmp(env, "bf16") == 0)
      s.mathMode.store(static_cast<int>(MathMode::BF16));
    else if (std::strcmp(env, "f32") == 0)
      s.mathMode.store(static_cast<int>(MathMode::F32));
    else
      fatal("FM_DNNL_MATH must be 'f32' or 'bf16', not '%s'", env);
  }
  if (const char *env = std::getenv("FM_DNNL_LOOPS")) {
    if (std::strcmp(env, "1") == 0)
      s.ownLoops.store(true);
    else if (std::strcmp(env, "0") == 0)
      s.ownLoops.store(false);
    else
      fatal("FM_DNNL_LOOPS must be '1' or '0', not '%s'", env);
  }
}

/// Applies the environment once per process (before any explicit setting,
/// which therefore wins) and the configured thread count once per thread.
/// Returns the thread count in effect.
int prepareThread() {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  thread_local int appliedGeneration = -1;
  int generation = s.generation.load(std::memory_order_acquire);
  int threads = s.threads.load(std::memory_order_acquire);
  if (appliedGeneration != generation) {
    if (SetNumThreadsFn fn = ompSetNumThreads())
      fn(threads);
    appliedGeneration = generation;
  }
  return threads;
}

/// The process's CPU engine. Deliberately never destroyed (nor is the
/// cache): compiled code may still run on other threads while the process
/// exits, and primitives must not outlive their engine.
onednn::engine &cpuEngine() {
  static onednn::engine *engine =
      new onednn::engine(onednn::engine::kind::cpu, 0);
  return *engine;
}

/// The calling thread's stream: one per thread, since a oneDNN stream is not
/// meant to be shared by threads executing at the same time.
onednn::stream &threadStream() {
  thread_local onednn::stream stream(cpuEngine());
  return stream;
}

//===----------------------------------------------------------------------===//
// The primitive cache
//===----------------------------------------------------------------------===//

/// What a primitive depends on, as integers; unused words stay 0.
struct Key {
  std::array<int64_t, 16> words{};
  bool operator==(const Key &other) const { return words == other.words; }
};

struct KeyHash {
  size_t operator()(const Key &key) const {
    // FNV-1a over the words: cheap, and keys differ in few words.
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t w : key.words) {
      h ^= static_cast<uint64_t>(w);
      h *= 0x100000001b3ull;
    }
    return static_cast<size_t>(h);
  }
};

/// The most arguments a primitive here takes.
constexpr int kNumArgs = 4;

/// A cached primitive, the oneDNN argument ids (DNNL_ARG_*) it takes and
/// their memory descriptors; callers pass buffers in the same order. Ids of
/// 0 mark unused slots.
struct Entry {
  onednn::primitive primitive;
  std::array<int, kNumArgs> argIds{};
  std::array<onednn::memory::desc, kNumArgs> descs;
};

/// Primitives by key, created once and never evicted: a program calls a
/// small, fixed set of shapes.
class Cache {
public:
  /// The entry for `key`, created by `create()` on first use.
  template <typename CreateFn>
  const Entry &lookup(const Key &key, CreateFn &&create) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = entries.find(key);
    if (it == entries.end()) {
      auto entry = std::make_unique<Entry>(create());
      settings().creations.fetch_add(1, std::memory_order_relaxed);
      it = entries.emplace(key, std::move(entry)).first;
    }
    return *it->second;
  }

private:
  std::mutex mutex;
  std::unordered_map<Key, std::unique_ptr<Entry>, KeyHash> entries;
};

Cache &cache() {
  static Cache *instance = new Cache;
  return *instance;
}

/// A cached primitive as one thread uses it: memory objects over its
/// arguments, created once and pointed at each call's buffers (creating
/// them per call costs about 0.4 µs each, more than the cache lookup).
struct Bound {
  const Entry *entry;
  std::array<onednn::memory, kNumArgs> memories;

  /// Executes the primitive on the calling thread's stream over `buffers`
  /// (in the order of Entry::argIds; unused slots are ignored).
  void execute(const std::array<void *, kNumArgs> &buffers) {
    std::array<dnnl_exec_arg_t, kNumArgs> args;
    int n = 0;
    for (int i = 0; i < kNumArgs; ++i) {
      if (!entry->argIds[i])
        continue;
      memories[i].set_data_handle(buffers[i]);
      args[n++] = {entry->argIds[i], memories[i].get()};
    }
    dnnl_status_t status = dnnl_primitive_execute(
        entry->primitive.get(), threadStream().get(), n, args.data());
    if (status != dnnl_success)
      fatal("oneDNN could not execute a primitive (status %d)",
            static_cast<int>(status));
    settings().executions.fetch_add(1, std::memory_order_relaxed);
  }
};

/// The calling thread's binding of the primitive for `key`: looked up
/// without a lock in a per-thread map, then in the shared cache, which
/// creates the primitive (`create()`) the first time any thread needs it.
template <typename CreateFn> Bound &lookup(const Key &key, CreateFn &&create) {
  thread_local std::unordered_map<Key, Bound, KeyHash> bound;
  auto it = bound.find(key);
  if (it != bound.end())
    return it->second;
  Bound b;
  b.entry = &cache().lookup(key, std::forward<CreateFn>(create));
  for (int i = 0; i < kNumArgs; ++i)
    if (b.entry->argIds[i])
      b.memories[i] =
          onednn::memory(b.entry->descs[i], cpuEngine(), DNNL_MEMORY_NONE);
  return bound.emplace(key, std::move(b)).first->second;
}

//===----------------------------------------------------------------------===//
// Memref views
//===----------------------------------------------------------------------===//

/// A 2-D view: sizes, strides (normalized) and the first element.
struct View {
  int64_t rows, cols;
  int64_t rowStride, colStride;
  float *data;

  /// The view of the transpose.
  View transposed() const { return {cols, rows, colStride, rowStride, data}; }

  /// The same view for the layer's own loops (Loops.h).
  detail::Operand operand() const {
    return {data, rows, cols, rowStride, colStride};
  }

  /// Whether the columns are contiguous and the rows are not: the layout
  /// of a transposed row-major buffer.
  bool columnMajor() const { return rowStride == 1 && colStride != 1; }

  onednn::memory::desc desc() const {
    return onednn::memory::desc({rows, cols}, onednn::memory::data_type::f32,
                                {rowStride, colStride});
  }

  bool sameLayout(const View &other) const {
    return rows == other.rows && cols == other.cols &&
           rowStride == other.rowStride && colStride == other.colStride;
  }

  /// One past the largest offset the view touches (0 when empty).
  int64_t span() const {
    if (rows == 0 || cols == 0)
      return 0;
    return (rows - 1) * rowStride + (cols - 1) * colStride + 1;
  }
};

/// The view of a 2-D memref. Strides of unit dimensions, and all strides of
/// an empty memref, mean nothing, and oneDNN rejects some values (0), so
/// they are replaced by dense row-major strides; then equal layouts get
/// equal keys. Negative strides and broadcasts (stride 0 along a dimension
/// of size > 1) are not supported: the compiler never passes them.
View makeView(const StridedMemRefType<float, 2> *m, const char *fn,
              const char *name) {
  if (!m)
    fatal("%s: memref '%s' is null", fn, name);
  int64_t rows = m->sizes[0], cols = m->sizes[1];
  int64_t rowStride = m->strides[0], colStride = m->strides[1];
  if (rows < 0 || cols < 0)
    fatal("%s: memref '%s' has negative sizes [%lld, %lld]", fn, name,
          static_cast<long long>(rows), static_cast<long long>(cols));
  if (rows == 0 || cols == 0)
    return {rows, cols, cols, 1, m->data};
  if (cols == 1)
    colStride = 1;
  if (rows == 1)
    rowStride = cols * colStride;
  if (rowStride <= 0 || colStride <= 0)
    fatal("%s: memref '%s' [%lld, %lld] has strides [%lld, %lld]; only "
          "positive strides are supported",
          fn, name, static_cast<long long>(rows), static_cast<long long>(cols),
          static_cast<long long>(m->strides[0]),
          static_cast<long long>(m->strides[1]));
  if (!m->data)
    fatal("%s: memref '%s' [%lld, %lld] has no data", fn, name,
          static_cast<long long>(rows), static_cast<long long>(cols));
  return {rows, cols, rowStride, colStride, m->data + m->offset};
}

//===----------------------------------------------------------------------===//
// bf16 conversion
//===----------------------------------------------------------------------===//
//
// oneDNN 2.6.3 accepts fpmath_mode::bf16 on an f32 matmul but still runs its
// f32 kernel (measured: "brg:avx512_core", the f32 speed, the f32 result). So
// BF16 math converts op(A) and op(B) to bf16 here, rounding to nearest even,
// and runs a bf16 x bf16 -> f32 matmul (AMX or avx512_bf16 kernels, f32
// accumulation, f32 bias and output). Only used where hasBf16().
//
//===----------------------------------------------------------------------===//

/// f32 -> bf16, rounding to nearest even; NaNs stay (quiet) NaNs.
uint16_t toBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

/// Converts n contiguous floats with vcvtneps2bf16 (the same rounding).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void
toBf16Avx512(const float *from, uint16_t *to, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(from + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(to + i),
                        reinterpret_cast<__m256i &>(h));
  }
  if (i < n) {
    __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, from + i));
    _mm256_mask_storeu_epi16(to + i, mask, reinterpret_cast<__m256i &>(h));
  }
}

/// The bf16 copy's layout for an f32 view: dense, column-major where the
/// view is (so that the copy reads and writes contiguously), else
/// row-major.
View bf16Layout(const View &v) {
  if (v.columnMajor())
    return {v.rows, v.cols, 1, v.rows, nullptr};
  return {v.rows, v.cols, v.cols, 1, nullptr};
}

/// Writes `v` into `to` in the layout bf16Layout(v).
void convertToBf16(const View &v, uint16_t *to) {
  // Walk the dense copy's outer dimension; the inner one is contiguous in
  // the copy and, unless the view has no unit stride, in the view.
  bool colMajor = v.columnMajor();
  int64_t outer = colMajor ? v.cols : v.rows;
  int64_t inner = colMajor ? v.rows : v.cols;
  int64_t outerStride = colMajor ? v.colStride : v.rowStride;
  int64_t innerStride = colMajor ? v.rowStride : v.colStride;
  for (int64_t o = 0; o < outer; ++o) {
    const float *from = v.data + o * outerStride;
    uint16_t *dst = to + o * inner;
    if (innerStride == 1) {
      toBf16Avx512(from, dst, inner);
      continue;
    }
    for (int64_t i = 0; i < inner; ++i)
      dst[i] = toBf16(from[i * innerStride]);
  }
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// oneDNN's algorithm and (alpha, beta) for an activation's forward
/// computation or, with `useDst`, for its backward pass from the output.
struct Algorithm {
  onednn::algorithm kind;
  float alpha, beta;
};

Algorithm algorithmFor(int64_t activation, float alpha, bool useDst,
                       const char *fn) {
  using A = onednn::algorithm;
  switch (static_cast<Activation>(activation)) {
  case Activation::None:
    return {A::eltwise_linear, 1.0f, 0.0f};
  case Activation::Relu:
    return {useDst ? A::eltwise_relu_use_dst_for_bwd : A::eltwise_relu, 0.0f,
            0.0f};
  case Activation::Elu:
    if (useDst && !(alpha >= 0))
      fatal("%s: ELU's backward pass from its output needs alpha >= 0, not "
            "%g",
            fn, static_cast<double>(alpha));
    return {useDst ? A::eltwise_elu_use_dst_for_bwd : A::eltwise_elu, alpha,
            0.0f};
  case Activation::GeluTanh:
  case Activation::GeluErf:
  case Activation::Silu:
    if (useDst)
      fatal("%s: activation %lld has no backward pass from its output (only "
            "relu, elu, tanh and sigmoid do); pass its input",
            fn, static_cast<long long>(activation));
    if (activation == static_cast<int64_t>(Activation::GeluTanh))
      return {A::eltwise_gelu_tanh, 0.0f, 0.0f};
    if (activation == static_cast<int64_t>(Activation::GeluErf))
      return {A::eltwise_gelu_erf, 0.0f, 0.0f};
    return {A::eltwise_swish, 1.0f, 0.0f};
  case Activation::Tanh:
    return {useDst ? A::eltwise_tanh_use_dst_for_bwd : A::eltwise_tanh, 0.0f,
            0.0f};
  case Activation::Sigmoid:
    return {useDst ? A::eltwise_logistic_use_dst_for_bwd : A::eltwise_logistic,
            0.0f, 0.0f};
  }
  fatal("%s: unsupported activation %lld (0 none, 1 relu, 2 elu, "
        "3 gelu_tanh, 4 gelu_erf, 5 silu, 6 tanh, 7 sigmoid)",
        fn, static_cast<long long>(activation));
}

/// The bits of a float, for keys.
int64_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

/// A matmul over op(A) = `a`, op(B) = `b` (f32 views, or their bf16 copies'
/// layouts with `bf16`) and a dense bias, arguments in the order src,
/// weights, bias, dst.
Entry createMatmul(const View &a, const View &b, const View &c, int64_t flags,
                   const Algorithm &act, bool hasActivation, bool bf16) {
  using dt = onednn::memory::data_type;
  Entry entry;
  if (bf16) {
    View a16 = bf16Layout(a), b16 = bf16Layout(b);
    entry.descs[0] = onednn::memory::desc({a.rows, a.cols}, dt::bf16,
                                          {a16.rowStride, a16.colStride});
    entry.descs[1] = onednn::memory::desc({b.rows, b.cols}, dt::bf16,
                                          {b16.rowStride, b16.colStride});
  } else {
    entry.descs[0] = a.desc();
    entry.descs[1] = b.desc();
  }
  entry.descs[3] = c.desc();
  entry.argIds = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, 0, DNNL_ARG_DST};

  onednn::primitive_attr attr;
  onednn::post_ops postOps;
  if (flags & kMatmulAccumulate)
    postOps.append_sum(1.0f);
  if (hasActivation)
    postOps.append_eltwise(1.0f, act.kind, act.alpha, act.beta);
  attr.set_post_ops(postOps);

  std::unique_ptr<onednn::matmul::desc> desc;
  if (flags & kMatmulBias) {
    entry.argIds[2] = DNNL_ARG_BIAS;
    entry.descs[2] = onednn::memory::desc({1, c.cols}, dt::f32, {c.cols, 1});
    desc = std::make_unique<onednn::matmul::desc>(
        entry.descs[0], entry.descs[1], entry.descs[2], entry.descs[3]);
  } else {
    desc = std::make_unique<onednn::matmul::desc>(
        entry.descs[0], entry.descs[1], entry.descs[3]);
  }
  entry.primitive =
      onednn::matmul(onednn::matmul::primitive_desc(*desc, attr, cpuEngine()));
  return entry;
}

void matmul(StridedMemRefType<float, 2> *aRef,
            StridedMemRefType<float, 2> *bRef,
            StridedMemRefType<float, 1> *biasRef,
            StridedMemRefType<float, 2> *cRef, int64_t flags,
            int64_t activation, float alpha) {
  static constexpr const char *fn = "fmrt_dnnl_matmul";
  int threads = prepareThread();
  if (flags & ~(kMatmulTransposeA | kMatmulTransposeB | kMatmulBias |
                kMatmulAccumulate))
    fatal("%s: unknown flags 0x%llx (1 transpose A, 2 transpose B, 4 bias, "
          "8 accumulate)",
          fn, static_cast<unsigned long long>(flags));
  Algorithm act = algorithmFor(activation, alpha, /*useDst=*/false, fn);
  if ((flags & kMatmulAccumulate) && activation != 0)
    fatal("%s: accumulation (flags & 8) needs activation 0, not %lld", fn,
          static_cast<long long>(activation));

  View a = makeView(aRef, fn, "a"), b = makeView(bRef, fn, "b");
  View c = makeView(cRef, fn, "c");
  if (flags & kMatmulTransposeA)
    a = a.transposed();
  if (flags & kMatmulTransposeB)
    b = b.transposed();
  if (a.cols != b.rows || a.rows != c.rows || b.cols != c.cols)
    fatal("%s: op(A) is %lldx%lld and op(B) is %lldx%lld but C is %lldx%lld "
          "(flags %lld)",
          fn, static_cast<long long>(a.rows), static_cast<long long>(a.cols),
          static_cast<long long>(b.rows), static_cast<long long>(b.cols),
          static_cast<long long>(c.rows), static_cast<long long>(c.cols),
          static_cast<long long>(flags));
  float *biasData = nullptr;
  int64_t biasStride = 0;
  if (flags & kMatmulBias) {
    if (!biasRef)
      fatal("%s: flags ask for a bias but the bias memref is null", fn);
    if (biasRef->sizes[0] != c.cols)
      fatal("%s: bias has %lld elements but C has %lld columns", fn,
            static_cast<long long>(biasRef->sizes[0]),
            static_cast<long long>(c.cols));
    biasStride = c.cols <= 1 ? 1 : biasRef->strides[0];
    if (biasStride <= 0)
      fatal("%s: bias stride %lld is not supported", fn,
            static_cast<long long>(biasStride));
    biasData = biasRef->data + biasRef->offset;
  }
  if (c.rows == 0 || c.cols == 0)
    return;
  // oneDNN 2.6.3's matmul reads the bias as dense whatever its descriptor
  // says (measured: a stride-3 bias gave wrong sums), so a strided bias is
  // copied first.
  if (biasStride > 1) {
    thread_local std::vector<float> denseBias;
    denseBias.resize(static_cast<size_t>(c.cols));
    for (int64_t j = 0; j < c.cols; ++j)
      denseBias[j] = biasData[j * biasStride];
    biasData = denseBias.data();
  }

  // bf16 pays only with products to compute: K = 0 stays in f32. Narrow
  // products without an activation, in f32 math: the layer's own loops.
  bool bf16 = getMathMode() == MathMode::BF16 && a.cols > 0;
  bool own = ownLoops();
  if (!bf16 && activation == 0 && own &&
      detail::narrowMatmul(a.operand(), b.operand(), c.operand(), biasData,
                           (flags & kMatmulAccumulate) != 0))
    return;
  // ELU over C's rows: the layer's loop after the plain product, as fast as
  // oneDNN's post-op on one thread (the loop has only one) and exact near 0,
  // where the post-op's exp(x) - 1 is not.
  bool ownElu = activation == static_cast<int64_t>(Activation::Elu) && own &&
                threads == 1 && c.colStride == 1;
  int64_t fused = ownElu ? 0 : activation;

  bool hasActivation = fused != 0;
  Key key;
  key.words = {1,
               a.rows,
               a.cols,
               b.cols,
               a.rowStride,
               a.colStride,
               b.rowStride,
               b.colStride,
               c.rowStride,
               c.colStride,
               flags,
               fused,
               fused == static_cast<int64_t>(Activation::Elu) ? floatBits(alpha)
                                                              : 0,
               bf16,
               threads};
  Bound *bound;
  try {
    bound = &lookup(key, [&] {
      return createMatmul(a, b, c, flags, act, hasActivation, bf16);
    });
  } catch (const onednn::error &e) {
    fatal("%s: oneDNN could not create an M=%lld N=%lld K=%lld matmul "
          "(flags %lld, activation %lld): %s",
          fn, static_cast<long long>(a.rows), static_cast<long long>(b.cols),
          static_cast<long long>(a.cols), static_cast<long long>(flags),
          static_cast<long long>(activation), e.what());
  }

  void *aData = a.data, *bData = b.data;
  if (bf16) {
    thread_local std::vector<uint16_t> aBuffer, bBuffer;
    aBuffer.resize(static_cast<size_t>(a.rows * a.cols));
    bBuffer.resize(static_cast<size_t>(b.rows * b.cols));
    convertToBf16(a, aBuffer.data());
    convertToBf16(b, bBuffer.data());
    aData = aBuffer.data();
    bData = bBuffer.data();
  }
  bound->execute({aData, bData, biasData, c.data});
  if (ownElu) {
    [[maybe_unused]] bool done = detail::eluInPlace(c.operand(), alpha);
    assert(done && "ownElu checked the loop's conditions");
  }
}

//===----------------------------------------------------------------------===//
// Eltwise backward
//===----------------------------------------------------------------------===//

/// The backward pass of `act` over [M, N], arguments in the order data
/// (forward input or output), diff_dst, unused, diff_src. oneDNN 2.6 takes
/// one descriptor for diff_dst and diff_src: diff_src has diff_dst's layout.
Entry createEltwiseBackward(const View &diffDst, const View &data,
                            const Algorithm &act) {
  Entry entry;
  entry.descs[0] = data.desc();
  entry.descs[1] = diffDst.desc();
  entry.descs[3] = diffDst.desc();
  // The *_use_dst_for_bwd algorithms read the forward output, the others
  // the input (the identity, eltwise_linear, reads either: its derivative is
  // constant).
  bool useDst = act.kind == onednn::algorithm::eltwise_relu_use_dst_for_bwd ||
                act.kind == onednn::algorithm::eltwise_elu_use_dst_for_bwd ||
                act.kind == onednn::algorithm::eltwise_tanh_use_dst_for_bwd ||
                act.kind == onednn::algorithm::eltwise_logistic_use_dst_for_bwd;
  entry.argIds = {useDst ? DNNL_ARG_DST : DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, 0,
                  DNNL_ARG_DIFF_SRC};
  onednn::eltwise_forward::desc forwardDesc(onednn::prop_kind::forward_training,
                                            act.kind, entry.descs[0], act.alpha,
                                            act.beta);
  onednn::eltwise_forward::primitive_desc hint(forwardDesc, cpuEngine());
  onednn::eltwise_backward::desc desc(act.kind, entry.descs[1], entry.descs[0],
                                      act.alpha, act.beta);
  entry.primitive = onednn::eltwise_backward(
      onednn::eltwise_backward::primitive_desc(desc, cpuEngine(), hint));
  return entry;
}

void eltwiseBackward(StridedMemRefType<float, 2> *diffDstRef,
                     StridedMemRefType<float, 2> *dataRef,
                     StridedMemRefType<float, 2> *diffSrcRef,
                     int64_t activation, float alpha, int64_t flags) {
  static constexpr const char *fn = "fmrt_dnnl_eltwise_backward";
  int threads = prepareThread();
  if (flags & ~(kEltwiseUseDst | kEltwiseAccumulate))
    fatal("%s: unknown flags 0x%llx (1 use_dst, 8 accumulate)", fn,
          static_cast<unsigned long long>(flags));
  bool useDst = flags & kEltwiseUseDst;
  bool accumulate = flags & kEltwiseAccumulate;
  Algorithm act = algorithmFor(activation, alpha, useDst, fn);
  View diffDst = makeView(diffDstRef, fn, "diffDst");
  View data = makeView(dataRef, fn, "data");
  View diffSrc = makeView(diffSrcRef, fn, "diffSrc");
  if (diffDst.rows != data.rows || diffDst.cols != data.cols ||
      diffDst.rows != diffSrc.rows || diffDst.cols != diffSrc.cols)
    fatal("%s: diffDst is %lldx%lld, data %lldx%lld and diffSrc %lldx%lld; "
          "they must agree",
          fn, static_cast<long long>(diffDst.rows),
          static_cast<long long>(diffDst.cols),
          static_cast<long long>(data.rows), static_cast<long long>(data.cols),
          static_cast<long long>(diffSrc.rows),
          static_cast<long long>(diffSrc.cols));
  if (diffDst.rows == 0 || diffDst.cols == 0)
    return;

  Key key;
  key.words = {2,
               diffDst.rows,
               diffDst.cols,
               diffDst.rowStride,
               diffDst.colStride,
               data.rowStride,
               data.colStride,
               static_cast<int64_t>(act.kind),
               floatBits(act.alpha),
               threads};
  Bound *bound;
  try {
    bound =
        &lookup(key, [&] { return createEltwiseBackward(diffDst, data, act); });
  } catch (const onednn::error &e) {
    fatal("%s: oneDNN could not create a %lldx%lld backward pass for "
          "activation %lld (flags %lld): %s",
          fn, static_cast<long long>(diffDst.rows),
          static_cast<long long>(diffDst.cols),
          static_cast<long long>(activation), static_cast<long long>(flags),
          e.what());
  }

  // Write into diffSrc directly when it has diffDst's layout and is not
  // accumulated into; otherwise into a buffer of diffDst's layout, then
  // copy or add element by element.
  bool direct = !accumulate && diffSrc.sameLayout(diffDst);
  thread_local std::vector<float> scratch;
  float *out = diffSrc.data;
  if (!direct) {
    scratch.resize(static_cast<size_t>(diffDst.span()));
    out = scratch.data();
  }
  bound->execute({data.data, diffDst.data, nullptr, out});
  if (direct)
    return;
  for (int64_t i = 0; i < diffSrc.rows; ++i) {
    const float *from = out + i * diffDst.rowStride;
    float *to = diffSrc.data + i * diffSrc.rowStride;
    for (int64_t j = 0; j < diffSrc.cols; ++j) {
      float v = from[j * diffDst.colStride];
      float &dst = to[j * diffSrc.colStride];
      dst = accumulate ? dst + v : v;
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

void fmrt::dnnl::configureThreads(int numThreads) {
  if (numThreads < 1)
    fatal("configureThreads: the thread count must be at least 1, not %d",
          numThreads);
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  warnIfSpinning(numThreads);
  s.threads.store(numThreads, std::memory_order_release);
  s.generation.fetch_add(1, std::memory_order_acq_rel);
  prepareThread();
}

int fmrt::dnnl::configuredThreads() {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  return s.threads.load();
}

void fmrt::dnnl::setMathMode(MathMode mode) {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  s.mathMode.store(static_cast<int>(mode));
}

MathMode fmrt::dnnl::getMathMode() {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  auto mode = static_cast<MathMode>(s.mathMode.load());
  return mode == MathMode::BF16 && !hasBf16() ? MathMode::F32 : mode;
}

void fmrt::dnnl::setOwnLoops(bool enabled) {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  s.ownLoops.store(enabled);
}

bool fmrt::dnnl::ownLoops() {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  return s.ownLoops.load(std::memory_order_relaxed) && detail::hasOwnLoops();
}

bool fmrt::dnnl::hasBf16() {
  static const bool has = [] {
    unsigned isa = static_cast<unsigned>(onednn::get_effective_cpu_isa());
    unsigned bf16 = static_cast<unsigned>(dnnl_cpu_isa_avx512_core_bf16);
    return (isa & bf16) == bf16;
  }();
  return has;
}

uint64_t fmrt::dnnl::primitiveCreations() {
  return settings().creations.load(std::memory_order_relaxed);
}

uint64_t fmrt::dnnl::primitiveExecutions() {
  return settings().executions.load(std::memory_order_relaxed);
}

extern "C" void _mlir_ciface_fmrt_dnnl_matmul(StridedMemRefType<float, 2> *a,
                                              StridedMemRefType<float, 2> *b,
                                              StridedMemRefType<float, 1> *bias,
                                              StridedMemRefType<float, 2> *c,
                                              int64_t flags, int64_t activation,
                                              float alpha) {
  matmul(a, b, bias, c, flags, activation, alpha);
}

extern "C" void _mlir_ciface_fmrt_dnnl_eltwise_backward(
    StridedMemRefType<float, 2> *diffDst, StridedMemRefType<float, 2> *data,
    StridedMemRefType<float, 2> *diffSrc, int64_t activation, float alpha,
    int64_t flags) {
  eltwiseBackward(diffDst, data, diffSrc, activation, alpha, flags);
}
