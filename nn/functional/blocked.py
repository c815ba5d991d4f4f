"""Matrix products with one very long axis, cut into cache-sized blocks.

A convolution's im2col matrix is short and very wide: cols (C*K, N*L) has, for a batch of 64
MNIST images and a 3x3 kernel, 9 rows and 50,176 columns. OpenBLAS multiplies such a matrix
about 3x slower per column once the operands no longer fit the core's L2 cache (measured:
(8, 9) @ (9, 50176) in 230-290 us, in blocks of about 3,000 columns 114-135 us; the weight
gradient g @ cols.T, whose inner axis is the long one, 520-650 us against 106-117 us).
Both functions below give the plain product's result (each block is an ordinary matmul); they
only change the order in which BLAS sees the columns:

    wide_matmul(A, B)  = A @ B      for A (M, K), B (K, T):  Y[:, block] = A @ B[:, block]
    long_dot(G, C)     = G @ C.T    for G (M, T), C (K, T):  sum over blocks of G[:, block] C[:, block]^T

The blocks are one batched np.matmul (a strided (M, blocks, width) view, no copy), plus one
plain product for the columns left over. Short products, and tall ones such as a Linear layer's,
take the plain path: blocking only pays when both short sides are small.
"""

from __future__ import annotations

import numpy as np

__all__ = ["wide_matmul", "long_dot", "block_width"]

BLOCK_BYTES = 256 * 1024  # about half of one core's L2: both operands' block stay cached
MAX_SHORT = 128  # blocking pays when M + K (the short sides) is at most this


def block_width(rows: int, length: int, itemsize: int) -> int:
    """Columns per block for `rows` short-side rows over a `length`-long axis; 0 = do not block."""
    if rows > MAX_SHORT:
        return 0
    width = max(BLOCK_BYTES // (rows * itemsize), 1)
    return width if length >= 4 * width else 0


def wide_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (M, K) @ b (K, T) -> (M, T), the long axis T taken in cache-sized blocks."""
    m, t = a.shape[0], b.shape[1]
    dtype = np.result_type(a, b)
    width = block_width(m + a.shape[1], t, dtype.itemsize)
    if not width:
        return a @ b
    out = np.empty((m, t), dtype=dtype)
    blocks = t // width
    p = blocks * width
    np.matmul(a, b[:, :p].reshape(b.shape[0], blocks, width).transpose(1, 0, 2),
              out=out[:, :p].reshape(m, blocks, width).transpose(1, 0, 2))
    if p < t:
        np.matmul(a, b[:, p:], out=out[:, p:])
    return out


def long_dot(g: np.ndarray, c: np.ndarray) -> np.ndarray:
    """g (M, T) @ c (K, T).T -> (M, K), the long inner axis T taken in cache-sized blocks."""
    m, t = g.shape
    k = c.shape[0]
    width = block_width(m + k, t, np.result_type(g, c).itemsize)
    if not width:
        return g @ c.T
    blocks = t // width
    p = blocks * width
    parts = np.matmul(g[:, :p].reshape(m, blocks, width).transpose(1, 0, 2),
                      c[:, :p].reshape(k, blocks, width).transpose(1, 2, 0))  # (blocks, M, K)
    out = parts.sum(axis=0)
    if p < t:
        out += g[:, p:] @ c[:, p:].T
    return out
