"""Show a self-contained HTML page (e.g. `animate_backward`'s step-through) inside a notebook."""

from __future__ import annotations

import html
import os
from typing import Any


class HTMLPage:
    """An HTML file shown inline in Jupyter as an iframe holding the whole page (no server needed)."""

    def __init__(self, path: str | os.PathLike, height: int = 520) -> None:
        self.path = os.fspath(path)
        self.height = int(height)

    def _repr_html_(self) -> str:
        with open(self.path, encoding="utf-8") as f:
            page = f.read()
        return (f"<iframe srcdoc=\"{html.escape(page, quote=True)}\" style='width:100%;height:{self.height}px;"
                "border:1px solid #ccc' sandbox='allow-scripts'></iframe>")

    def __repr__(self) -> str:
        return f"HTMLPage({self.path!r})  (open it in a browser, or display it in Jupyter)"


def show_html(path: Any, height: int = 520) -> HTMLPage:
    """Wrap a saved page so that Jupyter displays it inline: `show_html(animate_backward(o, "bp.html"))`."""
    return HTMLPage(path, height)
