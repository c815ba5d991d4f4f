# %% [markdown]
# # Lesson 1 — Backpropagation by hand on a scalar graph
#
# Every number a program computes from other numbers can be drawn as a **graph**: leaves are the
# inputs, inner nodes are operations. Backpropagation walks that graph backwards, once, and uses the
# **chain rule** at every node: if `y = f(x)` and the loss is `L`, then `dL/dx = dL/dy · dy/dx`.
# `dy/dx` is the node's *local* derivative; `dL/dy` arrives from above.
#
# **Takeaway:** the engine's `backward()` does exactly what you would do by hand, node by node — and
# `gradcheck` confirms it against finite differences.

# %%
import numpy as np

from exercises import check, show_html
from tinygrad_edu import Function, Value, gradcheck
from viz import animate_backward, draw_graph

# %% [markdown]
# ## One neuron
# `o = tanh(x1·w1 + x2·w2 + b)`, with the numbers from micrograd's lecture (chosen so that `n ≈ 0.88`).

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
print(f"o = {o.item():.4f}")
for v in (x1, w1, x2, w2, b):
    print(f"do/d{v.label:<2} = {float(v.grad): .4f}")

# %% [markdown]
# ## The same by hand
# `d tanh(n)/dn = 1 − tanh(n)² = 1 − o²`. The sum node passes its gradient unchanged to each input
# (`d(a + c)/da = 1`), and the product node `x1·w1` sends `w1` to `x1` and `x1` to `w1`.

# %%
do_dn = 1 - o.item() ** 2
by_hand = {"x1": do_dn * w1.item(), "w1": do_dn * x1.item(), "x2": do_dn * w2.item(), "w2": do_dn * x2.item(),
           "b": do_dn}
print({k: round(v, 4) for k, v in by_hand.items()})
print("engine agrees:", np.allclose([by_hand[v.label] for v in (x1, w1, x2, w2, b)],
                                    [float(v.grad) for v in (x1, w1, x2, w2, b)]))

# %% [markdown]
# ## The graph, drawn
# Each value shows its `data` and `grad`; shading by `color_by="grad"` shows where the gradient is large.

# %%
draw_graph(o, color_by="grad")

# %% [markdown]
# ## Backward, one node at a time
# `animate_backward` runs `o.backward()` again and records every step: which node pushes its gradient,
# its local derivative and the chain-rule product. Press **Next** in the frame below.

# %%
show_html(animate_backward(o, "backprop.html"), height=560)

# %% [markdown]
# ## A value used twice: gradients add
# In `c = a·a + a`, `a` reaches `c` along three paths. The multivariable chain rule sums them, so
# `dc/da = 2a + 1`. An engine that overwrote instead of accumulating (`=` instead of `+=`) would get it wrong.

# %%
a = Value(3.0, label="a")
c = a * a + a
c.backward()
print(float(a.grad), "== 2*3 + 1")

# %% [markdown]
# ## Checking against finite differences
# `gradcheck(fn, *inputs)` compares every analytic gradient with `(f(x + eps) − f(x − eps)) / 2eps`.

# %%
print(gradcheck(lambda w, x, bias: (w * x + bias).tanh(), Value(-3.0), Value(2.0), Value(6.88)))

# %% [markdown]
# ## Exercises
# **1.** Work out `do/dv` for the neuron above *by hand* (a calculator is fine, the engine is not) and
# fill in the dict.

# %%
my_grads = {"x1": None, "w1": None, "x2": None, "w2": None, "b": None}  # your numbers here

check("neuron_grads", my_grads if None not in my_grads.values() else None)

# %% [markdown]
# **2.** Write the local backward rule of `tanh`: given `x` and `grad = dL/dy` for `y = tanh(x)`, return
# `dL/dx` (numpy arrays).

# %%
def tanh_backward(x, grad):
    raise NotImplementedError  # your code here


check("tanh_backward", tanh_backward)

# %% [markdown]
# **3.** Add an op to the engine: a `Function` subclass for `y = x³` (see the README's "Adding an op").
# `check` runs `gradcheck` on it.

# %%
class Cube(Function):
    def forward(self, x):
        raise NotImplementedError  # your code here

    def backward(self, grad):
        raise NotImplementedError  # your code here


check("cube_op", Cube)
