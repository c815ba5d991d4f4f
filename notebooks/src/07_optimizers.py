# %% [markdown]
# # Lesson 7 — Optimizers on test functions
#
# Every optimizer turns gradients into steps. On a 2-D test function we can *see* the path:
#
# * **SGD**: `p ← p − lr·g`. On Rosenbrock's long curved valley it crawls along the flat floor.
# * **Momentum** (torch form `buf ← μ·buf + g; p ← p − lr·buf`, the same as Sutskever's `v ← μv + lr·g`
#   while lr is constant) builds up speed along directions the gradient keeps pointing to.
# * **Nesterov** evaluates the gradient where momentum is about to take it (look-ahead).
# * **Adagrad**, **RMSprop**, **Adam** divide each coordinate's step by a running size of its gradient:
#   flat directions get bigger steps, steep ones smaller. Adam adds momentum and bias correction.
#
# **Takeaway:** on Rosenbrock, after 500 steps plain SGD is still 2.1 away from the minimum; momentum
# (0.15) and Nesterov (0.09) get more than ten times closer at the same lr. The adaptive methods race into
# the valley but, at these rates, zig-zag across it (Adam 0.65). On the saddle, compare how far each
# gets down the escaping direction.

# %%
import numpy as np

import optim
from exercises import check
from tinygrad_edu import Value
from viz import plot_optimizer_paths

racers = {"SGD (lr 1e-3)": lambda p: optim.SGD(p, lr=1e-3),
          "Momentum 0.9 (lr 1e-3)": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
          "Nesterov 0.9 (lr 1e-3)": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
          "Adagrad (lr 0.5)": lambda p: optim.Adagrad(p, lr=0.5),
          "RMSprop (lr 1e-2)": lambda p: optim.RMSprop(p, lr=1e-2),
          "Adam (lr 5e-2)": lambda p: optim.Adam(p, lr=5e-2)}
plot_optimizer_paths(optim.testfns.rosenbrock, racers, steps=500)

# %% [markdown]
# The distance to the minimum after 500 steps, measured:

# %%
fn = optim.testfns.rosenbrock
for name, make in racers.items():
    p = Value(np.array(fn.start, dtype=np.float64))
    opt = make([p])
    for _ in range(500):
        opt.zero_grad()
        fn(p).backward()
        opt.step()
    print(f"{name:<24} distance {np.linalg.norm(p.data - fn.minimum):.4f}")

# %% [markdown]
# ## A saddle point
# `f(x, y) = x² + y⁴/4 − y²/2` has a saddle at the origin and minima `f = −0.25` at `(0, ±1)`. The start
# sits just off the ridge, where the gradient along `y` is tiny: SGD stays near the saddle line
# (f ≈ 1 after 200 steps), momentum is just leaving it, RMSprop and Adam rescale the tiny gradient and
# reach the minimum.

# %%
saddle_racers = {k: racers[k] for k in ("SGD (lr 1e-3)", "Momentum 0.9 (lr 1e-3)", "RMSprop (lr 1e-2)",
                                         "Adam (lr 5e-2)")}
for name, make in saddle_racers.items():
    p = Value(np.array(optim.testfns.saddle.start, dtype=np.float64))
    opt = make([p])
    for _ in range(200):
        opt.zero_grad()
        optim.testfns.saddle(p).backward()
        opt.step()
    print(f"{name:<24} f after 200 steps {optim.testfns.saddle(p).item(): .4f}")
plot_optimizer_paths(optim.testfns.saddle, saddle_racers, steps=200)

# %% [markdown]
# ## Exercises
# Each check runs your step and the library's optimizer side by side on Rosenbrock for 25 steps.
#
# **1.** SGD with momentum (lr `1e-3`, momentum `0.9`, torch semantics).

# %%
def momentum_step(p, g, buf):
    raise NotImplementedError  # your code here: return (new_p, new_buf)


check("momentum_step", momentum_step)

# %% [markdown]
# **2.** RMSprop (lr `1e-2`, alpha `0.99`, eps `1e-8`).

# %%
def rmsprop_step(p, g, sq):
    raise NotImplementedError  # your code here: return (new_p, new_sq)


check("rmsprop_step", rmsprop_step)

# %% [markdown]
# **3.** Adam (lr `5e-2`, betas `(0.9, 0.999)`, eps `1e-8`); `t` is the step number, from 1.

# %%
def adam_step(p, g, m, v, t):
    raise NotImplementedError  # your code here: return (new_p, new_m, new_v)


check("adam_step", adam_step)
