"""Recurrent cells written with engine ops: each line is one of the cell's textbook equations.

Gate order and weight layout as torch: weight_ih (G*H, I), weight_hh (G*H, H), biases (G*H,),
with the gates stacked in the rows: RNN G=1, GRU (r, z, n) G=3, LSTM (i, f, g, o) G=4.
Backpropagation through time is nothing special: unrolling the cell over the sequence builds one
graph, and `backward()` walks it from the last step to the first.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu import Value

from .linear import linear

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell", "CELLS", "GATES"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def rnn_tanh_cell(x: Any, h: Value, w_ih: Value, w_hh: Value, b_ih: Value | None = None,
                  b_hh: Value | None = None) -> Value:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)  (Elman's RNN)."""
    return (linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)).tanh()


def rnn_relu_cell(x: Any, h: Value, w_ih: Value, w_hh: Value, b_ih: Value | None = None,
                  b_hh: Value | None = None) -> Value:
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)).relu()


def gru_cell(x: Any, h: Value, w_ih: Value, w_hh: Value, b_ih: Value | None = None,
             b_hh: Value | None = None) -> Value:
    """The gated recurrent unit (Cho et al., 2014), torch's form:

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        reset gate
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)        update gate
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))     candidate state
        h' = (1 - z) * n + z * h  =  n + z * (h - n)

    When z is near 1 the state is copied through unchanged, and so is its gradient: the path
    through time that keeps gradients from vanishing.
    """
    hs = h.shape[-1]
    gi, gh = linear(x, w_ih, b_ih), linear(h, w_hh, b_hh)  # (B, 3H) each, gates r | z | n
    r = (gi[..., :hs] + gh[..., :hs]).sigmoid()
    z = (gi[..., hs:2 * hs] + gh[..., hs:2 * hs]).sigmoid()
    n = (gi[..., 2 * hs:] + r * gh[..., 2 * hs:]).tanh()
    return n + z * (h - n)


def lstm_cell(x: Any, hc: tuple[Value, Value], w_ih: Value, w_hh: Value, b_ih: Value | None = None,
              b_hh: Value | None = None) -> tuple[Value, Value]:
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), torch's form:

        i = sigmoid(.),  f = sigmoid(.),  g = tanh(.),  o = sigmoid(.)   with . = W_i* x + b_i* + W_h* h + b_h*
        c' = f * c + i * g          the cell state: added to, not multiplied through a squashing
        h' = o * tanh(c')

    dc'/dc = f: with the forget gate open the gradient flows back along c unchanged.
    """
    h, c = hc
    hs = h.shape[-1]
    gates = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)  # (B, 4H): i | f | g | o
    i = gates[..., :hs].sigmoid()
    f = gates[..., hs:2 * hs].sigmoid()
    g = gates[..., 2 * hs:3 * hs].tanh()
    o = gates[..., 3 * hs:].sigmoid()
    c = f * c + i * g
    return o * c.tanh(), c


CELLS = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "GRU": gru_cell, "LSTM": lstm_cell}
