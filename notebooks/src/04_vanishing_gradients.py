# %% [markdown]
# # Lesson 4 — Vanishing gradients
#
# Backward multiplies one local derivative per layer. Through a sigmoid layer the factor is
# `σ'(z)·W` with `σ'(z) ≤ 1/4`, so after 20 layers the gradient reaching layer 1 has been multiplied by
# about twenty numbers well below 1: it **vanishes**, and the first layers do not learn.
#
# Two cures: **ReLU with He initialisation** (ReLU passes 1 where active; He's `std = √(2/fan_in)` keeps
# the signal's variance per layer), and **batch norm** (re-centres each layer's input so the sigmoid stays
# in its steep middle).
#
# **Takeaway:** measured per layer, a 20-layer sigmoid network's first-layer gradient is ~10⁻¹⁰ of the
# last layer's; ReLU + He and sigmoid + batch norm keep it within a small factor, and only they learn.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
import optim
from exercises import check
from nn.diagnostics import gradient_flow
from tinygrad_edu import manual_seed
from viz import plot_grad_flow

rng = np.random.default_rng(0)
X, y = rng.standard_normal((64, 16)), rng.integers(0, 4, 64)

# %% [markdown]
# ## The gradient norm, layer by layer

# %%
manual_seed(0)
models = {
    "sigmoid (Xavier init)": lambda: nn.MLP(16, [32] * 20, 4, activation="sigmoid"),
    "ReLU + He init": lambda: nn.MLP(16, [32] * 20, 4, activation="relu", init="he"),
    "sigmoid + batch norm": lambda: nn.MLP(16, [32] * 20, 4, activation="sigmoid", batchnorm=True),
}
flows = {}
for name, make in models.items():
    model = make()
    flows[name] = gradient_flow(model, nn.cross_entropy(model(X), y))
    stats = flows[name].latest()
    print(f"{name:<22} first/last layer gradient norm: {stats[0]['grad_norm'] / stats[-1]['grad_norm']:.1e}")
plot_grad_flow(flows)

# %% [markdown]
# The diagnostics give a verdict per layer, with the thresholds they use:

# %%
print(flows["sigmoid (Xavier init)"].report())

# %% [markdown]
# ## Does it matter for learning? Train each for 15 epochs on 1,000 digits (Adam, lr 1e-3)

# %%
Xd, yd = nn.data.load_digits()
Xd, yd = Xd[:1000], yd[:1000]
digit_models = {
    "sigmoid (Xavier init)": lambda: nn.MLP(64, [32] * 20, 10, activation="sigmoid"),
    "ReLU + He init": lambda: nn.MLP(64, [32] * 20, 10, activation="relu", init="he"),
    "sigmoid + batch norm": lambda: nn.MLP(64, [32] * 20, 10, activation="sigmoid", batchnorm=True),
}
histories = {}
for name, make in digit_models.items():
    manual_seed(0)
    model = make()
    h = nn.fit(model, nn.cross_entropy, optim.Adam(model.parameters(), lr=1e-3), Xd, yd,
               epochs=15, batch_size=32, verbose=0)
    histories[name] = h
    print(f"{name:<22} training accuracy after 15 epochs: {h.history['accuracy'][-1]:.2f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
for name, h in histories.items():
    ax.plot(range(1, 16), h.history["accuracy"], marker="o", ms=3, label=name)
ax.set(xlabel="epoch", ylabel="training accuracy", ylim=(0, 1), title="20 hidden layers on the digits")
ax.legend()
plt.close(fig)
fig  # noqa: B018

# %% [markdown]
# The plain sigmoid network stays at chance (about 0.1 for ten digits): its first layers receive
# almost no gradient. ReLU + He and batch norm both learn.
#
# ## Exercises
# **1.** The best case for sigmoid: how small can the product of `depth` sigmoid derivatives be at most?

# %%
def sigmoid_chain_bound(depth):
    raise NotImplementedError  # your code here


check("sigmoid_chain_bound", sigmoid_chain_bound)

# %% [markdown]
# **2.** Return a 20-hidden-layer `nn.MLP(16, [32] * 20, 4, ...)` whose first layer gets at least 1% of the
# last layer's gradient norm.

# %%
def make_model():
    raise NotImplementedError  # your code here


check("deep_network_that_learns", make_model)
