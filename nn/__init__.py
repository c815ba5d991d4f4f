"""nn: neural networks on the tinygrad_edu engine.

    from nn import MLP, cross_entropy
    model = MLP(64, [128, 64], 10)
    loss = cross_entropy(model(X), y)
    loss.backward()

Layers, activations, losses and the training loop are importable from `nn` directly; the
submodules `nn.init`, `nn.data`, `nn.text`, `nn.scalar` and `nn.diagnostics` hold the rest.
`nn` depends only on numpy, the standard library and `tinygrad_edu` (never on `optim` or `viz`).
"""

from . import charlm, data, diagnostics, init, scalar, text
from .activations import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    get_activation,
)
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    GradientClipping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .layers import (  # sequence models, convolution and pooling families, LayerNorm
    GRU,
    LSTM,
    MLP,
    RNN,
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    Dropout,
    Embedding,
    Flatten,
    GRUCell,
    Identity,
    LayerNorm,
    Linear,
    LSTMCell,
    MaxPool1d,
    MaxPool2d,
    RNNCell,
    Sequential,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)
from .module import Module
from .training import History, evaluate, fit, predict

__all__ = [
    "Module", "Linear", "Sequential", "MLP", "Dropout", "BatchNorm1d", "BatchNorm2d", "Flatten", "Conv2d", "MaxPool2d",
    "Embedding",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softplus", "GELU", "Softmax", "get_activation",
    "SiLU", "Mish", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "SELU", "CELU", "LogSigmoid", "Softsign",
    "Softmin",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "hinge_loss",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HingeLoss", "l1_penalty", "l2_penalty",
    "NLLLoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "KLDivLoss",
    "fit", "evaluate", "predict", "History", "Callback", "EarlyStopping", "LearningRateScheduler",
    "GradientClipping", "CSVLogger", "ModelCheckpoint", "TerminateOnNaN", "ReduceLROnPlateau",
    "init", "data", "text", "scalar", "diagnostics", "charlm",
]
__all__ += ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell", "Conv1d", "Conv3d", "ConvTranspose1d",
            "ConvTranspose2d", "MaxPool1d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
            "LayerNorm", "Identity"]
