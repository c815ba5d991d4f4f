"""Test doubles shared by the nn tests (nn never depends on optim, so its tests need none either)."""


class SGD:
    """The smallest optimizer `fit` accepts: step() and zero_grad(), plus an `lr` attribute."""

    def __init__(self, params, lr=0.1):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for p in self.params:
            p.data = p.data - self.lr * p.grad
