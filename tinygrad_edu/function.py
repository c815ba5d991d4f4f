"""`Function`: one differentiable primitive, its forward and its local derivative side by side.

Every built-in op is a `Function` subclass, and so is any op you add::

    from tinygrad_edu import Function, Value

    class Cube(Function):
        '''y = x**3;  dy/dx = 3 x**2'''
        def forward(self, x):
            return x ** 3
        def backward(self, grad):
            (x,) = self.inputs()
            return grad * 3 * x ** 2          # chain rule: dL/dx = dL/dy * dy/dx

    y = Cube.apply(Value(2.0))                 # Value(data=8.0, ...), y.op == "cube"

`forward` receives numpy data (arrays or numpy scalars) and returns numpy data. `backward`
receives dL/d(output) and returns dL/d(input) for each input (a tuple when there are several;
`None` for an input that needs no gradient). Keyword options given to `apply` go to `forward`
(and are kept in `self.options`).

One rule, two passes. In backward, `self.inputs()` and `self.output()` give numpy data in the
plain pass, and the Values themselves under `backward(create_graph=True)`, where `grad` is a
Value too. Written with operators and `tinygrad_edu.dispatch` functions (which take either), the
same rule then records a graph, and gradients of gradients come out. A backward that uses
numpy functions on `self.saved` still works for first derivatives. A fused op may instead
define `composite(self, *inputs, **options)`, the same result built from other ops: under
create_graph the engine differentiates the composite.
"""

from __future__ import annotations

import sys
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .inplace import CLOCK, PENDING
from .mode import MODE

if TYPE_CHECKING:
    from .value import Value


