#!/usr/bin/env python3
"""Writes a flow-matching program for an MLP velocity network of any size.

usage: mlp.py --width W [--act elu|silu] [--batch B] [--dim D] [--lr LR]
              > program.mlir

The network is the seed's moons network with another width and activation:
v(x_t, t) = MLP(cat(t, x_t)), D+1 → W → W → W → D (three hidden layers),
parameters laid out and named as PyTorch's nn.Sequential of nn.Linear
(net.{0,2,4,6}.{weight,bias}); the flow, trainer (Adam, lr 1e-2 unless
--lr says otherwise, MSE, the CondOT path) and midpoint sampler are the
seed's. bench/scale.sh and
bench/gpu.sh compile what it writes; bench/pytorch_mlp.py is its PyTorch
twin.
"""
import argparse

ACTIVATIONS = {
    # ELU (α = 1): s > 0 ? s : eˢ − 1.
    "elu": """    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32""",
    # SiLU: s · sigmoid(s), sigmoid(s) = 1 / (1 + e⁻ˢ).
    "silu": """    %one = arith.constant 1.0 : f32
    %ns = arith.negf %s : f32
    %ex = math.exp %ns : f32
    %d = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %d : f32
    %r = arith.mulf %s, %sig : f32""",
}


def layer(name, n_in, n_out, act):
    body = ACTIVATIONS[act] if act else ""
    result = "%r" if act else "%s"
    return f"""
/// x·Wᵀ + b{", then " + act.upper() if act else ""}: {n_in} → {n_out}.
func.func private @{name}(%x: tensor<?x{n_in}xf32>, %w: tensor<{n_out}x{n_in}xf32>,
    %b: tensor<{n_out}xf32>) -> tensor<?x{n_out}xf32> {{
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x{n_in}xf32>
  %e = tensor.empty(%n) : tensor<?x{n_out}xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x{n_out}xf32>) -> tensor<?x{n_out}xf32>
  %xw = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%x, %w : tensor<?x{n_in}xf32>, tensor<{n_out}x{n_in}xf32>)
      outs(%z : tensor<?x{n_out}xf32>) -> tensor<?x{n_out}xf32>
  %y = linalg.generic {{indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%xw, %b : tensor<?x{n_out}xf32>, tensor<{n_out}xf32>) outs(%e : tensor<?x{n_out}xf32>) {{
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
{body + chr(10) if body else ""}    linalg.yield {result} : f32
  }} -> tensor<?x{n_out}xf32>
  return %y : tensor<?x{n_out}xf32>
}}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--act", choices=sorted(ACTIVATIONS), default="elu")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dim", type=int, default=2)
    parser.add_argument("--lr", default="1.0e-2")
    a = parser.parse_args()
    w, d, i = a.width, a.dim, a.dim + 1
    print(f"""// MLP velocity network, width {w}, {a.act.upper()}, batch {a.batch}:
// written by bench/mlp.py --width {w} --act {a.act} --batch {a.batch} --dim {d} --lr {a.lr}.

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>""")
    print(layer("input_layer", i, w, a.act), end="")
    print(layer("hidden_layer", w, w, a.act), end="")
    print(layer("output_layer", w, d, None), end="")
    print(f"""
func.func @velocity(
    %x: tensor<?x{d}xf32>, %t: tensor<?xf32>,
    %w0: tensor<{w}x{i}xf32> {{fm.name = "net.0.weight"}}, %b0: tensor<{w}xf32> {{fm.name = "net.0.bias"}},
    %w2: tensor<{w}x{w}xf32> {{fm.name = "net.2.weight"}}, %b2: tensor<{w}xf32> {{fm.name = "net.2.bias"}},
    %w4: tensor<{w}x{w}xf32> {{fm.name = "net.4.weight"}}, %b4: tensor<{w}xf32> {{fm.name = "net.4.bias"}},
    %w6: tensor<{d}x{w}xf32> {{fm.name = "net.6.weight"}}, %b6: tensor<{d}xf32> {{fm.name = "net.6.bias"}})
    -> tensor<?x{d}xf32> {{
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x{d}xf32>
  %tcol = tensor.expand_shape %t [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %in = tensor.concat dim(1) %tcol, %x : (tensor<?x1xf32>, tensor<?x{d}xf32>) -> tensor<?x{i}xf32>
  %h0 = func.call @input_layer(%in, %w0, %b0)
      : (tensor<?x{i}xf32>, tensor<{w}x{i}xf32>, tensor<{w}xf32>) -> tensor<?x{w}xf32>
  %h2 = func.call @hidden_layer(%h0, %w2, %b2)
      : (tensor<?x{w}xf32>, tensor<{w}x{w}xf32>, tensor<{w}xf32>) -> tensor<?x{w}xf32>
  %h4 = func.call @hidden_layer(%h2, %w4, %b4)
      : (tensor<?x{w}xf32>, tensor<{w}x{w}xf32>, tensor<{w}xf32>) -> tensor<?x{w}xf32>
  %v = func.call @output_layer(%h4, %w6, %b6)
      : (tensor<?x{w}xf32>, tensor<{d}x{w}xf32>, tensor<{d}xf32>) -> tensor<?x{d}xf32>
  return %v : tensor<?x{d}xf32>
}}

fm.flow @mlp network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [{d}]
fm.trainer @train_step flow(@mlp) loss(mse) optimizer(#fm.adam<lr = {a.lr}>)
    time(#fm.uniform) batch({a.batch})
fm.sampler @sample_midpoint flow(@mlp) solver(midpoint)""")


if __name__ == "__main__":
    main()
