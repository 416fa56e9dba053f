//===- ProductCalls.cpp - Contractions on buffers to runtime calls --------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Utils/ProductCalls.h"

#include "fm/Utils/Activation.h"
#include "fm/Utils/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::fm;
using fmrt::Activation;
using fmrt::kMatmulAccumulate;
using fmrt::kMatmulBias;
using fmrt::kMatmulTransposeA;
using fmrt::kMatmulTransposeB;

namespace {
/// A contraction C[m, n] (+)= Σ_k A[·]·B[·] on 2-D f32 buffers, with its
/// operands in the order the product calls take them (A holds m, B holds n).
struct Contraction {
  linalg::GenericOp op;
  Value a, b, c;
  bool transposeA, transposeB;
};
} // namespace

/// Whether `map` is exactly (d_first, d_second).
static bool isPair(AffineMap map, unsigned first, unsigned second) {
  return map.getNumResults() == 2 &&
         map.getResult(0) == getAffineDimExpr(first, map.getContext()) &&
         map.getResult(1) == getAffineDimExpr(second, map.getContext());
}

static bool isF32Buffer(Value v, int64_t rank) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getRank() == rank && type.getElementType().isF32();
}

static std::optional<Contraction> matchContraction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  std::optional<ContractionLoops> loops = getContractionLoops(op);
  Value c = op.getDpsInits()[0];
  if (!loops || !isF32Buffer(c, 2) || !isF32Buffer(op.getDpsInputs()[0], 2) ||
      !isF32Buffer(op.getDpsInputs()[1], 2))
    return std::nullopt;
  unsigned dm = loops->m, dn = loops->n, dk = loops->k;

  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1];
  AffineMap mapA = maps[0], mapB = maps[1];
  if (!mapA.isFunctionOfDim(dm)) {
    std::swap(a, b);
    std::swap(mapA, mapB);
  }
  Contraction result{op, a, b, c, false, false};
  if (isPair(mapA, dm, dk))
    result.transposeA = false;
  else if (isPair(mapA, dk, dm))
    result.transposeA = true;
  else
    return std::nullopt;
  if (isPair(mapB, dk, dn))
    result.transposeB = false;
  else if (isPair(mapB, dn, dk))
    result.transposeB = true;
  else
    return std::nullopt;
  return result;
}

/// Whether `op` writes zeros to all of `buffer` and nothing else.
static bool isZeroFill(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getDpsInits()[0] == buffer &&
           matchPattern(fill.getDpsInputs()[0], m_AnyZeroFloat());
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getDpsInits()[0] != buffer || generic.getNumReductionLoops() != 0)
    return false;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  Value yielded = yield.getOperand(0);
  if (auto arg = dyn_cast<BlockArgument>(yielded))
    return arg.getOwner() == generic.getBody() &&
           arg.getArgNumber() < generic.getNumDpsInputs() &&
           matchPattern(generic.getDpsInputs()[arg.getArgNumber()],
                        m_AnyZeroFloat());
  return matchPattern(yielded, m_AnyZeroFloat());
}

/// Whether `op` only reads `buffer` (so a zero fill before it still holds).
static bool onlyReads(Operation *op, Value buffer) {
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return copy.getTarget() != buffer;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return !llvm::is_contained(linalgOp.getDpsInits(), buffer);
  return false;
}

/// Whether `op` writes zeros to all of `buffer`: a zero fill, or a copy of
/// a buffer that a zero fill wrote and nothing else writes (bufferization
/// shares one zero-filled buffer between several products).
static bool writesZeros(Operation *op, Value buffer) {
  if (isZeroFill(op, buffer))
    return true;
  auto copy = dyn_cast<memref::CopyOp>(op);
  if (!copy || copy.getTarget() != buffer)
    return false;
  Value source = copy.getSource();
  bool filled = false;
  // The copy must see the fill's zeros: one zero fill before it, and no
  // other write before it (writes after it do not matter).
  for (Operation *user : source.getUsers()) {
    if (user == op || onlyReads(user, source) || isa<memref::DeallocOp>(user))
      continue;
    bool before =
        user->getBlock() == op->getBlock() && user->isBeforeInBlock(op);
    bool after =
        user->getBlock() == op->getBlock() && op->isBeforeInBlock(user);
    if (before && isZeroFill(user, source) && !filled)
      filled = true;
    else if (!after)
      return false;
  }
  return filled;
}

