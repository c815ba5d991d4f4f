"""Rendering a drawing needs Graphviz's `dot` program; when it is missing, say how to install it.

`Drawing` is a `graphviz.Digraph` (every graphviz method works, `isinstance` holds) whose
rendering entry points — `.render()`, `.pipe()`, `.view()`, `.unflatten()`, and the Jupyter
display hooks `_repr_svg_()` / `_repr_mimebundle_()` — first check that the layout program is on
PATH and otherwise raise `GraphvizNotFound` (a RuntimeError) with the apt / brew / conda install
lines, instead of graphviz's bare `ExecutableNotFound`. Building the drawing (`.source`,
`.save()`, `.node()`, `.edge()`, ...) never needs the binary.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import graphviz

__all__ = ["Drawing", "GraphvizNotFound", "INSTALL_HINT", "check_dot", "render_svg", "save_svg"]

INSTALL_HINT = ("install Graphviz (it provides `dot`): 'sudo apt-get install graphviz' on Debian/Ubuntu, "
                "'brew install graphviz' on macOS, or 'conda install -c conda-forge graphviz'; "
                "then make sure `dot` is on your PATH")

F = TypeVar("F", bound=Callable[..., Any])


class GraphvizNotFound(RuntimeError):
    """Rendering needs Graphviz's `dot` program and it is not on PATH."""

    def __init__(self, message: str | None = None, program: str = "dot") -> None:
        super().__init__(message or f"Graphviz's `{program}` program was not found: {INSTALL_HINT}")


def check_dot(program: str = "dot") -> None:
    """Raise GraphvizNotFound unless Graphviz's `program` (by default `dot`) is on PATH."""
    if shutil.which(program) is None:
        raise GraphvizNotFound(program=program)


def _needs_graphviz(method: F) -> F:
    """Wrap a rendering method: check the layout program first, translate graphviz's own error."""

    @functools.wraps(method)
    def wrapper(self: graphviz.Digraph, *args: Any, **kwargs: Any) -> Any:
        program = kwargs.get("engine") or self.engine
        check_dot(program)
        try:
            return method(self, *args, **kwargs)
        except graphviz.ExecutableNotFound as e:  # e.g. `dot` vanished between the check and the call
            raise GraphvizNotFound(program=program) from e

    return wrapper  # type: ignore[return-value]


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering raises `GraphvizNotFound` when Graphviz is missing."""

    render = _needs_graphviz(graphviz.Digraph.render)
    pipe = _needs_graphviz(graphviz.Digraph.pipe)
    view = _needs_graphviz(graphviz.Digraph.view)
    unflatten = _needs_graphviz(graphviz.Digraph.unflatten)

    @_needs_graphviz
    def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                          **kwargs: Any) -> dict[str, Any]:
        """What Jupyter shows: the rendered drawing (SVG by default), as graphviz does."""
        return graphviz.Digraph._repr_mimebundle_(self, include, exclude, **kwargs)

    @_needs_graphviz
    def _repr_svg_(self) -> str:
        """The drawing as SVG text (IPython's older display hook)."""
        return graphviz.Digraph.pipe(self, format="svg", encoding="utf-8")


def render_svg(dot: graphviz.Digraph) -> str:
    """The drawing as SVG text. Raises GraphvizNotFound when `dot` is missing."""
    check_dot()
    try:
        return dot.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFound() from e


def save_svg(dot: graphviz.Digraph, path: Any) -> str:
    """Write the drawing to `path` as SVG and return the path as a string."""
    svg = render_svg(dot)
    path = str(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(svg)
    return path
