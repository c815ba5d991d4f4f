"""A safe parser for math expressions typed by users: "tanh(x*w + b)" -> a Value graph.

    >>> from tinygrad_edu.expr import parse_expression
    >>> L = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    >>> L.backward()
    >>> L = parse_expression("sum(tanh(W @ x))", {"W": [[1, 2], [3, 4]], "x": [0.5, -1]})

Never `eval`: the text is parsed with Python's `ast` and only a whitelist is accepted: numbers,
small vector/matrix literals of numbers (`[1, 2]`, `[[1, 2], [3, 4]]`), names given in
`variables` (numbers or small matrices; plus the constants pi and e), the operators
+ - * / ** (elementwise, numpy broadcasting), @ (matrix product) and unary -, the transpose
`.T`, and calls of the functions in FUNCTIONS (`sum(x)`, `mean(x, axis=0)`, ...). Other attribute
access, subscripts, other keywords, lambdas, comprehensions, strings and everything else are
refused before anything is computed. Length, number of syntax nodes, constant exponents and
every tensor's size (literals, variables, every intermediate result: at most MAX_ELEMENTS
entries, MAX_NDIM dimensions of at most MAX_AXIS) are bounded, so no input can make us hang,
and a shape mismatch is an ExpressionError naming the op and both shapes.
It needs only the engine: the `graph` command and the web playground's graph lab both use it.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .functional import maximum, minimum
from .value import Value

__all__ = ["parse_expression", "ExpressionError", "FUNCTIONS", "MAX_LENGTH", "MAX_NODES", "MAX_EXPONENT", "MAX_INT",
           "MAX_ELEMENTS", "MAX_NDIM", "MAX_AXIS"]

MAX_LENGTH = 500  # characters
MAX_NODES = 200  # syntax-tree nodes (numbers, names, operators, calls; a matrix literal counts once)
MAX_EXPONENT = 100  # |constant exponent| in a ** b
MAX_INT = 10**300  # largest integer literal (a float holds up to ~1.8e308)
MAX_ELEMENTS = 256  # entries of any tensor: a literal, a variable's value, every intermediate result
MAX_NDIM = 2  # vectors and matrices
MAX_AXIS = 32  # entries along one axis
CONSTANTS = {"pi": math.pi, "e": math.e}


class ExpressionError(ValueError):
    """The expression is not allowed or not valid; the message says why in one line.

    `unknown` lists the variable names the expression uses but was given no value for (all of
    them, in order of appearance), so a caller can ask for them at once.
    """

    def __init__(self, message: str, unknown: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.unknown = tuple(unknown)


def _unary(method: str) -> Callable[..., Value]:
    return lambda x: getattr(_as_value(x), method)()


# name -> (function, min args, max args); extra args must be numbers (e.g. leaky_relu's alpha)
FUNCTIONS: dict[str, tuple[Callable[..., Value], int, int]] = {
    **{name: (_unary(name), 1, 1) for name in
       ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sin", "cos", "softplus", "gelu")},
    "elu": (lambda x, alpha=1.0: _as_value(x).elu(alpha), 1, 2),
    "leaky_relu": (lambda x, alpha=0.01: _as_value(x).leaky_relu(alpha), 1, 2),
    "max": (lambda a, b: maximum(a, b), 2, 2),
    "min": (lambda a, b: minimum(a, b), 2, 2),
    "sum": (lambda x, axis=None: _as_value(x).sum(axis=axis), 1, 2),
    "mean": (lambda x, axis=None: _as_value(x).mean(axis=axis), 1, 2),
    "transpose": (lambda x: _as_value(x).T, 1, 1),
}
TWO_TENSORS = ("max", "min")  # elementwise functions of two expressions (the others take numbers after x)
REDUCTIONS = ("sum", "mean")  # an optional integer axis, positional or axis=

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


def _number(node: ast.AST) -> float | None:
    """The value of a numeric literal, possibly negated (-3); None if node is not one."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * _finite(node.value)
    return None