/// The C ABI's code for an activation the matcher recognized.
static Activation toAbi(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::None:
    return Activation::None;
  case ActivationKind::Relu:
    return Activation::Relu;
  case ActivationKind::Elu:
    return Activation::Elu;
  case ActivationKind::GeluTanh:
    return Activation::GeluTanh;
  case ActivationKind::GeluErf:
    return Activation::GeluErf;
  case ActivationKind::Silu:
    return Activation::Silu;
  case ActivationKind::Tanh:
    return Activation::Tanh;
  case ActivationKind::Sigmoid:
    return Activation::Sigmoid;
  }
  llvm_unreachable("unknown activation");
}

/// The buffer `v` is a view of: its allocation or a function argument.
static Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether C, the output of `product`, can take over the role of D, the
/// output of its `epilogue`, from the epilogue on: both are allocations of
/// the product's block with the same type, C has no use after the
/// epilogue, nothing deallocates D, and no view of D taken before the
/// epilogue is used after it. Then C may hold the epilogue's value, and
/// every later use of D uses C instead.
static bool canTakeOver(Value c, Value d, Operation *product,
                        Operation *epilogue) {
  auto cAlloc = c.getDefiningOp<memref::AllocOp>();
  auto dAlloc = d.getDefiningOp<memref::AllocOp>();
  Block *block = product->getBlock();
  if (!cAlloc || !dAlloc || cAlloc->getBlock() != block ||
      dAlloc->getBlock() != block || c.getType() != d.getType())
    return false;
  bool cEndsAtEpilogue = llvm::all_of(c.getUsers(), [&](Operation *user) {
    Operation *at = block->findAncestorOpInBlock(*user);
    return at &&
           (at == epilogue || at == product || at->isBeforeInBlock(product));
  });
  // D's later uses are renamed; a view of D taken before the epilogue
  // cannot be, so none may be used after it.
  auto usedAfterEpilogue = [&](Value v, auto &self) -> bool {
    return llvm::any_of(v.getUsers(), [&](Operation *user) {
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at || epilogue->isBeforeInBlock(at))
        return true;
      return isa<ViewLikeOpInterface>(user) &&
             llvm::any_of(user->getResults(),
                          [&](Value view) { return self(view, self); });
    });
  };
  bool dStays = llvm::none_of(d.getUsers(), [&](Operation *user) {
    if (isa<memref::DeallocOp>(user))
      return true;
    Operation *at = block->findAncestorOpInBlock(*user);
    return at && !epilogue->isBeforeInBlock(at) &&
           isa<ViewLikeOpInterface>(user) &&
           llvm::any_of(user->getResults(), [&](Value view) {
             return usedAfterEpilogue(view, usedAfterEpilogue);
           });
  });
  return cEndsAtEpilogue && dStays;
}

namespace {
/// An elementwise epilogue D = act(C [+ bias]) of a contraction's C.
struct Epilogue {
  linalg::GenericOp op;
  Value bias; // null without a bias
  Value d;
  Activation activation;
};
} // namespace

static std::optional<Epilogue> matchEpilogue(linalg::GenericOp op, Value c,
                                             FusesActivation fuses) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() != 2 ||
      op.getNumParallelLoops() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() < 1 || op.getNumDpsInputs() > 2)
    return std::nullopt;
  // D may be C itself (bufferization often computes the epilogue in place).
  Value d = op.getDpsInits()[0];
  if (!isF32Buffer(d, 2) ||
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(2, op.getContext()))
    return std::nullopt;
  Block *body = op.getBody();
  // The output's old value must not be read.
  if (!body->getArgument(op.getNumDpsInputs()).use_empty())
    return std::nullopt;

  Value cArg, biasArg, bias;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    Value arg = body->getArgument(input->getOperandNumber());
    if (input->get() == c && map.isIdentity() && !cArg) {
      cArg = arg;
    } else if (isF32Buffer(input->get(), 1) && map.getNumResults() == 1 &&
               map.getResult(0) == getAffineDimExpr(1, op.getContext()) &&
               !biasArg) {
      biasArg = arg;
      bias = input->get();
    } else {
      return std::nullopt;
    }
  }
  if (!cArg)
    return std::nullopt;

  // The body: [s = c + bias], then act(s). Nothing else may be computed.
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Value pre = cArg;
  if (biasArg) {
    auto add = llvm::find_if(body->getOperations(), [&](Operation &o) {
      auto a = dyn_cast<arith::AddFOp>(o);
      return a && ((a.getLhs() == cArg && a.getRhs() == biasArg) ||
                   (a.getLhs() == biasArg && a.getRhs() == cArg));
    });
    if (add == body->end())
      return std::nullopt;
    pre = add->getResult(0);
  }
  Value yielded = yield.getOperand(0);
  Activation act = toAbi(matchActivation(yielded, pre).kind);
  if (act == Activation::None && yielded != pre)
    return std::nullopt;
  if (act != Activation::None && !fuses(act))
    return std::nullopt;
  // Every op of the body must belong to the pattern: the epilogue's only
  // value is act(s).
  for (Operation &o : body->without_terminator()) {
    bool feedsYield = false;
    for (Operation *user : o.getUsers())
      feedsYield |= user->getBlock() == body;
    if (!feedsYield && !isa<arith::ConstantOp>(o))
      return std::nullopt;
  }
  return Epilogue{op, bias, d, act};
}

