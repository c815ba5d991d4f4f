"""Full batch vs mini-batch vs stochastic descent, shuffling, and learning-rate decay.

Per epoch, full-batch descent takes one careful step, mini-batches take N/32 noisy ones and
single-sample SGD takes N very noisy ones. Same number of epochs, very different progress.

    python examples/07_batch_size_and_lr.py
"""

import time

from _common import epochs

import nn
import optim
from optim.lr_scheduler import StepLR
from tinygrad_edu import manual_seed

X, y = nn.data.make_moons(n_samples=300, noise=0.2, random_state=0)
for name, batch_size, shuffle in [("full batch", None, False), ("mini-batch 32", 32, True),
                                  ("mini-batch 32, no shuffle", 32, False), ("stochastic (1)", 1, True)]:
    manual_seed(0)
    model = nn.MLP(2, [16, 16], 2)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    steps = len(nn.data.DataLoader(X, y, batch_size=batch_size))
    t = time.perf_counter()
    h = nn.fit(model, nn.cross_entropy, opt, X, y, epochs=epochs(30), batch_size=batch_size, shuffle=shuffle,
               verbose=0)
    print(f"{name:<26} {steps:>4} steps/epoch  loss {h.history['loss'][-1]:.3f}  "
          f"accuracy {h.history['accuracy'][-1]:.3f}  {time.perf_counter() - t:.1f}s")

# Learning-rate decay: a large step size to get going, smaller ones to settle (lr halves every 10 epochs).
manual_seed(0)
model = nn.MLP(2, [16, 16], 2)
opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
step_decay = nn.LearningRateScheduler(lambda epoch, lr: 0.2 * 0.5 ** (epoch // 10))  # Keras: schedule(epoch, lr)
h = nn.fit(model, nn.cross_entropy, opt, X, y, epochs=epochs(40), batch_size=32, verbose=0, callbacks=[step_decay])
print("lr every 10 epochs:", [round(v, 4) for v in h.history["lr"][::10]],
      f" final accuracy {h.history['accuracy'][-1]:.3f}")

# The same schedule in a hand-written loop, with torch's scheduler API:
opt = optim.SGD(nn.MLP(2, [16], 2).parameters(), lr=0.2)
sched = StepLR(opt, step_size=10, gamma=0.5)
lrs = []
for _epoch in range(30):
    lrs.append(sched.get_last_lr()[0])
    # ... one epoch of opt.zero_grad(); loss.backward(); opt.step() ...
    sched.step()
print("StepLR:", lrs[::10])
