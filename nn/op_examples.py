"""Example inputs for `nn`'s fused ops (nn.functional), so `tinygrad-edu gradcheck` checks them.

The engine's `tinygrad_edu.op_examples` explains the format and the lookup; these are the
entries for ops that were written before an op could carry its own `examples`. A new op in
`nn.functional` puts `examples` on its class instead (one file). Importing this module adds the
entries (the command line does; `import nn` does not need to).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Value
from tinygrad_edu.op_examples import Maker, register_examples
from tinygrad_edu.op_examples import normal as _r
from tinygrad_edu.op_examples import positive as _pos

__all__ = ["NN_EXAMPLES"]


def _nn_ops() -> dict[str, Maker]:
    from . import functional as F
    from . import losses, scalar

    labels = np.array([0, 2, 1, 2])
    tokens = np.array([[0, 3], [2, 2]])

    def batchnorm(x: Value, g: Value, b: Value) -> Value:
        return F.BatchNormFn.apply(x, g, b, axes=(0,))

    return {
        "linear": lambda g: [("linear", lambda x, w, b: F.linear(x, w, b), [_r(g, 4, 3), _r(g, 2, 3), _r(g, 2)])],
        "batchnorm": lambda g: [("batchnorm (batch statistics)", batchnorm, [_r(g, 6, 3), _pos(g, 3), _r(g, 3)])],
        "layer_norm": lambda g: [("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b),
                                  [_r(g, 3, 4), _pos(g, 4), _r(g, 4)])],
        "embedding": lambda g: [("embedding (repeated ids)", lambda w: F.embedding(tokens, w), [_r(g, 4, 3)])],
        "cross_entropy": lambda g: [("cross_entropy", lambda z: losses.cross_entropy(z, labels), [_r(g, 4, 3)])],
        "binary_cross_entropy": lambda g: [("binary_cross_entropy", lambda p: losses.binary_cross_entropy(
            p, np.array([0.0, 1.0, 1.0, 0.0])), [g.uniform(0.1, 0.9, 4)])],
        "bce_with_logits": lambda g: [("bce_with_logits", lambda z: losses.binary_cross_entropy_with_logits(
            z, np.array([0.0, 1.0, 1.0, 0.0])), [_r(g, 4)])],
        "conv1d": lambda g: [("conv1d stride 2, padding 1", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
                              [_r(g, 2, 2, 7), _r(g, 3, 2, 3), _r(g, 3)])],
        "conv2d": lambda g: [("conv2d stride 2, padding 1", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                              [_r(g, 2, 2, 5, 5), _r(g, 3, 2, 3, 3), _r(g, 3)])],
        "conv3d": lambda g: [("conv3d", lambda x, w, b: F.conv3d(x, w, b), [_r(g, 1, 2, 3, 4, 4),
                                                                               _r(g, 2, 2, 2, 2, 2), _r(g, 2)])],
        "conv_transpose1d": lambda g: [("conv_transpose1d stride 2", lambda x, w, b: F.conv_transpose1d(
            x, w, b, stride=2), [_r(g, 2, 2, 4), _r(g, 2, 3, 3), _r(g, 3)])],
        "conv_transpose2d": lambda g: [("conv_transpose2d stride 2", lambda x, w, b: F.conv_transpose2d(
            x, w, b, stride=2), [_r(g, 1, 2, 3, 3), _r(g, 2, 2, 2, 2), _r(g, 2)])],
        "max_pool": lambda g: [("max_pool2d 3x3 stride 2 (overlapping)",
                                lambda x: F.max_pool2d(x, 3, stride=2), [_r(g, 1, 2, 5, 5)])],
        "max_pool_tiled": lambda g: [("max_pool2d 2x2 (tiles)", lambda x: F.max_pool2d(x, 2), [_r(g, 2, 2, 4, 4)])],
        "avg_pool": lambda g: [("avg_pool2d 2x2 padding 1", lambda x: F.avg_pool2d(x, 2, padding=1),
                                [_r(g, 1, 2, 4, 4)])],
        "gru_sequence": lambda g: [(f"gru_sequence{' reverse' if rev else ''}",
                                    lambda x, h, wi, wh, bi, bh, rev=rev: F.rnn.GRUSequenceFn.apply(
                                        x, h, wi, wh, bi, bh, reverse=rev),
                                    [_r(g, 3, 2, 2), _r(g, 2, 3), _r(g, 9, 2), _r(g, 9, 3), _r(g, 9), _r(g, 9)])
                                   for rev in (False, True)],
        "dot": lambda g: [("scalar dot (w . x + b)", lambda *v: scalar.Dot.apply(*v),
                           [_r(g), _r(g), _r(g), _r(g), _r(g)])],
    }


NN_EXAMPLES: dict[str, Maker] = _nn_ops()
register_examples(NN_EXAMPLES)
