//===- DnnlAbiTest.cpp - The oneDNN layer's ABI table ---------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm/Runtime/DnnlAbi.def is the one table of the functions compiled code
// calls in the oneDNN layer. These tests check its consumers against it:
// forEachAbiFunction, which fills the JIT's symbol map, names every entry
// once, in the table's order, with the address of the function Dnnl.h
// declares; and fm-linalg-to-dnnl declares the function with the MLIR types
// that the table's vocabulary stands for, spelled out here as DnnlAbi.def
// documents them.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/DnnlAbi.h"
#include "fm/InitAll.h"
#include "fm/Runtime/Dnnl.h"
#include "fm/Target/CPU/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <iterator>
#include <set>
#include <string>
#include <vector>

using namespace fmrt::dnnl;

namespace {

//===----------------------------------------------------------------------===//
// The runtime side
//===----------------------------------------------------------------------===//

/// A symbol as forEachAbiFunction reports it.
struct Symbol {
  std::string name;
  void *address;
};

std::vector<Symbol> abiSymbols() {
  std::vector<Symbol> symbols;
  forEachAbiFunction(
      [](const char *name, void *address, void *user) {
        static_cast<std::vector<Symbol> *>(user)->push_back({name, address});
      },
      &symbols);
  return symbols;
}

/// The addresses of the prototypes that Dnnl.h generates from the table, in
/// its order.
std::vector<void *> declaredAddresses() {
  return {
#define FM_DNNL_ABI_FUNCTION(name, params)                                     \
  reinterpret_cast<void *>(&_mlir_ciface_##name),
#include "fm/Runtime/DnnlAbi.def"
  };
}

/// The table is sorted by name, names each function once and has at least
/// the function fm-linalg-to-dnnl emits.
TEST(DnnlAbi, TableIsSortedAndComplete) {
  ASSERT_GT(std::size(kAbiFunctions), 0u);
  for (size_t i = 1; i < std::size(kAbiFunctions); ++i)
    EXPECT_LT(std::string(kAbiFunctions[i - 1].name), kAbiFunctions[i].name);
  for (const AbiFunction &function : kAbiFunctions)
    EXPECT_EQ(lookupAbiFunction(function.name), &function) << function.name;
  ASSERT_NE(lookupAbiFunction("fmrt_dnnl_matmul"), nullptr);
  EXPECT_EQ(lookupAbiFunction("fmrt_dnnl_matmul")->numParams, 7u);
  EXPECT_EQ(lookupAbiFunction("fmrt_dnnl_eltwise_backward"), nullptr);
}

/// forEachAbiFunction reports each entry of the table once, in its order,
/// as `_mlir_ciface_<name>` with the address of the declared function, and
/// nothing else.
TEST(DnnlAbi, EnumeratesEveryFunctionWithItsAddress) {
  std::vector<Symbol> symbols = abiSymbols();
  std::vector<void *> declared = declaredAddresses();
  ASSERT_EQ(symbols.size(), std::size(kAbiFunctions));
  ASSERT_EQ(declared.size(), std::size(kAbiFunctions));
  std::set<void *> addresses;
  for (size_t i = 0; i < symbols.size(); ++i) {
    EXPECT_EQ(symbols[i].name,
              std::string("_mlir_ciface_") + kAbiFunctions[i].name);
    EXPECT_NE(symbols[i].address, nullptr) << symbols[i].name;
    EXPECT_EQ(symbols[i].address, declared[i]) << symbols[i].name;
    addresses.insert(symbols[i].address);
  }
  EXPECT_EQ(addresses.size(), symbols.size());
}

//===----------------------------------------------------------------------===//
// The compiler side
//===----------------------------------------------------------------------===//

/// Each AbiType as DnnlAbi.def documents it, in MLIR's syntax.
std::string spelling(AbiType type) {
  switch (type) {
  case AbiType::Memref2dF32:
    return "memref<?x?xf32, strided<[?, ?], offset: ?>>";
  case AbiType::Memref1dF32:
    return "memref<?xf32, strided<[?], offset: ?>>";
  case AbiType::I64:
    return "i64";
  case AbiType::F32:
    return "f32";
  case AbiType::Pointer:
    return "!llvm.ptr";
  }
  ADD_FAILURE() << "no spelling for AbiType " << static_cast<int>(type);
  return "none";
}

/// `function`'s type in MLIR's syntax: its parameters, no results.
std::string spelling(const AbiFunction &function) {
  std::string text = "(";
  for (size_t i = 0; i < function.numParams; ++i)
    text += (i ? ", " : "") + spelling(function.params[i]);
  return text + ") -> ()";
}

class DnnlAbiCompilerTest : public testing::Test {
protected:
  DnnlAbiCompilerTest() {
    mlir::DialectRegistry registry;
    mlir::fm::registerFmDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  mlir::MLIRContext context;
};

/// Every function of the table has a type in the vocabulary's spelling.
TEST_F(DnnlAbiCompilerTest, EveryFunctionTypeParses) {
  for (const AbiFunction &function : kAbiFunctions)
    EXPECT_TRUE(llvm::isa_and_present<mlir::FunctionType>(
        mlir::parseType(spelling(function), &context)))
        << function.name << ": " << spelling(function);
}

/// fm-linalg-to-dnnl declares fmrt_dnnl_matmul private, with
/// `llvm.emit_c_interface` and the table's type.
TEST_F(DnnlAbiCompilerTest, LinalgToDnnlDeclaresTheTablesType) {
  const char *source = R"mlir(
    #mk = affine_map<(m, n, k) -> (m, k)>
    #kn = affine_map<(m, n, k) -> (k, n)>
    #mn = affine_map<(m, n, k) -> (m, n)>
    func.func @product(%a: memref<4x8xf32>, %b: memref<8x5xf32>,
                       %c: memref<4x5xf32>) {
      linalg.generic {indexing_maps = [#mk, #kn, #mn],
                      iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>)
          outs(%c : memref<4x5xf32>) {
      ^bb0(%x: f32, %y: f32, %o: f32):
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %o, %p : f32
        linalg.yield %s : f32
      }
      return
    }
  )mlir";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  mlir::PassManager pm(&context);
  pm.addPass(mlir::fm::createFmLinalgToDnnl());
  ASSERT_TRUE(mlir::succeeded(pm.run(*module)));

  const AbiFunction *matmul = lookupAbiFunction("fmrt_dnnl_matmul");
  ASSERT_NE(matmul, nullptr);
  auto decl = module->lookupSymbol<mlir::func::FuncOp>(matmul->name);
  ASSERT_TRUE(decl) << "the pass declared no " << matmul->name;
  EXPECT_TRUE(decl.isExternal());
  EXPECT_TRUE(decl.isPrivate());
  EXPECT_TRUE(decl->hasAttr("llvm.emit_c_interface"));
  mlir::Type expected = mlir::parseType(spelling(*matmul), &context);
  ASSERT_TRUE(expected) << spelling(*matmul);
  std::string declared;
  llvm::raw_string_ostream(declared) << decl.getFunctionType();
  EXPECT_TRUE(mlir::Type(decl.getFunctionType()) == expected)
      << "declared " << declared << ", the table says " << spelling(*matmul);
  // The product became a call of it.
  int calls = 0;
  module->walk([&](mlir::func::CallOp call) {
    calls += call.getCallee() == matmul->name;
  });
  EXPECT_EQ(calls, 1);
}

} // namespace
