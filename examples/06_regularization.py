"""Overfitting and its cures: L2 weight decay, dropout and early stopping, on few training digits.

A wide network trained on 200 digits memorises them; the validation loss turns up while the
training loss keeps falling. Each cure narrows that gap.

    python examples/06_regularization.py
"""

import numpy as np
from _common import OUT, epochs

import nn
import optim
from tinygrad_edu import manual_seed
from viz import plot_history

X, y = nn.data.load_digits()
X_train, X_val, y_train, y_val = nn.data.train_test_split(X, y, test_size=0.5, random_state=0)
X_train, y_train = X_train[:200], y_train[:200]


def run(name, dropout=0.0, weight_decay=0.0, callbacks=()):
    manual_seed(0)
    model = nn.MLP(64, [256, 256], 10, dropout=dropout)
    opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    h = nn.fit(model, nn.cross_entropy, opt, X_train, y_train, epochs=epochs(150), batch_size=32,
               validation_data=(X_val, y_val), callbacks=callbacks, verbose=0)
    gap = h.history["val_loss"][-1] - h.history["loss"][-1]
    print(f"{name:<22} epochs {len(h.epoch):>3}  val accuracy {h.history['val_accuracy'][-1]:.3f}  "
          f"val loss - train loss {gap:.3f}  min val loss {np.min(h.history['val_loss']):.3f}")
    return h


run("no regularization")
run("L2 (AdamW wd=0.1)", weight_decay=0.1)
run("dropout 0.5", dropout=0.5)
h = run("early stopping", callbacks=[nn.EarlyStopping(patience=10, restore_best_weights=True)])
plot_history(h, path=OUT / "early_stopping.png")
print(f"wrote {OUT / 'early_stopping.png'}")
