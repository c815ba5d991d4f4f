"""A safe parser for math expressions typed by users: "tanh(x*w + b)" -> a Value graph.

    >>> from tinygrad_edu.expr import parse_expression
    >>> L = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    >>> L.backward()

Never `eval`: the text is parsed with Python's `ast` and only a whitelist is accepted: numbers,
names given in `variables` (plus the constants pi and e), the operators + - * / ** and unary -,
and calls of the functions in FUNCTIONS. Attribute access, subscripts, keywords, lambdas,
comprehensions, strings and everything else are refused before anything is computed. Length,
number of syntax nodes and constant exponents are bounded, so no input can make us hang.
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

__all__ = ["parse_expression", "ExpressionError", "FUNCTIONS", "MAX_LENGTH", "MAX_NODES", "MAX_EXPONENT", "MAX_INT"]

MAX_LENGTH = 500  # characters
MAX_NODES = 200  # syntax-tree nodes (numbers, names, operators, calls)
MAX_EXPONENT = 100  # |constant exponent| in a ** b
MAX_INT = 10**300  # largest integer literal (a float holds up to ~1.8e308)
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
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


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


def _check(tree: ast.Expression, variables: Mapping[str, Any]) -> None:
    """Refuse anything outside the whitelist, before any computation."""
    nodes = list(ast.walk(tree))
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
        if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop)):
            if isinstance(node, ast.operator) and type(node) not in _BINOPS:
                raise ExpressionError(f"operator not allowed: {type(node).__name__} (use + - * / **)")
            if isinstance(node, ast.unaryop) and not isinstance(node, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator not allowed: {type(node).__name__}")
            continue
        if isinstance(node, ast.Constant):
            pass  # checked above
        elif isinstance(node, ast.Name):
            if node.id not in variables and node.id not in CONSTANTS and node.id not in FUNCTIONS:
                raise ExpressionError(f"name not allowed: {node.id!r}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(f"only plain function calls are allowed ({', '.join(FUNCTIONS)})")
            if node.func.id not in FUNCTIONS:
                raise ExpressionError(f"function not allowed: {node.func.id!r}; allowed: {', '.join(FUNCTIONS)}")
            if node.keywords:
                raise ExpressionError(f"{node.func.id}(): keyword arguments are not allowed")
            _, lo, hi = FUNCTIONS[node.func.id]
            if not lo <= len(node.args) <= hi:
                count = str(lo) if lo == hi else f"{lo} or {hi}"
                raise ExpressionError(f"{node.func.id}() takes {count} argument(s), got {len(node.args)}")
            for extra in node.args[1:] if node.func.id not in ("max", "min") else ():
                if _number(extra) is None:
                    raise ExpressionError(f"{node.func.id}(): its second argument must be a number")
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
             ast.Starred: "*args", ast.keyword: "keyword arguments", ast.NamedExpr: ":="}
    return names.get(type(node), type(node).__name__)


def _build(node: ast.AST, env: dict[str, Value]) -> Any:
    """Compute the checked tree with Values (depth is bounded by MAX_NODES)."""
    if isinstance(node, ast.Constant):
        return Value(_finite(node.value), requires_grad=False)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else Value(CONSTANTS[node.id], requires_grad=False)
    if isinstance(node, ast.UnaryOp):
        x = _build(node.operand, env)
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.BinOp):
        a, b = _build(node.left, env), _build(node.right, env)
        op = _BINOPS[type(node.op)]
        return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__, "**": a.__pow__}[op](b)
    if isinstance(node, ast.Call):
        fn = FUNCTIONS[node.func.id][0]
        first = [_build(a, env) for a in node.args[:1]]
        rest = [_build(a, env) for a in node.args[1:]] if node.func.id in ("max", "min") else \
            [_number(a) for a in node.args[1:]]
        return fn(*first, *rest)
    raise ExpressionError(f"not allowed in an expression: {_describe(node)}")  # unreachable after _check


def parse_expression(text: str, variables: Mapping[str, Any] | None = None) -> Value:
    """Parse `text` into a Value graph; `variables` maps names to numbers (or Values).

    Numbers become leaf Values labelled with their names (so a drawn graph shows them); Values
    are used as given. Raises ExpressionError (a ValueError) with a one-line reason for anything
    not allowed: unknown names or functions, attribute access, subscripts, lambdas, strings,
    text over MAX_LENGTH characters, over MAX_NODES terms, constant exponents over MAX_EXPONENT.
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
    env: dict[str, Value] = {}
    for name, value in variables.items():
        if isinstance(value, Value):
            env[name] = value
        else:
            try:
                env[name] = Value(float(value), label=name)
            except (TypeError, ValueError):
                raise ExpressionError(f"variable {name!r} must be a number, got {value!r}") from None
    with np.errstate(all="ignore"):  # overflow to inf is shown in the graph, not a warning storm
        out = _build(tree.body, env)
    return out if isinstance(out, Value) else Value(out, requires_grad=False)
