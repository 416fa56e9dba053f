//===- EngineTest.cpp - Compiled programs: JIT and shared libraries -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Driver/Compile.h"
#include "fm/Pipelines/Pipelines.h"
#include "fm/Runtime/LibrarySeal.h"

#include "TempDir.h"

#include "llvm/TargetParser/Host.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <dlfcn.h>
#include <memory>
#include <utility>
#include <vector>

using namespace fmrt;
using namespace mlir::fm;

namespace {

/// y = a·x + b elementwise on a dynamic batch, and the sum of y.
constexpr const char *kAxpy = R"mlir(
func.func @axpy(%a: f32, %x: tensor<?x2xf32>, %b: tensor<?x2xf32>)
    -> (f32, tensor<?x2xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<?x2xf32>, tensor<?x2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%xv: f32, %bv: f32, %o: f32):
    %m = arith.mulf %a, %xv : f32
    %s = arith.addf %m, %bv : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  %acc = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                          affine_map<(i, j) -> ()>],
                         iterator_types = ["reduction", "reduction"]}
      ins(%y : tensor<?x2xf32>) outs(%z : tensor<f32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %total = tensor.extract %sum[] : tensor<f32>
  return %total, %y : f32, tensor<?x2xf32>
}

func.func private @helper(%x: f32) -> f32 { return %x : f32 }

func.func @named(%w: tensor<2xf32> {fm.name = "layer.weight"}, %step: i64) -> i64 {
  %c1 = arith.constant 1 : i64
  %n = arith.addi %step, %c1 : i64
  return %n : i64
}
)mlir";

TEST(EngineTest, CallsEntryPointsWithTensorsAndScalars) {
  auto program = driver::compile(kAxpy, "axpy.mlir");
  ASSERT_TRUE(static_cast<bool>(program)) << toString(program.takeError());

  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> b = {0.5f, 0.5f, -1, -1, 0, 0};
  std::vector<float> y(6, -7.0f);
  float total = 0;
  llvm::Error err = (*program)->call(
      "axpy", {2.0f, TensorRef{x.data(), {3, 2}}, TensorRef{b.data(), {3, 2}}},
      {&total, TensorRef{y.data(), {3, 2}}});
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  std::vector<float> want = {2.5f, 4.5f, 5, 7, 10, 12};
  EXPECT_EQ(y, want); // exact: small integers and halves
  EXPECT_EQ(total, 41.0f);
}

TEST(EngineTest, ListsPublicEntryPointsWithTypesAndNames) {
  auto program = driver::compile(kAxpy, "axpy.mlir");
  ASSERT_TRUE(static_cast<bool>(program)) << toString(program.takeError());
  EXPECT_EQ((*program)->lookup("helper"), nullptr); // private
  const EntryPoint *named = (*program)->lookup("named");
  ASSERT_NE(named, nullptr);
  ASSERT_EQ(named->inputs.size(), 2u);
  EXPECT_EQ(named->inputs[0].type.str(), "tensor<2xf32>");
  EXPECT_EQ(named->inputs[0].name, "layer.weight");
  EXPECT_EQ(named->inputs[1].name, "");
  const EntryPoint *axpy = (*program)->lookup("axpy");
  ASSERT_NE(axpy, nullptr);
  EXPECT_EQ(axpy->results[1].type.str(), "tensor<?x2xf32>");

  float w[2] = {0, 0};
  int64_t next = 0;
  llvm::Error err =
      (*program)->call("named", {TensorRef{w, {2}}, int64_t(41)}, {&next});
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  EXPECT_EQ(next, 42);
}

