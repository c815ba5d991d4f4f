"""Identity: y = x, a placeholder layer (e.g. to switch a block off without changing the model's structure)."""

from __future__ import annotations

from typing import Any

from ..module import Module


class Identity(Module):
    """forward(x) returns x unchanged; any constructor arguments are ignored, as in torch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: Any) -> Any:
        return x
