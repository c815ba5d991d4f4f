"""The safe expression parser and the `graph` command: good input draws, hostile input is refused."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from tinygrad_edu import Value
from tinygrad_edu.cli import main
from tinygrad_edu.expr import ExpressionError, parse_expression


def test_parses_and_differentiates():
    L = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.8813735870195432})
    assert isinstance(L, Value)
    assert float(L.data) == pytest.approx(math.sqrt(0.5), abs=1e-6)
    L.backward()
    leaves = {v.label: v for v in _leaves(L)}
    assert set(leaves) == {"x", "w", "b"}
    assert float(leaves["x"].grad) == pytest.approx(-1.5, abs=1e-6)


def _leaves(root):
    from tinygrad_edu import topological_order

    return [v for v in topological_order(root) if v.requires_grad and not v.parents]


@pytest.mark.parametrize("text, value", [
    ("x**2 + 3*x - 1", 9.0), ("-x / 4", -0.5), ("max(x, 1) + min(x, 1)", 3.0), ("exp(log(x))", 2.0),
    ("leaky_relu(-x, 0.1)", -0.2), ("elu(x)", 2.0), ("sqrt(abs(-x*x))", 2.0), ("2 * pi", 2 * math.pi),
    ("sigmoid(0*x) + relu(x) + softplus(0*x) + gelu(0*x) + sin(0*x) + cos(0*x)", 0.5 + 2 + math.log(2) + 1),
])
def test_whitelisted_functions(text, value):
    assert float(parse_expression(text, {"x": 2.0}).data) == pytest.approx(value)


HOSTILE = [
    "__import__('os').system('touch {sentinel}')",
    "x.__class__.__bases__",
    "open('{sentinel}', 'w')",
    "eval('1')",
    "(lambda: 1)()",
    "[i for i in range(10)]",
    "x[0]",
    "x if x else x",
    "'a' * 3",
    "x ** 1000000",
    "2 ** -500",
    "+".join(["x"] * 10_000),
    "+".join(["x"] * 150),
    "exp(x=1)",
    "y + 1",
    "x == 1",
    "exp",
    "(" * 300 + "x" + ")" * 300,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_expressions_are_refused(text, tmp_path):
    sentinel = tmp_path / "pwned"
    with pytest.raises(ExpressionError):
        parse_expression(text.format(sentinel=sentinel), {"x": 2.0})
    assert not sentinel.exists()


@pytest.mark.parametrize("text", HOSTILE[:3] + ["x ** 1000000", "+".join(["x"] * 10_000), "lambda: 0"])
def test_graph_command_refuses_with_exit_2(text, tmp_path, capsys):
    sentinel = tmp_path / "pwned"
    out = tmp_path / "g.svg"
    code = main(["graph", text.format(sentinel=sentinel), "--set", "x=2", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert not sentinel.exists() and not out.exists()


def test_graph_command_in_a_subprocess_prints_one_line(tmp_path):
    sentinel = tmp_path / "pwned"
    proc = subprocess.run([sys.executable, "-m", "tinygrad_edu", "graph",
                           f"__import__('os').system('touch {sentinel}')"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert not sentinel.exists()


def test_graph_command_writes_svg_and_prints_path(tmp_path, capsys):
    pytest.importorskip("graphviz")
    import shutil

    out = tmp_path / "n.svg"
    if shutil.which("dot") is None:
        out = tmp_path / "n.dot"  # the source needs no Graphviz
    code = main(["graph", "tanh(x*w + b)", "--set", "x=2", "w=-3", "--set", "b=6.88", "-o", str(out)])
    assert code == 0
    assert str(out) in capsys.readouterr().out
    text = out.read_text()
    assert "w" in text and "2.0000" in text


def test_graph_default_output_is_graph_svg(tmp_path, monkeypatch):
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's `dot` is not installed")
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "x*x", "--set", "x=3"]) == 0
    assert "</svg>" in (tmp_path / "graph.svg").read_text()


@pytest.mark.parametrize("args", [["--set", "x"], ["--set", "x=abc"], ["--set", "__x=1"], ["--set", "x=inf"],
                                  ["-o", "out.txt"]])
def test_graph_bad_options_exit_2(args, tmp_path, capsys):
    assert main(["graph", "x", *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ----------------------------------------------------------------------------- hostile numbers, names

BIG = "1" * 309  # one digit more than a float holds


@pytest.mark.parametrize("text", [f"x ** {BIG}", f"x ** -{BIG}", f"elu(x, {BIG})", f"leaky_relu(x, -{BIG})",
                                  f"x + {BIG}", "x ** 1e400", f"x ** {'9' * 400}"])
def test_numbers_too_large_for_a_float_are_refused(text):
    with pytest.raises(ExpressionError, match="too large|finite"):
        parse_expression(text, {"x": 2.0})


@pytest.mark.parametrize("text", [f"x ** {BIG}", f"elu(x, {BIG})"])
def test_graph_command_with_a_huge_integer_prints_one_line_and_exits_2(text, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tinygrad_edu", "graph", text, "--set", "x=2",
                           "-o", str(tmp_path / "g.dot")], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "too large" in proc.stderr


def test_every_unknown_name_is_named_at_once(capsys):
    with pytest.raises(ExpressionError) as info:
        parse_expression("tanh(x*w + b) + w")
    assert info.value.unknown == ("x", "w", "b")
    assert "'x', 'w', 'b'" in str(info.value)
    assert main(["graph", "tanh(x*w + b)"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'x', 'w', 'b'" in err and "--set x=1.0 w=1.0 b=1.0" in err


def test_one_unknown_name_among_given_ones():
    with pytest.raises(ExpressionError, match=r"unknown name 'b': give it a value") as info:
        parse_expression("x*w + b", {"x": 1.0, "w": 2.0})
    assert info.value.unknown == ("b",)


def test_an_unexpected_error_in_a_command_is_one_line_exit_2(monkeypatch, capsys):
    import tinygrad_edu.cli.graph as graph_cmd

    def boom(args):
        raise OverflowError("int too large to convert to float\nsecond line")

    monkeypatch.setattr(graph_cmd, "run", boom)
    assert main(["graph", "x", "--set", "x=1"]) == 2
    err = capsys.readouterr().err
    assert err == "error: graph: OverflowError: int too large to convert to float second line\n"
    monkeypatch.setenv("TINYGRAD_EDU_TRACEBACK", "1")
    with pytest.raises(OverflowError):
        main(["graph", "x", "--set", "x=1"])


_TOKENS = ["x", "y", "1", "2.5", BIG, "0", "+", "-", "*", "/", "**", "(", ")", ",", "exp(", "log(", "elu(",
           "max(", "tanh(", "_", "'", ".", "[", "]", "lambda", ":", "1e400", "pi"]


def test_fuzz_random_token_strings_give_a_value_or_an_expression_error():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=30))
    def check(tokens):
        text = " ".join(tokens)
        try:
            out = parse_expression(text, {"x": 0.5, "y": -2.0})
        except ExpressionError as e:
            assert "\n" not in str(e)
        else:
            assert isinstance(out, Value)

    check()


# ----------------------------------------------------------------------------- tensors: matrices, @, reductions

W0 = [[0.5, -1.0, 0.25], [2.0, 0.3, -0.7]]
X0 = [1.0, -2.0, 0.5]
Y0 = [0.2, -0.4]
TENSORS = {"W": W0, "x": X0, "y": Y0, "A": [[1.0, 2.0], [3.0, 4.0]]}


def test_matrix_literals_and_variables_compute_like_numpy():
    W, x, A = np.array(W0), np.array(X0), np.array(TENSORS["A"])
    cases = {
        "W @ x": W @ x, "W.T @ [1, 2]": W.T @ np.array([1, 2]), "transpose(A) * 2": A.T * 2,
        "[[1, 2], [3, 4]] @ [1, -1]": np.array([[1, 2], [3, 4]]) @ np.array([1, -1]),
        "sum(A)": A.sum(), "mean(A)": A.mean(), "sum(A, 0)": A.sum(0), "mean(W, axis=1)": W.mean(1),
        "sum(A, -1)": A.sum(-1), "A + [10, 20]": A + np.array([10, 20]), "x * 2 - 1": x * 2 - 1,
        "max(A, 2.5) + min(A, [1, 5])": np.maximum(A, 2.5) + np.minimum(A, [1, 5]), "tanh(W @ x)": np.tanh(W @ x),
        "A @ A.T": A @ A.T, "-[1, 2] ** 2": -(np.array([1.0, 2.0]) ** 2), "[[-1.5], [2]] * [1, 2, 3]":
            np.array([[-1.5], [2.0]]) * np.array([1, 2, 3]),
    }
    for text, want in cases.items():
        got = parse_expression(text, TENSORS)
        assert np.asarray(got.data).shape == np.shape(want), text
        np.testing.assert_allclose(got.data, want, err_msg=text)


def test_variables_take_matrices_as_lists_or_arrays_and_keep_their_labels():
    L = parse_expression("sum(W @ x)", {"W": np.array(W0), "x": X0})
    leaves = {v.label: v for v in _leaves(L)}
    assert leaves["W"].shape == (2, 3) and leaves["x"].shape == (3,)
    assert leaves["W"].dtype == np.float64 and leaves["x"].dtype == np.float64


def _autograd():
    ag = pytest.importorskip("autograd", reason="HIPS autograd is the test oracle (dev extra)")
    import autograd.numpy as anp

    return ag, anp


# (expression, the same function written for HIPS autograd, the variables it takes)
def _oracle_cases(anp):
    C = np.array([[1.0, 2.0], [3.0, 4.0]])  # a literal: a constant, not A
    return [
        ("sum(tanh(W @ x))", lambda W, x: anp.sum(anp.tanh(anp.dot(W, x))), ("W", "x")),
        ("mean((W @ x - y) ** 2)", lambda W, x, y: anp.mean((anp.dot(W, x) - y) ** 2), ("W", "x", "y")),
        ("sum(sigmoid(W.T @ y) * x)", lambda W, y, x: anp.sum(1 / (1 + anp.exp(-anp.dot(W.T, y))) * x),
         ("W", "y", "x")),
        ("sum(exp(A) / sum(exp(A), 0))", lambda A: anp.sum(anp.exp(A) / anp.sum(anp.exp(A), 0)), ("A",)),
        ("mean(A @ A.T * [[1, 2], [3, 4]])", lambda A: anp.mean(anp.dot(A, A.T) * C), ("A",)),
        ("sum(max(W, 0.1) * W) + mean(W, axis=1) @ y",
         lambda W, y: anp.sum(anp.maximum(W, 0.1) * W) + anp.dot(anp.mean(W, axis=1), y), ("W", "y")),
        ("sum(log(1 + A**2) - sqrt(A))", lambda A: anp.sum(anp.log(1 + A ** 2) - anp.sqrt(A)), ("A",)),
    ]


def test_tensor_gradients_match_hips_autograd():
    ag, anp = _autograd()
    for text, f, names in _oracle_cases(anp):
        L = parse_expression(text, TENSORS)
        assert L.shape == (), text
        L.backward()
        leaves = {v.label: v for v in _leaves(L)}
        args = [np.array(TENSORS[n], dtype=np.float64) for n in names]
        assert float(L.data) == pytest.approx(float(f(*args)), rel=1e-12), text
        for i, n in enumerate(names):
            want = ag.grad(f, i)(*args)
            np.testing.assert_allclose(leaves[n].grad, want, rtol=1e-10, atol=1e-12, err_msg=f"{text}: d/d{n}")


@pytest.mark.parametrize("text, words", [
    ("W @ y", ["@", "(2, 3)", "(2,)", "inner sizes 3 and 2"]),
    ("W + y", ["+", "(2, 3)", "(2,)", "broadcast"]),
    ("max(W, y)", ["max()", "(2, 3)", "(2,)", "broadcast"]),
    ("W @ 2", ["@", "number on the right", "use * to scale"]),
    ("sum(W, 2)", ["sum()", "axis 2", "(2, 3)"]),
    ("mean(x, axis=1)", ["mean()", "axis 1", "(3,)"]),
    ("sum(W, 0.5)", ["sum()", "whole number"]),
    ("sum(W, axis=x)", ["sum()", "whole number"]),
    ("sum(W, ax=1)", ["only axis="]),
    ("sum(axis=1)", ["sum()", "give the expression first"]),
    ("exp(W, axis=1)", ["exp()", "keyword"]),
    ("[[1, 2], [3]]", ["rows have different lengths (2 and 1)"]),
    ("[1, [2]]", ["mixes numbers and rows"]),
    ("[[[1]]]", ["2 levels of brackets"]),
    ("[]", ["empty"]),
    ("[x, 1]", ["only numbers"]),
    ("[__import__('os')]", ["only numbers"]),
    ("['a', 'b']", ["only numbers"]),
    ("[1e400]", ["finite"]),
    ("[" + ", ".join(["1"] * 40) + "]", ["40 entries", "at most 32"]),
    ("col + row", ["+ of shapes (32, 1) and (1, 32)", "1024 elements"]),
    ("W.shape", ["attribute", ".T"]),
    ("W.T.__class__", ["attribute", "__class__"]),
    ("(W, x)", ["tuples"]),
    ("{1: 2}", ["dicts"]),
    ("W[0]", ["subscripts"]),
    ("sum", ["sum is a function"]),
])
def test_tensor_mistakes_are_named(text, words):
    values = {**TENSORS, "col": np.ones((32, 1)), "row": np.ones((1, 32))}
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, values)
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message


@pytest.mark.parametrize("value, word", [
    ([[1, 2], [3]], "different lengths"), (np.ones((2, 2, 2)), "3 dimensions"), (np.ones((40,)), "at most 32"),
    (np.ones((20, 20)), "400 elements"), ([], "non-empty"), (["a", "b"], "numbers"), ([None, 1], "numbers"),
    ([True, False], "numbers"), (None, "must be a number"), ({"a": 1}, "must be a number"),
])
def test_bad_matrix_values_of_variables_are_refused(value, word):
    with pytest.raises(ExpressionError, match=word):
        parse_expression("sum(x)", {"x": value})


def test_a_matrix_literal_counts_as_one_term():
    literal = "[" + ",".join("[" + ",".join(["1"] * 8) + "]" for _ in range(8)) + "]"  # 64 numbers, 8 rows
    text = "+".join([f"sum({literal}*x)"] * 3)  # 3 x 73 literal nodes: over MAX_NODES if they counted
    assert len(text) <= 500
    assert float(parse_expression(text, {"x": 2.0}).data) == 3 * 64 * 2


def test_function_names_cannot_be_variables():
    for name in ("sum", "mean", "transpose"):
        with pytest.raises(ExpressionError, match="function name"):
            parse_expression("x", {"x": 1.0, name: 1.0})


_TENSOR_TOKENS = _TOKENS + ["W", "v", "@", ".T", "sum(", "mean(", "transpose(", "axis=", "[1, 2]", "[[1, 2], [3, 4]]",
                            "[[1], [2]]", "[", "]", "1,", "["]


def test_fuzz_tensor_token_strings_give_a_value_or_an_expression_error():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(_TENSOR_TOKENS), min_size=1, max_size=30))
    def check(tokens):
        text = " ".join(tokens)
        try:
            out = parse_expression(text, {"x": 0.5, "y": -2.0, "W": [[1.0, -1.0], [0.5, 2.0]], "v": [1.0, 3.0]})
        except ExpressionError as e:
            assert "\n" not in str(e)
        else:
            assert isinstance(out, Value) and np.asarray(out.data).size <= 256

    check()