TEST(EngineTest, RejectsBadCalls) {
  auto program = driver::compile(kAxpy, "axpy.mlir");
  ASSERT_TRUE(static_cast<bool>(program)) << toString(program.takeError());
  std::vector<float> x(6), y(6), small(4);
  float total;
  auto message = [](llvm::Error err) {
    return err ? toString(std::move(err)) : std::string("<success>");
  };
  EXPECT_EQ(message((*program)->call("nope", {}, {})), "no entry point 'nope'");
  EXPECT_EQ(message((*program)->call("axpy", {2.0f}, {})),
            "'axpy' takes 3 arguments, 1 given");
  EXPECT_EQ(message((*program)->call("axpy",
                                     {2.0f, TensorRef{x.data(), {3, 2}},
                                      TensorRef{x.data(), {3, 3}}},
                                     {&total, TensorRef{y.data(), {3, 2}}})),
            "'axpy' argument #2 must be tensor<?x2xf32>, got a tensor of "
            "f32 of shape [3, 3]");
  EXPECT_EQ(message((*program)->call("axpy",
                                     {int64_t(2), TensorRef{x.data(), {3, 2}},
                                      TensorRef{x.data(), {3, 2}}},
                                     {&total, TensorRef{y.data(), {3, 2}}})),
            "'axpy' argument #0 must be f32, got another type");
  EXPECT_EQ(
      message((*program)->call(
          "axpy",
          {2.0f, TensorRef{x.data(), {3, 2}}, TensorRef{x.data(), {3, 2}}},
          {&total, TensorRef{small.data(), {2, 2}}})),
      "'axpy' stopped at a failed run-time check: result #1 differs from "
      "its destination in dimension #0");
  // A dimension the type fixes is checked before the call.
  EXPECT_EQ(
      message((*program)->call(
          "axpy",
          {2.0f, TensorRef{x.data(), {3, 2}}, TensorRef{x.data(), {3, 2}}},
          {&total, TensorRef{y.data(), {2, 3}}})),
      "'axpy' result #1 is tensor<?x2xf32>, but its destination has shape "
      "[2, 3]");
}

TEST(EngineTest, UpdatesInPlaceThroughADestinationThatIsAnArgument) {
  auto program = driver::compile(kAxpy, "axpy.mlir");
  ASSERT_TRUE(static_cast<bool>(program)) << toString(program.takeError());
  // y = 2·x + b written over x: the code reads x while it writes y.
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> b = {0.5f, 0.5f, -1, -1, 0, 0};
  float total = 0;
  llvm::Error err = (*program)->call(
      "axpy", {2.0f, TensorRef{x.data(), {3, 2}}, TensorRef{b.data(), {3, 2}}},
      {&total, TensorRef{x.data(), {3, 2}}});
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  std::vector<float> want = {2.5f, 4.5f, 5, 7, 10, 12};
  EXPECT_EQ(x, want); // exact: small integers and halves
  EXPECT_EQ(total, 41.0f);
}

TEST(EngineTest, StagesDestinationsThatPartlyOverlapAnArgument) {
  auto program = driver::compile(kAxpy, "axpy.mlir");
  ASSERT_TRUE(static_cast<bool>(program)) << toString(program.takeError());
  std::vector<float> b = {0.5f, 0.5f, -1, -1, 0, 0};
  std::vector<float> want = {2.5f, 4.5f, 5, 7, 10, 12};
  // y starting inside x (two floats in), and y ending inside x (x two
  // floats into y): either way y = 2·x + b of x as it was before the call.
  for (auto [xAt, yAt] : {std::pair{0, 2}, std::pair{2, 0}}) {
    std::vector<float> memory(8, 0.0f);
    std::copy_n(std::vector<float>{1, 2, 3, 4, 5, 6}.begin(), 6,
                memory.begin() + xAt);
    float total = 0;
    llvm::Error err =
        (*program)->call("axpy",
                         {2.0f, TensorRef{memory.data() + xAt, {3, 2}},
                          TensorRef{b.data(), {3, 2}}},
                         {&total, TensorRef{memory.data() + yAt, {3, 2}}});
    ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    EXPECT_EQ(
        std::vector<float>(memory.begin() + yAt, memory.begin() + yAt + 6),
        want)
        << "x at " << xAt << ", y at " << yAt;
    EXPECT_EQ(total, 41.0f);
  }
}

