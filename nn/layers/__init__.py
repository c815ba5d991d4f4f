"""The layers, one idea per file."""

from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .identity import Identity
from .linear import Linear
from .mlp import MLP
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .sequential import Sequential

__all__ = ["Linear", "Sequential", "MLP", "Dropout", "BatchNorm1d", "BatchNorm2d", "Flatten", "Conv2d",
           "MaxPool2d", "Embedding", "Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "LayerNorm",
           "Identity", "MaxPool1d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]
