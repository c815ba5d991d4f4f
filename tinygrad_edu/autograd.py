"""Reverse mode: one walk over the graph that `backward`, `grad` and the animations all share.

The walk visits the Values in reverse topological order (outputs before inputs), so when it
reaches a node, every use of that node has already added its share to the node's gradient.
There it applies the op's local rule (its `backward`) and hands each input its contribution,
the chain rule's product dL/d(input) = dL/d(output) * d(output)/d(input).

`backward_steps` yields each of those steps as a record, for a teacher to print or draw;
`Value.backward` runs the same walk and then writes `.grad`; `grad` runs it and returns the
gradients instead. With `create_graph=True` the gradients are Values built by ops, so they can
be differentiated again (gradients of gradients: Hessians, Newton's method).

A `GradPass` holds one pass's gradients while it runs: each op output's in its own Function,
each leaf's in a small dict, so a million-node chain costs its graph plus 40-50 bytes per node.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .function import Function, check_finite, op_name
from .inplace import CLOCK, InplaceModificationError, modified_since, release
from .mode import MODE, enable_grad


def _one_reference() -> int:
    """What sys.getrefcount reports for an array held by one local variable (interpreters differ)."""
    probe = np.empty(0)
    return sys.getrefcount(probe)


_ONE_REFERENCE = _one_reference()  # run_backward keeps a leaf's first gradient uncopied at this count

HOOKS = [0]  # how many tensor hooks exist: the walk looks for them only when there are some


class BackwardStep:
    """One step of the backward pass: at `node` (made by `op`) the gradient `grad` has arrived;
    the local `rule` turns it into one `contribution` per input, listed as (parent, contribution)."""

    __slots__ = ("node", "grad", "op", "rule", "contributions")

    def __init__(self, node: Value, grad: Any, op: str, rule: str, contributions: list) -> None:
        self.node, self.grad, self.op, self.rule, self.contributions = node, grad, op, rule, contributions

    def __repr__(self) -> str:
        return f"BackwardStep(op={self.op!r}, node={self.node!r}, inputs={len(self.contributions)})"


class GradPass:
    """The gradients of one backward pass, and the graph it walks.

    `order` lists the Values the outputs depend on through Values that require grad, inputs
    first. While the pass runs, the gradient arriving at an op's output is kept in that op's
    Function (`_pending`; `empty` until something arrives) and a leaf's in the dict `leaves`
    (None until something arrives). No table keyed by every node: a million-node graph
    needs no million-entry dict (80 bytes per node). Use the pass as a context manager: on
    leaving, every `_pending` is emptied again (restored, when a pass was already running on
    those nodes: a hook or a composite's gradient can start one inside another). So one graph
    takes one backward at a time: two threads may not run backward through the same op nodes.
    """

    __slots__ = ("order", "leaves", "empty", "_outer")

    def __init__(self, outputs: Sequence[Value]) -> None:
        """Iterative depth-first search, so a graph a million nodes deep needs no recursion: the
        node on top of the stack is emitted once all its inputs are, and until then it stays
        there, under the inputs still to do. Emitted op nodes are marked `empty`, which also
        makes a shared node (b = a + a) appear once."""
        self.order: list[Value] = []
        self.leaves: dict[Value, Any] = {}
        self.empty = object()  # this pass's own mark: an outer pass's marks differ
        self._outer: list = []  # (Function, what an outer pass kept there)
        try:
            self._search(outputs)
        except BaseException:  # (an interrupt, say): take this pass's marks away again
            self.__exit__()
            raise

    def _search(self, outputs: Sequence[Value]) -> None:
        order, leaves, outer, empty = self.order, self.leaves, self._outer, self.empty
        stack = [out for out in reversed(outputs) if out.requires_grad]
        while stack:
            node = stack[-1]
            ctx = node._ctx
            if ctx is None:
                stack.pop()
                if node not in leaves:
                    leaves[node] = None
                    order.append(node)
                continue
            mark = ctx._pending
            if mark is empty:  # a second path reached it first
                stack.pop()
                continue
            waiting = False
            for p in ctx.parents:
                if p.requires_grad and (p not in leaves if p._ctx is None else p._ctx._pending is not empty):
                    stack.append(p)
                    waiting = True
            if not waiting:
                stack.pop()
                if mark is not None:
                    outer.append((ctx, mark))
                ctx._pending = empty
                order.append(node)

    def get(self, node: Value) -> Any:
        """The gradient that has arrived at `node` (None if none), for a node of this pass."""
        ctx = node._ctx
        if ctx is None:
            return self.leaves.get(node)
        g = ctx._pending
        return None if g is self.empty else g

    def add(self, node: Value, g: Any) -> None:
        """Add `g` to the gradient of `node`, a node of this pass."""
        prev = self.get(node)
        g = g if prev is None else prev + g
        if node._ctx is None:
            self.leaves[node] = g
        else:
            node._ctx._pending = g

    def __enter__(self) -> GradPass:
        return self

    def __exit__(self, *exc: object) -> None:
        for node in self.order:
            if node._ctx is not None:
                node._ctx._pending = None
        for ctx, kept in self._outer:
            ctx._pending = kept


def walk(gp: GradPass, create_graph: bool = False, on_step: Any = None) -> None:
    """Apply the chain rule along `gp.order`, outputs first, adding contributions into `gp`.

    `gp` holds the seeds (dL/d(output) for each output) and gains every node's gradient.
    `on_step(node, grad, ctx, input_grads)` is called after each op's rule ran."""
    check = MODE.anomaly
    hooks, clock, leaves, empty = HOOKS, CLOCK, gp.leaves, gp.empty  # locals: the loop runs once per node
    for node in reversed(gp.order):  # outputs before inputs: each node's grad is complete here
        ctx = node._ctx
        if ctx is None:  # a leaf: only its hooks to run
            g = leaves[node]
            if g is not None and hooks[0] and node._hooks:
                leaves[node] = _run_hooks(node, g, create_graph)
            continue
        g = ctx._pending
        if g is empty:
            continue
        if hooks[0] and node._hooks:
            g = ctx._pending = _run_hooks(node, g, create_graph)
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
            pc = p._ctx  # every input that requires grad is a node of the pass
            if pc is None:
                prev = leaves[p]
                leaves[p] = pg if prev is None else prev + pg
            else:
                prev = pc._pending
                pc._pending = pg if prev is empty else prev + pg
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
                check_finite(pg._data if create_graph else pg,
                              f"backward produced NaN/Inf in the gradient of input {i}", ctx)
        out.append(pg)
    return tuple(out)


def _local_grads(ctx: Function, node: Value, g: Value) -> Any:
    """The local rule on Values: the op's own backward, or its composite's gradient."""
    if hasattr(ctx, "composite"):
        parents = ctx.parents
        wanted = [p for p in parents if p.requires_grad]
        with enable_grad():
            out = ctx.composite(*parents, **ctx.options)
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


def start(outputs: Sequence[Value], grad_outputs: Sequence[Any] | None, create_graph: bool) -> GradPass:
    """The pass over the graph below `outputs`, seeded: each output starts with its gradient."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    seeds = []
    for out, go in zip(outputs, grad_outputs):
        if create_graph and isinstance(go, Value):
            seed = go  # a Value seed stays in the graph (jvp differentiates through it)
        else:
            seed = out._seed(go)  # checks out.requires_grad, so out is a node of the pass
            if create_graph:
                seed = Value._constant(seed, out)
        seeds.append(seed)
    gp = GradPass(outputs)
    for out, seed in zip(outputs, seeds):
        gp.add(out, seed)
    return gp


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

    with start([root], [grad], False) as gp:
        walk(gp, on_step=record)
    yield from steps


def run_backward(root: Value, grad: Any, create_graph: bool) -> None:
    """Value.backward: the walk, then `.grad` (and `.grad_value`) written once it all succeeded."""
    gc_was_on = gc.isenabled()
    gc.disable()  # the pass allocates many short-lived objects and no cycles; GC scans would double its time
    try:
        with start([root], [grad], create_graph) as gp:
            walk(gp, create_graph)
            # Commit only after the whole pass succeeded, so an error leaves every grad as it was.
            release()  # this pass is done with the saved data: reading .data is free again
            leaves, empty = gp.leaves, gp.empty
            for node in gp.order:
                ctx = node._ctx
                if not create_graph:
                    if ctx is not None:
                        g = ctx._pending
                        node._grad = None if g is empty else g
                    else:
                        g = leaves.pop(node)  # out of the dict: a fresh gradient is now held by g alone
                        if g is not None:
                            sole = sys.getrefcount(g) <= _ONE_REFERENCE  # before g is pushed as an argument
                            node._accumulate(g, sole)
                    continue
                g = leaves[node] if ctx is None else ctx._pending
                if ctx is not None:  # create_graph: each gradient is a Value
                    node._grad_value = None if g is empty else g
                    node._grad = None if g is empty else g._data
                elif g is not None:
                    node._accumulate(g._data)
                    prev = node._grad_value
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
    with start(outs, grad_outputs, create_graph) as gp:
        walk(gp, create_graph)
        inner = set(gp.order) if any(x._ctx is not None for x in ins) else ()
        got = [gp.get(x) if x._ctx is None or x in inner else None for x in ins]
    result = []
    for i, (x, g) in enumerate(zip(ins, got)):
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
    hooks = value._hooks
    if hooks is None:
        hooks = value._hooks = {}
    handle = RemovableHandle(hooks, _tensor_hook_removed)
    hooks[handle.id] = fn
    HOOKS[0] += 1
    return handle


from .value import Value  # noqa: E402
