//===- Driver.cpp - The CUDA driver, loaded with dlopen -------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::cuda (fm/Runtime/Cuda.h) and the `mgpu*` functions compiled GPU
// code calls (fm/Runtime/CudaAbi.h), on the driver API. The driver's types
// and constants are spelled here rather than taken from cuda.h, which is
// not a Debian package: opaque handles are pointers, device pointers 64-bit
// integers, and the few enumerators used carry their cuda.h values. Where
// cuda.h maps a name to a versioned symbol (cuMemAlloc → cuMemAlloc_v2),
// the versioned symbol is looked up: the plain one is the legacy ABI.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "fm/Runtime/Cuda.h"
#include "fm/Runtime/CudaAbi.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

using namespace fmrt;
using fmrt::cuda::detail::recordError;
using fmrt::cuda::detail::resolve;

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0;
/// CUstream_flags: CU_STREAM_NON_BLOCKING.
constexpr unsigned kStreamNonBlocking = 0x1;
/// CUevent_flags: CU_EVENT_DISABLE_TIMING.
constexpr unsigned kEventDisableTiming = 0x2;
/// CUjit_option: CU_JIT_ERROR_LOG_BUFFER, _SIZE_BYTES,
/// CU_JIT_OPTIMIZATION_LEVEL.
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6,
              kJitOptimizationLevel = 7;
/// CUdevice_attribute: compute capability, major and minor.
constexpr int kComputeCapabilityMajor = 75, kComputeCapabilityMinor = 76;

/// The driver entry points used, by the symbol each is loaded from.
struct DriverApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGet)(int *, int);
  CUresult (*cuDeviceGetName)(char *, int, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, int);
  CUresult (*cuDevicePrimaryCtxRetain)(void **, int);
  CUresult (*cuCtxSetCurrent)(void *);
  CUresult (*cuModuleLoadData)(void **, const void *);
  CUresult (*cuModuleLoadDataEx)(void **, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(void *);
  CUresult (*cuModuleGetFunction)(void **, void *, const char *);
  CUresult (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, void *, void **,
                             void **);
  CUresult (*cuStreamCreate)(void **, unsigned);
  CUresult (*cuStreamSynchronize)(void *);
  CUresult (*cuStreamWaitEvent)(void *, void *, unsigned);
  CUresult (*cuEventCreate)(void **, unsigned);
  CUresult (*cuEventDestroy)(void *);
  CUresult (*cuEventRecord)(void *, void *);
  CUresult (*cuEventSynchronize)(void *);
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, void *);
  CUresult (*cuMemFreeAsync)(CUdeviceptr, void *);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, void *);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, void *);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, void *);
};

/// The loaded driver, or why there is none.
struct Driver {
  DriverApi api = {};
  Status status;
  std::string device;
  /// The process's one stream (fmrt::cuda::stream()).
  void *stream = nullptr;
};

/// The first error an mgpu* function recorded since takeError().
std::mutex errorMutex;
std::string firstError;

