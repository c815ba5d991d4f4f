"""`Module`: the base class of every layer and model.

A Module finds its parameters by looking at its attributes, so a model is written as plain
Python::

    class TwoLayer(Module):
        def __init__(self):
            self.fc1 = Linear(2, 16)      # a sub-module: its parameters become "fc1.weight", ...
            self.fc2 = Linear(16, 1)
        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

What counts:
- a leaf `Value` attribute with `requires_grad=True` is a parameter;
- a `Module` attribute is a child; lists, tuples and dicts of Modules/Values are searched too
  (names "layers.0.weight", "heads.a.bias");
- buffers (state that is saved but not trained, e.g. BatchNorm's running statistics) are numpy
  arrays registered with `register_buffer(name, array)`.

Names and order follow PyTorch (a module's own parameters, then its buffers, then its children),
so `state_dict()` loads into the equivalent `torch.nn` model unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu import RemovableHandle, Value, is_grad_enabled
from tinygrad_edu.ops import Identity

from .state_file import StateKeyError, read_state, write_state

_INTERNAL = frozenset({"training", "_forward_hooks", "_backward_hooks", "_buffer_names"})

Hook = Callable[["Module", tuple, Any], Any]


def _watch_backward(module: Module, inputs: list[Value], out: Value) -> None:
    """Hook the output (its gradient arrives first) and the inputs (theirs is then complete)."""
    seen: dict[str, Any] = {}

    def call(grad_input: tuple) -> tuple:
        for fn in list(module._backward_hooks.values()):
            result = fn(module, grad_input, (seen["out"],))
            if result is not None:
                grad_input = tuple(result)
        return grad_input

    def on_output(g: np.ndarray) -> None:
        seen["out"] = g
        if not inputs:  # nothing upstream wants a gradient: report now, grad_input is (None,)
            call((None,))

    out.register_hook(on_output)
    for i, x in enumerate(inputs):
        def on_input(g: np.ndarray, i: int = i) -> Any:
            seen[i] = g
            if len(seen) - 1 == len(inputs):  # the last input's gradient: the module is done
                new = call(tuple(seen[k] for k in range(len(inputs))))
                return new[i]
            return None
        x.register_hook(on_input)


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: subclass it, set layers/parameters as attributes, write `forward`.

    Calling `super().__init__()` is optional: the bookkeeping is set up in `__new__`.
    """

    training: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        self = super().__new__(cls)
        d = self.__dict__
        d["training"] = True
        d["_forward_hooks"] = {}
        d["_backward_hooks"] = {}
        d["_buffer_names"] = []
        return self

    def __init__(self) -> None:
        pass

    # --- calling -------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        watch = bool(self._backward_hooks) and is_grad_enabled()
        if watch:  # a fresh node per input, so its gradient is exactly this module's share
            args = tuple(Identity.apply(a) if isinstance(a, Value) and a.requires_grad else a for a in args)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:  # as in PyTorch, a hook may replace the output
                    out = result
        if watch and isinstance(out, Value) and out.requires_grad:
            _watch_backward(self, [a for a in args if isinstance(a, Value) and a.requires_grad], out)
        return out

    def register_full_backward_hook(self, fn: Callable[[Module, tuple, tuple], Any]) -> RemovableHandle:
        """Call `fn(module, grad_input, grad_output)` when backward has computed the gradients of
        this module's inputs (tuples of numpy arrays: dL/d(input) for each input that requires
        grad, None for the others; dL/d(output)). Returning a tuple replaces grad_input, as torch.
        Returns a handle with `.remove()`. Only calls made after registering are watched."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = fn
        return handle

    def register_forward_hook(self, fn: Hook) -> RemovableHandle:
        """Call `fn(module, inputs, output)` after every forward; returns a handle with `.remove()`."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = fn
        return handle

    # --- discovery -----------------------------------------------------------------------------
    def register_buffer(self, name: str, array: Any) -> None:
        """Store `array` as attribute `name`, saved in `state_dict()` but not a parameter."""
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        object.__setattr__(self, name, np.asarray(array))

    def _own(self) -> Iterator[tuple[str, Any]]:
        """(name, Value) for this module's own parameters and (name, Module) for its children."""
        for name, attr in self.__dict__.items():
            if name in _INTERNAL or name in self._buffer_names:
                continue
            yield from _walk(name, attr)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs, each parameter once even if shared."""
        seen: set[int] = set()
        for mod_prefix, mod in self._named_modules(prefix):
            for name, obj in mod._own():
                if isinstance(obj, Value) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield mod_prefix + name, obj

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order (what an optimizer takes)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for mod_prefix, mod in self._named_modules(prefix):
            for name in mod._buffer_names:
                yield mod_prefix + name, getattr(mod, name)

    def buffers(self) -> list[np.ndarray]:
        return [b for _, b in self.named_buffers()]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, obj in self._own():
            if isinstance(obj, Module) and id(obj) not in seen:
                seen.add(id(obj))
                yield name, obj

    def children(self) -> list[Module]:
        return [m for _, m in self.named_children()]

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("" for itself) and every descendant, depth first."""
        for p, m in self._named_modules(prefix + "." if prefix else ""):
            yield p[:-1], m

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def _named_modules(self, prefix: str) -> Iterator[tuple[str, Module]]:
        """Like named_modules, but each prefix ends with '.' (or is '') for joining names."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            p, mod = stack.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            yield p, mod
            stack.extend(reversed([(f"{p}{name}.", child) for name, child in mod.named_children()]))

    def num_parameters(self) -> int:
        """Number of trainable numbers."""
        return sum(p.size for p in self.parameters())

    # --- modes and gradients -------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics) for this and every child."""
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter, as torch (see `tinygrad_edu.grad_utils`)."""
        from tinygrad_edu.grad_utils import zero_grad

        zero_grad(self.parameters(), set_to_none=set_to_none)

    def to(self, dtype: Any) -> Module:
        """Cast every parameter and floating buffer to `dtype` in place (e.g. np.float32); returns self."""
        dtype = np.dtype(dtype)
        for p in self.parameters():
            p.data = np.asarray(p.data).astype(dtype)
            p.grad = None
        for m in self.modules():
            for name in m._buffer_names:
                buf = getattr(m, name)
                if buf.dtype.kind == "f":
                    object.__setattr__(m, name, buf.astype(dtype))
        return self

    # --- saving and loading --------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: numpy copy} of every parameter and buffer (PyTorch's key names)."""
        out: dict[str, np.ndarray] = {}
        seen: set[int] = set()
        for mod_prefix, mod in self._named_modules(""):
            for name, obj in mod._own():
                if isinstance(obj, Value) and id(obj) not in seen:
                    seen.add(id(obj))
                    out[mod_prefix + name] = np.array(obj.data, copy=True)
            for name in mod._buffer_names:
                out[mod_prefix + name] = np.array(getattr(mod, name), copy=True)
        return out

    def _state_targets(self) -> dict[str, tuple[Module, str, Value | None]]:
        """key -> (owning module, attribute name, parameter or None for a buffer)."""
        targets: dict[str, tuple[Module, str, Value | None]] = {}
        seen: set[int] = set()
        for mod_prefix, mod in self._named_modules(""):
            for name, obj in mod._own():
                if isinstance(obj, Value) and id(obj) not in seen:
                    seen.add(id(obj))
                    targets[mod_prefix + name] = (mod, name, obj)
            for name in mod._buffer_names:
                targets[mod_prefix + name] = (mod, name, None)
        return targets

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True,
                        allow_nonfinite: bool = False) -> IncompatibleKeys:
        """Copy arrays from `state` into the parameters (in place) and buffers.

        Everything is checked before anything is written, so on any error the module is unchanged:
        - `state` must be a mapping {name: array} (what `state_dict()` returns): TypeError otherwise;
        - with `strict=True` a missing or unexpected key raises KeyError naming it (a missing
          BatchNorm `num_batches_tracked` is tolerated, as in PyTorch);
        - a value that is not a numeric array (a str, None, an object array...) raises TypeError;
        - a shape mismatch raises ValueError naming the key and both shapes (also with strict=False);
        - a bool array is refused (ValueError) unless the target itself is bool: casting True/False
          to weights would silently turn a mask, or the wrong file, into 0/1 parameters;
        - a complex array is refused (ValueError): casting would drop the imaginary part;
        - NaN or ±Inf (also from overflow when casting, e.g. 1e300 to float32) is refused
          (ValueError) unless `allow_nonfinite=True`; into an integer buffer it is always refused.
        Values are cast to each parameter's dtype.
        """
        if not isinstance(state, Mapping):
            hint = " (use dict(...) on a list of (name, array) pairs)" if isinstance(state, (list, tuple)) else ""
            raise TypeError(f"load_state_dict: expected a mapping {{name: array}} such as state_dict() returns, "
                            f"got {type(state).__name__}{hint}")
        targets = self._state_targets()
        missing = [k for k in targets if k not in state and not k.endswith("num_batches_tracked")]
        unexpected = [k for k in state if k not in targets]
        if strict and (missing or unexpected):
            parts = ([f"missing key(s) {missing}"] if missing else []) + (
                [f"unexpected key(s) {unexpected}"] if unexpected else [])
            raise StateKeyError(f"load_state_dict: {'; '.join(parts)} (the model has {list(targets)})")
        updates = []
        for key, (mod, name, param) in targets.items():
            if key not in state:
                continue
            current = np.asarray(param.data if param is not None else getattr(mod, name))
            updates.append((mod, name, param, _checked(key, state[key], current, allow_nonfinite)))
        for mod, name, param, arr in updates:  # all checks passed: now write
            if param is not None:
                param.data = arr if arr.ndim else arr[()]
            else:
                object.__setattr__(mod, name, arr)
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike) -> None:
        """Write `state_dict()` to an `.npz` file atomically and durably: a temporary file
        `.<name>.tmp-<pid>-<random>.npz` in the same directory, fsync'ed, renamed over `path` with
        `os.replace`, then the directory fsync'ed. A crash never leaves a half-written file at
        `path`; a temporary file a killed save left behind is removed by the next save of the same
        path. Permissions are those `np.savez` gives (an existing file's mode, else 0o666 & ~umask).
        """
        write_state(path, self.state_dict())

    def load(self, path: str | os.PathLike, strict: bool = True, allow_nonfinite: bool = False) -> Module:
        """Load parameters saved by `save`. Returns self.

        The file is never trusted: names, dtypes and shapes are checked from the archive's headers
        before any array is read (a small file promising a huge array costs nothing), and data is
        read in exactly the size the parameter needs (nothing is unpickled). A corrupt, truncated
        or foreign file raises ValueError naming the file (and the key); keys that do not match
        the model raise KeyError (which here is also a ValueError); other checks as
        `load_state_dict`. Either way the model is unchanged. FileNotFoundError passes through.
        """
        path = os.fspath(path)
        targets = {k: np.asarray(p.data if p is not None else getattr(m, n))
                   for k, (m, n, p) in self._state_targets().items()}
        state = read_state(path, targets, strict=strict)
        try:
            self.load_state_dict(state, strict=strict, allow_nonfinite=allow_nonfinite)
        except (TypeError, ValueError) as e:
            raise type(e)(f"load: {path!r}: {e}") from None
        return self

    # --- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _walk(name: str, attr: Any) -> Iterator[tuple[str, Any]]:
    """Parameters (leaf Values that require grad) and Modules inside an attribute."""
    if isinstance(attr, Value):
        if attr.requires_grad and attr.is_leaf:
            yield name, attr
    elif isinstance(attr, Module):
        yield name, attr
    elif isinstance(attr, (list, tuple)):
        for i, item in enumerate(attr):
            if isinstance(item, (Value, Module, list, tuple, dict)):
                yield from _walk(f"{name}.{i}", item)
    elif isinstance(attr, dict):
        for key, item in attr.items():
            if isinstance(item, (Value, Module, list, tuple, dict)):
                yield from _walk(f"{name}.{key}", item)


