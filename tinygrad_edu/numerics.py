"""Numerically careful numpy functions shared by the engine, nn and viz (each written once)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

try:  # numpy has no erf; scipy's is vectorised, math.erf per element is the fallback
    from scipy.special import erf as _scipy_erf
except ImportError:  # pragma: no cover - depends on the environment
    _scipy_erf = None


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x) computed as exp(-log(1 + e^-x)), so x << 0 neither overflows nor warns."""
    return np.exp(-np.logaddexp(0, -x))


def erf(x: Any) -> Any:
    """The error function erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, in x's float dtype."""
    x = np.asarray(x)
    if _scipy_erf is not None:
        out = _scipy_erf(x)
    else:  # pragma: no cover
        out = np.vectorize(math.erf, otypes=[np.float64])(x)
    out = np.asarray(out).astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)
    return out[()] if out.ndim == 0 else out
