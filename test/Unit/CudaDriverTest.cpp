//===- CudaDriverTest.cpp - The CUDA layer without a GPU ------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The CUDA layer loads the driver with dlopen: where there is none, every
// mgpu* call compiled code could make fails cleanly, and the first failure
// is reported once, with the reason. The test points FM_CUDA_DRIVER at a
// file that does not exist, so it shows this on any machine; running
// kernels on a GPU is scripts/gpu-check.sh's job.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Cuda.h"
#include "fm/Runtime/CudaAbi.h"

#include "gtest/gtest.h"

#include <cstdlib>

TEST(CudaDriverTest, WithoutADriverEveryCallFailsCleanly) {
  const char *path = "/nonexistent/libcuda.so.1";
  ASSERT_EQ(::setenv("FM_CUDA_DRIVER", path, /*overwrite=*/1), 0);

  fmrt::Status status = fmrt::cuda::load();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no CUDA driver: cannot load '" +
                                  std::string(path) + "'"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("needs an NVIDIA GPU and its driver"),
            std::string::npos);
  EXPECT_EQ(fmrt::cuda::deviceName(), "");
  // load() remembers its answer.
  EXPECT_EQ(fmrt::cuda::load().message(), status.message());

  // A library's constructor loading its kernels gets no module, no crash.
  char image[16] = {};
  EXPECT_EQ(mgpuModuleLoad(image, sizeof image), nullptr);
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "kernel"), nullptr);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(64, nullptr, false), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  mgpuStreamSynchronize(nullptr);

  // The first failure is the one reported, once.
  fmrt::Status first = fmrt::cuda::takeError();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.message(), "loading GPU kernels: " + status.message());
  EXPECT_TRUE(fmrt::cuda::takeError().ok());

  // Calls that do nothing record nothing.
  EXPECT_EQ(mgpuMemAlloc(0, nullptr, false), nullptr);
  mgpuMemFree(nullptr, nullptr);
  mgpuMemcpy(nullptr, nullptr, 0, nullptr);
  mgpuStreamDestroy(nullptr);
  EXPECT_TRUE(fmrt::cuda::takeError().ok());
}
