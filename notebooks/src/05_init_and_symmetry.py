# %% [markdown]
# # Lesson 5 — Weight initialisation and symmetry
#
# If every weight of a layer starts equal, every hidden unit computes the same function, receives the
# same gradient and takes the same step: they stay identical **forever**, and a 64-unit layer learns like
# one unit. Random initialisation breaks the tie. Its **scale** matters too: too small and the signal
# (and the gradient) shrinks layer after layer, too large and units saturate or explode. He init
# (`std = √(2/fan_in)`, for ReLU) and Xavier/Glorot (`Var = 2/(fan_in + fan_out)`, for tanh/sigmoid)
# keep the activations' variance about constant through the layers.
#
# **Takeaway:** constant init leaves exactly one distinct hidden unit after training; a random init at
# the right scale trains, and the activation spread per layer shows why the scale matters.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
import optim
from exercises import check
from tinygrad_edu import manual_seed, no_grad

X, y = nn.data.make_moons(n_samples=300, noise=0.15, random_state=0)

# %% [markdown]
# ## Symmetry: the same network, four initialisations

# %%
inits = {"constant 0.1": lambda w: nn.init.constant_(w, 0.1),
         "normal std 0.01": lambda w: nn.init.normal_(w, std=0.01),
         "normal std 3": lambda w: nn.init.normal_(w, std=3.0),
         "He normal": nn.init.he_normal_}
for name, setup in inits.items():
    manual_seed(0)
    model = nn.MLP(2, [64, 64], 2)
    for layer in model:
        if isinstance(layer, nn.Linear):
            setup(layer.weight)
    h = nn.fit(model, nn.cross_entropy, optim.Adam(model.parameters(), lr=0.01), X, y, epochs=40, verbose=0)
    W, b = np.asarray(model[0].weight.data), np.asarray(model[0].bias.data)
    distinct = len(np.unique(np.round(np.column_stack([W, b]), 8), axis=0))
    print(f"{name:<16} accuracy {h.history['accuracy'][-1]:.3f}   "
          f"distinct first-layer units after training: {distinct:>2}/64")

# %% [markdown]
# ## Scale: the activations' spread through 10 tanh layers
# With a too-small std the signal dies out; too large and tanh saturates at ±1; Xavier keeps it steady.

# %%
rng = np.random.default_rng(0)
x0 = rng.standard_normal((500, 100))
fig, ax = plt.subplots(figsize=(6, 3.2))
for name, std in [("std 0.01", lambda n: 0.01), ("Xavier", lambda n: np.sqrt(1 / n)), ("std 1", lambda n: 1.0)]:
    a, spread = x0, []
    for _ in range(10):
        a = np.tanh(a @ rng.normal(scale=std(a.shape[1]), size=(100, 100)))
        spread.append(a.std())
    ax.plot(range(1, 11), spread, marker="o", label=name)
ax.set(yscale="log", xlabel="layer", ylabel="activation std", title="tanh layers, 100 units each")
ax.legend()
plt.close(fig)
fig  # noqa: B018

# %% [markdown]
# `nn.Linear` uses He init by default (`init="he"`); `nn.MLP` picks Xavier for sigmoid/tanh.

# %%
with no_grad():
    layer = nn.Linear(250, 400)
print(f"Linear(250, 400) weight std {np.std(layer.weight.data):.4f}; He's sqrt(2/250) = {np.sqrt(2 / 250):.4f}")

# %% [markdown]
# ## Exercises
# **1.** He normal initialisation by hand, for a Linear weight of shape `(out, in)`.

# %%
def he_normal(shape, rng):
    raise NotImplementedError  # your code here


check("he_normal", he_normal)

# %% [markdown]
# **2.** The bound `a` of Xavier's uniform distribution `U(−a, a)`.

# %%
def xavier_limit(fan_in, fan_out):
    raise NotImplementedError  # your code here


check("xavier_limit", xavier_limit)

# %% [markdown]
# **3.** Count the distinct hidden units of a layer from its weight `(out, in)` and bias `(out,)`.

# %%
def distinct_units(W, b):
    raise NotImplementedError  # your code here


check("distinct_units", distinct_units)