MemRefType mlir::fm::getDynamicStridedF32(MLIRContext *ctx, int64_t rank) {
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(ctx, ShapedType::kDynamic, strides);
  return MemRefType::get(shape, Float32Type::get(ctx), layout);
}

FunctionType mlir::fm::getProductCallType(MLIRContext *ctx) {
  MemRefType m2 = getDynamicStridedF32(ctx, 2),
             m1 = getDynamicStridedF32(ctx, 1);
  auto i64 = IntegerType::get(ctx, 64);
  return FunctionType::get(
      ctx, {m2, m2, m1, m2, i64, i64, Float32Type::get(ctx)}, {});
}

void mlir::fm::replaceProductsWithCalls(
    ModuleOp module, llvm::function_ref<func::FuncOp()> declareCallee,
    FusesActivation fusesActivation) {
  MLIRContext *ctx = module.getContext();
  SmallVector<Contraction> contractions;
  module.walk([&](linalg::GenericOp op) {
    if (op->getParentOfType<func::FuncOp>() &&
        op->getParentOfType<func::FuncOp>().isExternal())
      return;
    if (std::optional<Contraction> c = matchContraction(op))
      contractions.push_back(*c);
  });
  if (contractions.empty())
    return;
  func::FuncOp callee = declareCallee();
  MemRefType m2 = getDynamicStridedF32(ctx, 2),
             m1 = getDynamicStridedF32(ctx, 1);

  IRRewriter rewriter(ctx);
  for (Contraction &matched : contractions) {
    // Matched again: an earlier product's C may have taken over a buffer
    // this one reads (writeC below).
    std::optional<Contraction> current = matchContraction(matched.op);
    if (!current)
      continue;
    Contraction &con = *current;
    linalg::GenericOp op = con.op;
    Location loc = op.getLoc();

    // The zero fill of C that this product overwrites, if any: the last
    // writer of C before it in the same block, with no reader between.
    Operation *fill = nullptr;
    for (Operation *prev = op->getPrevNode(); prev;
         prev = prev->getPrevNode()) {
      if (!llvm::is_contained(prev->getOperands(), con.c) ||
          onlyReads(prev, con.c))
        continue;
      if (writesZeros(prev, con.c))
        fill = prev;
      break;
    }

    // The epilogue: the next op that touches C, an elementwise
    // D = act(C + bias). Either it rewrites C in place (later readers of
    // C then see act(...), as the fused call leaves it), or C is a local
    // buffer that nothing after the product reads.
    std::optional<Epilogue> epilogue;
    auto alloc = con.c.getDefiningOp<memref::AllocOp>();
    Operation *next = op->getNextNode();
    while (next && !llvm::is_contained(next->getOperands(), con.c))
      next = next->getNextNode();
    if (fill && next)
      if (auto generic = dyn_cast<linalg::GenericOp>(next))
        if ((epilogue = matchEpilogue(generic, con.c, fusesActivation)) &&
            epilogue->d != con.c) {
          // The product's value of C must have no reader but the
          // epilogue: after it, C is deallocated, overwritten by a fill,
          // or never touched again in this block (and not used in another).
          // Ops before the product saw the fill's zeros, which the call
          // leaves alone.
          bool onlyReader =
              alloc && llvm::all_of(con.c.getUsers(), [&](Operation *u) {
                return u->getBlock() == op->getBlock();
              });
          for (Operation *o = next->getNextNode(); onlyReader && o;
               o = o->getNextNode()) {
            if (!llvm::is_contained(o->getOperands(), con.c))
              continue;
            onlyReader = isa<memref::DeallocOp>(o) || isZeroFill(o, con.c);
            break;
          }
          if (!onlyReader)
            epilogue.reset();
        }
    // The call writes D while it reads A and B. Bufferization may have put
    // the epilogue in the buffer of an operand that dies with the product
    // (an elementwise loop can compute there). Then the call writes C
    // instead, and what uses D after the epilogue uses C; where that cannot
    // be done, the epilogue stays a loop after the product.
    bool writeC = false;
    if (epilogue && (rootBuffer(epilogue->d) == rootBuffer(con.a) ||
                     rootBuffer(epilogue->d) == rootBuffer(con.b))) {
      writeC = canTakeOver(con.c, epilogue->d, op, epilogue->op);
      if (!writeC)
        epilogue.reset();
    }
    // The call runs where the epilogue was: nothing between them may write
    // what the product reads.
    auto writesAOrB = [&](Operation *o) {
      return llvm::any_of(o->getOperands(), [&](Value v) {
        return isa<MemRefType>(v.getType()) &&
               (rootBuffer(v) == rootBuffer(con.a) ||
                rootBuffer(v) == rootBuffer(con.b)) &&
               !onlyReads(o, v);
      });
    };
    if (epilogue)
      for (Operation *o = op->getNextNode(); o != epilogue->op;
           o = o->getNextNode())
        if (writesAOrB(o)) {
          epilogue.reset();
          writeC = false;
          break;
        }

    // The fill is dead once oneDNN writes C, unless something between
    // them reads what it wrote (a shared zero buffer being copied).
    bool fillIsDead = fill != nullptr;
    for (Operation *o = fill ? fill->getNextNode() : nullptr; o && o != op;
         o = o->getNextNode())
      if (llvm::is_contained(o->getOperands(), con.c))
        fillIsDead = false;

    Operation *anchor = epilogue ? epilogue->op.getOperation() : op;
    rewriter.setInsertionPoint(anchor);
    auto cast = [&](Value v, MemRefType type) -> Value {
      return memref::CastOp::create(rewriter, loc, type, v);
    };
    Value bias;
    if (epilogue && epilogue->bias) {
      bias = cast(epilogue->bias, m1);
    } else {
      // No bias: an empty buffer fills the argument.
      Value empty = memref::AllocaOp::create(
          rewriter, loc, MemRefType::get({0}, rewriter.getF32Type()));
      bias = cast(empty, m1);
    }
    int64_t flags = (con.transposeA ? kMatmulTransposeA : 0) |
                    (con.transposeB ? kMatmulTransposeB : 0) |
                    (epilogue && epilogue->bias ? kMatmulBias : 0) |
                    (fill ? 0 : kMatmulAccumulate);
    Activation act = epilogue ? epilogue->activation : Activation::None;
    Value out = epilogue && !writeC ? epilogue->d : con.c;
    SmallVector<Value> operands = {
        cast(con.a, m2),
        cast(con.b, m2),
        bias,
        cast(out, m2),
        arith::ConstantIntOp::create(rewriter, loc, flags, 64),
        arith::ConstantIntOp::create(rewriter, loc, static_cast<int64_t>(act),
                                     64),
        arith::ConstantFloatOp::create(rewriter, loc, rewriter.getF32Type(),
                                       APFloat(1.0f))};
    auto call = func::CallOp::create(rewriter, loc, callee, operands);

    if (epilogue) {
      Value d = epilogue->d;
      rewriter.eraseOp(epilogue->op);
      rewriter.eraseOp(op);
      if (writeC) {
        Block *block = call->getBlock();
        rewriter.replaceUsesWithIf(d, con.c, [&](OpOperand &use) {
          Operation *user = block->findAncestorOpInBlock(*use.getOwner());
          return user && call->isBeforeInBlock(user);
        });
      }
      if (fillIsDead)
        rewriter.eraseOp(fill);
      // A separate C is now unused: drop it and its deallocations.
      if (d != con.c && alloc &&
          llvm::all_of(alloc->getUsers(), [](Operation *u) {
            return isa<memref::DeallocOp>(u);
          })) {
        SmallVector<Operation *> deallocs(alloc->getUsers().begin(),
                                          alloc->getUsers().end());
        for (Operation *u : deallocs)
          rewriter.eraseOp(u);
        rewriter.eraseOp(alloc);
      }
    } else {
      rewriter.eraseOp(op);
      if (fillIsDead)
        rewriter.eraseOp(fill);
    }
  }
}
