"""exercises: the self-checking exercises of the notebooks in `notebooks/`.

    from exercises import check

    def tanh_backward(x, grad):
        return grad * (1 - np.tanh(x) ** 2)

    check("tanh_backward", tanh_backward)     # ✓ tanh_backward: correct.

Each exercise is checked against an independent reference (the engine's own backward, a
gradcheck against finite differences, or the library's built-in: `optim.Adam`, `nn.BatchNorm1d`,
`nn.text.Trie`, ...). A wrong answer prints what differs (where, expected, got) and a hint.
`exercise_names(lesson)` lists them; the lesson modules (`exercises.backprop`, ...) hold the
checks with their docstrings stating the task.

This package sits on top of everything (like viz): it may import the engine, nn and optim;
none of them imports it.
"""

from . import (
    activations,
    autocomplete,
    backprop,
    batching,
    batchnorm,
    cnn,
    higher_order,
    initialization,
    optimizers,
    regularization,
    rnn,
    schedules,
    tensors,
    vanishing,
)
from .core import CheckResult, Wrong, assert_close, check, exercise_names
from .display import show_html

__all__ = ["check", "exercise_names", "CheckResult", "Wrong", "assert_close", "show_html", "activations",
           "autocomplete", "backprop", "batching", "batchnorm", "cnn", "higher_order", "initialization", "optimizers",
           "regularization", "rnn", "schedules", "tensors", "vanishing"]
