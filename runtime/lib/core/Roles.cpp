//===- Roles.cpp - Roles of entry points and of their values --------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Roles.h"

#include <array>
#include <utility>

using namespace fmrt;

namespace {
constexpr std::array<std::pair<EntryRole, std::string_view>, 4> kEntryRoles = {{
    {EntryRole::Init, "init"},
    {EntryRole::TrainStep, "train_step"},
    {EntryRole::Sampler, "sampler"},
    {EntryRole::Likelihood, "likelihood"},
}};

constexpr std::array<std::pair<ValueRole, std::string_view>, 10> kValueRoles = {
    {
        {ValueRole::Param, "param"},
        {ValueRole::OptState, "opt_state"},
        {ValueRole::Batch, "batch"},
        {ValueRole::Seed, "seed"},
        {ValueRole::Step, "step"},
        {ValueRole::Loss, "loss"},
        {ValueRole::State, "state"},
        {ValueRole::Steps, "steps"},
        {ValueRole::LogP, "logp"},
        {ValueRole::FirstRow, "first_row"},
    }};

template <typename Table, typename Enum>
std::string_view lookupName(const Table &table, Enum value) {
  for (const auto &[key, name] : table)
    if (key == value)
      return name;
  return "?";
}

template <typename Enum, typename Table>
std::optional<Enum> lookupValue(const Table &table, std::string_view name) {
  for (const auto &[key, spelling] : table)
    if (spelling == name)
      return key;
  return std::nullopt;
}
} // namespace

std::string_view fmrt::entryRoleName(EntryRole role) {
  return lookupName(kEntryRoles, role);
}

std::string_view fmrt::valueRoleName(ValueRole role) {
  return lookupName(kValueRoles, role);
}

std::optional<EntryRole> fmrt::parseEntryRole(std::string_view name) {
  return lookupValue<EntryRole>(kEntryRoles, name);
}

std::optional<ValueRole> fmrt::parseValueRole(std::string_view name) {
  return lookupValue<ValueRole>(kValueRoles, name);
}

bool fmrt::isInputRoleOf(EntryRole entry, ValueRole role) {
  switch (entry) {
  case EntryRole::Init:
    return role == ValueRole::Seed;
  case EntryRole::TrainStep:
    return role == ValueRole::Param || role == ValueRole::OptState ||
           role == ValueRole::Batch || role == ValueRole::Seed ||
           role == ValueRole::Step;
  case EntryRole::Sampler:
    return role == ValueRole::Param || role == ValueRole::State ||
           role == ValueRole::Steps || role == ValueRole::Seed ||
           role == ValueRole::FirstRow;
  case EntryRole::Likelihood:
    return role == ValueRole::Param || role == ValueRole::State ||
           role == ValueRole::Steps || role == ValueRole::Seed;
  }
  return false;
}

bool fmrt::isResultRoleOf(EntryRole entry, ValueRole role) {
  switch (entry) {
  case EntryRole::Init:
    return role == ValueRole::Param;
  case EntryRole::TrainStep:
    return role == ValueRole::Loss || role == ValueRole::Param ||
           role == ValueRole::OptState;
  case EntryRole::Sampler:
    return role == ValueRole::State;
  case EntryRole::Likelihood:
    return role == ValueRole::LogP;
  }
  return false;
}

bool fmrt::roleHasName(ValueRole role) {
  return role == ValueRole::Param || role == ValueRole::OptState;
}
