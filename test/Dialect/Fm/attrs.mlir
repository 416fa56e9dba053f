// RUN: fm-opt %s | FileCheck %s
// RUN: fm-opt %s | fm-opt | FileCheck %s
// RUN: fm-opt %s --mlir-print-op-generic | fm-opt | FileCheck %s

/// Every scheduler attribute round-trips. Parameters print in their shortest
/// exact form with a decimal point; VP parameters equal to their defaults
/// (beta_min = 0.1, beta_max = 20.0) are elided.

// CHECK-LABEL: func.func @cond_ot()
// CHECK-SAME: s = #fm.cond_ot
func.func @cond_ot() attributes {s = #fm.cond_ot} { return }

// CHECK-LABEL: func.func @poly()
// CHECK-SAME: s = #fm.poly<2.0>
func.func @poly() attributes {s = #fm.poly<2.0>} { return }

// CHECK-LABEL: func.func @poly_shortest_form()
// CHECK-SAME: s = #fm.poly<0.3>
func.func @poly_shortest_form() attributes {s = #fm.poly<3.0e-1>} { return }

// CHECK-LABEL: func.func @poly_small()
// CHECK-SAME: s = #fm.poly<1.0e-05>
func.func @poly_small() attributes {s = #fm.poly<0.00001>} { return }

// CHECK-LABEL: func.func @vp_all_defaults()
// CHECK-SAME: s = #fm.vp}
func.func @vp_all_defaults() attributes {s = #fm.vp<beta_min = 0.1, beta_max = 20.0>} { return }

// CHECK-LABEL: func.func @vp_bare()
// CHECK-SAME: s = #fm.vp}
func.func @vp_bare() attributes {s = #fm.vp} { return }

// CHECK-LABEL: func.func @vp_any_order()
// CHECK-SAME: s = #fm.vp<beta_min = 0.5, beta_max = 10.0>
func.func @vp_any_order() attributes {s = #fm.vp<beta_max = 10.0, beta_min = 0.5>} { return }

// CHECK-LABEL: func.func @vp_max_only()
// CHECK-SAME: s = #fm.vp<beta_max = 12.5>
func.func @vp_max_only() attributes {s = #fm.vp<beta_max = 12.5>} { return }

// CHECK-LABEL: func.func @linear_vp()
// CHECK-SAME: s = #fm.linear_vp
func.func @linear_vp() attributes {s = #fm.linear_vp} { return }

// CHECK-LABEL: func.func @cosine()
// CHECK-SAME: s = #fm.cosine
func.func @cosine() attributes {s = #fm.cosine} { return }
