"""How closely the sequence-model layers agree with PyTorch's (needs torch).

    python scripts/layer_agreement.py

For each layer and option set: build ours in float64, load its state_dict into torch's layer,
run the same input, backpropagate the same random upstream gradient, and print the largest
absolute difference of the outputs (and h_n / c_n) and of the gradients (input, initial state,
every parameter). The tests (tests/test_nn_rnn.py, tests/test_nn_conv.py, tests/test_nn_norm.py,
tests/test_nn_pool.py) assert these bounds; this prints the figures themselves.
"""

from __future__ import annotations

import numpy as np
import torch

import nn
from tinygrad_edu import Value

rng = np.random.default_rng(0)


def _flat(x):
    return list(x) if isinstance(x, tuple) else [x]


def compare(name: str, ours, theirs, x: np.ndarray, state=None) -> tuple[float, float]:
    missing = theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    assert not missing.missing_keys and not missing.unexpected_keys, missing
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    if state is None:
        o, t = ours(xv), theirs(xt)
        sv, st = [], []
    else:
        sv = [Value(s) for s in state]
        st = [torch.tensor(s, requires_grad=True) for s in state]
        pack = (lambda xs: tuple(xs)) if len(state) == 2 else (lambda xs: xs[0])
        o, t = ours(xv, pack(sv)), theirs(xt, pack(st))
    outs = [a for item in _flat(o) for a in _flat(item)]
    touts = [a for item in _flat(t) for a in _flat(item)]
    out_err = max(float(np.abs(a.data - b.detach().numpy()).max()) for a, b in zip(outs, touts))
    ups = [rng.standard_normal(b.shape) for b in touts]
    sum(((a * u).sum() for a, u in zip(outs, ups)), Value(0.0)).backward()
    sum((b * torch.tensor(u)).sum() for b, u in zip(touts, ups)).backward()
    pairs = [(xv.grad, xt.grad)] + [(a.grad, b.grad) for a, b in zip(sv, st)]
    tparams = dict(theirs.named_parameters())
    pairs += [(p.grad, tparams[n].grad) for n, p in ours.named_parameters()]
    grad_err = max(float(np.abs(a - b.numpy()).max()) for a, b in pairs)
    print(f"{name:72s} {out_err:10.1e} {grad_err:10.1e}")
    return out_err, grad_err


def main() -> None:
    print(f"{'layer (float64, same weights)':72s} {'outputs':>10s} {'gradients':>10s}")
    T, B, I, H = 7, 3, 4, 5
    worst = [0.0, 0.0]
    cases = []
    for cls in ("RNN", "GRU", "LSTM"):
        for kw in (dict(), dict(num_layers=2, bidirectional=True, batch_first=True), dict(bidirectional=True)):
            for with_state in (False, True):
                cases.append((cls, kw, with_state))
    for cls, kw, with_state in cases:
        ours = getattr(nn, cls)(I, H, **kw)
        theirs = getattr(torch.nn, cls)(I, H, **kw).double()
        x = rng.standard_normal((B, T, I) if kw.get("batch_first") else (T, B, I))
        layers = ours.num_layers * ours.num_directions
        state = None
        if with_state:
            state = [rng.standard_normal((layers, B, H)) for _ in range(2 if cls == "LSTM" else 1)]
        label = f"{cls}({', '.join(f'{k}={v}' for k, v in kw.items())}){' + initial state' if with_state else ''}"
        for i, e in enumerate(compare(label, ours, theirs, x, state)):
            worst[i] = max(worst[i], e)
    for cls in ("RNNCell", "GRUCell", "LSTMCell"):
        ours, theirs = getattr(nn, cls)(I, H), getattr(torch.nn, cls)(I, H).double()
        state = [rng.standard_normal((B, H)) for _ in range(2 if cls == "LSTMCell" else 1)]
        for i, e in enumerate(compare(f"{cls} + state", ours, theirs, rng.standard_normal((B, I)), state)):
            worst[i] = max(worst[i], e)
    others = [
        ("Conv1d(4, 6, 3, stride=2, padding=1)", nn.Conv1d(4, 6, 3, stride=2, padding=1),
         torch.nn.Conv1d(4, 6, 3, stride=2, padding=1).double(), (B, 4, 11)),
        ("LayerNorm(5)", nn.LayerNorm(5), torch.nn.LayerNorm(5).double(), (B, 4, 5)),
        ("AvgPool1d(2)", nn.AvgPool1d(2), torch.nn.AvgPool1d(2), (B, 4, 10)),
        ("AvgPool2d(2)", nn.AvgPool2d(2), torch.nn.AvgPool2d(2), (B, 2, 6, 6)),
        ("AdaptiveAvgPool1d(3)", nn.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3), (B, 4, 10)),
        ("AdaptiveAvgPool2d((2, 3))", nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3)),
         (B, 2, 7, 8)),
    ]
    for label, ours, theirs, shape in others:
        for i, e in enumerate(compare(label, ours, theirs, rng.standard_normal(shape))):
            worst[i] = max(worst[i], e)
    print(f"{'worst':72s} {worst[0]:10.1e} {worst[1]:10.1e}")


if __name__ == "__main__":
    main()