/// The linalg backend's contraction blocks, as the drivers pick them for
/// this host: whole vectors of columns, and accumulators in at most half of
/// the vector registers (the rest hold B's row and A's broadcasts; an 8 × 32
/// block on AVX2 took all 16 registers and spilled, twice as slow).
TEST(EngineTest, ContractionBlocksFitTheHostsRegisters) {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  bool avx512 = features.lookup("avx512f");
  int64_t lanes = avx512 ? 16 : features.lookup("avx") ? 8 : 4;
  int64_t registers = avx512 ? 32 : 16;
  mlir::fm::ContractionTiles tiles = mlir::fm::contractionTilesForHost();
  EXPECT_EQ(tiles.cols % lanes, 0);
  EXPECT_LE(tiles.rows * (tiles.cols / lanes), registers / 2);
  EXPECT_GT(tiles.depth, 0);
}

TEST(EngineTest, ReportsCompileErrorsWithLocations) {
  auto bad = driver::compile("func.func @f() {\n  %x = arith.constant\n}\n",
                             "broken.mlir");
  ASSERT_FALSE(static_cast<bool>(bad));
  std::string message = toString(bad.takeError());
  EXPECT_NE(message.find("cannot compile 'broken.mlir'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("broken.mlir:2:22: error: expected attribute value"),
            std::string::npos)
      << message;

  auto missing = driver::compileFile("/nonexistent/program.mlir");
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_EQ(toString(missing.takeError()),
            "cannot read '/nonexistent/program.mlir': No such file or "
            "directory");

  auto unsupported = driver::compile(
      "func.func @f(%x: tensor<2xi16>) { return }", "types.mlir");
  ASSERT_FALSE(static_cast<bool>(unsupported));
  EXPECT_EQ(toString(unsupported.takeError()),
            "cannot compile 'types.mlir': entry point 'f' takes a "
            "tensor<2xi16>, which the runtime cannot pass (tensors of f32, "
            "f64, i32 or i64, and f32, f64, i64 and index only)");
}

/// The moons example end to end through the embedding API: init, one
/// training step, and sampling, with the loss in the range of an
/// untrained network (E|x1 − x0|² ≈ 2.6 for moons against N(0, I)).
TEST(EngineTest, RunsTheMoonsExample) {
  auto program = driver::compileFile(FM_SOURCE_DIR "/examples/moons.mlir");
  ASSERT_TRUE(static_cast<bool>(program)) << toString(program.takeError());
  const EntryPoint *train = (*program)->lookup("train_step");
  ASSERT_NE(train, nullptr);
  EXPECT_EQ(train->inputs[0].name, "net.0.weight");
  EXPECT_EQ(train->inputs[7].name, "net.6.bias");

  // Parameters, then first and second moments: 3 × 8 tensors.
  std::vector<std::vector<float>> state;
  std::vector<Argument> args;
  std::vector<Destination> params;
  for (int i = 0; i < 24; ++i)
    state.emplace_back(numElements(train->inputs[i].type.shape), 0.0f);
  for (int i = 0; i < 8; ++i)
    params.push_back(TensorRef{state[i].data(), train->inputs[i].type.shape});
  llvm::Error err = (*program)->call("init", {int64_t(0)}, params);
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  // PyTorch's init bound for the first layer is 1/√3.
  for (float w : state[0])
    EXPECT_LE(std::abs(w), 0.5774f);

  std::vector<float> x1(512);
  for (int i = 0; i < 256; ++i) {
    x1[2 * i] = std::cos(3.14159f * i / 255);
    x1[2 * i + 1] = std::sin(3.14159f * i / 255);
  }
  float loss = -1;
  std::vector<Destination> outs = {&loss};
  for (int i = 0; i < 24; ++i) {
    args.push_back(TensorRef{state[i].data(), train->inputs[i].type.shape});
    outs.push_back(TensorRef{state[i].data(), train->inputs[i].type.shape});
  }
  args.push_back(TensorRef{x1.data(), {256, 2}});
  args.push_back(int64_t(0));
  args.push_back(int64_t(0));
  err = (*program)->call("train_step", args, outs);
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  EXPECT_GT(loss, 1.0f);
  EXPECT_LT(loss, 5.0f);

  std::vector<float> x0(2 * 100, 0.25f), samples(2 * 100);
  std::vector<Argument> sampleArgs;
  for (int i = 0; i < 8; ++i)
    sampleArgs.push_back(
        TensorRef{state[i].data(), train->inputs[i].type.shape});
  sampleArgs.push_back(TensorRef{x0.data(), {100, 2}});
  sampleArgs.push_back(int64_t(4));
  err = (*program)->call("sample_midpoint", sampleArgs,
                         {TensorRef{samples.data(), {100, 2}}});
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  for (float s : samples)
    EXPECT_TRUE(std::isfinite(s)) << s;
}

} // namespace

