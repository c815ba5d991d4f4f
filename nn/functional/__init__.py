"""Fused primitives used by the layers and losses: `Function` subclasses with forward and
backward side by side (the engine's extension point)."""

from .linear import LinearFn, linear
from .loss import BCEFn, BCEWithLogitsFn, CrossEntropyFn
from .norm import BatchNormFn

__all__ = ["LinearFn", "linear", "BatchNormFn", "CrossEntropyFn", "BCEFn", "BCEWithLogitsFn"]
