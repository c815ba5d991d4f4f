"""Every op in the registry differentiates to second order: gradgradcheck on its own examples.

The same examples as `tinygrad-edu gradcheck` (tinygrad_edu.op_examples, nn.op_examples), so an
op added later is checked here with no edit. Ops with no example are reported by that command."""

from __future__ import annotations

import numpy as np
import pytest

import nn  # noqa: F401  (registers nn's fused ops)
import nn.op_examples  # noqa: F401  (and their examples)
from tinygrad_edu import Function, gradgradcheck
from tinygrad_edu.op_examples import covering_subclasses, examples_for

# The library's own ops (tests elsewhere register toy ops, some deliberately wrong).
OPS = sorted(n for n, c in Function.registry.items() if c.__module__.split(".")[0] in ("tinygrad_edu", "nn"))


@pytest.mark.parametrize("name", OPS)
def test_second_order_of_every_registered_op(name):
    cls = Function.registry[name]
    if covering_subclasses(cls):
        return  # a base class (conv_transposend): its subclasses' examples check it
    examples, source = examples_for(cls, np.random.default_rng(0))
    if not examples:
        pytest.fail(f"{name} has no example to check ({source})")
    for ex in examples[:2]:
        assert gradgradcheck(ex.fn, *ex.inputs, atol=1e-4, rtol=1e-3), ex.label