def _finite(value: int | float) -> float:
    """A literal as a float; ExpressionError for one too large for a float (a 309-digit int)."""
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise ExpressionError("number too large: integers may have at most 300 digits")
    if not math.isfinite(float(value)):
        raise ExpressionError("numbers must be finite")
    return float(value)


def _fits(shape: tuple[int, ...], what: str) -> None:
    """ExpressionError unless a tensor of `shape` is small enough (see MAX_ELEMENTS)."""
    if len(shape) > MAX_NDIM:
        raise ExpressionError(f"{what}: shape {shape} has {len(shape)} dimensions (at most {MAX_NDIM}: "
                              "numbers, vectors and matrices)")
    if any(n > MAX_AXIS for n in shape):
        raise ExpressionError(f"{what}: shape {shape} is too large (at most {MAX_AXIS} along an axis)")
    size = math.prod(shape)
    if size > MAX_ELEMENTS:
        raise ExpressionError(f"{what}: shape {shape} has {size} elements (at most {MAX_ELEMENTS})")


def _broadcast(op: str, a: Value, b: Value) -> None:
    """Check that the elementwise `op` of a and b is defined (numpy broadcasting) and small."""
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ExpressionError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together (compared "
                              "from the right, each pair of sizes must be equal or one of them 1)") from None
    _fits(shape, f"{op} of shapes {a.shape} and {b.shape}")


def _matmul(a: Value, b: Value) -> None:
    """Check that a @ b is defined: vectors or matrices, inner sizes equal."""
    if a.ndim == 0 or b.ndim == 0:
        side = "left" if a.ndim == 0 else "right"
        raise ExpressionError(f"@: needs a vector or a matrix on each side, got a number on the {side} "
                              f"(shapes {a.shape} and {b.shape}); use * to scale")
    inner_a, inner_b = a.shape[-1], b.shape[0 if b.ndim == 1 else -2]
    if inner_a != inner_b:
        raise ExpressionError(f"@: shapes {a.shape} and {b.shape} do not match (the inner sizes {inner_a} and "
                              f"{inner_b} differ)")


def _literal(node: ast.List) -> np.ndarray:
    """The array of a vector [1, 2] or matrix [[1, 2], [3, 4]] literal of numbers, checked."""
    def entries(items: list[ast.expr]) -> list[float]:
        if not items:
            raise ExpressionError("matrix literal: empty brackets []")
        if len(items) > MAX_AXIS:
            raise ExpressionError(f"matrix literal: {len(items)} entries in a row (at most {MAX_AXIS})")
        out = []
        for e in items:
            if isinstance(e, ast.List):
                raise ExpressionError(f"matrix literal: at most {MAX_NDIM} levels of brackets (vectors and matrices)")
            x = _number(e)
            if x is None:
                raise ExpressionError("matrix literal: only numbers are allowed inside [...], e.g. [[1, 2], [3, 4]] "
                                      "(give a variable a matrix value to use it in a matrix)")
            out.append(x)
        return out

    rows = [isinstance(e, ast.List) for e in node.elts]
    if any(rows) and not all(rows):
        raise ExpressionError("matrix literal: mixes numbers and rows, e.g. [1, [2, 3]]")
    if not any(rows):
        return np.array(entries(node.elts))
    if len(node.elts) > MAX_AXIS:
        raise ExpressionError(f"matrix literal: {len(node.elts)} rows (at most {MAX_AXIS})")
    matrix = [entries(e.elts) for e in node.elts]
    lengths = list(dict.fromkeys(len(r) for r in matrix))
    if len(lengths) > 1:
        raise ExpressionError(f"matrix literal: rows have different lengths ({lengths[0]} and {lengths[1]})")
    arr = np.array(matrix)
    _fits(arr.shape, "matrix literal")
    return arr


def _axis(node: ast.Call) -> int | None:
    """The integer axis of sum(x, 0) / mean(x, axis=0), None when not given (checked by _check)."""
    arg = node.args[1] if len(node.args) > 1 else node.keywords[0].value if node.keywords else None
    return None if arg is None else int(_number(arg))