Driver loadDriver() {
  Driver driver;
  const char *override = std::getenv("FM_CUDA_DRIVER");
  std::string path = override && *override ? override : "libcuda.so.1";
  void *library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = ::dlerror();
    driver.status =
        Status::error("no CUDA driver: cannot load '" + path + "'" +
                      (why ? std::string(" (") + why + ")" : std::string()) +
                      "; the GPU backend needs an NVIDIA GPU and its driver");
    return driver;
  }
  DriverApi &api = driver.api;
  const char *missing = nullptr;
  auto need = [&](const char *symbol, auto &fn) {
    if (!missing && !resolve(library, symbol, fn))
      missing = symbol;
  };
  need("cuInit", api.cuInit);
  need("cuGetErrorString", api.cuGetErrorString);
  need("cuDeviceGet", api.cuDeviceGet);
  need("cuDeviceGetName", api.cuDeviceGetName);
  need("cuDeviceGetAttribute", api.cuDeviceGetAttribute);
  need("cuDevicePrimaryCtxRetain", api.cuDevicePrimaryCtxRetain);
  need("cuCtxSetCurrent", api.cuCtxSetCurrent);
  need("cuModuleLoadData", api.cuModuleLoadData);
  need("cuModuleLoadDataEx", api.cuModuleLoadDataEx);
  need("cuModuleUnload", api.cuModuleUnload);
  need("cuModuleGetFunction", api.cuModuleGetFunction);
  need("cuLaunchKernel", api.cuLaunchKernel);
  need("cuStreamCreate", api.cuStreamCreate);
  need("cuStreamSynchronize", api.cuStreamSynchronize);
  need("cuStreamWaitEvent", api.cuStreamWaitEvent);
  need("cuEventCreate", api.cuEventCreate);
  need("cuEventDestroy_v2", api.cuEventDestroy);
  need("cuEventRecord", api.cuEventRecord);
  need("cuEventSynchronize", api.cuEventSynchronize);
  need("cuMemAllocAsync", api.cuMemAllocAsync);
  need("cuMemFreeAsync", api.cuMemFreeAsync);
  need("cuMemcpyAsync", api.cuMemcpyAsync);
  need("cuMemsetD32Async", api.cuMemsetD32Async);
  need("cuMemsetD16Async", api.cuMemsetD16Async);
  if (missing) {
    driver.status =
        Status::error("the CUDA driver '" + path + "' lacks " + missing +
                      " (a driver for CUDA 11.2 or "
                      "newer is needed)");
    return driver;
  }
  auto failed = [&](CUresult result, const char *what) {
    const char *text = nullptr;
    api.cuGetErrorString(result, &text);
    driver.status =
        Status::error(std::string(what) + ": " + (text ? text : "CUDA error") +
                      " (" + std::to_string(result) + ")");
  };
  int device = 0;
  void *context = nullptr;
  if (CUresult r = api.cuInit(0); r != kSuccess) {
    failed(r, "cannot initialize the CUDA driver");
    return driver;
  }
  if (CUresult r = api.cuDeviceGet(&device, 0); r != kSuccess) {
    failed(r, "no CUDA device");
    return driver;
  }
  if (CUresult r = api.cuDevicePrimaryCtxRetain(&context, device);
      r != kSuccess) {
    failed(r, "cannot create a context on the CUDA device");
    return driver;
  }
  if (CUresult r = api.cuCtxSetCurrent(context); r != kSuccess) {
    failed(r, "cannot use the CUDA device's context");
    return driver;
  }
  char name[256] = {};
  int major = 0, minor = 0;
  api.cuDeviceGetName(name, sizeof name - 1, device);
  api.cuDeviceGetAttribute(&major, kComputeCapabilityMajor, device);
  api.cuDeviceGetAttribute(&minor, kComputeCapabilityMinor, device);
  driver.device = std::string(name) + " (sm_" + std::to_string(major) +
                  std::to_string(minor) + ")";
  if (CUresult r = api.cuStreamCreate(&driver.stream, kStreamNonBlocking);
      r != kSuccess) {
    failed(r, "cannot create a stream on the CUDA device");
    return driver;
  }
  return driver;
}

/// The process's driver, loaded on first use.
const Driver &driver() {
  static const Driver loaded = loadDriver();
  return loaded;
}

/// The driver's API where it loaded; records why not otherwise.
const DriverApi *api(const char *caller) {
  const Driver &d = driver();
  if (!d.status.ok()) {
    recordError(std::string(caller) + ": " + d.status.message());
    return nullptr;
  }
  return &d.api;
}

/// Whether `result` is success; records the failure of `what` otherwise.
bool check(const DriverApi &api, CUresult result, const std::string &what) {
  if (result == kSuccess)
    return true;
  const char *text = nullptr;
  api.cuGetErrorString(result, &text);
  recordError(what + " failed: " + (text ? text : "CUDA error") + " (" +
              std::to_string(result) + ")");
  return false;
}

