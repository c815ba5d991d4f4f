"""Recurrent layers RNN, GRU, LSTM and their single-step cells, with torch's arguments, parameter
names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse) and gate order, so a
`state_dict` loads into the torch module unchanged.

A layer unrolls its cell (nn.functional.rnn) over the sequence: for each layer and direction,
h_t = cell(x_t, h_{t-1}); the next layer reads the outputs of the one below (both directions
concatenated when bidirectional), with dropout between layers in training.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import Value, concat, get_rng, stack

from ..functional.rnn import CELLS, GATES, GRUSequenceFn
from ..init import uniform_
from ..module import Module

__all__ = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]


def _param(shape: tuple[int, ...], hidden: int, dtype: Any, label: str) -> Value:
    """torch's initialisation of every recurrent weight and bias: U(-1/sqrt(H), 1/sqrt(H))."""
    v = Value(np.zeros(shape, dtype=dtype), label=label)
    k = 1.0 / math.sqrt(hidden)
    return uniform_(v, -k, k)


def _as_value(x: Any, like: Value) -> Value:
    return x if isinstance(x, Value) else Value(np.asarray(x, dtype=like.dtype), requires_grad=False)


class _RNNBase(Module):
    """Shared machinery of RNN, GRU and LSTM (see the subclasses)."""

    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: Any = np.float64) -> None:
        name = type(self).__name__
        if int(input_size) < 1 or int(hidden_size) < 1 or int(num_layers) < 1:
            raise ValueError(f"{name}: input_size, hidden_size and num_layers must be >= 1, got "
                             f"{input_size}, {hidden_size}, {num_layers}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1), got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional = bool(bidirectional)
        g = GATES[self.mode] * self.hidden_size
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * self.num_directions
            for sfx in self._suffixes():
                s = f"_l{layer}{sfx}"
                setattr(self, "weight_ih" + s, _param((g, width), self.hidden_size, dtype, "weight_ih" + s))
                setattr(self, "weight_hh" + s, _param((g, self.hidden_size), self.hidden_size, dtype, "weight_hh" + s))
                if self.bias:
                    setattr(self, "bias_ih" + s, _param((g,), self.hidden_size, dtype, "bias_ih" + s))
                    setattr(self, "bias_hh" + s, _param((g,), self.hidden_size, dtype, "bias_hh" + s))

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer: int, sfx: str) -> tuple:
        s = f"_l{layer}{sfx}"
        w = (getattr(self, "weight_ih" + s), getattr(self, "weight_hh" + s))
        return w + ((getattr(self, "bias_ih" + s), getattr(self, "bias_hh" + s)) if self.bias else (None, None))

    def _describe(self) -> str:
        return f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size})"

    def forward(self, input: Any, hx: Any = None) -> tuple[Value, Any]:
        """input (T, B, input_size) ((B, T, input_size) with batch_first; (T, input_size) unbatched)
        -> (output (T, B, D*H), h_n (num_layers*D, B, H)); LSTM: (output, (h_n, c_n)). D = 2 if
        bidirectional. hx: initial state(s) of h_n's shape (zeros when None)."""
        shape = np.shape(input)
        if len(shape) not in (2, 3) or shape[-1] != self.input_size:
            layout = "(B, T, input_size)" if self.batch_first else "(T, B, input_size)"
            raise ValueError(f"{self._describe()}: expected input {layout} or (T, input_size) with input_size="
                             f"{self.input_size}, got shape {shape}")
        like = self.weight_ih_l0
        x = input if isinstance(input, Value) else np.asarray(input, dtype=like.dtype)
        unbatched = len(shape) == 2
        if unbatched:
            x = x.reshape(shape[0], 1, shape[1])
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        steps, batch = np.shape(x)[:2]
        h0, c0 = self._initial_state(hx, batch, unbatched, like)
        seq = x  # (T, B, features): the input, then each layer's output
        h_last, c_last = [], []
        for layer in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(self._suffixes()):
                k = layer * self.num_directions + d
                weights = self._weights(layer, sfx)
                if self.mode == "GRU" and self.fused:
                    out_d = self._run_fused(seq, h0[k], weights, reverse=d == 1)
                    h_last.append(out_d[0] if d == 1 else out_d[steps - 1])
                else:
                    state = (h0[k], c0[k]) if self.mode == "LSTM" else h0[k]
                    hs, state = self._run([seq[t] for t in range(steps)], state, weights, reverse=d == 1)
                    out_d = stack(hs, axis=0)
                    h_last.append(state[0] if self.mode == "LSTM" else state)
                    if self.mode == "LSTM":
                        c_last.append(state[1])
                outs.append(out_d)
            seq = outs[0] if len(outs) == 1 else concat(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                q = 1.0 - self.dropout
                seq = seq * ((get_rng().random(seq.shape) < q) * like.dtype.type(1.0 / q))
        out = seq  # (T, B, D*H)
        h_n = stack(h_last, axis=0)
        c_n = stack(c_last, axis=0) if self.mode == "LSTM" else None
        if unbatched:
            out, h_n = out.reshape(steps, -1), h_n.reshape(h_n.shape[0], -1)
            c_n = c_n.reshape(c_n.shape[0], -1) if c_n is not None else None
        elif self.batch_first:
            out = out.transpose(1, 0, 2)
        return (out, (h_n, c_n)) if self.mode == "LSTM" else (out, h_n)

    def _run_fused(self, seq: Any, h0: Value, weights: tuple, reverse: bool) -> Value:
        """One direction as a single GRUSequenceFn op (the same equations as the cell loop)."""
        w_ih, w_hh, b_ih, b_hh = weights
        if b_ih is None:
            b_ih = b_hh = Value(np.zeros(w_ih.shape[0], dtype=w_ih.dtype), requires_grad=False)
        return GRUSequenceFn.apply(seq, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)

    def _run(self, seq: list, state: Any, weights: tuple, reverse: bool) -> tuple[list, Any]:
        """Unroll the cell over the sequence (backwards in time for the reverse direction)."""
        cell = CELLS[self.mode]
        order = range(len(seq) - 1, -1, -1) if reverse else range(len(seq))
        hs: list = [None] * len(seq)
        for t in order:
            state = cell(seq[t], state, *weights)
            hs[t] = state[0] if self.mode == "LSTM" else state
        return hs, state

    def _initial_state(self, hx: Any, batch: int, unbatched: bool, like: Value) -> tuple[Any, Any]:
        n = self.num_layers * self.num_directions
        want = (n, self.hidden_size) if unbatched else (n, batch, self.hidden_size)
        if hx is None:
            zeros = Value(np.zeros((n, batch, self.hidden_size), dtype=like.dtype), requires_grad=False)
            return zeros, zeros
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise ValueError(f"{self._describe()}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            states = list(hx)
        else:
            if isinstance(hx, (tuple, list)):
                raise ValueError(f"{self._describe()}: hx must be one tensor h_0, not a {type(hx).__name__}")
            states = [hx]
        out = []
        for label, s in zip(("h_0", "c_0"), states):
            if tuple(np.shape(s)) != want:
                raise ValueError(f"{self._describe()}: expected {label} of shape {want} (num_layers * num_directions, "
                                 f"{'' if unbatched else 'batch, '}hidden_size), got {tuple(np.shape(s))}")
            v = _as_value(s, like)
            out.append(v.reshape(n, 1, self.hidden_size) if unbatched else v)
        return (out[0], out[1]) if self.mode == "LSTM" else (out[0], None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity "tanh" or "relu").

    The gradient through T steps is a product of T Jacobians diag(tanh') W_hh: it explodes when
    W_hh's largest singular value is well above 1 (clip it: `optim.clip_grad_norm_`) and vanishes
    when below, which is what GRU and LSTM were built to avoid.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: Any = np.float64) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)


class GRU(_RNNBase):
    """Gated recurrent unit layer (gates r, z, n as in `nn.functional.rnn.gru_cell`); returns (output, h_n).

    Each direction runs as one fused op, `GRUSequenceFn` (numpy loop over time, backpropagation
    through time written out); set `fused = False` on the layer to unroll `gru_cell` op by op
    instead (the same numbers, a graph you can draw, several times slower).
    """

    mode = "GRU"
    fused = True


class LSTM(_RNNBase):
    """Long short-term memory layer (gates i, f, g, o as in `nn.functional.rnn.lstm_cell`); returns
    (output, (h_n, c_n)); hx is a tuple (h_0, c_0)."""

    mode = "LSTM"


class _CellBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = np.float64) -> None:
        self.input_size, self.hidden_size, self.bias_enabled = int(input_size), int(hidden_size), bool(bias)
        g = GATES[self.mode] * self.hidden_size
        self.weight_ih = _param((g, self.input_size), self.hidden_size, dtype, "weight_ih")
        self.weight_hh = _param((g, self.hidden_size), self.hidden_size, dtype, "weight_hh")
        self.bias_ih = _param((g,), self.hidden_size, dtype, "bias_ih") if bias else None
        self.bias_hh = _param((g,), self.hidden_size, dtype, "bias_hh") if bias else None

    def forward(self, input: Any, hx: Any = None) -> Any:
        """input (B, input_size) or (input_size,); hx (B, hidden_size) (LSTMCell: a tuple (h, c)), zeros if None."""
        name = f"{type(self).__name__}({self.input_size}, {self.hidden_size})"
        shape = np.shape(input)
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input (batch, {self.input_size}) or ({self.input_size},), "
                             f"got shape {shape}")
        unbatched = len(shape) == 1
        x = input if isinstance(input, Value) else np.asarray(input, dtype=self.weight_ih.dtype)
        if unbatched:
            x = x.reshape(1, -1)
        want = (x.shape[0], self.hidden_size)
        states = [None] if hx is None else (list(hx) if self.mode == "LSTM" else [hx])
        if self.mode == "LSTM" and hx is not None and len(states) != 2:
            raise ValueError(f"{name}: hx must be a tuple (h, c)")
        vals = []
        for s in states * (2 if self.mode == "LSTM" and hx is None else 1):
            if s is None:
                vals.append(Value(np.zeros(want, dtype=self.weight_ih.dtype), requires_grad=False))
                continue
            got = tuple(np.shape(s))
            if got != (want[1:] if unbatched else want):
                raise ValueError(f"{name}: expected hidden state of shape {want[1:] if unbatched else want}, got {got}")
            v = _as_value(s, self.weight_ih)
            vals.append(v.reshape(*want) if unbatched else v)
        cell = CELLS[self.mode]
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if self.mode == "LSTM":
            h, c = cell(x, (vals[0], vals[1]), *w)
            return (h.reshape(-1), c.reshape(-1)) if unbatched else (h, c)
        h = cell(x, vals[0], *w)
        return h.reshape(-1) if unbatched else h

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias_enabled else ", bias=False")


class RNNCell(_CellBase):
    """One step of `RNN`: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype: Any = np.float64) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype)


class GRUCell(_CellBase):
    """One step of `GRU` (see `nn.functional.rnn.gru_cell`)."""

    mode = "GRU"


class LSTMCell(_CellBase):
    """One step of `LSTM`: (h, c) -> (h', c') (see `nn.functional.rnn.lstm_cell`)."""

    mode = "LSTM"
