//===- Blas.cpp - Matrix products with cuBLASLt, loaded with dlopen -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// `fmrt_cuda_matmul` (fm/Runtime/CudaAbi.h) on cuBLASLt, loaded on first use
// with dlopen (libcublasLt.so.13, .so.12, or the path in FM_CUBLASLT). As in
// Driver.cpp, the library's types and constants are spelled here with their
// cublasLt.h values, since the CUDA toolkit is not a Debian package.
//
// cuBLASLt is column-major and our buffers row-major. A row-major [R, C]
// matrix with row stride s is the column-major [C, R] matrix with leading
// dimension s, its transpose; so C = op(A)·op(B) is computed as
// Cᵀ = op(B)ᵀ·op(A)ᵀ, with cuBLASLt's A and B our b and a. The bias ([N],
// one per column of C) is then one per row of Cᵀ, as cuBLASLt's bias
// epilogues add it.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "fm/Runtime/Cuda.h"
#include "fm/Runtime/CudaAbi.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <string>

using namespace fmrt;
using fmrt::cuda::MemRefF32;
using fmrt::cuda::detail::recordError;
using fmrt::cuda::detail::resolve;

namespace {

using cublasStatus = int;
constexpr cublasStatus kBlasSuccess = 0;
/// cublasComputeType_t: CUBLAS_COMPUTE_32F; cudaDataType_t: CUDA_R_32F.
constexpr int kCompute32F = 68, kDataR32F = 0;
/// cublasOperation_t.
constexpr int32_t kOpN = 0, kOpT = 1;
/// cublasLtMatmulDescAttributes_t.
constexpr int kDescTransA = 3, kDescTransB = 4, kDescEpilogue = 7,
              kDescBiasPointer = 8;
/// cublasLtEpilogue_t.
constexpr uint32_t kEpilogueDefault = 1, kEpilogueRelu = 2, kEpilogueBias = 4,
                   kEpilogueGelu = 32;
/// The workspace cuBLASLt may use per product (NVIDIA recommends 32 MiB on
/// Hopper).
constexpr size_t kWorkspaceBytes = size_t{32} << 20;

struct BlasApi {
  cublasStatus (*create)(void **);
  const char *(*statusString)(cublasStatus);
  cublasStatus (*descCreate)(void **, int, int);
  cublasStatus (*descDestroy)(void *);
  cublasStatus (*descSetAttribute)(void *, int, const void *, size_t);
  cublasStatus (*layoutCreate)(void **, int, uint64_t, uint64_t, int64_t);
  cublasStatus (*layoutDestroy)(void *);
  cublasStatus (*matmul)(void *, void *, const void *, const void *, void *,
                         const void *, void *, const void *, const void *,
                         void *, void *, void *, const void *, void *, size_t,
                         void *);
};

/// The loaded library and its handle, or why there is none.
struct Blas {
  BlasApi api = {};
  Status status;
  void *handle = nullptr;
  void *workspace = nullptr;
};

Blas loadBlas() {
  Blas blas;
  if (Status status = cuda::load(); !status.ok()) {
    blas.status = status;
    return blas;
  }
  const char *override = std::getenv("FM_CUBLASLT");
  std::string tried;
  void *library = nullptr;
  for (std::string path :
       {override && *override ? std::string(override) : std::string(),
        std::string("libcublasLt.so.13"), std::string("libcublasLt.so.12")}) {
    if (path.empty() || library)
      continue;
    library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char *why = ::dlerror();
      tried += "\n  " + path + (why ? std::string(": ") + why : "");
    }
  }
  if (!library) {
    blas.status = Status::error("no cuBLASLt for the GPU's matrix products "
                                "(set FM_CUBLASLT to its path); tried:" +
                                tried);
    return blas;
  }
  BlasApi &api = blas.api;
  const char *missing = nullptr;
  auto need = [&](const char *symbol, auto &fn) {
    if (!missing && !resolve(library, symbol, fn))
      missing = symbol;
  };
  need("cublasLtCreate", api.create);
  need("cublasLtGetStatusString", api.statusString);
  need("cublasLtMatmulDescCreate", api.descCreate);
  need("cublasLtMatmulDescDestroy", api.descDestroy);
  need("cublasLtMatmulDescSetAttribute", api.descSetAttribute);
  need("cublasLtMatrixLayoutCreate", api.layoutCreate);
  need("cublasLtMatrixLayoutDestroy", api.layoutDestroy);
  need("cublasLtMatmul", api.matmul);
  if (missing) {
    blas.status = Status::error(std::string("cuBLASLt lacks ") + missing);
    return blas;
  }
  if (cublasStatus s = api.create(&blas.handle); s != kBlasSuccess) {
    blas.status = Status::error(std::string("cannot start cuBLASLt: ") +
                                api.statusString(s));
    return blas;
  }
  blas.status = cuda::allocate(kWorkspaceBytes, &blas.workspace);
  return blas;
}

const Blas &blas() {
  static const Blas loaded = loadBlas();
  return loaded;
}