CUdeviceptr address(const void *pointer) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer));
}

} // namespace

void cuda::detail::recordError(const std::string &message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = message;
}

Status cuda::load() { return driver().status; }

Status cuda::takeError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    return Status::success();
  Status status = Status::error(firstError);
  firstError.clear();
  return status;
}

std::string cuda::deviceName() { return driver().device; }

void *cuda::stream() { return driver().stream; }

Status cuda::allocate(size_t bytes, void **pointer) {
  *pointer = nullptr;
  if (Status status = load(); !status.ok())
    return status;
  if (bytes == 0)
    return Status::success();
  const DriverApi &a = driver().api;
  CUdeviceptr p = 0;
  if (CUresult r = a.cuMemAllocAsync(&p, bytes, stream()); r != kSuccess) {
    const char *text = nullptr;
    a.cuGetErrorString(r, &text);
    return Status::error(
        "cannot allocate " + std::to_string(bytes) +
        " bytes of GPU memory: " + (text ? text : "CUDA error"));
  }
  *pointer = reinterpret_cast<void *>(static_cast<uintptr_t>(p));
  return Status::success();
}

void cuda::deallocate(void *pointer) { mgpuMemFree(pointer, stream()); }

Status cuda::copy(void *destination, const void *source, size_t bytes) {
  if (Status status = load(); !status.ok())
    return status;
  mgpuMemcpy(destination, const_cast<void *>(source), bytes, stream());
  return takeError();
}

Status cuda::synchronize() {
  if (Status status = load(); !status.ok())
    return status;
  const DriverApi &a = driver().api;
  check(a, a.cuStreamSynchronize(stream()), "waiting for the GPU");
  return takeError();
}

//===----------------------------------------------------------------------===//
// The mgpu* functions
//===----------------------------------------------------------------------===//

extern "C" void *mgpuModuleLoad(void *data, size_t /*size*/) {
  const DriverApi *a = api("loading GPU kernels");
  void *module = nullptr;
  if (a && !check(*a, a->cuModuleLoadData(&module, data), "cuModuleLoadData"))
    module = nullptr;
  return module;
}

extern "C" void *mgpuModuleLoadJIT(void *ptx, int optLevel) {
  const DriverApi *a = api("compiling GPU kernels");
  if (!a)
    return nullptr;
  char log[4096] = {};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize,
                   kJitOptimizationLevel};
  void *values[] = {log, reinterpret_cast<void *>(sizeof log - 1),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  void *module = nullptr;
  CUresult r = a->cuModuleLoadDataEx(&module, ptx, 3, options, values);
  if (r != kSuccess) {
    check(*a, r, "cuModuleLoadDataEx");
    if (log[0])
      recordError(std::string("the driver's PTX compiler says: ") + log);
    return nullptr;
  }
  return module;
}

extern "C" void mgpuModuleUnload(void *module) {
  if (const DriverApi *a = module ? api("unloading GPU kernels") : nullptr)
    check(*a, a->cuModuleUnload(module), "cuModuleUnload");
}

extern "C" void *mgpuModuleGetFunction(void *module, const char *name) {
  const DriverApi *a = api("finding a GPU kernel");
  if (!a)
    return nullptr;
  if (!module) {
    recordError(std::string("GPU kernel '") + name +
                "' is in a module that did not load");
    return nullptr;
  }
  void *function = nullptr;
  if (!check(*a, a->cuModuleGetFunction(&function, module, name),
             "cuModuleGetFunction"))
    return nullptr;
  return function;
}

