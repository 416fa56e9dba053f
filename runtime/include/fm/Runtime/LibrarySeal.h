//===- LibrarySeal.h - Compiled libraries checked before loading -*- C++
//-*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// `fm-run compile` seals every library it writes: it appends a trailer
// holding the SHA-256 and the length of the bytes before it,
//
//   [library][SHA-256: 32 bytes][length: 8 bytes, little endian][FM-SEAL1]
//
// which the dynamic loader ignores (data after an ELF file's sections). A
// Program checks the seal before dlopen: a library cut short, extended or
// modified would otherwise crash the process inside the loader (a
// truncated one with SIGBUS) or run code nobody compiled.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_LIBRARYSEAL_H
#define FM_RUNTIME_LIBRARYSEAL_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace fmrt {

/// The last 8 bytes of a sealed library.
inline constexpr llvm::StringLiteral kSealMagic = "FM-SEAL1";
/// The size of the trailer: hash, length and magic.
inline constexpr size_t kSealSize = 32 + 8 + 8;

/// Appends the seal to the file at `path`.
llvm::Error sealLibrary(llvm::StringRef path);

/// Fails, saying what is wrong, unless the file at `path` ends with a seal
/// that matches its contents.
llvm::Error checkLibrarySeal(llvm::StringRef path);

} // namespace fmrt

#endif // FM_RUNTIME_LIBRARYSEAL_H
