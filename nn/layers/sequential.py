"""Sequential: layers applied one after the other, and a Keras-style `summary`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import no_grad

from ..module import Module


class Sequential(Module):
    """`Sequential(l0, l1, ...)(x) = ...l1(l0(x))`.

    Children are named by position ("0", "1", ...) as in `torch.nn.Sequential`, so the first
    layer's weight is "0.weight". Supports `len`, iteration, `model[i]` and slices.
    """

    def __init__(self, *layers: Module) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self._n = 0
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> Sequential:
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential: layer {self._n} is a {type(layer).__name__}, not a Module")
        setattr(self, str(self._n), layer)
        self._n += 1
        return self

    def forward(self, x: Any) -> Any:
        for i in range(self._n):
            x = getattr(self, str(i))(x)
        return x

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Module]:
        return (getattr(self, str(i)) for i in range(self._n))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*list(self)[index])
        i = index + self._n if index < 0 else index
        if not 0 <= i < self._n:
            raise IndexError(f"Sequential: index {index} out of range for {self._n} layers")
        return getattr(self, str(i))

    def summary(self, input_shape: tuple[int, ...] | int, print_fn: Any = None) -> str:
        """A Keras-style table of layers, output shapes and parameter counts; returns the text.

        `input_shape` excludes the batch dimension (Keras: `(4,)` for 4 features). Output
        shapes come from running a dummy batch of 2 under `no_grad()` in eval mode (so
        BatchNorm's running statistics are untouched); the batch dimension shows as None.
        Param # counts trainable parameters plus non-trainable floating buffers (BatchNorm's
        running mean/var), as Keras does. Printed when `print_fn` is given (e.g. `print`).
        """
        if isinstance(input_shape, (int, np.integer)):
            input_shape = (int(input_shape),)
        input_shape = tuple(int(n) for n in input_shape)
        x: Any = np.zeros((2, *input_shape), dtype=_first_dtype(self))
        if self._n and type(self[0]).__name__ == "Embedding":
            x = np.zeros((2, *input_shape), dtype=np.int64)
        modes = [(m, m.training) for m in self.modules()]
        rows = []
        try:
            self.eval()
            with no_grad():
                for i, layer in enumerate(self):
                    x = layer(x)
                    trainable, frozen = _counts(layer)
                    shape = "(None, " + ", ".join(str(n) for n in np.shape(x)[1:]) + ")"
                    shape = shape.replace(", )", ")") if np.ndim(x) > 1 else "(None,)"
                    rows.append((f"{i} ({type(layer).__name__})", shape, trainable + frozen))
        finally:
            for m, mode in modes:
                m.__dict__["training"] = mode
        trainable, frozen = _counts(self)
        width = (29, 26, 12)
        line = "_" * sum(width)
        out = [f'Model: "{type(self).__name__}"', line,
               " " + "Layer (type)".ljust(width[0] - 1) + "Output Shape".ljust(width[1]) + "Param #",
               "=" * sum(width)]
        for name, shape, n in rows:
            out.append(" " + name.ljust(width[0] - 1) + shape.ljust(width[1]) + str(n))
        out.append("=" * sum(width))
        out += [f"Total params: {trainable + frozen}", f"Trainable params: {trainable}",
                f"Non-trainable params: {frozen}", line]
        text = "\n".join(out)
        if print_fn is not None:
            print_fn(text)
        return text


def _counts(module: Module) -> tuple[int, int]:
    trainable = module.num_parameters()
    frozen = sum(b.size for b in module.buffers() if b.dtype.kind == "f")
    return trainable, frozen


def _first_dtype(module: Module) -> Any:
    for p in module.parameters():
        return p.dtype
    return np.float64

