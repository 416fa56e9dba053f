// The flow, trainer and samplers of examples/moons-declarative.mlir, for a
// network that fm-import-onnx writes: the file holds no network, and
// referencing @velocity makes it a program once the import is prepended.
//
//   fm-import-onnx examples/onnx/moons_velocity.onnx -o net.mlir
//   cat net.mlir examples/onnx/moons-flow.mlir > moons-onnx.mlir
//   fm-run train moons-onnx.mlir --steps 10000 -o moons.safetensors

fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]

fm.trainer @train_step flow(@moons) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(256)

fm.sampler @sample_euler flow(@moons) solver(euler)
fm.sampler @sample_midpoint flow(@moons) solver(midpoint)
