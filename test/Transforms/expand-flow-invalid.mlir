// RUN: fm-opt %s --fm-expand-flow --split-input-file --verify-diagnostics

/// Each flow defines @init: a module holds one.

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-note @+1 {{the other flow}}
fm.flow @first network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.flow' op cannot be expanded next to flow 'first': each flow defines @init}}
fm.flow @second network(@v) path(#fm.cosine) source(gaussian) data_shape [2]

// -----

/// @init is taken by a function.

// expected-note @+1 {{the symbol @init}}
func.func @init() {
  return
}
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op cannot define @init: the module already has that symbol}}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// @init is taken by a sampler, which becomes a function of that name.

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op cannot define @init: the module already has that symbol}}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-note @+1 {{the symbol @init}}
fm.sampler @init flow(@f) solver(euler)