class _Slotted(type):
    """Gives the library's own ops an empty `__slots__` (unless they declare theirs).

    A graph holds one Function per op (a million in a deep chain), and a class without
    `__slots__` adds an instance dict and a weakref pointer to each. A Function subclass
    defined outside the package keeps Python's usual instance dict, so your own op may set any
    attribute it likes."""

    def __new__(mcls, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> type:
        if namespace.get("__module__", "").startswith(_PACKAGE):
            namespace.setdefault("__slots__", ())
        return super().__new__(mcls, name, bases, namespace, **kwargs)


_PACKAGE = __name__.rpartition(".")[0] + "."


def _rare(key: str, default: Any, doc: str) -> property:
    """An attribute few ops set, kept in the op's `_extra` dict (made on first set)."""

    def get(self: Function) -> Any:
        return default if self._extra is None else self._extra.get(key, default)

    def set(self: Function, value: Any) -> None:
        if self._extra is None:
            self._extra = {}
        self._extra[key] = value

    return property(get, set, doc=doc)


class Function(metaclass=_Slotted):
    """Base class of every primitive op. Subclassing registers the op in `Function.registry`."""

    # The fields every op uses, `_extra` (None, or a dict of the rare fields below) and
    # `_pending`, where a backward pass gathers the gradient of this op's output (autograd.py).
    __slots__ = ("parents", "saved", "out", "stamp", "_extra", "_pending")
    options = _rare("options", MappingProxyType({}), "The keyword options given to apply (read-only {} if none).")
    created_at = _rare("created_at", None, "Where the user's code made this op (under detect_anomaly()).")
    user_op = _rare("user_op", "", "The composite the user called, e.g. 'sqrt' for its pow (anomaly mode).")
    name: ClassVar[str] = "function"
    registry: ClassVar[dict[str, type[Function]]] = {}
    # Does backward read the inputs' data? (Add does not: changing x after z = x + y is harmless.)
    saves_inputs: ClassVar[bool] = True
    saves_output: ClassVar[bool] = False  # does it read its own result (tanh: 1 - y^2)?

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.__dict__.get("name", cls.__name__.lower())
        Function.registry[cls.name] = cls

    def forward(self, *inputs: Any, **options: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Any) -> Any:
        raise NotImplementedError

    def inputs(self) -> tuple:
        """The operands: numpy data in the plain backward pass, Values under create_graph."""
        ps = self.parents
        if type(self.out) is Value:
            return ps
        if len(ps) == 2:  # the common binary op, without a generator
            return ps[0]._data, ps[1]._data
        return tuple([p._data for p in ps])

    def output(self) -> Any:
        """The result of forward: numpy data in the plain pass, the output Value under create_graph."""
        return self.out

    def needs_grad(self, i: int) -> bool:
        """Does input i want a gradient? Lets backward skip work (and log() of a constant base)."""
        return self.parents[i].requires_grad

    @classmethod
    def rule(cls) -> str:
        """The op's formula and local derivative: the first paragraph of its docstring."""
        doc = (cls.__doc__ or cls.name).strip().split("\n\n")[0]
        return " ".join(doc.split())

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Value:
        """Run the op on Values (numbers and arrays become constants) and record it in the graph."""
        # Plain loops rather than any()/all() generators: this is the hottest code in the library.
        for x in inputs:
            if type(x) is not Value:
                inputs = _as_values(inputs)
                break
        mode = MODE.__dict__  # this thread's switches, read once (a thread-local lookup is slow)
        record = False
        if mode["grad_enabled"]:
            for x in inputs:
                if x.requires_grad:
                    record = True
                    break
        ctx = cls()
        ctx.parents = inputs
        ctx._extra = ctx._pending = None
        try:
            n = len(inputs)
            if options:
                ctx.options = options
                data = ctx.forward(*[x._data for x in inputs], **options)
            elif n == 2:  # the usual binary op, without building an argument list
                data = ctx.forward(inputs[0]._data, inputs[1]._data)
            elif n == 1:
                data = ctx.forward(inputs[0]._data)
            else:
                data = ctx.forward(*[x._data for x in inputs])
        except (ValueError, IndexError) as e:
            raise _op_error(cls.name, inputs, e) from None
        if not isinstance(data, (np.ndarray, np.generic)):  # a user op returned a float or a list
            data = coerce_data(data, copy=False)
        ctx.out = data
        ctx.stamp = CLOCK[0]
        out = object.__new__(Value)  # Value._make inlined: one fewer call per op
        out._data = data
        out._grad = out._extra = None
        out.label = ""
        if record:
            PENDING[0] = True  # a backward is to come: handing out .data now takes a fingerprint
            out._ctx = ctx
            out.requires_grad = True
        else:
            out._ctx = None
            out.requires_grad = False
        if mode["anomaly"]:
            ctx.created_at = _user_line()
            ctx.user_op = mode["user_op"]
            check_finite(data, "produced NaN/Inf in its forward output", ctx)
        return out


# --- helpers for apply -------------------------------------------------------------------------

def _as_values(inputs: tuple) -> tuple:
    """Wrap non-Value operands as constants; Python numbers take the dtype of the Value operand
    (numpy's weak-scalar rule: float32 * 2.0 stays float32)."""
    if len(inputs) == 2:  # the usual binary op (z * 2.0), without a list
        a, b = inputs
        if isinstance(a, Value):
            return a, (b if isinstance(b, Value) else Value._constant(b, a))
        if isinstance(b, Value):
            return Value._constant(a, b), b
    like = None
    for x in inputs:
        if isinstance(x, Value):
            like = x
            break
    return tuple([x if isinstance(x, Value) else Value._constant(x, like) for x in inputs])


def _op_error(name: str, args: tuple, err: Exception) -> Exception:
    shapes = " and ".join(str(a.shape) for a in args)
    msg = f"{name}: {err} (input shapes {shapes})"
    return IndexOutOfRange(msg) if isinstance(err, IndexError) else ValueError(msg)


class IndexOutOfRange(IndexError, ValueError):
    """An index out of range: both an IndexError (Python's convention) and a ValueError."""


_PACKAGE_DIRS: tuple[str, ...] = ()


def _user_line() -> str:
    """'file:line: code' of the first caller outside the library: where the user created the op."""
    import linecache
    import os

    global _PACKAGE_DIRS
    if not _PACKAGE_DIRS:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        _PACKAGE_DIRS = tuple(os.path.join(root, p) + os.sep for p in ("tinygrad_edu", "nn", "optim", "viz"))
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIRS):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}: {code}"


def op_name(ctx: Function) -> str:
    """What the user wrote and the primitive: 'sqrt: pow' for the pow inside x.sqrt()."""
    user = ctx.user_op
    return f"{user}: {ctx.name}" if user and user != ctx.name else ctx.name


def check_finite(data: Any, message: str, ctx: Function) -> None:
    if not np.all(np.isfinite(data)):
        from .anomaly import AnomalyError

        where = ctx.created_at or "<created outside detect_anomaly()>"
        raise AnomalyError(f"{op_name(ctx)} {message}; the op was created at {where}")


from .dispatch import unbroadcast  # noqa: E402, F401  (public here since v1; lives with the other dual functions)
from .value import Value, coerce_data  # noqa: E402  (Value needs Function; imported last to break the cycle)