/// A row-major [rows, cols] operand as a column-major [cols, rows] matrix:
/// its leading dimension (the row stride, which a single row may leave
/// anything), or 0 where the rows are not contiguous.
int64_t leadingDimension(const MemRefF32<2> &m) {
  int64_t rows = m.sizes[0], cols = m.sizes[1];
  if (cols > 1 && m.strides[1] != 1)
    return 0;
  int64_t ld = rows <= 1 ? std::max<int64_t>(cols, 1) : m.strides[0];
  return ld >= std::max<int64_t>(cols, 1) ? ld : 0;
}

/// Destroys cuBLASLt descriptors at the end of a call.
struct Descriptors {
  const BlasApi &api;
  void *matmul = nullptr, *a = nullptr, *b = nullptr, *c = nullptr;
  ~Descriptors() {
    for (void *layout : {a, b, c})
      if (layout)
        api.layoutDestroy(layout);
    if (matmul)
      api.descDestroy(matmul);
  }
};

} // namespace

extern "C" void _mlir_ciface_fmrt_cuda_matmul(MemRefF32<2> *a, MemRefF32<2> *b,
                                              MemRefF32<1> *bias,
                                              MemRefF32<2> *c, int64_t flags,
                                              int64_t activation,
                                              float /*alpha*/) {
  const Blas &lib = blas();
  if (!lib.status.ok()) {
    recordError("a matrix product on the GPU: " + lib.status.message());
    return;
  }
  bool ta = flags & kMatmulTransposeA, tb = flags & kMatmulTransposeB;
  bool accumulate = flags & kMatmulAccumulate, hasBias = flags & kMatmulBias;
  int64_t m = ta ? a->sizes[1] : a->sizes[0];
  int64_t k = ta ? a->sizes[0] : a->sizes[1];
  int64_t n = tb ? b->sizes[0] : b->sizes[1];
  int64_t kb = tb ? b->sizes[1] : b->sizes[0];
  auto fail = [](const std::string &why) {
    recordError("fmrt_cuda_matmul: " + why);
  };
  if (k != kb || c->sizes[0] != m || c->sizes[1] != n ||
      (hasBias && bias->sizes[0] != n))
    return fail("operand shapes do not agree");
  if (m == 0 || n == 0)
    return;
  uint32_t epilogue = kEpilogueDefault;
  switch (static_cast<Activation>(activation)) {
  case Activation::None:
    epilogue = hasBias ? kEpilogueBias : kEpilogueDefault;
    break;
  case Activation::Relu:
    epilogue = kEpilogueRelu | (hasBias ? kEpilogueBias : 0);
    break;
  case Activation::GeluTanh:
    epilogue = kEpilogueGelu | (hasBias ? kEpilogueBias : 0);
    break;
  default:
    return fail("activation " + std::to_string(activation) +
                " has no cuBLASLt epilogue");
  }
  if (k == 0)
    return fail("a product over an empty dimension is not supported");
  int64_t lda = leadingDimension(*a), ldb = leadingDimension(*b),
          ldc = leadingDimension(*c);
  if (!lda || !ldb || !ldc)
    return fail("an operand's rows are not contiguous");

  const BlasApi &api = lib.api;
  Descriptors d{api};
  auto ok = [&](cublasStatus s, const char *what) {
    if (s != kBlasSuccess)
      fail(std::string(what) + ": " + api.statusString(s));
    return s == kBlasSuccess;
  };
  // cuBLASLt's A is our b as op(B)ᵀ ([n, k]), its B our a as op(A)ᵀ
  // ([k, m]), its D our c as Cᵀ ([n, m]); a stored matrix is the transpose
  // of the row-major one, so an operand we read transposed is not
  // transposed there, and the other way round.
  int32_t opA = tb ? kOpT : kOpN, opB = ta ? kOpT : kOpN;
  if (!ok(api.descCreate(&d.matmul, kCompute32F, kDataR32F),
          "cublasLtMatmulDescCreate") ||
      !ok(api.descSetAttribute(d.matmul, kDescTransA, &opA, sizeof opA),
          "setting TRANSA") ||
      !ok(api.descSetAttribute(d.matmul, kDescTransB, &opB, sizeof opB),
          "setting TRANSB") ||
      !ok(api.descSetAttribute(d.matmul, kDescEpilogue, &epilogue,
                               sizeof epilogue),
          "setting the epilogue"))
    return;
  const float *biasData = hasBias ? bias->aligned + bias->offset : nullptr;
  if (hasBias && !ok(api.descSetAttribute(d.matmul, kDescBiasPointer, &biasData,
                                          sizeof biasData),
                     "setting the bias"))
    return;
  if (!ok(api.layoutCreate(&d.a, kDataR32F, tb ? k : n, tb ? n : k, ldb),
          "cublasLtMatrixLayoutCreate") ||
      !ok(api.layoutCreate(&d.b, kDataR32F, ta ? m : k, ta ? k : m, lda),
          "cublasLtMatrixLayoutCreate") ||
      !ok(api.layoutCreate(&d.c, kDataR32F, n, m, ldc),
          "cublasLtMatrixLayoutCreate"))
    return;
  float one = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  float *out = c->aligned + c->offset;
  ok(api.matmul(lib.handle, d.matmul, &one, b->aligned + b->offset, d.a,
                a->aligned + a->offset, d.b, &beta, out, d.c, out, d.c,
                /*algo=*/nullptr, lib.workspace, kWorkspaceBytes,
                cuda::stream()),
     "cublasLtMatmul");
}
