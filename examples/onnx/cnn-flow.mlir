// A flow on 1x8x8 images for the network fm-import-onnx writes from
// cnn_velocity.onnx (export_cnn.py): prepend the import to make a program.
//
//   fm-import-onnx examples/onnx/cnn_velocity.onnx -o net.mlir
//   cat net.mlir examples/onnx/cnn-flow.mlir > cnn.mlir
//   fm-run train cnn.mlir --data images.npy --steps 1000 -o cnn.safetensors
//
// (images.npy: [N, 64] float32, each row an 8x8 image.)

fm.flow @images network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [1, 8, 8]

fm.trainer @train_step flow(@images) loss(mse) optimizer(#fm.adam<lr = 1.0e-3>)
    time(#fm.uniform) batch(32)

fm.sampler @sample_euler flow(@images) solver(euler)
