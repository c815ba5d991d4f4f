"""tinygrad_edu.op_examples: every registered op brings (or gets) examples that really use it."""

from __future__ import annotations

import warnings

import numpy as np

from tinygrad_edu import Function
from tinygrad_edu.cli.gradcheck_cmd import check_all
from tinygrad_edu.op_examples import Example, check_example, examples_for, generic_examples


def test_every_library_op_is_listed_and_every_example_passes_using_its_op():
    rows = check_all(seed=3, packages=("tinygrad_edu", "nn"))
    library = {name for name, cls in Function.registry.items()
               if cls.__module__.split(".")[0] in ("tinygrad_edu", "nn")}
    assert library <= {r["kind"] for r in rows}
    bad = [(r["kind"], r["op"], r["status"]) for r in rows if not r["ok"] and not r["status"].startswith("no example")]
    assert not bad, bad
    assert {"composite"} < {r["kind"] for r in rows}
    missing = sorted(r["kind"] for r in rows if r["status"].startswith("no example"))
    if missing:  # listed, not failed: such an op should get an `examples` attribute (CONTRIBUTING.md)
        warnings.warn(f"ops without a gradcheck example: {', '.join(missing)}", stacklevel=1)


def test_ops_written_before_examples_existed_are_all_in_the_table():
    from tinygrad_edu.op_examples import EXAMPLES

    rows = check_all(seed=4, packages=("tinygrad_edu", "nn"))
    by_table = {r["kind"] for r in rows if r.get("source") == "table"}
    assert {"add", "mul", "matmul", "getitem", "sum", "max", "where", "linear", "conv2d", "cross_entropy",
            "batchnorm", "embedding", "max_pool_tiled"} <= by_table <= set(EXAMPLES)


def test_generic_inputs_find_the_domain():
    class Arcsin(Function):
        name = "test_arcsin_domain"

        def forward(self, x):
            self.saved = x
            return np.arcsin(x)

        def backward(self, grad):
            return grad / np.sqrt(1 - self.saved**2)

    try:
        (ex,) = generic_examples(Arcsin, np.random.default_rng(0))
        assert "[0.2, 0.8]" in ex.label and check_example(ex, "test_arcsin_domain")["ok"]
    finally:
        Function.registry.pop("test_arcsin_domain")


def test_an_example_that_misses_its_op_is_flagged():
    ex = Example("exp, really", lambda a: a.exp(), (np.ones(3),))
    row = check_example(ex, "tanh")
    assert not row["ok"] and row["status"] == "example does not use tanh"
    assert check_example(ex, "exp")["status"] == "ok"


def test_generic_inputs_follow_the_forward_signature():
    rng = np.random.default_rng(0)
    two = generic_examples(Function.registry["mul"], rng)[0]
    assert len(two.inputs) == 2 and two.inputs[0].shape == (3, 4) and two.inputs[0].min() >= 0.5
    examples, source = examples_for(Function.registry["matmul"], rng)
    assert source == "table" and len(examples) == 3
