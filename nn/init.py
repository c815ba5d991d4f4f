"""Weight initialisation, in place on a Value (its dtype is kept), using the library's generator.

Why the scale matters. A unit computes y = sum_i w_i x_i over fan_in inputs. With independent
zero-mean weights and inputs, Var(y) = fan_in * Var(w) * E[x^2]. If Var(w) is too small the
signal (and, backwards, the gradient) shrinks layer after layer: it vanishes; too large and it
explodes. Each scheme picks Var(w) so the variance stays constant through depth:

- Xavier/Glorot (2010), for tanh and sigmoid (roughly linear around 0): keep both the forward
  activations and the backward gradients steady, a compromise between fan_in and fan_out:
  Var(w) = 2 / (fan_in + fan_out).
- He/Kaiming (2015), for ReLU: ReLU zeroes half its inputs, so E[relu(x)^2] = Var(x) / 2;
  doubling the weight variance compensates: Var(w) = 2 / fan_in. Xavier under ReLU halves the
  variance at every layer, and a deep ReLU net with it barely trains.

A uniform U(-a, a) has variance a^2 / 3, so the uniform versions use a = sqrt(3 Var(w)).
`gain` multiplies the standard deviation (He already contains ReLU's factor 2).

Constant initialisation (zeros_, constant_) breaks learning in hidden layers: every unit of a
layer then computes the same output, receives the same gradient and takes the same step, so the
units stay identical forever (the symmetry is never broken) and the layer is as good as one
unit. Random initialisation exists to break that symmetry. Zeros are fine for biases.

fan_in / fan_out follow PyTorch: Linear weight (out, in) has fan_in = in, fan_out = out; a
Conv weight (out, in, kh, kw) has fan_in = in*kh*kw, fan_out = out*kh*kw.
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu import Value, get_rng

__all__ = ["xavier_uniform_", "xavier_normal_", "he_uniform_", "he_normal_", "kaiming_uniform_",
           "kaiming_normal_", "normal_", "uniform_", "zeros_", "ones_", "constant_",
           "calculate_fan_in_and_fan_out"]


def _calculate_fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of `shape` = (out, in, *kernel), as torch computes them."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    return int(shape[1]) * receptive, int(shape[0]) * receptive


calculate_fan_in_and_fan_out = _calculate_fan_in_and_fan_out


def _fill(v: Value, data: np.ndarray) -> Value:
    """Write `data` into v, keeping v's shape and dtype (the same Value object: optimizers see it)."""
    arr = np.asarray(data, dtype=v.dtype).reshape(v.shape)
    v.data = arr if arr.ndim else arr[()]
    return v


def normal_(v: Value, mean: float = 0.0, std: float = 1.0) -> Value:
    """w ~ N(mean, std^2)."""
    return _fill(v, get_rng().normal(mean, std, size=v.shape))


def uniform_(v: Value, a: float = 0.0, b: float = 1.0) -> Value:
    """w ~ U(a, b)."""
    return _fill(v, get_rng().uniform(a, b, size=v.shape))


def zeros_(v: Value) -> Value:
    """w = 0. Fine for biases; for weights every unit stays identical (see the module docstring)."""
    return _fill(v, np.zeros(v.shape))


def ones_(v: Value) -> Value:
    """w = 1 (BatchNorm's scale)."""
    return _fill(v, np.ones(v.shape))


def constant_(v: Value, value: float) -> Value:
    """w = value everywhere: symmetric, so every unit of a layer computes and learns the same thing."""
    return _fill(v, np.full(v.shape, value))


def xavier_uniform_(v: Value, gain: float = 1.0) -> Value:
    """Glorot uniform: w ~ U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)), so
    Var(w) = gain^2 * 2 / (fan_in + fan_out): keeps variance steady for tanh/sigmoid."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(v.shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(v, -a, a)


def xavier_normal_(v: Value, gain: float = 1.0) -> Value:
    """Glorot normal: w ~ N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(v.shape)
    return normal_(v, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def he_uniform_(v: Value, gain: float = 1.0) -> Value:
    """He uniform: w ~ U(-a, a), a = gain * sqrt(6 / fan_in), so Var(w) = gain^2 * 2 / fan_in:
    keeps variance steady through ReLU, which zeroes half the units."""
    fan_in, _ = _calculate_fan_in_and_fan_out(v.shape)
    a = gain * math.sqrt(6.0 / fan_in)
    return uniform_(v, -a, a)


def he_normal_(v: Value, gain: float = 1.0) -> Value:
    """He normal: w ~ N(0, std^2), std = gain * sqrt(2 / fan_in) (the ReLU choice)."""
    fan_in, _ = _calculate_fan_in_and_fan_out(v.shape)
    return normal_(v, 0.0, gain * math.sqrt(2.0 / fan_in))


kaiming_uniform_ = he_uniform_
kaiming_normal_ = he_normal_


# Names accepted by the layers' `init=` argument.
INITIALIZERS = {
    "he": he_normal_,
    "he_normal": he_normal_,
    "he_uniform": he_uniform_,
    "kaiming": he_normal_,
    "xavier": xavier_uniform_,
    "xavier_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_,
    "glorot": xavier_uniform_,
    "normal": lambda v: normal_(v, 0.0, 0.01),  # the classic "small random numbers"
    "zeros": zeros_,
    "ones": ones_,
}


def initialize(v: Value, init: str | object) -> Value:
    """Apply an initializer given by name (see INITIALIZERS; "normal" is N(0, 0.01^2)) or as a
    callable taking the Value."""
    if callable(init):
        init(v)
        return v
    key = str(init).lower().replace("-", "_")
    if key not in INITIALIZERS:
        raise ValueError(f"unknown init {init!r}; valid names: {', '.join(INITIALIZERS)}")
    return INITIALIZERS[key](v)