def _checked(key: str, value: Any, current: np.ndarray, allow_nonfinite: bool) -> np.ndarray:
    """`value` as a fresh array of `current`'s dtype, or the reason it cannot replace `current`."""
    if isinstance(value, Value):
        value = value.data
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise TypeError(f"load_state_dict: {key!r} must be a numeric array, got {type(value).__name__}"
                        + (f" {value[:40]!r}" if isinstance(value, (str, bytes)) else ""))
    try:
        arr = np.asarray(value)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"load_state_dict: {key!r} is not an array ({type(e).__name__}: {e})") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"load_state_dict: {key!r} must be a numeric array, got dtype {arr.dtype} "
                        f"({type(value).__name__})")
    if arr.shape != current.shape:
        raise ValueError(f"load_state_dict: shape mismatch for {key!r}: the file has {arr.shape}, "
                         f"the model has {current.shape}")
    if arr.dtype.kind == "b" and current.dtype.kind != "b":
        raise ValueError(f"load_state_dict: {key!r} is a bool array but the model's is {current.dtype}: refusing "
                         "it, because casting True/False to numbers would silently turn a mask (or the wrong "
                         "file) into 0/1 weights; convert it explicitly (.astype) if that is really meant")
    if arr.dtype.kind == "c" and current.dtype.kind != "c":
        raise ValueError(f"load_state_dict: {key!r} is a complex array ({arr.dtype}) but the model's is "
                         f"{current.dtype}: casting would drop the imaginary part")
    with np.errstate(over="ignore", invalid="ignore"):
        finite_in = bool(np.isfinite(arr).all()) if arr.dtype.kind in "fc" else True
        if not finite_in and current.dtype.kind not in "fc":
            raise ValueError(f"load_state_dict: {key!r} holds NaN/Inf, which the model's {current.dtype} cannot "
                             "hold")
        out = np.array(arr, dtype=current.dtype, copy=True)
    if not allow_nonfinite and out.dtype.kind in "fc" and not np.isfinite(out).all():
        bad = int(np.size(out) - np.count_nonzero(np.isfinite(out)))
        first = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0]) if out.ndim else ()
        why = "" if not finite_in else f" after casting {arr.dtype} to {out.dtype} (overflow)"
        raise ValueError(f"load_state_dict: {key!r} holds {bad} NaN/Inf value(s){why}, first at index {first}; "
                         "refusing non-finite weights (pass allow_nonfinite=True to load them anyway)")
    return out
