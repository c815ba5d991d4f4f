"""The layers, one idea per file."""

from .conv import Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .linear import Linear
from .mlp import MLP
from .norm import BatchNorm1d, BatchNorm2d
from .pooling import MaxPool2d
from .sequential import Sequential

__all__ = ["Linear", "Sequential", "MLP", "Dropout", "BatchNorm1d", "BatchNorm2d", "Flatten", "Conv2d",
           "MaxPool2d", "Embedding"]
