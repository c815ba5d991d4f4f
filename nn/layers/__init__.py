"""The layers, one idea per file."""

from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .mlp import MLP
from .norm import BatchNorm1d, BatchNorm2d
from .sequential import Sequential

__all__ = ["Linear", "Sequential", "MLP", "Dropout", "BatchNorm1d", "BatchNorm2d", "Flatten"]