extern "C" void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                                 intptr_t gridZ, intptr_t blockX,
                                 intptr_t blockY, intptr_t blockZ,
                                 int32_t sharedMemoryBytes, void *stream,
                                 void **params, void **extra,
                                 size_t /*paramsCount*/) {
  const DriverApi *a = api("launching a GPU kernel");
  if (!a || !function)
    return;
  check(*a,
        a->cuLaunchKernel(
            function, static_cast<unsigned>(gridX),
            static_cast<unsigned>(gridY), static_cast<unsigned>(gridZ),
            static_cast<unsigned>(blockX), static_cast<unsigned>(blockY),
            static_cast<unsigned>(blockZ),
            static_cast<unsigned>(sharedMemoryBytes), stream, params, extra),
        "cuLaunchKernel");
}

// Compiled code asks for a stream around every stretch of GPU work between
// host operations, and waits for it before each host operation. All of it
// goes to the process's one stream, in order, and the waits are left to the
// runtime (fmrt::cuda::stream()): host code never reads device memory.

extern "C" void *mgpuStreamCreate() {
  return api("using the GPU stream") ? cuda::stream() : nullptr;
}

extern "C" void mgpuStreamDestroy(void *) {}

extern "C" void mgpuStreamSynchronize(void *) {}

extern "C" void mgpuStreamWaitEvent(void *stream, void *event) {
  if (const DriverApi *a = api("ordering GPU work"))
    check(*a, a->cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

extern "C" void *mgpuEventCreate() {
  const DriverApi *a = api("creating a GPU event");
  void *event = nullptr;
  if (a && !check(*a, a->cuEventCreate(&event, kEventDisableTiming),
                  "cuEventCreate"))
    event = nullptr;
  return event;
}

extern "C" void mgpuEventDestroy(void *event) {
  if (const DriverApi *a = event ? api("destroying a GPU event") : nullptr)
    check(*a, a->cuEventDestroy(event), "cuEventDestroy");
}

extern "C" void mgpuEventSynchronize(void *event) {
  if (const DriverApi *a = api("waiting for a GPU event"))
    check(*a, a->cuEventSynchronize(event), "cuEventSynchronize");
}

extern "C" void mgpuEventRecord(void *event, void *stream) {
  if (const DriverApi *a = api("recording a GPU event"))
    check(*a, a->cuEventRecord(event, stream), "cuEventRecord");
}

extern "C" void *mgpuMemAlloc(uint64_t bytes, void *stream, bool isHostShared) {
  if (bytes == 0)
    return nullptr;
  const DriverApi *a = api("allocating GPU memory");
  if (!a)
    return nullptr;
  if (isHostShared) {
    recordError("host-shared GPU memory is not supported");
    return nullptr;
  }
  CUdeviceptr pointer = 0;
  if (!check(*a, a->cuMemAllocAsync(&pointer, bytes, stream),
             "cuMemAllocAsync of " + std::to_string(bytes) + " bytes"))
    return nullptr;
  return reinterpret_cast<void *>(static_cast<uintptr_t>(pointer));
}

extern "C" void mgpuMemFree(void *pointer, void *stream) {
  if (const DriverApi *a = pointer ? api("freeing GPU memory") : nullptr)
    check(*a, a->cuMemFreeAsync(address(pointer), stream), "cuMemFreeAsync");
}

extern "C" void mgpuMemcpy(void *destination, void *source, size_t bytes,
                           void *stream) {
  if (const DriverApi *a = bytes ? api("copying GPU memory") : nullptr)
    check(
        *a,
        a->cuMemcpyAsync(address(destination), address(source), bytes, stream),
        "cuMemcpyAsync");
}

extern "C" void mgpuMemset32(void *destination, unsigned int value,
                             size_t count, void *stream) {
  if (const DriverApi *a = count ? api("filling GPU memory") : nullptr)
    check(*a, a->cuMemsetD32Async(address(destination), value, count, stream),
          "cuMemsetD32Async");
}

extern "C" void mgpuMemset16(void *destination, unsigned short value,
                             size_t count, void *stream) {
  if (const DriverApi *a = count ? api("filling GPU memory") : nullptr)
    check(*a, a->cuMemsetD16Async(address(destination), value, count, stream),
          "cuMemsetD16Async");
}
