//===- JVPTest.cpp - Forward mode against reverse mode on moons -----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The transpose identity <w, J·v> = <Jᵀ·w, v> between fm.jvp and fm.vjp of
// the moons velocity network (examples/moons.mlir, float32), compiled and
// run for every backend this build has.
//
//===----------------------------------------------------------------------===//

#include "fm/Driver/Compile.h"

#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace fmrt;
using namespace mlir::fm;

namespace {

/// @velocity's inputs: x, t, then the four layers' weights and biases.
const std::vector<std::vector<int64_t>> kShapes = {
    {-1, 2}, {-1}, {64, 3}, {64}, {64, 64}, {64}, {64, 64}, {64}, {2, 64}, {2}};

/// The MLIR type of an input of shape `shape` (-1: the dynamic batch).
std::string typeOf(const std::vector<int64_t> &shape) {
  std::string type = "tensor<";
  for (int64_t d : shape)
    type += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return type + "f32>";
}

/// `prefix0: type0, prefix1: type1, ...` over the inputs from `first`.
std::string params(const std::string &prefix, size_t first = 0) {
  std::string out;
  for (size_t i = first; i < kShapes.size(); ++i)
    out += (out.empty() ? "" : ", ") + prefix + std::to_string(i) + ": " +
           typeOf(kShapes[i]);
  return out;
}

/// `prefix0, prefix1, ...`, or their types.
std::string names(const std::string &prefix) {
  std::string out;
  for (size_t i = 0; i < kShapes.size(); ++i)
    out += (i ? ", " : "") + prefix + std::to_string(i);
  return out;
}
std::string types() {
  std::string out;
  for (size_t i = 0; i < kShapes.size(); ++i)
    out += (i ? ", " : "") + typeOf(kShapes[i]);
  return out;
}

/// examples/moons.mlir and three entry points over its @velocity: the JVP
/// along tangents of every input, the JVP along tangents of x and t alone
/// (the parameters' tangents are constant zeros, fm-autodiff's known-zero
/// path) and the VJP of a cotangent w.
std::string program() {
  auto file = llvm::MemoryBuffer::getFile(FM_SOURCE_DIR "/examples/moons.mlir");
  if (!file)
    return "";
  std::string source = (*file)->getBuffer().str();
  std::string v = "tensor<?x2xf32>";
  source += "\nfunc.func @jvp_all(" + params("%x") + ", " + params("%d") +
            ") -> " + v + " {\n  %v, %dv = fm.jvp @velocity(" + names("%x") +
            ") tangents(" + names("%d") + ") : (" + types() + "), (" + types() +
            ") -> (" + v + ", " + v + ")\n  return %dv : " + v + "\n}\n";
  std::string zeros, tangents = "%d0, %d1";
  for (size_t i = 2; i < kShapes.size(); ++i) {
    zeros += "  %d" + std::to_string(i) +
             " = arith.constant dense<0.0> : " + typeOf(kShapes[i]) + "\n";
    tangents += ", %d" + std::to_string(i);
  }
  source += "\nfunc.func @jvp_data(" + params("%x") +
            ", %d0: " + typeOf(kShapes[0]) + ", %d1: " + typeOf(kShapes[1]) +
            ") -> " + v + " {\n" + zeros + "  %v, %dv = fm.jvp @velocity(" +
            names("%x") + ") tangents(" + tangents + ") : (" + types() +
            "), (" + types() + ") -> (" + v + ", " + v +
            ")\n  return %dv : " + v + "\n}\n";
  source += "\nfunc.func @vjp(" + params("%x") + ", %w: " + v + ") -> (" +
            types() + ") {\n  %v, " + names("%g") + " = fm.vjp @velocity(" +
            names("%x") + ") cotangents(%w) : (" + types() + "), (" + v +
            ") -> (" + v + ", " + types() + ")\n  return " + names("%g") +
            " : " + types() + "\n}\n";
  return source;
}

/// Deterministic data of every input (batch `n`): PyTorch-like weights
/// U(−1/√fan_in, 1/√fan_in), points and directions N(0, 1), t ∈ [0, 1).
std::vector<std::vector<float>> draw(unsigned seed, int64_t n, bool unit) {
  std::mt19937 gen(seed);
  std::vector<std::vector<float>> values;
  for (size_t i = 0; i < kShapes.size(); ++i) {
    int64_t count = 1;
    for (int64_t d : kShapes[i])
      count *= d < 0 ? n : d;
    // Layer (i − 2) / 2's weight is input 2 + 2·layer, [out, in].
    double fanIn = i < 2 ? 1.0 : kShapes[2 + (i - 2) / 2 * 2][1];
    std::uniform_real_distribution<float> weight(-1 / std::sqrt(fanIn),
                                                 1 / std::sqrt(fanIn));
    std::uniform_real_distribution<float> time(0, 1);
    std::normal_distribution<float> normal;
    std::vector<float> v(count);
    for (float &x : v)
      x = unit || i == 0 ? normal(gen) : i == 1 ? time(gen) : weight(gen);
    values.push_back(std::move(v));
  }
  return values;
}

/// The shape of input `i` with batch `n`.
std::vector<int64_t> shapeOf(size_t i, int64_t n) {
  std::vector<int64_t> shape = kShapes[i];
  for (int64_t &d : shape)
    d = d < 0 ? n : d;
  return shape;
}

/// Σ a·b in double, and Σ |a·b|.
std::pair<double, double> dot(const std::vector<float> &a,
                              const std::vector<float> &b) {
  double sum = 0, abs = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    sum += double(a[k]) * b[k];
    abs += std::abs(double(a[k]) * b[k]);
  }
  return {sum, abs};
}

