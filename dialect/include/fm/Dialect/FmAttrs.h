//===- FmAttrs.h - Attributes of the fm dialect -----------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMATTRS_H
#define FM_DIALECT_FMATTRS_H

#include "fm/Runtime/Schedulers.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"

#include <string>

namespace mlir::fm {

/// α_t, σ_t, α̇_t and σ̇_t as emitted into IR. A coefficient that does not
/// depend on t is a FloatAttr; the others are SSA values.
struct SchedulerCoefficients {
  OpFoldResult alpha;
  OpFoldResult sigma;
  OpFoldResult dAlpha;
  OpFoldResult dSigma;
};

/// Parses a float literal (as MLIR does for float attributes, an integer
/// literal is rejected) as a double.
FailureOr<llvm::APFloat> parseF64Parameter(AsmParser &parser);
/// The shortest text that parses back to `value`, always with a decimal
/// point so that MLIR lexes it as a float. Like Python's repr, numbers with a
/// decimal exponent in [-4, 16) are written without one: 2 → "2.0",
/// 12.5 → "12.5", 0.1 → "0.1", 1e-5 → "1.0e-05". Used by printers and
/// diagnostics alike.
std::string formatF64(const llvm::APFloat &value);
inline std::string formatF64(double value) {
  return formatF64(llvm::APFloat(value));
}

/// Prints a double in the shortest form that parses back to the same value,
/// always with a decimal point or exponent so it reads as a float.
void printF64Parameter(AsmPrinter &printer, const llvm::APFloat &value);

} // namespace mlir::fm

#include "fm/Dialect/FmAttrInterfaces.h.inc"
#include "fm/Dialect/FmEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fm/Dialect/FmAttrs.h.inc"

#endif // FM_DIALECT_FMATTRS_H
