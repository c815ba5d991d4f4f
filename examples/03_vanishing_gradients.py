"""Why deep sigmoid networks do not learn, and what fixes it: ReLU + He init, or batch norm.

Sigmoid's derivative is at most 1/4, so the gradient reaching layer 1 of a 20-layer network has
been multiplied by about twenty factors of <= 1/4 (times the weights). ReLU passes gradient 1
where it is active, He init keeps the signal's variance constant, batch norm re-centres every
layer's inputs so the sigmoid stays in its steep middle.

    python examples/03_vanishing_gradients.py
"""

import numpy as np
from _common import OUT

import nn
from nn.diagnostics import gradient_flow
from tinygrad_edu import manual_seed
from viz import plot_grad_flow

manual_seed(0)
X = np.random.default_rng(0).standard_normal((64, 16))
y = np.random.default_rng(1).integers(0, 4, 64)
runs = {
    "sigmoid (Xavier init)": nn.MLP(16, [32] * 20, 4, activation="sigmoid"),
    "ReLU + He init": nn.MLP(16, [32] * 20, 4, activation="relu", init="he"),
    "sigmoid + batch norm": nn.MLP(16, [32] * 20, 4, activation="sigmoid", batchnorm=True),
}
monitors = {}
for name, model in runs.items():
    monitors[name] = gradient_flow(model, nn.cross_entropy(model(X), y))
    stats = monitors[name].latest()
    print(f"\n== {name}: first layer's grad norm / last layer's = "
          f"{stats[0]['grad_norm'] / stats[-1]['grad_norm']:.1e}")
    print(monitors[name].report())
plot_grad_flow(monitors, path=OUT / "vanishing_grad_flow.png")
print(f"wrote {OUT / 'vanishing_grad_flow.png'}")
