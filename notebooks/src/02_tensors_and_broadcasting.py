# %% [markdown]
# # Lesson 2 — Tensors and broadcasting
#
# The same `Value` class holds a tensor: `W @ x`, `tanh`, `sum` act on whole arrays and backward
# carries a gradient **of the same shape as each value**. Two rules do all the work:
#
# * **matrix product** `C = A @ B`: `dL/dA = G @ Bᵀ`, `dL/dB = Aᵀ @ G` (with `G = dL/dC`);
# * **broadcasting**: an operand stretched to a bigger shape was *used several times*, so its gradient
#   is the **sum** over the stretched axes.
#
# **Takeaway:** every gradient has its value's shape; broadcasting in forward means summing in backward.

# %%
import numpy as np

from exercises import check
from tinygrad_edu import Value, gradcheck

rng = np.random.default_rng(0)

# %% [markdown]
# ## A layer on a batch
# A batch of 8 inputs with 3 features, a weight (3, 4) and a bias (4,). The bias is broadcast to (8, 4).

# %%
X = rng.normal(size=(8, 3))
W = Value(rng.normal(size=(3, 4)), label="W")
bias = Value(np.zeros(4), label="bias")
out = (X @ W + bias).tanh()
loss = out.mean()
loss.backward()
print("out", out.shape, "| W.grad", W.grad.shape, "| bias.grad", bias.grad.shape)

# %% [markdown]
# The graph of a tensor computation has one node per operation, whatever the sizes; tensors show their
# shape and statistics instead of numbers.

# %%
from viz import draw_graph  # noqa: E402

draw_graph(loss, color_by="grad")

# %% [markdown]
# The bias gradient is the batch-sum of the output gradient: each of the 8 rows used the same bias.

# %%
G = (1 - out.data ** 2) / out.size          # dL/d(pre-activation) for the mean of tanh
print(np.allclose(bias.grad, G.sum(axis=0)), np.allclose(W.grad, X.T @ G))

# %% [markdown]
# ## Broadcasting, shape by shape
# numpy aligns shapes from the right; a 1 stretches. `(3, 1)` against `(2, 3, 4)` is used 2·4 times per element.

# %%
for shape, big in [((4,), (8, 4)), ((3, 1), (2, 3, 4)), ((), (5,))]:
    x = Value(np.ones(shape))
    (x * np.ones(big)).sum().backward()
    print(f"{str(shape):>7} broadcast to {str(big):<10} -> grad {x.grad.reshape(-1)[:3]} (uses per element)")

# %% [markdown]
# ## gradcheck on tensors
# The check perturbs every element of every input.

# %%
print(gradcheck(lambda w, b_: (X @ w + b_).tanh().mean(), Value(rng.normal(size=(3, 4))), Value(rng.normal(size=4))))

# %% [markdown]
# ## Exercises
# **1.** Write `unbroadcast(grad, shape)`: sum `grad` (the gradient of the broadcast result) back to `shape`.

# %%
def unbroadcast(grad, shape):
    raise NotImplementedError  # your code here


check("unbroadcast", unbroadcast)

# %% [markdown]
# **2.** Write the backward of the matrix product: `matmul_backward(A, B, G) -> (dA, dB)`.

# %%
def matmul_backward(A, B, G):
    raise NotImplementedError  # your code here


check("matmul_backward", matmul_backward)
