# %% [markdown]
# # Lesson 13 — Higher-order gradients
#
# `backward(create_graph=True)` records the backward pass itself as a graph, so a gradient is again a
# `Value` that can be differentiated. That gives second derivatives, Hessians, Hessian-vector products
# (the heart of Newton's method and of many meta-learning and physics-informed losses) and gradient
# penalties. `tinygrad_edu.func` wraps it in function transforms: `grad(f)`, `hessian(f)`, `hvp`, `jvp`, ...
#
# **Takeaway:** `grad(grad(f))` equals the second derivative worked out by hand, `gradgradcheck` confirms
# it against finite differences, and Newton's method with the Hessian reaches Rosenbrock's minimum in a
# handful of steps where gradient descent needs thousands.

# %%
import matplotlib.pyplot as plt
import numpy as np

import optim
import tinygrad_edu
from exercises import check
from tinygrad_edu import Value, func, gradgradcheck

# %% [markdown]
# ## d²/dx² of tanh, three ways

# %%
x = Value(0.5)
y = x.tanh()
(dy,) = tinygrad_edu.grad(y, x, create_graph=True)      # a Value in the graph: 1 - tanh(x)**2
(d2y,) = tinygrad_edu.grad(dy, x)
t = np.tanh(0.5)
print(f"by hand {-2 * t * (1 - t * t):.6f}   double backward {float(d2y.data):.6f}   "
      f"func.grad(func.grad) {float(np.asarray(func.grad(func.grad(lambda v: v.tanh()))(Value(0.5)).data)):.6f}")
print("gradgradcheck:", gradgradcheck(lambda v: v.tanh().sum(), Value(np.array([-1.0, 0.3, 2.0]))))

# %%
xs = np.linspace(-4, 4, 81)
d1, d2 = func.grad(lambda v: v.tanh()), func.grad(func.grad(lambda v: v.tanh()))
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(xs, np.tanh(xs), label="tanh")
ax.plot(xs, [float(np.asarray(d1(Value(v)).data)) for v in xs], label="first derivative")
ax.plot(xs, [float(np.asarray(d2(Value(v)).data)) for v in xs], label="second derivative")
ax.axhline(0, color="grey", lw=0.5)
ax.legend()
plt.close(fig)
fig  # noqa: B018

# %% [markdown]
# ## Newton's method with the Hessian
# `x ← x − H⁻¹ ∇f`: the step uses the curvature, so it goes straight down a curved valley.

# %%
f = optim.testfns.rosenbrock
p = np.array(f.start, dtype=np.float64)
for step in range(8):
    g = np.asarray(func.grad(f)(Value(p)).data)
    H = np.asarray(func.hessian(f)(Value(p)).data)
    p = p - np.linalg.solve(H, g)
    print(f"step {step + 1}: x = {p.round(5)}, distance to the minimum {np.linalg.norm(p - f.minimum):.2e}")

# %% [markdown]
# Plain gradient descent (lesson 7) was still 2.1 away after 500 steps at lr 1e-3.
#
# ## Exercises
# **1.** The second derivative of tanh, by hand.

# %%
def tanh_second_derivative(x):
    raise NotImplementedError  # your code here


check("tanh_second_derivative", tanh_second_derivative)

# %% [markdown]
# **2.** A Hessian-vector product `H·v` without forming `H`: differentiate `∇f · v` once more.

# %%
def hvp(f, x, v):
    raise NotImplementedError  # your code here (use tinygrad_edu.grad with create_graph=True)


check("hvp_double_backward", hvp)
