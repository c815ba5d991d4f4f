"""W1 scalar MLP, micrograd style: 2-16-16-1 with ReLU over scalar Values, 100 make_moons
points, loss = mean(relu(1 - y * score)) + 1e-4 * sum(p * p); one step is forward + backward +
an SGD step (lr 0.05). Both systems start from the same weights (ours are copied from
micrograd's model, parameter by parameter, in the same order).

micrograd's step is the loop from its demo notebook. Ours is what a student writes with this
library: `nn.scalar.MLP`, `nn.hinge_loss` over the stacked scores, `nn.l2_penalty`,
`optim.SGD`. `nn.scalar.MLP` makes each neuron's weighted sum one `dot` node by default; the
"unfused" row builds micrograd's exact graph (one node per multiply and add) for comparison.
"""

from __future__ import annotations

import random

from .common import make_moons

NAME, UNIT = "W1 scalar MLP 2-16-16-1, 100 pts", "ms"
ALPHA, LR = 1e-4, 0.05
SIZES = (2, [16, 16, 1])


def _micrograd_model():
    from micrograd.nn import MLP

    random.seed(0)
    return MLP(*SIZES)


def micrograd():
    model = _micrograd_model()
    X, y = make_moons()
    inputs, labels = X.tolist(), y.tolist()

    def step():
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return total

    return step


def _initial_weights() -> list[float]:
    """micrograd's initial weights when it is installed, else the same kind of draw."""
    try:
        return [p.data for p in _micrograd_model().parameters()]
    except ImportError:
        random.seed(0)
        n = sum((a + 1) * b for a, b in zip([SIZES[0], *SIZES[1][:-1]], SIZES[1]))
        return [random.uniform(-1, 1) for _ in range(n)]


def ours(fused: bool = True):
    import nn
    import optim
    from tinygrad_edu import stack

    model = nn.scalar.MLP(*SIZES, fused=fused)
    params = model.parameters()
    weights = _initial_weights()
    if len(weights) != len(params):
        raise ValueError(f"{len(params)} parameters, expected {len(weights)}")
    for p, w in zip(params, weights):
        p.data = w
    opt = optim.SGD(params, lr=LR)
    X, y = make_moons()

    def step():
        scores = stack([model(x) for x in X])
        total = nn.hinge_loss(scores, y) + ALPHA * nn.l2_penalty(params)
        opt.zero_grad()
        total.backward()
        opt.step()
        return total

    return step


def ours_unfused():
    return ours(fused=False)


BUILDERS = {"tinygrad_edu": ours, "tinygrad_edu unfused graph": ours_unfused, "micrograd": micrograd}


def check_same_loss() -> float:
    """|our first loss - micrograd's| (both from the same weights): the two compute the same math."""
    return abs(float(ours()().item()) - float(micrograd()().data))
