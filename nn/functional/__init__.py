"""Fused primitives used by the layers and losses: `Function` subclasses with forward and
backward side by side (the engine's extension point)."""

from tinygrad_edu import one_hot, pad  # the engine's ops, under torch.nn.functional's names

from .attention import scaled_dot_product_attention
from .conv import (
    Conv1dFn,
    Conv2dFn,
    Conv3dFn,
    ConvTranspose1dFn,
    ConvTranspose2dFn,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
)
from .embedding import EmbeddingFn, embedding
from .interpolate import interpolate, upsample
from .linear import LinearFn, linear
from .loss import (
    BCEFn,
    BCEWithLogitsFn,
    CrossEntropyFn,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .norm import BatchNormFn, LayerNormFn, layer_norm
from .pool import (
    AvgPoolFn,
    MaxPool2dFn,
    MaxPoolFn,
    MaxPoolTiledFn,
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .rnn import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell

__all__ = ["LinearFn", "linear", "BatchNormFn", "CrossEntropyFn", "BCEFn", "BCEWithLogitsFn",
           "Conv2dFn", "conv2d", "MaxPool2dFn", "max_pool2d", "EmbeddingFn", "embedding",
           "Conv1dFn", "Conv3dFn", "ConvTranspose1dFn", "ConvTranspose2dFn", "conv1d", "conv3d", "conv_transpose1d",
           "conv_transpose2d", "MaxPoolFn", "MaxPoolTiledFn", "AvgPoolFn", "max_pool1d", "max_pool3d", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "interpolate", "upsample", "LayerNormFn",
           "layer_norm", "rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"]
__all__ += ["nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss",
            "smooth_l1_loss", "kl_div", "l1_loss", "mse_loss", "one_hot", "pad", "scaled_dot_product_attention"]
