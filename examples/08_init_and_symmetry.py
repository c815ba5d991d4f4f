"""Weight initialization: constant weights never break symmetry; too small or too large kills the signal.

With every weight equal, every hidden unit computes the same thing and gets the same gradient,
so they stay identical forever: a 64-unit layer learns like a single unit. Random init breaks
the tie; its scale (He for ReLU, Xavier for tanh) keeps the activations' variance steady.

    python examples/08_init_and_symmetry.py
"""

import numpy as np
from _common import epochs

import nn
import optim
from tinygrad_edu import manual_seed, no_grad

X, y = nn.data.make_moons(n_samples=300, noise=0.15, random_state=0)
for name, setup in [("constant 0.1", lambda w: nn.init.constant_(w, 0.1)),
                    ("normal std 0.01", lambda w: nn.init.normal_(w, std=0.01)),
                    ("normal std 3", lambda w: nn.init.normal_(w, std=3.0)),
                    ("He (default for ReLU)", nn.init.he_normal_)]:
    manual_seed(0)
    model = nn.MLP(2, [64, 64], 2)
    for layer in model:
        if isinstance(layer, nn.Linear):
            setup(layer.weight)
    opt = optim.Adam(model.parameters(), lr=0.01)
    h = nn.fit(model, nn.cross_entropy, opt, X, y, epochs=epochs(40), verbose=0)
    W = np.asarray(model[0].weight.data)
    distinct = len(np.unique(np.round(W, 8), axis=0))
    with no_grad():
        act_std = float(np.std(np.asarray(model[1](model[0](X)).data)))
    print(f"{name:<22} accuracy {h.history['accuracy'][-1]:.3f}   distinct hidden units {distinct:>2}/64   "
          f"first-layer activation std {act_std:.3f}")
