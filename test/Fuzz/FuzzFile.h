//===- FuzzFile.h - A fuzzer's input as a file -------------------*- C++
//-*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The readers under test take paths, as the tools call them: each input is
// written to one file in /dev/shm (memory), named by the process.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TEST_FUZZ_FUZZFILE_H
#define FM_TEST_FUZZ_FUZZFILE_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

/// Writes `size` bytes at `data` to this process's input file; its path.
inline const std::string &writeFuzzInput(const uint8_t *data, size_t size) {
  static const std::string path =
      "/dev/shm/fm-fuzz-" + std::to_string(::getpid());
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    std::abort();
  if (size && std::fwrite(data, 1, size, file) != size)
    std::abort();
  std::fclose(file);
  return path;
}

#endif // FM_TEST_FUZZ_FUZZFILE_H
