"""Numerically careful numpy functions shared by the engine, nn and viz (each written once)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

try:  # numpy has no erf; scipy's is vectorised, math.erf per element is the fallback
    from scipy.special import erf as _scipy_erf
except ImportError:  # pragma: no cover - depends on the environment
    _scipy_erf = None


def sigmoid(x: Any, out: np.ndarray | None = None) -> Any:
    """1 / (1 + e^-x), accurate to rounding for every x (a value near 0 keeps its relative
    precision in float32, which 0.5 (1 + tanh(x/2)) rounds away), without overflow warnings.

    Computed as exp(-log(1 + e^-x)); with `out` (which may be x itself: in place, no temporaries,
    as in a recurrent cell's loop) as torch does, 1 / (1 + e^-x) with e^-x = inf giving 0: the
    same values to a few ulps (down to the smallest normal number), in cheaper ufuncs."""
    if out is None:
        return np.exp(-np.logaddexp(0, -x))
    with np.errstate(over="ignore"):
        return sigmoid_into(x, out)


def sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sigmoid(x, out) for a caller that already ignores overflow (np.errstate(over="ignore")
    around a loop: entering errstate costs more than the four ufuncs on a recurrent cell's gates)."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def erf(x: Any) -> Any:
    """The error function erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, in x's float dtype."""
    x = np.asarray(x)
    if _scipy_erf is not None:
        out = _scipy_erf(x)
    else:  # pragma: no cover
        out = np.vectorize(math.erf, otypes=[np.float64])(x)
    out = np.asarray(out).astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)
    return out[()] if out.ndim == 0 else out