//===----------------------------------------------------------------------===//
// Ahead-of-time compilation: compileToLibrary, load, the manifest
//===----------------------------------------------------------------------===//

namespace {
class LibraryTest : public fmtest::TempDirTest {
protected:
  LibraryTest() : TempDirTest("fm-library-test") {}
};
} // namespace

TEST_F(LibraryTest, CompiledLibraryLoadsAndCallsLikeTheJit) {
  std::string library = path("axpy.so");
  llvm::Error err = driver::compileToLibrary(kAxpy, "axpy.mlir", library);
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  auto loaded = Program::load(library);
  ASSERT_TRUE(static_cast<bool>(loaded)) << toString(loaded.takeError());
  auto jit = driver::compile(kAxpy, "axpy.mlir");
  ASSERT_TRUE(static_cast<bool>(jit)) << toString(jit.takeError());

  EXPECT_EQ((*loaded)->backend(), (*jit)->backend());
  ASSERT_EQ((*loaded)->entryPoints().size(), (*jit)->entryPoints().size());
  for (auto [a, b] :
       llvm::zip((*loaded)->entryPoints(), (*jit)->entryPoints())) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.role, b.role);
    ASSERT_EQ(a.inputs.size(), b.inputs.size());
    for (auto [x, y] : llvm::zip(a.inputs, b.inputs)) {
      EXPECT_EQ(x.type.str(), y.type.str());
      EXPECT_EQ(x.name, y.name);
      EXPECT_EQ(x.role, y.role);
    }
    ASSERT_EQ(a.results.size(), b.results.size());
    for (auto [x, y] : llvm::zip(a.results, b.results))
      EXPECT_EQ(x.type.str(), y.type.str());
  }

  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> b = {0.5f, 0.5f, -1, -1, 0, 0};
  std::vector<float> y(6, -7.0f);
  float total = 0;
  err = (*loaded)->call(
      "axpy", {2.0f, TensorRef{x.data(), {3, 2}}, TensorRef{b.data(), {3, 2}}},
      {&total, TensorRef{y.data(), {3, 2}}});
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  std::vector<float> want = {2.5f, 4.5f, 5, 7, 10, 12};
  EXPECT_EQ(y, want); // exact: small integers and halves
  EXPECT_EQ(total, 41.0f);
  int64_t next = 0;
  float w[2] = {0, 0};
  err = (*loaded)->call("named", {TensorRef{w, {2}}, int64_t(41)}, {&next});
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  EXPECT_EQ(next, 42);

  // The manifest names the CPU the code was generated for, and the features
  // it may use are this CPU's.
  std::unique_ptr<void, int (*)(void *)> handle(
      dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL), dlclose);
  ASSERT_NE(handle, nullptr);
  const auto *text =
      static_cast<const char *>(dlsym(handle.get(), "fm_program_manifest"));
  ASSERT_NE(text, nullptr);
  auto manifest = parseManifest(text);
  ASSERT_TRUE(static_cast<bool>(manifest)) << toString(manifest.takeError());
  EXPECT_EQ(manifest->cpu, llvm::sys::getHostCPUName().str());
  EXPECT_TRUE(llvm::is_contained(manifest->features, "sse2"));
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  for (const std::string &feature : manifest->features)
    EXPECT_TRUE(host.lookup(feature)) << feature;
}

TEST_F(LibraryTest, FailedCompileLeavesTheOutputAlone) {
  std::string library = writeBytes("kept.so", "an earlier build");
  llvm::Error err =
      driver::compileToLibrary("func.func @f( {", "bad.mlir", library);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(toString(std::move(err)).find("bad.mlir:1:"), std::string::npos);
  EXPECT_EQ(readBytes(library), "an earlier build");
  EXPECT_EQ(listDir(), std::vector<std::string>{"kept.so"}); // no leftovers
}

