//===- Cache.cpp - The oneDNN layer's primitive cache ---------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
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
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

using namespace fmrt::dnnl;
using namespace fmrt::dnnl::detail;

namespace {

/// How many primitives this process has created and executed.
std::atomic<uint64_t> creations{0};
std::atomic<uint64_t> executions{0};

/// The calling thread's stream: one per thread, since a oneDNN stream is not
/// meant to be shared by threads executing at the same time.
onednn::stream &threadStream() {
  thread_local onednn::stream stream(cpuEngine());
  return stream;
}

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

/// Primitives by key, created once and never evicted: a program calls a
/// small, fixed set of shapes.
class Cache {
public:
  /// The entry for `key`, created by `create(context)` on first use.
  const Entry &lookup(const Key &key, Entry (*create)(const void *context),
                      const void *context) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = entries.find(key);
    if (it == entries.end()) {
      auto entry = std::make_unique<Entry>(create(context));
      creations.fetch_add(1, std::memory_order_relaxed);
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

} // namespace

/// Runs one tiny product on `engine`. oneDNN 2.6 sets up some of its state
/// on the first execution of a primitive, in call_once bodies that do not
/// check their allocations (its ITT task annotations, found where a first
/// product under a 140 MB address-space limit crashed on a CPU without
/// AVX-512; see fmrt::dnnl::prepare).
static void runFirstPrimitive(onednn::engine &engine) {
  using tag = onednn::memory::format_tag;
  onednn::memory::desc desc({2, 2}, onednn::memory::data_type::f32, tag::ab);
  onednn::matmul product(
      onednn::matmul::primitive_desc({desc, desc, desc}, engine));
  float a[4] = {1, 0, 0, 1}, b[4] = {1, 2, 3, 4}, c[4] = {};
  onednn::stream stream(engine);
  product.execute(stream, {{DNNL_ARG_SRC, onednn::memory(desc, engine, a)},
                           {DNNL_ARG_WEIGHTS, onednn::memory(desc, engine, b)},
                           {DNNL_ARG_DST, onednn::memory(desc, engine, c)}});
  stream.wait();
}

onednn::engine &fmrt::dnnl::detail::cpuEngine() {
  static onednn::engine *engine = [] {
    auto *created = new onednn::engine(onednn::engine::kind::cpu, 0);
    runFirstPrimitive(*created);
    return created;
  }();
  return *engine;
}

void fmrt::dnnl::prepare() { (void)detail::cpuEngine(); }

void Bound::execute(const std::array<void *, kNumArgs> &buffers) {
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
  executions.fetch_add(1, std::memory_order_relaxed);
}

Bound &fmrt::dnnl::detail::lookupBound(const Key &key,
                                       Entry (*create)(const void *context),
                                       const void *context) {
  thread_local std::unordered_map<Key, Bound, KeyHash> bound;
  auto it = bound.find(key);
  if (it != bound.end())
    return it->second;
  Bound b;
  b.entry = &cache().lookup(key, create, context);
  for (int i = 0; i < kNumArgs; ++i)
    if (b.entry->argIds[i])
      b.memories[i] =
          onednn::memory(b.entry->descs[i], cpuEngine(), DNNL_MEMORY_NONE);
  return bound.emplace(key, std::move(b)).first->second;
}

uint64_t fmrt::dnnl::primitiveCreations() {
  return creations.load(std::memory_order_relaxed);
}

uint64_t fmrt::dnnl::primitiveExecutions() {
  return executions.load(std::memory_order_relaxed);
}
