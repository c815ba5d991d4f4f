# %% [markdown]
# # Lesson 10 — Batch normalization
#
# Batch norm standardises each feature over the batch, then lets the network rescale it:
#
# `x̂ = (x − μ_B) / √(σ²_B + ε)`,  `y = γ·x̂ + β`  (μ_B, σ²_B: the batch's mean and biased variance).
#
# In **training** mode it uses the batch's statistics and updates running estimates
# (`r ← (1 − 0.1)·r + 0.1·stat`, with the *unbiased* variance for `running_var`, as torch); in **eval**
# mode it uses the running estimates, so a single sample gets a deterministic answer.
# Because μ and σ² depend on every sample, the backward pass has two extra terms.
#
# **Takeaway:** in a deep sigmoid network the pre-activations drift far from 0 layer after layer without
# batch norm (the units saturate); with it every layer's inputs stay centred with unit spread, and the
# network trains at a learning rate where the plain one does not move.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
import optim
from exercises import check
from tinygrad_edu import manual_seed, no_grad

# %% [markdown]
# ## What batch norm does to the signal
# The mean and spread of each layer's pre-activations in a 10-layer sigmoid network (weights `N(0, 1)`).

# %%
rng = np.random.default_rng(0)
x0 = rng.standard_normal((256, 32))
fig, ax = plt.subplots(figsize=(6, 3.2))
for bn in (False, True):
    manual_seed(0)
    model = nn.MLP(32, [32] * 10, 2, activation="sigmoid", batchnorm=bn)
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, std=1.0)
    stats, h = [], x0
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Sigmoid):
                z = np.log(h.data / (1 - h.data))      # the sigmoid's input, recovered
                stats.append((np.abs(z.mean(0)).mean(), z.std()))
    means, stds = zip(*stats)
    label = "with batch norm" if bn else "without"
    ax.plot(range(1, 11), means, marker="o", label=f"|mean| {label}")
    ax.plot(range(1, 11), stds, marker="s", ls="--", label=f"std {label}")
    print(f"{label:<16} layer 10 pre-activation: |mean| {means[-1]:.2f}, std {stds[-1]:.2f}")
ax.set(xlabel="layer", ylabel="pre-activation statistics", title="Sigmoid inputs, layer by layer")
ax.legend(fontsize=8)
plt.close(fig)
fig  # noqa: B018

# %% [markdown]
# ## Training: the same network, the same learning rate

# %%
X, y = nn.data.load_digits()
X_train, X_val, y_train, y_val = nn.data.train_test_split(X, y, test_size=0.25, random_state=0)
for bn in (False, True):
    manual_seed(0)
    model = nn.MLP(64, [64] * 6, 10, activation="sigmoid", batchnorm=bn)
    h = nn.fit(model, nn.cross_entropy, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), X_train, y_train,
               epochs=10, batch_size=32, validation_data=(X_val, y_val), verbose=0)
    print(f"batchnorm={bn!s:<5}  val accuracy per epoch: {[round(a, 2) for a in h.history['val_accuracy']]}")

# %% [markdown]
# ## Train mode vs eval mode

# %%
bn = nn.BatchNorm1d(3)
batch = rng.normal(loc=5.0, scale=2.0, size=(64, 3))
out = bn(batch)                                   # training mode: the batch's own statistics
print("train-mode output mean/std:", out.data.mean(0).round(3), out.data.std(0).round(3))
print("running mean after one batch:", bn.running_mean.round(3), "(0.9 * 0 + 0.1 * batch mean)")
bn.eval()
print("eval-mode output for one sample:", bn(batch[:1]).data.round(3))

# %% [markdown]
# ## Exercises
# **1.** The training-mode forward pass for `x` of shape `(N, C)`.

# %%
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    raise NotImplementedError  # your code here


check("batchnorm_forward", batchnorm_forward)

# %% [markdown]
# **2.** One update of the running statistics (momentum 0.1).

# %%
def running_stats(mean, var, x, momentum=0.1):
    raise NotImplementedError  # your code here: return (new_mean, new_var)


check("running_stats", running_stats)

# %% [markdown]
# **3.** The backward pass: `dL/dx` given `g = dL/dy`.

# %%
def batchnorm_backward(x, gamma, g, eps=1e-5):
    raise NotImplementedError  # your code here


check("batchnorm_backward", batchnorm_backward)
