//===- Roles.h - Roles of entry points and of their values ------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The contract between the compiler and the runtime: what each entry point
// of a compiled program is for, and what each of its inputs and results
// holds. The compiler reads them from attributes (docs/Design.md, "Entry
// points"), verifies them, and writes them into the library's manifest; the
// runtime's Trainer and Sampler find every value by its role, never by an
// entry point's name or an argument's position.
//
//   func.func @train_step(%w: tensor<64x3xf32> {fm.role = "param",
//                                               fm.name = "net.0.weight"},
//                         %m: tensor<64x3xf32> {fm.role = "opt_state",
//                                               fm.name = "net.0.weight",
//                                               fm.slot = "exp_avg"}, ...)
//       -> (f32 {fm.role = "loss"}, ...) attributes {fm.entry = "train_step"}
//
// The spellings below are the attributes' and the manifest's. Plain C++17:
// the dialect (its verifier) and the runtime both use this header.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_ROLES_H
#define FM_RUNTIME_ROLES_H

#include <optional>
#include <string_view>

namespace fmrt {

/// The function attribute that gives an entry point its role.
inline constexpr std::string_view kEntryAttr = "fm.entry";
/// The argument and result attribute that gives a value its role.
inline constexpr std::string_view kRoleAttr = "fm.role";
/// The parameter a `param` or `opt_state` value belongs to (its checkpoint
/// name, as in a PyTorch state_dict).
inline constexpr std::string_view kNameAttr = "fm.name";
/// Which optimizer state an `opt_state` value is (e.g. "exp_avg").
inline constexpr std::string_view kSlotAttr = "fm.slot";
/// A sampler's method: an ODE solver's name (fm.ode_step's methods).
inline constexpr std::string_view kSolverAttr = "fm.solver";
/// A sampler's direction: "forward" (noise to data) or "reverse".
inline constexpr std::string_view kDirectionAttr = "fm.direction";
/// A sampler's fixed number of equal steps, where the program fixes it
/// (then it takes no `steps` input).
inline constexpr std::string_view kFixedStepsAttr = "fm.steps";
/// A sampler's fixed time grid, where the program fixes one (then it takes
/// no `steps` input).
inline constexpr std::string_view kTimeGridAttr = "fm.time_grid";
/// A likelihood's divergence estimator: "exact" (one JVP per dimension) or
/// "hutchinson" (one JVP with a Rademacher probe drawn from its seed).
inline constexpr std::string_view kDivergenceAttr = "fm.divergence";
/// A discrete flow's source ("uniform" or "mask") on its training step and
/// samplers: what the runtime draws x0 from.
inline constexpr std::string_view kSourceAttr = "fm.source";
/// A discrete flow's vocabulary V on its training step and samplers: data
/// tokens lie in [0, V) (the mask token is V).
inline constexpr std::string_view kVocabularyAttr = "fm.vocabulary";

/// What an entry point is for.
enum class EntryRole {
  /// (seed) -> parameters: the initial parameters.
  Init,
  /// (parameters, optimizer state, batch inputs, scalars) -> (loss,
  /// parameters, optimizer state): one optimizer step.
  TrainStep,
  /// (parameters, state[, steps][, seed, first_row]) -> state: integrates
  /// a batch of points (a discrete flow's sampler draws from its seed).
  Sampler,
  /// (parameters, state[, steps][, seed]) -> logp: the exact log-likelihood
  /// of a batch of data points, integrating (x, div v) from t = 1 to t = 0.
  Likelihood,
};

/// What one input or result of an entry point holds.
enum class ValueRole {
  /// A trainable parameter (named).
  Param,
  /// Optimizer state of a parameter (named, with a slot), zero at the start.
  OptState,
  /// A batch of training data, fed by the runtime's data source.
  Batch,
  /// The run's random seed (i64).
  Seed,
  /// The 0-based step counter (i64).
  Step,
  /// The training loss (f32).
  Loss,
  /// The points a sampler integrates, in and out.
  State,
  /// The number of solver steps (index or i64).
  Steps,
  /// The log-likelihood of each point, in nats (tensor<N x f32>).
  LogP,
  /// The index of a call's first point among all the points sampled (i64),
  /// so that random draws do not depend on how points are chunked.
  FirstRow,
};

/// The spelling of `role` in attributes and manifests.
std::string_view entryRoleName(EntryRole role);
std::string_view valueRoleName(ValueRole role);
/// The inverse of entryRoleName / valueRoleName.
std::optional<EntryRole> parseEntryRole(std::string_view name);
std::optional<ValueRole> parseValueRole(std::string_view name);

/// Whether an input of an entry point of role `entry` may have `role`.
bool isInputRoleOf(EntryRole entry, ValueRole role);
/// Whether a result of an entry point of role `entry` may have `role`.
bool isResultRoleOf(EntryRole entry, ValueRole role);
/// Whether values of `role` carry a parameter name (fm.name): Param and
/// OptState.
bool roleHasName(ValueRole role);

} // namespace fmrt

#endif // FM_RUNTIME_ROLES_H
