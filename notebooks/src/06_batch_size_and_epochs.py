# %% [markdown]
# # Lesson 6 — Full batch, mini-batch, stochastic; shuffling, epochs and steps per epoch
#
# An **epoch** is one pass over the training set. With `N` samples and batch size `B` it takes
# `ceil(N / B)` **steps** (optimizer updates): full-batch descent takes 1 exact step per epoch,
# mini-batches of 32 take `N/32` noisy ones, stochastic descent (`B = 1`) takes `N` very noisy ones.
# Two things a lesson must show honestly:
#
# * the learning rate must fit the batch size: the step size that suits `B = 32` makes `B = 1`
#   diverge (its gradient is far noisier); with a smaller rate it works well;
# * **shuffling** matters when the data comes ordered (as real data often does, e.g. sorted by class):
#   without it every batch holds one class and the network chases the last class it saw.
#
# **Takeaway:** per epoch, mini-batches make far more progress than full batch; unshuffled sorted data
# does not learn at all; batch size 1 needs a smaller learning rate.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
import optim
from exercises import check
from tinygrad_edu import manual_seed

X, y = nn.data.load_digits()
X_train, X_val, y_train, y_val = nn.data.train_test_split(X, y, test_size=0.25, random_state=0)
order = np.argsort(y_train, kind="stable")          # the training set sorted by class: 0s first, 9s last
X_train, y_train = X_train[order], y_train[order]
print(len(X_train), "training digits; labels in order:", y_train[:5], "...", y_train[-5:])

# %%
runs = [("full batch (lr 0.1)", None, False, 0.1), ("mini-batch 32, shuffled (lr 0.1)", 32, True, 0.1),
        ("mini-batch 32, NOT shuffled (lr 0.1)", 32, False, 0.1), ("stochastic, B=1 (lr 0.1)", 1, True, 0.1),
        ("stochastic, B=1 (lr 0.003)", 1, True, 0.003)]
histories = {}
for name, batch_size, shuffle, lr in runs:
    manual_seed(0)
    model = nn.MLP(64, [32], 10)
    steps = len(nn.data.DataLoader(X_train, y_train, batch_size=batch_size))
    h = nn.fit(model, nn.cross_entropy, optim.SGD(model.parameters(), lr=lr, momentum=0.9), X_train, y_train,
               epochs=10, batch_size=batch_size, shuffle=shuffle, validation_data=(X_val, y_val), verbose=0)
    histories[name] = h
    print(f"{name:<38} {steps:>5} steps/epoch   val accuracy after 10 epochs {h.history['val_accuracy'][-1]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
for name, h in histories.items():
    ax.plot(range(1, 11), h.history["val_loss"], marker="o", ms=3, label=name)
ax.set(xlabel="epoch", ylabel="validation loss", yscale="log", title="Same model, same epochs, different batching")
ax.legend(fontsize=8)
plt.close(fig)
fig  # noqa: B018

# %% [markdown]
# Full batch: 10 careful steps in 10 epochs, still far from done. Mini-batches: 430 steps, nearly done.
# Unshuffled: every batch is one class, the last batches of each epoch are all 9s, and the network ends
# each epoch predicting 9 (chance level, 0.10). Batch size 1 at lr 0.1 diverges; at lr 0.003 it is the
# best per epoch — at the price of 1,347 small steps per epoch, slower in wall-clock time than 43 batched ones.
#
# ## Exercises
# **1.** Steps per epoch, as `len(DataLoader(...))` computes it (`batch_size=None` is full batch).

# %%
def steps_per_epoch(n, batch_size, drop_last=False):
    raise NotImplementedError  # your code here


check("steps_per_epoch", steps_per_epoch)

# %% [markdown]
# **2.** A mini-batch iterator: shuffle once per epoch, yield `(xb, yb)`, every sample exactly once.

# %%
def minibatches(X, y, batch_size, rng):
    raise NotImplementedError  # your code here (a generator: use `yield`)


check("minibatches", minibatches)
