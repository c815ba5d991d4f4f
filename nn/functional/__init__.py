"""Fused primitives used by the layers and losses: `Function` subclasses with forward and
backward side by side (the engine's extension point)."""

from .conv import Conv2dFn, conv2d
from .embedding import EmbeddingFn, embedding
from .linear import LinearFn, linear
from .loss import BCEFn, BCEWithLogitsFn, CrossEntropyFn
from .norm import BatchNormFn
from .pool import MaxPool2dFn, max_pool2d

__all__ = ["LinearFn", "linear", "BatchNormFn", "CrossEntropyFn", "BCEFn", "BCEWithLogitsFn",
           "Conv2dFn", "conv2d", "MaxPool2dFn", "max_pool2d", "EmbeddingFn", "embedding"]