def _check(tree: ast.Expression, variables: Mapping[str, Any]) -> None:
    """Refuse anything outside the whitelist, before any computation."""
    nodes = list(ast.walk(tree))
    # A matrix literal is one node of the graph: its entries are checked by _literal, not counted.
    inner = {id(x) for lit in nodes if isinstance(lit, ast.List) for x in ast.walk(lit) if x is not lit}
    nodes = [x for x in nodes if id(x) not in inner]
    n = sum(not isinstance(x, (ast.expr_context, ast.operator, ast.unaryop)) for x in nodes)
    if n > MAX_NODES:
        raise ExpressionError(f"expression too large: {n} terms (at most {MAX_NODES})")
    for node in nodes:  # numbers first: the checks below read them (exponents, alpha)
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise ExpressionError(f"only numbers are allowed as constants, not {type(node.value).__name__}")
            _finite(node.value)
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    unknown = sorted({(n.lineno, n.col_offset, n.id) for n in nodes if isinstance(n, ast.Name)
                      and id(n) not in called and not n.id.startswith("_")
                      and n.id not in variables and n.id not in CONSTANTS and n.id not in FUNCTIONS})
    if unknown:
        names = list(dict.fromkeys(name for _, _, name in unknown))
        quoted = ", ".join(repr(n) for n in names)
        raise ExpressionError(f"unknown name{'s' if len(names) > 1 else ''} {quoted}: give "
                              f"{'each' if len(names) > 1 else 'it'} a value", unknown=tuple(names))
    for node in nodes:
        if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop, ast.keyword)):
            if isinstance(node, ast.operator) and type(node) not in _BINOPS:
                raise ExpressionError(f"operator not allowed: {type(node).__name__} (use + - * / ** @)")
            if isinstance(node, ast.unaryop) and not isinstance(node, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator not allowed: {type(node).__name__}")
            continue
        if isinstance(node, ast.Constant):
            pass  # checked above
        elif isinstance(node, ast.List):
            _literal(node)
        elif isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise ExpressionError(f"attribute access (a.b) is not allowed, except .T (the transpose); "
                                      f"got .{node.attr[:30]}")
        elif isinstance(node, ast.Name):
            if node.id not in variables and node.id not in CONSTANTS and node.id not in FUNCTIONS:
                raise ExpressionError(f"name not allowed: {node.id!r}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(f"only plain function calls are allowed ({', '.join(FUNCTIONS)})")
            if node.func.id not in FUNCTIONS:
                raise ExpressionError(f"function not allowed: {node.func.id!r}; allowed: {', '.join(FUNCTIONS)}")
            name = node.func.id
            if node.keywords and (name not in REDUCTIONS or [k.arg for k in node.keywords] != ["axis"]):
                only = " (only axis=)" if name in REDUCTIONS else ""
                raise ExpressionError(f"{name}(): keyword arguments are not allowed{only}")
            _, lo, hi = FUNCTIONS[name]
            given = len(node.args) + len(node.keywords)
            if not node.args and given:
                raise ExpressionError(f"{name}(): give the expression first, e.g. {name}(x)")
            if not lo <= given <= hi:
                count = str(lo) if lo == hi else f"{lo} or {hi}"
                raise ExpressionError(f"{name}() takes {count} argument(s), got {given}")
            for extra in [*node.args[1:], *(k.value for k in node.keywords)] if name not in TWO_TENSORS else ():
                x = _number(extra)
                if name in REDUCTIONS and (x is None or not x.is_integer()):
                    got = f", got {x:g}" if x is not None else ""
                    raise ExpressionError(f"{name}(): the axis must be a whole number such as 0 or 1{got}")
                if x is None:
                    raise ExpressionError(f"{name}(): its second argument must be a number")
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                e = _number(node.right)
                if e is not None and abs(e) > MAX_EXPONENT:
                    raise ExpressionError(f"exponent {e:g} too large (at most {MAX_EXPONENT} in absolute value)")
        elif isinstance(node, ast.UnaryOp):
            pass
        else:
            raise ExpressionError(f"not allowed in an expression: {_describe(node)}")
    for node in nodes:  # a function name used as a value, e.g. "exp + 1"
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and node.id not in variables:
            parent_calls = [c for c in nodes if isinstance(c, ast.Call) and c.func is node]
            if not parent_calls:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")


def _describe(node: ast.AST) -> str:
    names = {ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[i])",
             ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions",
             ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if-else",
             ast.Starred: "*args", ast.keyword: "keyword arguments", ast.NamedExpr: ":=",
             ast.Tuple: "tuples (a, b)", ast.Dict: "dicts", ast.Set: "sets"}
    return names.get(type(node), type(node).__name__)


def _build(node: ast.AST, env: dict[str, Value]) -> Any:
    """Compute the checked tree with Values (depth is bounded by MAX_NODES)."""
    if isinstance(node, ast.Constant):
        return Value(_finite(node.value), requires_grad=False)
    if isinstance(node, ast.List):
        return Value(_literal(node), requires_grad=False)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else Value(CONSTANTS[node.id], requires_grad=False)
    if isinstance(node, ast.Attribute):  # .T, the only attribute _check lets through
        return _build(node.value, env).T
    if isinstance(node, ast.UnaryOp):
        x = _build(node.operand, env)
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.BinOp):
        a, b = _build(node.left, env), _build(node.right, env)
        op = _BINOPS[type(node.op)]
        _matmul(a, b) if op == "@" else _broadcast(op, a, b)
        return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__, "**": a.__pow__,
                "@": a.__matmul__}[op](b)
    if isinstance(node, ast.Call):
        name = node.func.id
        fn = FUNCTIONS[name][0]
        x = _build(node.args[0], env)
        if name in TWO_TENSORS:
            y = _build(node.args[1], env)
            _broadcast(f"{name}()", x, y)
            return fn(x, y)
        if name in REDUCTIONS:
            axis = _axis(node)
            if axis is not None and not -x.ndim <= axis < x.ndim:
                raise ExpressionError(f"{name}(): axis {axis} is out of range for shape {x.shape}")
            return fn(x, axis)
        return fn(x, *[_number(a) for a in node.args[1:]])
    raise ExpressionError(f"not allowed in an expression: {_describe(node)}")  # unreachable after _check


