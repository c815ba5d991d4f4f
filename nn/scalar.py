"""Scalar-mode networks, micrograd style: every weight and activation is its own scalar Value.

    model = MLP(2, [16, 16, 1])       # 2 inputs, two hidden layers of 16, one output
    score = model([0.5, -1.2])        # a scalar Value
    score.backward()                  # every weight's .grad is filled

Slow by nature (one graph node per number), ideal for drawing and reading the graph. To stay
fast, a neuron's weighted sum w.x + b is one graph node (`Dot`) instead of 2*nin nodes of
multiplies and adds; the math is the same. `fused=False` builds micrograd's exact graph
(w1*x1 + w2*x2 + ... + b, one node per multiply and add), the one to draw when teaching.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu import Function, Value, get_rng

from .module import Module

__all__ = ["Neuron", "Layer", "MLP", "Dot"]


class Dot(Function):
    """y = sum_i w_i x_i + b over scalar Values w_1..w_n, x_1..x_n, b (as 2n + 1 inputs).

    dy/dw_i = x_i,   dy/dx_i = w_i,   dy/db = 1.
    """

    name = "dot"

    def forward(self, *args):
        n = (len(args) - 1) // 2
        w = np.array(args[:n], dtype=np.float64)
        x = np.array(args[n:2 * n], dtype=np.float64)
        self.saved = (w, x)
        return np.float64(w @ x + args[-1])

    def backward(self, grad):
        w, x = self.saved
        return (*(x * grad), *(w * grad), grad)

    def composite(self, *args):
        """The same sum as micrograd writes it (a Mul per input, a chain of Adds): under create_graph."""
        n = (len(args) - 1) // 2
        out = args[-1]
        for wi, xi in zip(args[:n], args[n:2 * n]):
            out = out + wi * xi
        return out


class Neuron(Module):
    """One unit: act(w . x + b), act = ReLU when `nonlin` (micrograd's choice), else identity.
    Weights start uniform in [-1, 1), the bias at 0."""

    def __init__(self, nin: int, nonlin: bool = True, fused: bool = True) -> None:
        rng = get_rng()
        self.w = [Value(float(v)) for v in rng.uniform(-1, 1, size=int(nin))]
        self.b = Value(0.0)
        self.nonlin = nonlin
        self.fused = fused

    def forward(self, x: Sequence[Any]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        if self.fused:
            act = Dot.apply(*self.w, *x, self.b)
        else:  # micrograd's graph: one Mul per input, a chain of Adds
            act = self.b
            for wi, xi in zip(self.w, x):
                act = act + wi * xi
        return act.relu() if self.nonlin else act

    def extra_repr(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}, nin={len(self.w)}"

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns a list of Values (a single Value if nout == 1)."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(int(nout))]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        # numbers become constant Values here, once, rather than in each neuron's op (nout times)
        x = [xi if isinstance(xi, Value) else Value(xi, requires_grad=False) for xi in x]
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """`MLP(nin, nouts)`: layers of sizes nouts, ReLU on all but the last (linear) layer.

    Input: a sequence of numbers or scalar Values (a 1-D numpy array works too)."""

    def __init__(self, nin: int, nouts: Sequence[int], fused: bool = True) -> None:
        sizes = [int(nin), *[int(n) for n in nouts]]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, fused=fused)
                       for i in range(len(nouts))]

    def forward(self, x: Any) -> Value | list[Value]:
        if isinstance(x, np.ndarray):
            x = x.tolist()
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):
                x = [x] if layer is not self.layers[-1] else x
        return x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
