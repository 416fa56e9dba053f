//===- Bytes.h - Little-endian numbers in byte buffers ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The host layer's file formats store numbers little-endian. These helpers
// read and write them byte by byte, so they work on any host and at any
// alignment; compilers turn them into plain loads and stores on
// little-endian machines.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_LIB_HOST_BYTES_H
#define FM_RUNTIME_LIB_HOST_BYTES_H

#include <cstdint>
#include <cstring>

namespace fmrt {

/// The unsigned number of `size` bytes at `p`, least significant first.
inline uint64_t readLittleEndian(const char *p, int size) {
  uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = value << 8 | static_cast<unsigned char>(p[i]);
  return value;
}

/// Stores the low `size` bytes of `value` at `p`, least significant first.
inline void writeLittleEndian(char *p, uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    p[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

inline uint16_t readLE16(const char *p) {
  return static_cast<uint16_t>(readLittleEndian(p, 2));
}
inline uint32_t readLE32(const char *p) {
  return static_cast<uint32_t>(readLittleEndian(p, 4));
}
inline uint64_t readLE64(const char *p) { return readLittleEndian(p, 8); }

/// The float32 stored little-endian at `p`.
inline float readFloat32LE(const char *p) {
  uint32_t bits = readLE32(p);
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// The float64 stored little-endian at `p`.
inline double readFloat64LE(const char *p) {
  uint64_t bits = readLE64(p);
  double value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// Stores `value` at `p` as little-endian float32.
inline void storeFloat32LE(char *p, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  writeLittleEndian(p, bits, 4);
}

/// Whether the host stores numbers least significant byte first.
inline bool isLittleEndianHost() {
  const uint16_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

} // namespace fmrt

#endif // FM_RUNTIME_LIB_HOST_BYTES_H
