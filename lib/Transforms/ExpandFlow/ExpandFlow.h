//===- ExpandFlow.h - Builders of fm-expand-flow ----------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The pieces of fm-expand-flow, one file per family of entry points:
// Init.cpp (every flow's @init), Continuous.cpp (a velocity or mean flow's
// training step and samplers), Likelihood.cpp (fm.likelihood), Discrete.cpp
// (a discrete flow's training step and CTMC sampler), and the helpers they
// share (Common.cpp): entry-point roles, constants, the optimizer step and
// the random streams.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_TRANSFORMS_EXPANDFLOW_EXPANDFLOW_H
#define FM_LIB_TRANSFORMS_EXPANDFLOW_EXPANDFLOW_H

#include "fm/Dialect/FmOps.h"
#include "fm/Runtime/Roles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::fm::expand {

/// The flow's initializer, an entry point of fm-run.
inline constexpr llvm::StringLiteral kInitName = "init";

/// Random streams of a training step: x0, t, a mean flow's second time, a
/// discrete flow's mixture-path draw; and the first parameter's
/// initialization (parameter i uses kInitStream + i).
inline constexpr uint32_t kSourceStream = 0, kTimeStream = 1,
                          kSecondTimeStream = 2, kMixtureStream = 2,
                          kInitStream = 100;

/// Counter blocks one Philox draw of `type` consumes (fm.random_*).
int64_t counterBlocks(RankedTensorType type);

/// Marks `func` as an entry point of role `role` (fm/Runtime/Roles.h).
void markEntryPoint(func::FuncOp func, fmrt::EntryRole role);

/// Gives input (or result) `index` of `func` the role `role`, naming the
/// parameter it belongs to and its optimizer slot where given.
void setRole(func::FuncOp func, bool isResult, unsigned index,
             fmrt::ValueRole role, StringRef name = {}, StringRef slot = {});

/// Gives inputs [first, first + names.size()) of `func` the role Param and
/// the parameters' names.
void setParamRoles(func::FuncOp func, unsigned first, ArrayRef<std::string>);

/// `base`, or `base_<n>` for the first n that no symbol of `module` uses.
std::string uniqueSymbolName(ModuleOp module, StringRef base);

/// An f32 constant: `value` rounded to float.
Value f32Constant(OpBuilder &b, Location loc, double value);
/// An i64 constant.
Value i64Constant(OpBuilder &b, Location loc, int64_t value);

/// `value`, cast to `type` where it differs (a network may take a dynamic
/// batch).
Value castTo(OpBuilder &b, Location loc, Value value, Type type);

/// The network's result on `dataInputs` (x, t, ...), each cast to the
/// network's type where it differs, and `params`.
Value callNetwork(OpBuilder &b, Location loc, func::FuncOp network,
                  ValueRange dataInputs, ValueRange params);

/// An f32 tensor of `type` filled with `value`; `rows` is the size of a
/// dynamic first dimension.
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value rows, double value);

/// Draws one time per batch row from the trainer's time distribution, from
/// random stream `stream`.
Value drawTimes(OpBuilder &b, Location loc, Attribute distribution,
                RankedTensorType type, Value seed, Value offset,
                uint32_t stream);

/// A private `@name(params..., inputs...) -> f32`, a training step's loss,
/// with `b`'s insertion point at the start of its body (the caller keeps an
/// InsertionGuard).
func::FuncOp createLossFunction(OpBuilder &b, Location loc, StringRef name,
                                ArrayRef<Type> params, TypeRange inputs);

/// What a training step differentiates: the loss function's inputs after
/// the parameters (the batch, its source draw, times, ...).
using LossInputsBuilder = function_ref<SmallVector<Value>(
    OpBuilder &b, Location loc, Value x1, Value seed, Value step)>;

/// `@<trainer>(params, first moments, second moments, x1: batchType, seed,
/// step) -> (loss, params, first moments, second moments)`: the entry point
/// of fm.trainer. `lossInputs` draws what `@<lossName>(params, ...)` takes
/// after the parameters; the step takes its gradient with fm.vjp and applies
/// the trainer's optimizer to every parameter.
func::FuncOp buildTrainStep(OpBuilder &b, TrainerOp trainer,
                            func::FuncOp network, FlowKind kind,
                            RankedTensorType batchType, StringRef lossName,
                            LossInputsBuilder lossInputs);

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// `@init(seed) -> (params...)`.
void buildInit(OpBuilder &b, FlowOp flow, func::FuncOp network);

/// The training step of a velocity or mean flow, and its loss `lossName`.
void buildContinuousTrainStep(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                              func::FuncOp network, StringRef lossName);

/// The sampler of a velocity or mean flow.
void buildContinuousSampler(OpBuilder &b, SamplerOp sampler, FlowOp flow,
                            func::FuncOp network);

/// The likelihood entry point and its augmented velocity `velocityName`.
void buildLikelihood(OpBuilder &b, LikelihoodOp likelihood, FlowOp flow,
                     func::FuncOp network, StringRef velocityName);

/// The training step of a discrete flow, and its loss `lossName`.
void buildDiscreteTrainStep(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                            func::FuncOp network, StringRef lossName);

/// The CTMC sampler of a discrete flow.
void buildDiscreteSampler(OpBuilder &b, SamplerOp sampler, FlowOp flow,
                          func::FuncOp network);

} // namespace mlir::fm::expand

#endif // FM_LIB_TRANSFORMS_EXPANDFLOW_EXPANDFLOW_H
