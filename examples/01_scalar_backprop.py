"""Backpropagation by hand and by the engine: one neuron, every gradient printed and drawn.

    python examples/01_scalar_backprop.py
"""

from _common import OUT

from tinygrad_edu import Value, gradcheck
from viz import animate_backward, draw_graph

# A neuron: o = tanh(x1*w1 + x2*w2 + b)
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()

# The chain rule by hand: do/dn = 1 - o^2, and dn/dw1 = x1, so do/dw1 = (1 - o^2) * x1.
by_hand = (1 - o.item() ** 2) * x1.item()
print(f"o = {o.item():.4f}   do/dw1: engine {float(w1.grad):.4f}, by hand {by_hand:.4f}")
for v in (x1, w1, x2, w2, b):
    print(f"  d o / d {v.label:<2} = {float(v.grad): .4f}")

# The engine's gradient agrees with finite differences:
print("gradcheck:", gradcheck(lambda a, c, d: (a * c + d).tanh(), w1, x1, b))

try:
    draw_graph(o).render(OUT / "neuron", format="svg", cleanup=True)
    animate_backward(o, OUT / "neuron_backprop.html")
    print(f"wrote {OUT / 'neuron.svg'} and {OUT / 'neuron_backprop.html'} (open it and press Next)")
except RuntimeError as e:  # no Graphviz: the numbers above still stand
    print(e)
