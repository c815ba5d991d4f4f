"""tinygrad_edu: an autograd engine you can read in an afternoon and still train real networks with.

    >>> from tinygrad_edu import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a ** 2        # builds a graph
    >>> c.backward()              # dc/da = b + 2a = 1, dc/db = a = 2
    >>> float(a.grad), float(b.grad)
    (1.0, 2.0)
"""

from .anomaly import AnomalyError, detect_anomaly
from .function import Function, unbroadcast
from .functional import concat, maximum, minimum, stack, where
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .mode import enable_grad, is_grad_enabled, no_grad
from .rng import get_rng, manual_seed
from .value import Value, topological_order

__version__ = "0.1.0"

__all__ = [
    "Value", "Function", "unbroadcast", "topological_order", "no_grad", "enable_grad",
    "is_grad_enabled", "manual_seed", "get_rng", "maximum", "minimum", "where", "concat", "stack",
    "gradcheck", "numerical_grad", "GradcheckError", "detect_anomaly", "AnomalyError",
]
