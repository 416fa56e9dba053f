//===- Abi.cpp - The symbols of the oneDNN layer's C ABI ------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::dnnl::forEachAbiFunction: DnnlAbi.def's functions by symbol and
// address, so that a JIT resolves exactly the table's functions.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Dnnl.h"

void fmrt::dnnl::forEachAbiFunction(void (*callback)(const char *symbolName,
                                                     void *address, void *user),
                                    void *user) {
#define FM_DNNL_ABI_FUNCTION(name, params)                                     \
  callback("_mlir_ciface_" #name,                                              \
           reinterpret_cast<void *>(&_mlir_ciface_##name), user);
#include "fm/Runtime/DnnlAbi.def"
}
