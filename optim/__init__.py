"""optim: optimizers, learning-rate schedules and gradient clipping, with torch.optim's semantics.

    from optim import SGD, Adam, lr_scheduler, clip_grad_norm_

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(90):
        for X, y in loader:
            opt.zero_grad()
            loss_fn(model(X), y).backward()
            clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
        sched.step()

`optim.catalog` names every optimizer with learning rates for the test functions in
`optim.testfns`, and `catalog.trajectory` runs one along a test function (the race, the plots).

Depends only on numpy and the engine (`tinygrad_edu`), never on `nn` or `viz`.
"""

from . import catalog, lr_scheduler, testfns
from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "lr_scheduler",
    "clip_grad_norm_",
    "clip_grad_value_",
    "testfns",
    "catalog",
]
