//===- Passes.h - Conversion passes of FM-MLIR ------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_CONVERSION_PASSES_H
#define FM_CONVERSION_PASSES_H

#include "fm/Conversion/FmToLinalg/FmToLinalg.h"

namespace mlir::fm {

#define GEN_PASS_REGISTRATION
#include "fm/Conversion/Passes.h.inc"

} // namespace mlir::fm

#endif // FM_CONVERSION_PASSES_H
