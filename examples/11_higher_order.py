"""Gradients of gradients: the derivative is a graph too, and Newton's method uses its derivative.

    python examples/11_higher_order.py

1. backward(create_graph=True) builds dy/dx out of ops; draw_graph shows that graph, and
   differentiating it again gives d2y/dx2 (checked against the formulas for tanh).
2. Newton's method: x <- x - H^-1 g, with the Hessian H from func.hessian, against gradient
   descent on Rosenbrock's valley; and the Hessian-free form, which solves H d = -g by conjugate
   gradients using only Hessian-vector products (func.hvp), never forming H.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import OUT  # noqa: E402

from optim.testfns import rosenbrock  # noqa: E402
from tinygrad_edu import Value, func, grad  # noqa: E402
from viz import draw_graph  # noqa: E402

# --- 1. the derivative of tanh, as a graph --------------------------------------------------
x = Value(0.5, label="x")
y = x.tanh()
y.label = "y"
y.backward(create_graph=True)
dy = x.grad_value  # dy/dx as a Value: (1 - y*y) times the seed, built by ops
dy.label = "dy/dx"
(d2y,) = grad(dy, x, create_graph=True)
d2y.label = "d2y/dx2"
t = np.tanh(0.5)
print(f"dy/dx   = {float(dy.data): .6f}   formula 1 - tanh^2            = {1 - t * t: .6f}")
print(f"d2y/dx2 = {float(d2y.data): .6f}   formula -2 tanh (1 - tanh^2)  = {-2 * t * (1 - t * t): .6f}")
try:
    draw_graph(dy, show_grad=False).render(OUT / "tanh_grad", format="png", cleanup=True)
    draw_graph(d2y, show_grad=False).render(OUT / "tanh_grad2", format="png", cleanup=True)
    print(f"wrote {OUT / 'tanh_grad.png'} and {OUT / 'tanh_grad2.png'}")
except RuntimeError as e:  # no Graphviz: the numbers above still stand
    print(e)

# --- 2. Newton's method against gradient descent ----------------------------------------------
f, steps = rosenbrock, 12
grad_f, hess_f = func.grad(rosenbrock), func.hessian(rosenbrock)


def run(update, n):
    p = rosenbrock.start.copy()
    path = [p.copy()]
    for _ in range(n):
        p = update(p)
        path.append(p.copy())
    return np.array(path)


def hessian_free_step(p):
    """Solve H d = -g by conjugate gradients with H v = func.hvp(f, (p,), (v,))[1]."""
    g = grad_f(p)
    d, r = np.zeros_like(p), -g
    q = r.copy()
    for _ in range(p.size):  # CG is exact in n steps for an n-dimensional quadratic model
        if np.linalg.norm(r) < 1e-12:  # already at a stationary point
            break
        hq = func.hvp(f, (p,), (q,))[1]
        alpha = (r @ r) / (q @ hq)
        d, r_new = d + alpha * q, r - alpha * hq
        if np.linalg.norm(r_new) < 1e-12:
            break
        q, r = r_new + (r_new @ r_new) / (r @ r) * q, r_new
    return p + d


newton = run(lambda p: p - np.linalg.solve(hess_f(p), grad_f(p)), steps)
newton_cg = run(hessian_free_step, steps)
gd = run(lambda p: p - 1e-3 * grad_f(p), 2000)
loss = lambda path: np.array([float(f(Value(p)).data) for p in path])  # noqa: E731
ln, lg = loss(newton), loss(gd)
print(f"Newton: f = {ln[-1]:.2e} after {steps} steps at {newton[-1].round(6)}; "
      f"Hessian-free (hvp + CG) agrees: {np.allclose(newton, newton_cg, atol=1e-8)}")
print(f"gradient descent (lr 1e-3): f = {lg[steps]:.3f} after {steps} steps, {lg[-1]:.2e} after {len(gd) - 1}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
X, Y = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
ax1.contour(X, Y, np.log1p(rosenbrock(np.stack([X, Y]))), levels=25, cmap="Greys", linewidths=0.6)
ax1.plot(gd[:, 0], gd[:, 1], ".-", color="tab:blue", ms=2, lw=0.8, label=f"gradient descent ({len(gd) - 1} steps)")
ax1.plot(newton[:, 0], newton[:, 1], "o-", color="tab:red", ms=4, label=f"Newton ({steps} steps)")
ax1.plot(*rosenbrock.minimum, "*", color="gold", ms=14, mec="k", label="minimum")
ax1.set(title="Rosenbrock: paths from (-1.5, 2)", xlabel="x", ylabel="y")
ax1.legend(loc="lower right", fontsize=8)
ax2.semilogy(np.maximum(lg, 1e-16), color="tab:blue", label="gradient descent")
ax2.semilogy(np.maximum(ln, 1e-16), "o-", color="tab:red", ms=4, label="Newton (uses the Hessian)")
ax2.set(title="loss per step (log scale)", xlabel="step", ylabel="f", xscale="symlog")
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "newton_vs_gd.png", dpi=110)
print(f"wrote {OUT / 'newton_vs_gd.png'}")
