"""tinygrad_edu: an autograd engine you can read in an afternoon and still train real networks with.

    >>> from tinygrad_edu import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a ** 2        # builds a graph
    >>> c.backward()              # dc/da = b + 2a = 1, dc/db = a = 2
    >>> float(a.grad), float(b.grad)
    (1.0, 2.0)
"""

from . import runtime  # noqa: F401  (first, before numpy loads: BLAS threads and malloc, see runtime.py)
from .anomaly import AnomalyError, detect_anomaly
from .autograd import BackwardStep, RemovableHandle, backward_steps, grad
from .function import Function, IndexOutOfRange, unbroadcast
from .functional import (
    celu,
    concat,
    einsum,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    index_put,
    lerp,
    logaddexp,
    logsigmoid,
    maximum,
    minimum,
    mish,
    normalize,
    one_hot,
    outer,
    pad,
    relu6,
    selu,
    silu,
    softmin,
    softplus,
    softsign,
    stack,
    where,
)
from .gradcheck import GradcheckError, gradcheck, gradcheck_report, gradgradcheck, numerical_grad
from .inplace import InplaceModificationError
from .mode import enable_grad, is_grad_enabled, no_grad
from .rng import get_rng, manual_seed
from .value import Value, topological_order

__version__ = "0.1.0"

from . import func  # noqa: E402  (the transforms build on everything above)

__all__ = [
    "Value", "Function", "func", "unbroadcast", "topological_order", "no_grad", "enable_grad",
    "is_grad_enabled", "manual_seed", "get_rng", "maximum", "minimum", "where", "concat", "stack",
    "index_put", "gradcheck", "gradgradcheck", "gradcheck_report", "numerical_grad", "GradcheckError",
    "detect_anomaly", "AnomalyError", "grad", "backward_steps", "BackwardStep", "RemovableHandle",
    "InplaceModificationError", "IndexOutOfRange",
    "einsum", "outer", "logaddexp", "lerp", "pad", "one_hot", "normalize", "gelu", "softplus", "silu", "logsigmoid",
    "hardtanh", "relu6", "hardsigmoid", "hardswish", "selu", "celu", "mish", "softsign", "softmin",
]
