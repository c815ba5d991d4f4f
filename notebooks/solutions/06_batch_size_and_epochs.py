"""Solutions of lesson 6 (batching, shuffling, epochs)."""

import math


def steps_per_epoch(n, batch_size, drop_last=False):
    if batch_size is None:
        return 1
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def minibatches(X, y, batch_size, rng):
    idx = rng.permutation(len(X))
    for i in range(0, len(X), batch_size):
        j = idx[i:i + batch_size]
        yield X[j], y[j]


SOLUTIONS = {"steps_per_epoch": steps_per_epoch, "minibatches": minibatches}
