# %% [markdown]
# # Lesson 3 — Activations and their derivatives
#
# Backpropagation multiplies, at every unit, by the activation's derivative `f'(x)`. Its shape decides
# whether gradient flows: **sigmoid**'s `f'` is at most 0.25 and almost 0 once `|x|` is a few units
# (saturation); **tanh** peaks at 1 but saturates too; **ReLU** passes exactly 1 for `x > 0` and 0 otherwise
# (a unit stuck at `x < 0` is *dead*); Leaky ReLU, ELU and GELU keep a little slope on the left.
#
# **Takeaway:** the derivative, not the function, is what the gradient sees — and where it is flat
# (grey), learning stops.

# %%
import numpy as np

import nn
from exercises import check
from viz import plot_activations

# %%
plot_activations(["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"])

# %% [markdown]
# Every activation in `nn` carries its analytic derivative; the engine's backward agrees with it:

# %%
from tinygrad_edu import Value  # noqa: E402

x = np.linspace(-4, 4, 9)
for name in ("sigmoid", "tanh", "relu", "gelu"):
    act = nn.get_activation(name)()
    v = Value(x)
    act(v).sum().backward()
    print(f"{name:<8} max f' {act.derivative(x).max():.3f}   engine == derivative: "
          f"{np.allclose(v.grad, act.derivative(x))}")

# %% [markdown]
# ## Softmax: exponentials overflow
# `exp(1000)` is `inf` in float64, so the textbook formula fails on large logits. Softmax does not change
# when the same constant is subtracted from every logit — subtract the maximum.

# %%
logits = np.array([1000.0, 1001.0, 1002.0])
with np.errstate(over="ignore", invalid="ignore"):
    print("naive :", np.exp(logits) / np.exp(logits).sum())
print("stable:", nn.Softmax(axis=-1)(logits).data)

# %% [markdown]
# ## Exercises
# **1.** The derivative of the sigmoid, elementwise.

# %%
def sigmoid_derivative(x):
    raise NotImplementedError  # your code here


check("sigmoid_derivative", sigmoid_derivative)

# %% [markdown]
# **2.** The derivative of ELU with parameter `alpha` (`ELU(x) = x` for `x > 0`, `alpha·(eˣ − 1)` otherwise).

# %%
def elu_derivative(x, alpha):
    raise NotImplementedError  # your code here


check("elu_derivative", elu_derivative)

# %% [markdown]
# **3.** A softmax over the last axis that works for logits like 1000.

# %%
def softmax(x):
    raise NotImplementedError  # your code here


check("stable_softmax", softmax)
