//===- Lowering.h - One ONNX node as linalg on tensors ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The operators' lowerings, one member function each, spread over
// Operators.cpp (arithmetic and dispatch), Shapes.cpp (data movement),
// Products.cpp (products, convolution, pooling) and Normalization.cpp
// (reductions, softmax, normalization layers). Private to the importer.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_IMPORT_ONNX_LOWERING_H
#define FM_LIB_IMPORT_ONNX_LOWERING_H

#include "GraphImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::fm::onnx {

/// Shorthands for scalar bodies.
struct Scalar {
  OpBuilder &b;
  Location loc;

  Value constant(Type type, double v) {
    if (auto f = llvm::dyn_cast<FloatType>(type))
      return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, v));
    return arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
  }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value positive(Value x) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                 constant(x.getType(), 0.0));
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
};

/// The largest window cut into one slice per element (im2col); larger
/// pooling windows are read through strided maps instead.
constexpr int64_t kMaxPatches = 64;

/// A pooling or convolution window over the spatial dimensions of an
/// [N, C, spatial...] input: ONNX's kernel_shape, strides, dilations, pads
/// (begins then ends) and auto_pad, and the output size they give.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads, out;
  int64_t count() const {
    int64_t n = 1;
    for (int64_t k : kernel)
      n *= k;
    return n;
  }
};

class Lowering {
public:
  explicit Lowering(GraphImporter &im) : im(im), b(im.b), loc(im.loc) {}

  LogicalResult lower(llvm::StringRef opType);

private:
  /// Sets output 0 to `v` when it succeeded.
  LogicalResult result(FailureOr<Value> v) {
    if (failed(v))
      return failure();
    im.setOutput(0, *v);
    return success();
  }
  FailureOr<Value> floatInput(unsigned i);

  LogicalResult binary(llvm::StringRef opType);
  LogicalResult activation(llvm::StringRef opType);
  LogicalResult softmax(bool log);
  LogicalResult concat();
  LogicalResult reshape();
  LogicalResult flatten();
  LogicalResult squeeze(bool insert);
  LogicalResult transpose();
  LogicalResult slice();
  LogicalResult gather();
  LogicalResult constant();
  LogicalResult shape();
  LogicalResult cast();
  LogicalResult reduction(bool mean, bool max);
  LogicalResult gemm();
  LogicalResult matmul();
  LogicalResult conv();
  LogicalResult pool(bool max);
  LogicalResult padOp();
  LogicalResult instanceNorm();
  LogicalResult resize();
  LogicalResult extremum(bool max);
  LogicalResult clip();
  LogicalResult prelu();
  LogicalResult layerNorm();
  std::pair<Value, Value> moments(Value x, ArrayRef<int64_t> axes,
                                  AffineMap stats);
  FailureOr<Window> window(RankedTensorType xType, ArrayRef<int64_t> kernel,
                           bool dilated);
  Value pad(Value x, const Window &w, double value);
  Value patches(Value x, const Window &w);
  Value windowReduce(Value x, const Window &w, bool max);

  GraphImporter &im;
  OpBuilder &b;
  Location loc;
};

} // namespace mlir::fm::onnx

#endif // FM_LIB_IMPORT_ONNX_LOWERING_H
