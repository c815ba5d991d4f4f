"""SGD, momentum, Nesterov, Adagrad, RMSprop and Adam racing down the Rosenbrock valley.

    python examples/04_optimizers.py
"""

import numpy as np
from _common import OUT, QUICK

import optim
from optim.testfns import rosenbrock
from tinygrad_edu import Value
from viz import plot_optimizer_paths

racers = {
    "SGD": lambda p: optim.SGD(p, lr=1e-3),
    "Momentum 0.9": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
    "Nesterov": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.5),
    "RMSprop": lambda p: optim.RMSprop(p, lr=1e-2),
    "Adam": lambda p: optim.Adam(p, lr=5e-2),
}
steps = 100 if QUICK else 500
for name, make in racers.items():
    w = Value(np.array(rosenbrock.start, dtype=float))
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        loss = rosenbrock(w)
        loss.backward()
        opt.step()
    dist = np.linalg.norm(np.asarray(w.data) - rosenbrock.minimum)
    print(f"{name:<13} loss {rosenbrock(w).item():10.5f}   distance to the minimum {dist:.4f}")
plot_optimizer_paths(rosenbrock, racers, steps=steps, path=OUT / "optimizer_paths.png")
print(f"wrote {OUT / 'optimizer_paths.png'}")