def _variable(name: str, value: Any) -> Value:
    """A leaf Value labelled `name` for a number, or a vector/matrix (nested list or array)."""
    if isinstance(value, Value):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(value)
        except ValueError:  # ragged nesting
            raise ExpressionError(f"variable {name!r}: rows have different lengths") from None
        if arr.dtype.kind not in "iuf" or arr.size == 0:
            raise ExpressionError(f"variable {name!r} must be a number or a non-empty matrix of numbers")
        _fits(arr.shape, f"variable {name!r}")
        return Value(arr.astype(np.float64), label=name)
    try:
        return Value(float(value), label=name)
    except (TypeError, ValueError):
        raise ExpressionError(f"variable {name!r} must be a number, got {str(value)[:40]!r}") from None


def parse_expression(text: str, variables: Mapping[str, Any] | None = None) -> Value:
    """Parse `text` into a Value graph; `variables` maps names to numbers, vectors or matrices
    (nested lists or numpy arrays, at most MAX_ELEMENTS entries) or Values.

    Numbers and arrays become leaf Values labelled with their names (so a drawn graph shows
    them); Values are used as given. Raises ExpressionError (a ValueError) with a one-line reason
    for anything not allowed: unknown names or functions, attribute access other than .T,
    subscripts, lambdas, strings, text over MAX_LENGTH characters, over MAX_NODES terms, constant
    exponents over MAX_EXPONENT, tensors over the size limits, shapes an op cannot combine.
    """
    variables = dict(variables or {})
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long: {len(text)} characters (at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("empty expression")
    for name in variables:
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise ExpressionError(f"bad variable name {name!r}: use letters, digits and _ (not starting with _)")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name; pick another variable name")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"syntax error: {e.msg}" + (f" at column {e.offset}" if e.offset else "")) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression too deeply nested") from None
    _check(tree, variables)
    env = {name: _variable(name, value) for name, value in variables.items()}
    with np.errstate(all="ignore"):  # overflow to inf is shown in the graph, not a warning storm
        out = _build(tree.body, env)
    return out if isinstance(out, Value) else Value(out, requires_grad=False)
