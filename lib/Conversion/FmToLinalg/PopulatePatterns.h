//===- PopulatePatterns.h - The fm-to-linalg patterns by family -*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Private to lib/Conversion/FmToLinalg: one populate function per family of
// fm ops, each defined in its own file. The public entry point,
// populateFmToLinalgConversionPatterns (fm/Conversion/FmToLinalg/
// FmToLinalg.h), adds them all.
//
//===----------------------------------------------------------------------===//

#ifndef FM_CONVERSION_FMTOLINALG_POPULATEPATTERNS_H
#define FM_CONVERSION_FMTOLINALG_POPULATEPATTERNS_H

namespace mlir {
class RewritePatternSet;

namespace fm {

/// fm.path_sample and fm.convert_prediction (Paths.cpp).
void populateFmPathToLinalgPatterns(RewritePatternSet &patterns);

/// fm.mse_loss and fm.adam_update (Training.cpp).
void populateFmTrainingToLinalgPatterns(RewritePatternSet &patterns);

/// fm.integrate and fm.ode_step (ODE.cpp).
void populateFmODEToLinalgPatterns(RewritePatternSet &patterns);

/// fm.softmax, fm.log_softmax, fm.generalized_kl_loss and
/// fm.cross_entropy_loss (Discrete.cpp).
void populateFmDiscreteToLinalgPatterns(RewritePatternSet &patterns);

/// fm.random_uniform, fm.random_normal, fm.random_logit_normal,
/// fm.random_tokens, fm.random_categorical, fm.mixture_sample and
/// fm.mixture_euler_step (Random.cpp).
void populateFmRandomToLinalgPatterns(RewritePatternSet &patterns);

} // namespace fm
} // namespace mlir

#endif // FM_CONVERSION_FMTOLINALG_POPULATEPATTERNS_H