/// The backends this build can run.
std::vector<Backend> backends() {
  std::vector<Backend> out = {Backend::Linalg};
  if (isBackendAvailable(Backend::Dnnl))
    out.push_back(Backend::Dnnl);
  return out;
}

/// <w, J·v> = <Jᵀ·w, v> on @velocity with every input's tangent, and with
/// x's and t's alone (the parameters' tangents constant zeros). Both sides
/// are float32 sums of about 4·64 rounded products per element; the
/// difference is bounded by a small multiple of 64·2⁻²⁴ ≈ 4e-6 times the
/// sum of the absolute terms. 1e-4 of that sum leaves room for the four
/// layers; a wrong rule is off by O(1).
TEST(JVPTest, TransposeIdentityOnTheMoonsVelocity) {
  std::string source = program();
  ASSERT_FALSE(source.empty()) << "cannot read examples/moons.mlir";
  const int64_t n = 16;
  for (Backend backend : backends()) {
    SCOPED_TRACE(std::string(backendName(backend)));
    driver::CompileOptions options;
    options.backend = backend;
    auto compiled = driver::compile(source, "moons-jvp.mlir", options);
    ASSERT_TRUE(static_cast<bool>(compiled)) << toString(compiled.takeError());
    Program &prog = **compiled;

    std::vector<std::vector<float>> inputs = draw(1, n, false);
    std::vector<std::vector<float>> tangents = draw(2, n, true);
    std::vector<float> w = draw(3, n, true)[0];

    std::vector<Argument> args;
    for (size_t i = 0; i < inputs.size(); ++i)
      args.push_back(TensorRef{inputs[i].data(), shapeOf(i, n)});
    std::vector<Argument> jvpArgs = args, dataArgs = args, vjpArgs = args;
    for (size_t i = 0; i < tangents.size(); ++i)
      jvpArgs.push_back(TensorRef{tangents[i].data(), shapeOf(i, n)});
    for (size_t i = 0; i < 2; ++i)
      dataArgs.push_back(TensorRef{tangents[i].data(), shapeOf(i, n)});
    vjpArgs.push_back(TensorRef{w.data(), {n, 2}});

    std::vector<float> jv(n * 2), jvData(n * 2);
    llvm::Error err =
        prog.call("jvp_all", jvpArgs, {TensorRef{jv.data(), {n, 2}}});
    ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    err = prog.call("jvp_data", dataArgs, {TensorRef{jvData.data(), {n, 2}}});
    ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    std::vector<std::vector<float>> grads;
    std::vector<Destination> gradDests;
    for (size_t i = 0; i < kShapes.size(); ++i)
      grads.emplace_back(inputs[i].size());
    for (size_t i = 0; i < kShapes.size(); ++i)
      gradDests.push_back(TensorRef{grads[i].data(), shapeOf(i, n)});
    err = prog.call("vjp", vjpArgs, gradDests);
    ASSERT_FALSE(static_cast<bool>(err)) << toString(std::move(err));

    auto [forward, forwardAbs] = dot(w, jv);
    double reverse = 0, reverseAbs = 0;
    for (size_t i = 0; i < kShapes.size(); ++i) {
      auto [sum, abs] = dot(grads[i], tangents[i]);
      reverse += sum;
      reverseAbs += abs;
    }
    double scale = forwardAbs + reverseAbs;
    double error = std::abs(forward - reverse) / scale;
    EXPECT_LE(error, 1e-4) << "<w, J·v> = " << forward
                           << ", <Jᵀ·w, v> = " << reverse
                           << ", sum of |terms| = " << scale;
    EXPECT_GT(std::abs(forward), 1e-2 * forwardAbs)
        << "the test's directions cancel: <w, J·v> = " << forward;

    auto [dataForward, dataForwardAbs] = dot(w, jvData);
    auto [dx, dxAbs] = dot(grads[0], tangents[0]);
    auto [dt, dtAbs] = dot(grads[1], tangents[1]);
    double dataScale = dataForwardAbs + dxAbs + dtAbs;
    double dataError = std::abs(dataForward - (dx + dt)) / dataScale;
    EXPECT_LE(dataError, 1e-4) << "<w, J_(x,t)·v> = " << dataForward
                               << ", <Jᵀ·w, v>_(x,t) = " << dx + dt
                               << ", sum of |terms| = " << dataScale;
    std::printf("[ %s ] <w, J·v> = %.9g, <Jᵀ·w, v> = %.9g, relative "
                "difference %.3g; x and t only: %.9g, %.9g, %.3g\n",
                std::string(backendName(backend)).c_str(), forward, reverse,
                error, dataForward, dx + dt, dataError);
  }
}

} // namespace
