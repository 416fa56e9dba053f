//===- layering-check.cpp - The runtime's core and host without LLVM ------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Built by run.sh from runtime/lib/core and runtime/lib/host alone, with no
// LLVM header or library: draws points with the core (Philox streams and a
// dataset), then writes and reads back a .npy file, a safetensors checkpoint
// and a PNG plot with the host layer, and checks every value.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Plot.h"
#include "fm/Runtime/Random.h"
#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/Status.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

using namespace fmrt;

/// Prints `what` and `status`'s message and returns 1.
static int failure(const std::string &what, const Status &status) {
  std::fprintf(stderr, "layering-check: %s: %s\n", what.c_str(),
               status.message().c_str());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: layering-check DIRECTORY\n");
    return 2;
  }
  std::string dir = argv[1];

  // The core: 100 points of moons.
  const int64_t n = 100;
  std::vector<float> points(2 * n);
  sampleDataset(Dataset::Moons, defaultNoise(Dataset::Moons),
                PhiloxStream(/*seed=*/1, /*streamId=*/0), 0, points.data(), n);

  // .npy
  std::string npyPath = dir + "/points.npy";
  if (Status status = writeNpy(npyPath, points.data(), n, 2); !status.ok())
    return failure("writeNpy", status);
  StatusOr<NpyArray> array = readNpy(npyPath);
  if (!array.ok())
    return failure("readNpy", array.status());
  if (array->rows != n || array->cols != 2 || array->data != points)
    return failure("readNpy", Status::error("the array read back differs"));

  // safetensors
  std::string checkpointPath = dir + "/points.safetensors";
  const float scalar = 0.5f;
  std::map<std::string, std::string> metadata = {{"format", "pt"}};
  if (Status status = writeSafeTensors(
          checkpointPath,
          {{"points", {n, 2}, points.data()}, {"scale", {}, &scalar}},
          metadata);
      !status.ok())
    return failure("writeSafeTensors", status);
  StatusOr<SafeTensorsFile> checkpoint = readSafeTensors(checkpointPath);
  if (!checkpoint.ok())
    return failure("readSafeTensors", checkpoint.status());
  if (Status status = checkTensor(*checkpoint, "points", {n, 2}); !status.ok())
    return failure("checkTensor", status);
  if (checkpoint->lookup("points")->data != points ||
      checkpoint->lookup("scale")->data != std::vector<float>{scalar} ||
      checkpoint->getMetadata() != metadata)
    return failure("readSafeTensors",
                   Status::error("the checkpoint read back differs"));
  Status missing = checkTensor(*checkpoint, "bias", {2});
  if (missing.message() !=
      "checkpoint '" + checkpointPath + "': missing tensor 'bias'")
    return failure("checkTensor", Status::error("unexpected result '" +
                                                missing.message() + "'"));

  // PNG
  if (Status status = writeScatterPng(dir + "/points.png", points.data(), n);
      !status.ok())
    return failure("writeScatterPng", status);

  std::printf("core and host without LLVM: %lld points through .npy, "
              "safetensors and PNG\n",
              static_cast<long long>(n));
  return 0;
}
