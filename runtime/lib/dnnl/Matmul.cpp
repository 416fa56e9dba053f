//===- Matmul.cpp - fmrt_dnnl_matmul on oneDNN's matmul primitive ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt_dnnl_matmul (DnnlAbi.def) on oneDNN 2.6's C++ API: checks the call,
// normalizes its memrefs to views, runs narrow products and the ELU epilogue
// in the layer's own loops where they apply (Loops.h), converts the operands
// to bf16 in BF16 math (Bf16.cpp), and otherwise executes the cached matmul
// primitive for the call's key (Cache.cpp) with the bias and activation as
// post-ops.
//
// oneDNN reports errors with C++ exceptions (dnnl::error): the one that
// creating a primitive may throw is caught here and turned into a message
// and abort(), since compiled code cannot receive errors.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cassert>
#include <cstring>
#include <memory>
#include <vector>

using namespace fmrt::dnnl;
using namespace fmrt::dnnl::detail;

namespace {

//===----------------------------------------------------------------------===//
// Memref views
//===----------------------------------------------------------------------===//

/// The view of a 2-D memref. Strides of unit dimensions, and all strides of
/// an empty memref, mean nothing, and oneDNN rejects some values (0), so
/// they are replaced by dense row-major strides; then equal layouts get
/// equal keys. Negative strides and broadcasts (stride 0 along a dimension
/// of size > 1) are not supported: the compiler never passes them.
View makeView(const StridedMemRefType<float, 2> *m, const char *fn,
              const char *name) {
  if (!m)
    fatal("%s: memref '%s' is null", fn, name);
  int64_t rows = m->sizes[0], cols = m->sizes[1];
  int64_t rowStride = m->strides[0], colStride = m->strides[1];
  if (rows < 0 || cols < 0)
    fatal("%s: memref '%s' has negative sizes [%lld, %lld]", fn, name,
          static_cast<long long>(rows), static_cast<long long>(cols));
  if (rows == 0 || cols == 0)
    return {rows, cols, cols, 1, m->data};
  if (cols == 1)
    colStride = 1;
  if (rows == 1)
    rowStride = cols * colStride;
  if (rowStride <= 0 || colStride <= 0)
    fatal("%s: memref '%s' [%lld, %lld] has strides [%lld, %lld]; only "
          "positive strides are supported",
          fn, name, static_cast<long long>(rows), static_cast<long long>(cols),
          static_cast<long long>(m->strides[0]),
          static_cast<long long>(m->strides[1]));
  if (!m->data)
    fatal("%s: memref '%s' [%lld, %lld] has no data", fn, name,
          static_cast<long long>(rows), static_cast<long long>(cols));
  return {rows, cols, rowStride, colStride, m->data + m->offset};
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// oneDNN's algorithm and (alpha, beta) for an activation.
struct Algorithm {
  onednn::algorithm kind;
  float alpha, beta;
};

Algorithm algorithmFor(int64_t activation, float alpha, const char *fn) {
  using A = onednn::algorithm;
  switch (static_cast<Activation>(activation)) {
  case Activation::None:
    return {A::eltwise_linear, 1.0f, 0.0f};
  case Activation::Relu:
    return {A::eltwise_relu, 0.0f, 0.0f};
  case Activation::Elu:
    return {A::eltwise_elu, alpha, 0.0f};
  case Activation::GeluTanh:
    return {A::eltwise_gelu_tanh, 0.0f, 0.0f};
  case Activation::GeluErf:
    return {A::eltwise_gelu_erf, 0.0f, 0.0f};
  case Activation::Silu:
    return {A::eltwise_swish, 1.0f, 0.0f};
  case Activation::Tanh:
    return {A::eltwise_tanh, 0.0f, 0.0f};
  case Activation::Sigmoid:
    return {A::eltwise_logistic, 0.0f, 0.0f};
  }
  fatal("%s: unsupported activation %lld (0 none, 1 relu, 2 elu, "
        "3 gelu_tanh, 4 gelu_erf, 5 silu, 6 tanh, 7 sigmoid)",
        fn, static_cast<long long>(activation));
}

/// The bits of a float, for keys.
int64_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

/// A matmul over op(A) = `a`, op(B) = `b` (f32 views, or their bf16 copies'
/// layouts with `bf16`) and a dense bias, arguments in the order src,
/// weights, bias, dst.
Entry createMatmul(const View &a, const View &b, const View &c, int64_t flags,
                   const Algorithm &act, bool hasActivation, bool bf16) {
  using dt = onednn::memory::data_type;
  Entry entry;
  if (bf16) {
    View a16 = bf16Layout(a), b16 = bf16Layout(b);
    entry.descs[0] = onednn::memory::desc({a.rows, a.cols}, dt::bf16,
                                          {a16.rowStride, a16.colStride});
    entry.descs[1] = onednn::memory::desc({b.rows, b.cols}, dt::bf16,
                                          {b16.rowStride, b16.colStride});
  } else {
    entry.descs[0] = a.desc();
    entry.descs[1] = b.desc();
  }
  entry.descs[3] = c.desc();
  entry.argIds = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, 0, DNNL_ARG_DST};

  onednn::primitive_attr attr;
  onednn::post_ops postOps;
  if (flags & kMatmulAccumulate)
    postOps.append_sum(1.0f);
  if (hasActivation)
    postOps.append_eltwise(1.0f, act.kind, act.alpha, act.beta);
  attr.set_post_ops(postOps);

  std::unique_ptr<onednn::matmul::desc> desc;
  if (flags & kMatmulBias) {
    entry.argIds[2] = DNNL_ARG_BIAS;
    entry.descs[2] = onednn::memory::desc({1, c.cols}, dt::f32, {c.cols, 1});
    desc = std::make_unique<onednn::matmul::desc>(
        entry.descs[0], entry.descs[1], entry.descs[2], entry.descs[3]);
  } else {
    desc = std::make_unique<onednn::matmul::desc>(
        entry.descs[0], entry.descs[1], entry.descs[3]);
  }
  entry.primitive =
      onednn::matmul(onednn::matmul::primitive_desc(*desc, attr, cpuEngine()));
  return entry;
}

void matmul(StridedMemRefType<float, 2> *aRef,
            StridedMemRefType<float, 2> *bRef,
            StridedMemRefType<float, 1> *biasRef,
            StridedMemRefType<float, 2> *cRef, int64_t flags,
            int64_t activation, float alpha) {
  static constexpr const char *fn = "fmrt_dnnl_matmul";
  if (flags & ~(kMatmulTransposeA | kMatmulTransposeB | kMatmulBias |
                kMatmulAccumulate))
    fatal("%s: unknown flags 0x%llx (1 transpose A, 2 transpose B, 4 bias, "
          "8 accumulate)",
          fn, static_cast<unsigned long long>(flags));
  Algorithm act = algorithmFor(activation, alpha, fn);
  if ((flags & kMatmulAccumulate) && activation != 0)
    fatal("%s: accumulation (flags & 8) needs activation 0, not %lld", fn,
          static_cast<long long>(activation));

  View a = makeView(aRef, fn, "a"), b = makeView(bRef, fn, "b");
  View c = makeView(cRef, fn, "c");
  if (flags & kMatmulTransposeA)
    a = a.transposed();
  if (flags & kMatmulTransposeB)
    b = b.transposed();
  if (a.cols != b.rows || a.rows != c.rows || b.cols != c.cols)
    fatal("%s: op(A) is %lldx%lld and op(B) is %lldx%lld but C is %lldx%lld "
          "(flags %lld)",
          fn, static_cast<long long>(a.rows), static_cast<long long>(a.cols),
          static_cast<long long>(b.rows), static_cast<long long>(b.cols),
          static_cast<long long>(c.rows), static_cast<long long>(c.cols),
          static_cast<long long>(flags));
  float *biasData = nullptr;
  int64_t biasStride = 0;
  if (flags & kMatmulBias) {
    if (!biasRef)
      fatal("%s: flags ask for a bias but the bias memref is null", fn);
    if (biasRef->sizes[0] != c.cols)
      fatal("%s: bias has %lld elements but C has %lld columns", fn,
            static_cast<long long>(biasRef->sizes[0]),
            static_cast<long long>(c.cols));
    biasStride = c.cols <= 1 ? 1 : biasRef->strides[0];
    if (biasStride <= 0)
      fatal("%s: bias stride %lld is not supported", fn,
            static_cast<long long>(biasStride));
    biasData = biasRef->data + biasRef->offset;
  }
  if (c.rows == 0 || c.cols == 0)
    return;
  // oneDNN 2.6.3's matmul reads the bias as dense whatever its descriptor
  // says (measured: a stride-3 bias gave wrong sums), so a strided bias is
  // copied first.
  if (biasStride > 1) {
    thread_local std::vector<float> denseBias;
    denseBias.resize(static_cast<size_t>(c.cols));
    for (int64_t j = 0; j < c.cols; ++j)
      denseBias[j] = biasData[j * biasStride];
    biasData = denseBias.data();
  }

  // The layer's own loops split C's rows (or a narrow product's wide
  // dimension) between threads at any depth. What they cost is the
  // product's FLOP and, per element of C, the activation's: about
  // kActivationFlop FLOP of this core's FMA time (ELU's polynomial takes
  // about 9 cycles a vector of 8 floats on an AVX2 core, where the FMAs do
  // 32 FLOP a cycle), which is most of a shallow input layer's work.
  constexpr int64_t kActivationFlop = 32;
  int64_t flop = 2 * c.rows * c.cols * a.cols;
  int64_t ownWork =
      flop + (activation != 0 ? kActivationFlop * c.rows * c.cols : 0);
  // bf16 pays only with products to compute: K = 0 stays in f32. Narrow
  // products without an activation, in f32 math: the layer's own loops.
  bool bf16 = getMathMode() == MathMode::BF16 && a.cols > 0;
  bool own = ownLoops();
  if (!bf16 && activation == 0 && own &&
      narrowMatmul(a.operand(), b.operand(), c.operand(), biasData,
                   (flags & kMatmulAccumulate) != 0, threadsFor(ownWork)))
    return;
  // Products with a B of at most kTiledWeights floats (hidden layers up to
  // 256 wide, shallow input layers) and more than kNarrowOutput columns:
  // the layer's register tiles, the bias added and the activation applied
  // while each tile's rows are in the first-level cache. They beat or tie
  // oneDNN's gemm:jit at these shapes on an AVX2 core, most clearly with an
  // activation (`fm-bench-dnnl layers`, bench/RESULTS.md). Wider
  // layers' panels (4 MB at 1024×1024) no longer fit the second-level
  // cache, where oneDNN's blocking of K keeps its operands.
  constexpr int64_t kTiledWeights = 256 * 256;
  if (!bf16 && own && !(flags & kMatmulAccumulate) && c.cols > kNarrowOutput &&
      a.cols * b.cols <= kTiledWeights &&
      blockedMatmul(a.operand(), b.operand(), c.operand(), biasData,
                    static_cast<Activation>(activation), alpha,
                    threadsFor(ownWork)))
    return;
  // oneDNN: a product as shallow as a network's input layer (K = 3 for
  // moons-like data) writes its whole output for a few multiply-adds per
  // element, and oneDNN 2.6.3 runs it slower on two threads than on one
  // (4096×3·3×256 with SiLU: 0.40 ms against 0.087 ms, bench/RESULTS.md):
  // one thread.
  constexpr int64_t kParallelDepth = 16;
  int threads = threadsFor(a.cols < kParallelDepth ? 0 : flop);
  // ELU over C's rows: the layer's loop after the plain product, as fast as
  // oneDNN's post-op on one thread and exact near 0, where the post-op's
  // exp(x) - 1 is not. It runs on the product's threads, each element the
  // same way on any number, so that results do not depend on the count.
  bool ownElu = activation == static_cast<int64_t>(Activation::Elu) && own &&
                c.colStride == 1;
  // SiLU likewise: oneDNN's swish post-op is the slower of the two where
  // measured (an AVX2 core, bench/RESULTS.md).
  bool ownSilu = activation == static_cast<int64_t>(Activation::Silu) && own &&
                 c.colStride == 1;
  int64_t fused = ownElu || ownSilu ? 0 : activation;

  bool hasActivation = fused != 0;
  // The first word names the primitive's kind (1: matmul).
  Key key;
  key.words = {1,
               a.rows,
               a.cols,
               b.cols,
               a.rowStride,
               a.colStride,
               b.rowStride,
               b.colStride,
               c.rowStride,
               c.colStride,
               flags,
               fused,
               fused == static_cast<int64_t>(Activation::Elu) ? floatBits(alpha)
                                                              : 0,
               bf16,
               threads};
  Bound *bound;
  try {
    bound = &lookup(key, [&] {
      return createMatmul(a, b, c, flags, act, hasActivation, bf16);
    });
  } catch (const onednn::error &e) {
    fatal("%s: oneDNN could not create an M=%lld N=%lld K=%lld matmul "
          "(flags %lld, activation %lld): %s",
          fn, static_cast<long long>(a.rows), static_cast<long long>(b.cols),
          static_cast<long long>(a.cols), static_cast<long long>(flags),
          static_cast<long long>(activation), e.what());
  }

  void *aData = a.data, *bData = b.data;
  if (bf16) {
    thread_local std::vector<uint16_t> aBuffer, bBuffer;
    aBuffer.resize(static_cast<size_t>(a.rows * a.cols));
    bBuffer.resize(static_cast<size_t>(b.rows * b.cols));
    convertToBf16(a, aBuffer.data());
    convertToBf16(b, bBuffer.data());
    aData = aBuffer.data();
    bData = bBuffer.data();
  }
  bound->execute({aData, bData, biasData, c.data});
  if (ownElu) {
    [[maybe_unused]] bool done = eluInPlace(c.operand(), alpha, threads);
    assert(done && "ownElu checked the loop's conditions");
  }
  if (ownSilu) {
    [[maybe_unused]] bool done = siluInPlace(c.operand(), threads);
    assert(done && "ownSilu checked the loop's conditions");
  }
}

} // namespace

extern "C" void _mlir_ciface_fmrt_dnnl_matmul(StridedMemRefType<float, 2> *a,
                                              StridedMemRefType<float, 2> *b,
                                              StridedMemRefType<float, 1> *bias,
                                              StridedMemRefType<float, 2> *c,
                                              int64_t flags, int64_t activation,
                                              float alpha) {
  matmul(a, b, bias, c, flags, activation, alpha);
}
