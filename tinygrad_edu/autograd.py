"""Reverse mode: one walk over the graph that `backward`, `grad` and the animations all share.

The walk visits the Values in reverse topological order (outputs before inputs), so when it
reaches a node, every use of that node has already added its share to the node's gradient.
There it applies the op's local rule (its `backward`) and hands each input its contribution,
the chain rule's product dL/d(input) = dL/d(output) * d(output)/d(input).

`backward_steps` yields each of those steps as a record, for a teacher to print or draw;
`Value.backward` runs the same walk and then writes `.grad`; `grad` runs it and returns the
gradients instead. With `create_graph=True` the gradients are Values built by ops, so they can
be differentiated again (gradients of gradients: Hessians, Newton's method).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .function import Function, _check_finite, op_name
from .inplace import CLOCK, InplaceModificationError, modified_since, release
from .mode import MODE, enable_grad

HOOKS = [0]  # how many tensor hooks exist: the walk looks for them only when there are some


class BackwardStep:
    """One step of the backward pass: at `node` (made by `op`) the gradient `grad` has arrived;
    the local `rule` turns it into one `contribution` per input, listed as (parent, contribution)."""

    __slots__ = ("node", "grad", "op", "rule", "contributions")

    def __init__(self, node: Value, grad: Any, op: str, rule: str, contributions: list) -> None:
        self.node, self.grad, self.op, self.rule, self.contributions = node, grad, op, rule, contributions

    def __repr__(self) -> str:
        return f"BackwardStep(op={self.op!r}, node={self.node!r}, inputs={len(self.contributions)})"


def walk(order: list[Value], grads: dict, create_graph: bool = False, on_step: Any = None) -> None:
    """Apply the chain rule along `order` (reversed), adding contributions into `grads`.

    `grads` holds the seeds (dL/d(output) for each output) and gains every node's gradient.
    `on_step(node, grad, ctx, input_grads)` is called after each op node's rule has run."""
    check = MODE.anomaly
    get, hooks, clock = grads.get, HOOKS, CLOCK  # locals: this loop runs once per node
    for node in reversed(order):  # outputs before inputs: each node's grad is complete here
        g = get(node)
        if g is None:
            continue
        if hooks[0] and getattr(node, "_hooks", None):
            g = grads[node] = _run_hooks(node, g, create_graph)
        ctx = node._ctx
        if ctx is None:
            continue
        if ctx.stamp < clock[0]:  # some data changed since this op ran: was it this op's?
            _check_inplace(node, ctx)
        in_grads = _local_grads(ctx, node, g) if create_graph else ctx.backward(g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        if check or create_graph:
            in_grads = _checked_grads(ctx, in_grads, create_graph, check)
        for p, pg in zip(ctx.parents, in_grads):
            if pg is None or not p.requires_grad:
                continue
            prev = get(p)
            grads[p] = pg if prev is None else prev + pg
        if on_step is not None:
            on_step(node, g, ctx, in_grads)


def _checked_grads(ctx: Function, in_grads: tuple, create_graph: bool, check: bool) -> tuple:
    """Contributions as Values under create_graph; NaN/Inf refused in anomaly mode."""
    out = []
    for i, (p, pg) in enumerate(zip(ctx.parents, in_grads)):
        if pg is not None and p.requires_grad:
            if create_graph and not isinstance(pg, Value):
                pg = Value._constant(pg, p)
            if check:
                _check_finite(pg._data if create_graph else pg,
                              f"backward produced NaN/Inf in the gradient of input {i}", ctx)
        out.append(pg)
    return tuple(out)


def _local_grads(ctx: Function, node: Value, g: Value) -> Any:
    """The local rule on Values: the op's own backward, or its composite's gradient."""
    if hasattr(ctx, "composite"):
        parents = ctx.parents
        wanted = [p for p in parents if p.requires_grad]
        with enable_grad():
            out = ctx.composite(*parents, **getattr(ctx, "options", {}))
            got = grad([out], wanted, grad_outputs=[g], create_graph=True, allow_unused=True)
        it = iter(got)
        return tuple(next(it) if p.requires_grad else None for p in parents)
    data = ctx.out
    ctx.out = node  # inputs()/output() now give Values, so the rule records a graph
    try:
        return ctx.backward(g)
    finally:
        ctx.out = data


def _check_inplace(node: Value, ctx: Function) -> None:
    stamp = ctx.stamp
    suspects = []
    if ctx.saves_inputs:
        suspects += [(f"input {i}", p) for i, p in enumerate(ctx.parents)]
    if ctx.saves_output:
        suspects.append(("output", node))
    for what, v in suspects:
        if modified_since(v, stamp):
            name = f"{v.label!r}" if v.label else f"of shape {v.shape}"
            raise InplaceModificationError(
                f"backward: the data of the Value {name} ({what} of '{op_name(ctx)}') was modified after "
                f"'{op_name(ctx)}' used it in the forward pass, so its gradient would be wrong. Change data "
                f"before computing the forward (or under no_grad() after backward), or recompute the forward.")


def _run_hooks(node: Value, g: Any, create_graph: bool) -> Any:
    for fn in list(node._hooks.values()):
        out = fn(g._data if create_graph else g)
        if out is not None:
            out = np.asarray(out, dtype=node.dtype)
            if out.shape != node.shape:
                raise ValueError(f"hook returned a gradient of shape {out.shape} for a Value of shape {node.shape}")
            g = Value._constant(out, node) if create_graph else out
    return g


def seeds(outputs: Sequence[Value], grad_outputs: Sequence[Any] | None, create_graph: bool) -> dict:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    grads: dict = {}
    for out, go in zip(outputs, grad_outputs):
        if create_graph and isinstance(go, Value):
            seed = go  # a Value seed stays in the graph (jvp differentiates through it)
        else:
            seed = out._seed(go)
            if create_graph:
                seed = Value._constant(seed, out)
        grads[out] = seed if out not in grads else grads[out] + seed
    return grads


def backward_steps(root: Value, grad: Any = None) -> Iterator[BackwardStep]:
    """The backward pass as a sequence of steps, in the order `backward` applies them.

    Each `BackwardStep` has the `node`, the gradient `grad` arriving at it, the `op` that made
    it, the op's `rule` (formula and derivative) and the `contributions` it sends to each input.
    Nothing is written to `.grad`: this is for looking at, or for a teacher's own loop::

        for step in backward_steps(loss):
            print(step.op, step.rule, [c.shape for _, c in step.contributions])
    """
    steps: list[BackwardStep] = []

    def record(node: Value, g: Any, ctx: Function, in_grads: tuple) -> None:
        pairs = [(p, pg) for p, pg in zip(ctx.parents, in_grads) if pg is not None and p.requires_grad]
        steps.append(BackwardStep(node, g, op_name(ctx), type(ctx).rule(), pairs))

    walk(topological_order([root]), seeds([root], [grad], False), on_step=record)
    yield from steps


def run_backward(root: Value, grad: Any, create_graph: bool) -> None:
    """Value.backward: the walk, then `.grad` (and `.grad_value`) written once it all succeeded."""
    grads = seeds([root], [grad], create_graph)
    gc_was_on = gc.isenabled()
    gc.disable()  # the pass allocates many short-lived objects and no cycles; GC scans would double its time
    try:
        order = topological_order([root])
        walk(order, grads, create_graph)
        # Commit only after the whole pass succeeded, so an error leaves every grad as it was.
        release()  # this pass is done with the saved data: reading .data is free again
        get = grads.get
        if not create_graph:
            for node in order:
                if node._ctx is not None:
                    node._grad = get(node)
                elif node.requires_grad:
                    g = get(node)
                    if g is not None:
                        node._accumulate(g)
            return
        for node in order:
            g = get(node)
            if node._ctx is not None:
                if create_graph and g is not None:
                    node._grad_value = g
                node._grad = g._data if create_graph and g is not None else g
            elif node.requires_grad and g is not None:
                node._accumulate(g._data if create_graph else g)
                if create_graph:
                    prev = getattr(node, "_grad_value", None)
                    node._grad_value = g if prev is None else prev + g
    finally:
        if gc_was_on:
            gc.enable()


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value], grad_outputs: Any = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Value, ...]:
    """d(outputs)/d(inputs), returned as Values, with `.grad` left untouched (torch.autograd.grad).

    `grad_outputs` are the upstream gradients (one per output; needed for a non-scalar output).
    Several outputs add up: the result is d(sum_k <grad_outputs_k, outputs_k>)/d(input).
    With `create_graph=True` the results are in the graph and can be differentiated again.
    An input the outputs do not depend on raises ValueError, or gives zeros with allow_unused.
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    if not outs or not ins:
        raise ValueError("grad: needs at least one output and one input")
    for x in outs + ins:
        if not isinstance(x, Value):
            raise TypeError(f"grad: outputs and inputs must be Values, got {type(x).__name__}")
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise ValueError(f"grad: input {i} does not require grad")
    if grad_outputs is not None and (isinstance(grad_outputs, (Value, np.ndarray)) or np.isscalar(grad_outputs)):
        grad_outputs = [grad_outputs]
    grads = seeds(outs, grad_outputs, create_graph)
    walk(topological_order(outs), grads, create_graph)
    result = []
    for i, x in enumerate(ins):
        g = grads.get(x)
        if g is None:
            if not allow_unused:
                raise ValueError(f"grad: input {i} (shape {x.shape}) is not used to compute the outputs; "
                                 f"pass allow_unused=True to get zeros")
            result.append(Value._make(np.zeros(x.shape, dtype=x.dtype)[()], None))
        elif isinstance(g, Value):
            result.append(g)
        else:
            result.append(Value._make(np.array(np.broadcast_to(g, x.shape), dtype=x.dtype)[()], None))
    return tuple(result)


class RemovableHandle:
    """Returned by every register_*hook (Values' and Modules'): `.remove()` takes the hook away
    again (twice is harmless); as a context manager it removes the hook when the block ends."""

    _next_id = 0

    def __init__(self, hooks: dict, on_remove: Any = None) -> None:
        self._hooks, self._on_remove = hooks, on_remove
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        if self._hooks.pop(self.id, None) is not None and self._on_remove is not None:
            self._on_remove()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _tensor_hook_removed() -> None:
    HOOKS[0] -= 1


def register_hook(value: Value, fn: Any) -> RemovableHandle:
    if not callable(fn):
        raise TypeError("register_hook: fn must be callable, fn(grad) -> new grad or None")
    if not value.requires_grad:
        raise ValueError("register_hook: this Value does not require grad, so no gradient will reach it")
    hooks = getattr(value, "_hooks", None)
    if hooks is None:
        hooks = value._hooks = {}
    handle = RemovableHandle(hooks, _tensor_hook_removed)
    hooks[handle.id] = fn
    HOOKS[0] += 1
    return handle


from .value import Value, topological_order  # noqa: E402
