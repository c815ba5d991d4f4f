"""tinygrad_edu.op_examples: every registered op brings (or gets) examples that really use it."""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Function
from tinygrad_edu.cli.gradcheck_cmd import check_all
from tinygrad_edu.op_examples import Example, check_example, examples_for, generic_examples


def test_every_library_op_is_checked_by_an_example_that_uses_it():
    rows = check_all(seed=3, packages=("tinygrad_edu", "nn"))
    library = {name for name, cls in Function.registry.items()
               if cls.__module__.split(".")[0] in ("tinygrad_edu", "nn")}
    assert library <= {r["kind"] for r in rows}
    missing = sorted({r["kind"] for r in rows if not r["ok"]})
    assert not missing, [(r["kind"], r["status"]) for r in rows if not r["ok"]]
    assert {"composite"} < {r["kind"] for r in rows}


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