TEST_F(LibraryTest, LoadRejectsWhatIsNotACompiledProgram) {
  auto message = [](llvm::Expected<std::unique_ptr<Program>> program) {
    return program ? std::string("<loaded>") : toString(program.takeError());
  };
  EXPECT_EQ(message(Program::load(path("missing.so"))),
            "cannot load '" + path("missing.so") + "': no such file");
  writeBytes("text.so", "\x7f"
                        "ELF, but only the magic");
  EXPECT_NE(message(Program::load(path("text.so"))).find("cannot load"),
            std::string::npos);
  EXPECT_NE(message(Program::load(dir.str())).find("directory"),
            std::string::npos);
}

/// A library is checked against the seal `fm-run compile` appended before
/// the loader maps it: cut short, extended or with one byte changed, it is
/// refused with the reason, and never loaded.
TEST_F(LibraryTest, DamagedLibrariesAreRefusedBeforeLoading) {
  std::string library = path("axpy.so");
  llvm::Error err = driver::compileToLibrary(kAxpy, "axpy.mlir", library);
  ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
  std::string bytes = readBytes(library);
  ASSERT_GT(bytes.size(), kSealSize + 4096);
  EXPECT_EQ(bytes.substr(bytes.size() - 8), "FM-SEAL1");
  auto message = [](llvm::Expected<std::unique_ptr<Program>> program) {
    return program ? std::string("<loaded>") : toString(program.takeError());
  };
  EXPECT_EQ(message(Program::load(library)), "<loaded>");

  std::string noSeal = "it has no seal of `fm-run compile` (it was not "
                       "written by it, or was cut short or extended since); "
                       "compile it again";
  std::string cut = writeBytes("cut.so", bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(message(Program::load(cut)),
            "cannot load '" + cut + "': " + noSeal);
  std::string extended = writeBytes("extended.so", bytes + "more");
  EXPECT_EQ(message(Program::load(extended)),
            "cannot load '" + extended + "': " + noSeal);
  // A seal moved to the end of a longer file: the recorded length differs.
  std::string body = bytes.substr(0, bytes.size() - kSealSize);
  std::string moved = writeBytes(
      "moved.so", body + "pad" + bytes.substr(bytes.size() - kSealSize));
  EXPECT_EQ(message(Program::load(moved)),
            "cannot load '" + moved + "': it is " +
                std::to_string(body.size() + 3) +
                " bytes long where `fm-run compile` wrote " +
                std::to_string(body.size()) +
                " (cut short or extended); compile it again");
  std::string changed = bytes;
  changed[4000] ^= 0x5a;
  std::string modified = writeBytes("modified.so", changed);
  EXPECT_EQ(message(Program::load(modified)),
            "cannot load '" + modified +
                "': its contents do not match the SHA-256 that `fm-run "
                "compile` recorded (it was modified since); compile it again");
}

TEST(ManifestTest, RoundTrips) {
  Manifest manifest;
  manifest.backend = Backend::Dnnl;
  manifest.cpu = "znver4";
  manifest.features = {"avx2", "avx512f", "fma"};
  EntryPoint entry;
  entry.name = "step";
  entry.role = EntryRole::TrainStep;
  using Kind = ValueType::Kind;
  entry.inputs = {
      {ValueType{Kind::Tensor, ElementType::F32, {64, 3}}, ValueRole::Param,
       "net.0.weight", ""},
      {ValueType{Kind::Tensor, ElementType::F32, {64, 3}}, ValueRole::OptState,
       "net.0.weight", "exp_avg"},
      {ValueType{Kind::Tensor, ElementType::I32, {-1, 2}}, ValueRole::Batch, "",
       ""},
      {ValueType{Kind::Tensor, ElementType::F64, {}}, std::nullopt, "", ""},
      {ValueType{Kind::Index, ElementType::F32, {}}, ValueRole::Step, "", ""}};
  entry.results = {
      {ValueType{Kind::F32, ElementType::F32, {}}, ValueRole::Loss, "", ""},
      {ValueType{Kind::Tensor, ElementType::F32, {64, 3}}, ValueRole::Param,
       "net.0.weight", ""}};
  EntryPoint sampler;
  sampler.name = "sample";
  sampler.role = EntryRole::Sampler;
  sampler.solver = "rk4";
  sampler.direction = "reverse";
  sampler.timeGrid = {1.0, 0.25, 0.0};
  EntryPoint fixed;
  fixed.name = "sample_fixed";
  fixed.role = EntryRole::Sampler;
  fixed.solver = "euler";
  fixed.direction = "forward";
  fixed.fixedSteps = 12;
  EntryPoint likelihood;
  likelihood.name = "loglik";
  likelihood.role = EntryRole::Likelihood;
  likelihood.solver = "midpoint";
  likelihood.divergence = "hutchinson";
  likelihood.fixedSteps = 20;
  manifest.entries = {entry, sampler, fixed, likelihood};
  std::string text = printManifest(manifest);
  auto parsed = parseManifest(text);
  ASSERT_TRUE(static_cast<bool>(parsed)) << toString(parsed.takeError());
  EXPECT_EQ(parsed->backend, Backend::Dnnl);
  EXPECT_EQ(parsed->cpu, "znver4");
  EXPECT_EQ(parsed->features, manifest.features);
  ASSERT_EQ(parsed->entries.size(), 4u);
  const EntryPoint &got = parsed->entries[0];
  EXPECT_EQ(got.name, "step");
  EXPECT_EQ(got.role, EntryRole::TrainStep);
  ASSERT_EQ(got.inputs.size(), 5u);
  for (auto [want, have] : llvm::zip(entry.inputs, got.inputs)) {
    EXPECT_EQ(have.type, want.type) << want.type.str();
    EXPECT_EQ(have.role, want.role);
    EXPECT_EQ(have.name, want.name);
    EXPECT_EQ(have.slot, want.slot);
  }
  EXPECT_EQ(got.inputs[2].type.str(), "tensor<?x2xi32>");
  EXPECT_EQ(got.inputs[3].type.str(), "tensor<f64>");
  EXPECT_EQ(got.inputs[4].type.str(), "index");
  ASSERT_EQ(got.results.size(), 2u);
  EXPECT_EQ(got.results[0].type.str(), "f32");
  EXPECT_EQ(got.results[0].role, ValueRole::Loss);
  EXPECT_EQ(got.results[1].type.str(), "tensor<64x3xf32>");
  const EntryPoint &gotSampler = parsed->entries[1];
  EXPECT_EQ(gotSampler.role, EntryRole::Sampler);
  EXPECT_EQ(gotSampler.solver, "rk4");
  EXPECT_EQ(gotSampler.direction, "reverse");
  EXPECT_EQ(gotSampler.timeGrid, sampler.timeGrid);
  EXPECT_EQ(gotSampler.fixedSteps, std::nullopt);
  EXPECT_EQ(parsed->entries[2].fixedSteps, 12);
  EXPECT_TRUE(parsed->entries[2].timeGrid.empty());
  EXPECT_EQ(parsed->entries[3].role, EntryRole::Likelihood);
  EXPECT_EQ(parsed->entries[3].divergence, "hutchinson");
  EXPECT_EQ(parsed->entries[3].fixedSteps, 20);
  EXPECT_TRUE(parsed->entries[2].divergence.empty());
  EXPECT_EQ(printManifest(*parsed), text);
}

TEST(ManifestTest, RejectsMalformedManifests) {
  auto message = [](llvm::StringRef text) {
    auto parsed = parseManifest(text);
    return parsed ? std::string("<parsed>") : toString(parsed.takeError());
  };
  auto withEntry = [](llvm::StringRef entry) {
    return (R"({"format":"fm-program","version":4,"backend":"linalg",)"
            R"("cpu":"x86-64","features":["sse2"],"entries":[)" +
            entry + "]}")
        .str();
  };
  EXPECT_NE(message("{").find("not JSON"), std::string::npos);
  EXPECT_EQ(message(R"({"format":"other"})"),
            "manifest is not an fm-program manifest");
  EXPECT_EQ(message(R"({"format":"fm-program","version":1})"),
            "manifest version 1, but this runtime reads version 4: recompile "
            "the program");
  EXPECT_EQ(message(R"({"format":"fm-program","version":4,"backend":"gpu"})"),
            "manifest names no known backend (cuda|dnnl|linalg)");
  EXPECT_EQ(message(R"({"format":"fm-program","version":4,"backend":"dnnl",)"
                    R"("entries":[]})"),
            "manifest names no target CPU and features");
  EXPECT_EQ(message(R"({"format":"fm-program","version":4,"backend":"dnnl",)"
                    R"("cpu":"x86-64","features":["sse2",3],"entries":[]})"),
            "manifest has a malformed target feature");
  EXPECT_EQ(message(withEntry(R"({"name":"f","inputs":[],"results":[]})")),
            "<parsed>");
  EXPECT_EQ(message(withEntry(R"({"inputs":[],"results":[]})")),
            "manifest has an entry point without a name, inputs or results");
  for (llvm::StringRef bad :
       {"tensor<3xi16>", "tensor<axf32>", "tensor<3f32>", "tensor<-1xf32>",
        "i32", "tensor<3x?f32>", "tensor<>", "tensor<3x>"})
    EXPECT_EQ(message(withEntry(R"({"name":"f","inputs":[],"results":[)"
                                R"({"type":")" +
                                bad.str() + R"("}]})")),
              "manifest: entry point 'f' has a malformed result")
        << bad.str();
  // Types of every element type parse; a value needs an object with a type,
  // a known role, and a name where its role has one.
  for (llvm::StringRef good :
       {R"({"type":"tensor<2x?xf32>"})", R"({"type":"tensor<3xi32>"})",
        R"({"type":"tensor<4xi64>","role":"batch"})",
        R"({"type":"tensor<2xf64>","role":"param","name":"w"})"})
    EXPECT_EQ(message(withEntry(R"({"name":"f","inputs":[)" + good.str() +
                                R"(],"results":[]})")),
              "<parsed>")
        << good.str();
  for (llvm::StringRef bad :
       {R"("tensor<2xf32>")", R"({"role":"param"})",
        R"({"type":"tensor<2xf32>","role":"weights"})",
        R"({"type":"tensor<2xf32>","role":"param"})",
        R"({"type":"tensor<2xf32>","role":"opt_state","name":""})",
        R"({"type":"tensor<2xf32>","slot":7})"})
    EXPECT_EQ(message(withEntry(R"({"name":"f","inputs":[)" + bad.str() +
                                R"(],"results":[]})")),
              "manifest: entry point 'f' has a malformed input")
        << bad.str();
  EXPECT_EQ(message(withEntry(
                R"({"name":"f","role":"trainer","inputs":[],"results":[]})")),
            "manifest: entry point 'f' has an unknown role");
  EXPECT_EQ(
      message(withEntry(R"({"name":"f","steps":0,"inputs":[],"results":[]})")),
      "manifest: entry point 'f' has a malformed step count");
  EXPECT_EQ(message(withEntry(
                R"({"name":"f","time_grid":[0],"inputs":[],"results":[]})")),
            "manifest: entry point 'f' has a malformed time grid");
  EXPECT_EQ(
      message(withEntry(
          R"({"name":"f","time_grid":[0,"a"],"inputs":[],"results":[]})")),
      "manifest: entry point 'f' has a malformed time grid");
}

TEST(ManifestTest, CodeForAnotherCpuIsRefusedBeforeItRuns) {
  Manifest manifest;
  manifest.cpu = "future-cpu";
  manifest.features = {"sse2"};
  llvm::Error err = checkRunsOnHost(manifest);
  EXPECT_FALSE(static_cast<bool>(err)) << toString(std::move(err));

  manifest.features = {"sse2", "fm-not-a-feature", "fm-nor-this"};
  err = checkRunsOnHost(manifest);
  ASSERT_TRUE(static_cast<bool>(err));
  std::string message = toString(std::move(err));
  EXPECT_NE(message.find("compiled for a 'future-cpu' CPU"), std::string::npos)
      << message;
  EXPECT_NE(message.find("lacks fm-not-a-feature, fm-nor-this"),
            std::string::npos)
      << message;
}
