"""Train an MLP on the two moons and look at its decision boundary and training curves.

    python examples/02_moons_mlp.py
"""

from _common import OUT, epochs

import nn
import optim
from tinygrad_edu import manual_seed
from viz import plot_decision_boundary, plot_history

manual_seed(0)
X, y = nn.data.make_moons(n_samples=400, noise=0.15)
model = nn.MLP(2, [16, 16], 2, activation="relu")
print(model.summary((2,)))
opt = optim.Adam(model.parameters(), lr=0.01)
history = nn.fit(model, nn.cross_entropy, opt, X, y, epochs=epochs(60), batch_size=32, validation_split=0.2)
print(f"train accuracy {history.history['accuracy'][-1]:.3f}, validation {history.history['val_accuracy'][-1]:.3f}")
plot_decision_boundary(model, X, y, path=OUT / "moons_boundary.png")
plot_history(history, path=OUT / "moons_history.png")
print(f"wrote {OUT / 'moons_boundary.png'} and {OUT / 'moons_history.png'}")
