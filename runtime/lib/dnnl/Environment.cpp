//===- Environment.cpp - The oneDNN layer's settings and threads ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The layer's errors (fatal) and settings: FM_DNNL_THREADS, FM_DNNL_MATH and
// FM_DNNL_LOOPS, read from the environment on first use, and the setters of
// fm/Runtime/Dnnl.h that override them.
//
// Threads. oneDNN's OpenMP runtime takes its thread count from libgomp's
// per-thread `nthreads-var`, which omp_set_num_threads sets for the calling
// thread only; so each call applies the count it wants when it differs from
// the one its thread last applied. A product runs on one thread unless it
// is large enough for a parallel region to pay (threadsFor); with one
// thread oneDNN calls its kernels directly and never opens a parallel
// region, so no libgomp worker exists to spin. The configured count is the
// cores this process may run on (its affinity mask), unless FM_DNNL_THREADS
// or configureThreads say otherwise. runConcurrently runs independent tasks
// on those threads instead, each task's products on its own thread.
// Setting OMP_WAIT_POLICY from here would be too late: libgomp is a
// load-time dependency of libdnnl and reads its environment in its
// constructor, before main and before this code first runs.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Loops.h"

#include <dlfcn.h>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace fmrt::dnnl;
using namespace fmrt::dnnl::detail;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

void fmrt::dnnl::detail::fatal(const char *format, ...) {
  std::fputs("fmrt_dnnl: ", stderr);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

//===----------------------------------------------------------------------===//
// Settings
//===----------------------------------------------------------------------===//

namespace {

/// Process-wide settings, read from the environment on first use.
struct Settings {
  std::once_flag fromEnvironment;
  /// The most threads a product may use: the process's cores unless
  /// configured.
  std::atomic<int> threads{1};
  /// The requested MathMode, as an int.
  std::atomic<int> mathMode{static_cast<int>(MathMode::F32)};
  /// Whether the layer's own loops (Loops.h) run where they beat oneDNN.
  std::atomic<bool> ownLoops{true};
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

/// libgomp's GOMP_parallel and the two queries its bodies use, or nulls.
struct Gomp {
  void (*parallel)(void (*)(void *), void *, unsigned, unsigned) = nullptr;
  int (*threadNum)() = nullptr;
  int (*numThreads)() = nullptr;
};

const Gomp &gomp() {
  static const Gomp fns = [] {
    Gomp g;
    void *handle = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
    void *scope = handle ? handle : RTLD_DEFAULT;
    g.parallel =
        reinterpret_cast<decltype(g.parallel)>(dlsym(scope, "GOMP_parallel"));
    g.threadNum = reinterpret_cast<decltype(g.threadNum)>(
        dlsym(scope, "omp_get_thread_num"));
    g.numThreads = reinterpret_cast<decltype(g.numThreads)>(
        dlsym(scope, "omp_get_num_threads"));
    if (!g.parallel || !g.threadNum || !g.numThreads)
      g = Gomp();
    return g;
  }();
  return fns;
}

/// Warns once when more than one thread runs under libgomp's default wait
/// policy: its workers then spin after every parallel region, and whenever
/// another process holds a core a call can stall for milliseconds
/// (bench/RESULTS.md has the measurements). Only the process's initial
/// environment can change the policy.
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

/// The cores this process may run on (1 if the mask cannot be read).
int availableCores() {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof mask, &mask) != 0)
    return 1;
  return std::max(1, CPU_COUNT(&mask));
}

void readEnvironment() {
  Settings &s = settings();
  s.threads.store(availableCores());
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

} // namespace

/// Runs fn(i, n) on each thread i of a parallel region of `threads` (n is
/// the count libgomp started, which may be fewer).
template <typename Fn>
static void onEachThread(const Gomp &g, int threads, Fn &fn) {
  struct Region {
    Fn *fn;
    const Gomp *g;
  } region{&fn, &g};
  g.parallel(
      [](void *data) {
        auto *r = static_cast<Region *>(data);
        (*r->fn)(r->g->threadNum(), r->g->numThreads());
      },
      &region, static_cast<unsigned>(threads), 0);
}

void fmrt::dnnl::detail::parallelRows(int threads, int64_t rows,
                                      void (*body)(void *, int64_t, int64_t),
                                      void *context) {
  const Gomp &g = gomp();
  if (threads <= 1 || rows <= 1 || !g.parallel) {
    body(context, 0, rows);
    return;
  }
  auto share = [&](int64_t i, int64_t n) {
    int64_t begin = rows * i / n, end = rows * (i + 1) / n;
    if (begin < end)
      body(context, begin, end);
  };
  onEachThread(g, threads, share);
}

namespace {
/// libgomp's count for this thread, as this layer last set it (libgomp
/// starts each thread at the process's default, which may differ); 0 when
/// unknown.
thread_local int appliedThreads = 0;
/// Whether this thread runs a task of runConcurrently: its products and
/// loops then stay on it.
thread_local bool insideTask = false;
} // namespace

int fmrt::dnnl::detail::threadsFor(int64_t flop) {
  Settings &s = settings();
  std::call_once(s.fromEnvironment, readEnvironment);
  int threads = flop < kParallelFlop || insideTask
                    ? 1
                    : s.threads.load(std::memory_order_acquire);
  if (appliedThreads != threads) {
    if (SetNumThreadsFn fn = ompSetNumThreads())
      fn(threads);
    appliedThreads = threads;
  }
  return threads;
}

/// Runs task `task` of runConcurrently on the calling thread.
static void runTask(void (*body)(void *, int), void *context, int task) {
  bool outer = insideTask;
  insideTask = true;
  body(context, task);
  insideTask = outer;
  // A count set inside a parallel region belongs to that region's
  // implicit task: the thread's count after it is libgomp's again.
  appliedThreads = 0;
}

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

void fmrt::dnnl::runConcurrently(int tasks, void (*body)(void *, int),
                                 void *context) {
  if (tasks <= 0)
    return;
  const Gomp &g = gomp();
  if (tasks == 1 || !g.parallel) {
    for (int task = 0; task < tasks; ++task)
      runTask(body, context, task);
    return;
  }
  // Where libgomp starts fewer threads than asked (inside another parallel
  // region, say), each runs every n-th task.
  auto some = [&](int i, int n) {
    for (int task = i; task < tasks; task += n)
      runTask(body, context, task);
  };
  onEachThread(g, tasks, some);
}

bool fmrt::dnnl::hasBf16() {
  static const bool has = [] {
    unsigned isa = static_cast<unsigned>(onednn::get_effective_cpu_isa());
    unsigned bf16 = static_cast<unsigned>(dnnl_cpu_isa_avx512_core_bf16);
    return (isa & bf16) == bf16;
  }();
  return has;
}

//===----------------------------------------------------------------------===//
// fmrt_dnnl_parallel_for
//===----------------------------------------------------------------------===//

extern "C" void _mlir_ciface_fmrt_dnnl_parallel_for(void *body, void *context,
                                                    int64_t rows,
                                                    int64_t work) {
  if (rows <= 0)
    return;
  auto *run = reinterpret_cast<void (*)(void *, int64_t, int64_t)>(body);
  int threads = detail::threadsFor(work);
  detail::parallelRows(static_cast<int>(std::min<int64_t>(threads, rows)), rows,
                       run, context);
}
