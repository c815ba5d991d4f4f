"""Einsum: sums of products named by index letters ("ij,jk->ik" is a matrix product).

The gradient of an einsum with respect to one operand is another einsum: the upstream gradient
(indexed by the output letters) times all the other operands, summed down to that operand's
letters. Two details make it exact for every equation:
- a letter of the operand that appears nowhere else (summed away in the forward) gets its
  gradient broadcast back: a ones vector carries that letter into the gradient's einsum;
- a repeated letter ("ii->i", a diagonal) gets the gradient on the diagonal only: the second
  occurrence is renamed and an identity matrix ties the two together.
The backward is itself an einsum of the same kind, so every derivative order works.
"""

from __future__ import annotations

import string

import numpy as np

from .. import dispatch as d
from ..function import Function


def explicit(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """The equation with '...' spelled out as letters and the output made explicit:
    (one letter string per operand, the output letters). A size-1 dimension broadcast against a
    larger one gets a letter of its own (summed away, so it changes nothing in the forward)."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands, got {len(shapes)}")
    for ch in eq:
        if not (ch in string.ascii_letters or ch in ".,->"):
            raise ValueError(f"einsum: invalid character {ch!r} in {equation!r} (use letters a-z, A-Z and '...')")
    free = [c for c in string.ascii_letters if c not in eq]
    ell_dims = []
    for t, shape in zip(terms, shapes):
        named = len(t.replace("...", ""))
        if "..." in t:
            if t.count("...") > 1 or len(shape) < named:
                raise ValueError(f"einsum: operand {t!r} does not fit an operand of shape {shape}")
            ell_dims.append(len(shape) - named)
        else:
            if len(shape) != named:
                raise ValueError(f"einsum: operand {t!r} has {named} letters but the operand has shape {shape}")
            ell_dims.append(0)
    n_ell = max(ell_dims, default=0)
    ell, free = free[:n_ell], free[n_ell:]
    letters = [t.replace("...", "".join(ell[n_ell - k:])) for t, k in zip(terms, ell_dims)]
    if arrow:  # explicit; ellipsis dimensions left out of the output are summed
        output = out.replace("...", "".join(ell))
    else:
        counts = {c: "".join(letters).count(c) for c in set("".join(letters))}
        output = "".join(ell) + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    sizes: dict[str, int] = {}
    for ls, shape in zip(letters, shapes):
        for c, n in zip(ls, shape):
            if n != 1:
                if sizes.get(c, n) != n:
                    raise ValueError(f"einsum: letter {c!r} has sizes {sizes[c]} and {n} in {equation!r} "
                                     f"(operand shapes {shapes})")
                sizes[c] = n
    for k, (ls, shape) in enumerate(zip(letters, shapes)):  # size 1 against a larger size: broadcast
        renamed = list(ls)
        for p, (c, n) in enumerate(zip(ls, shape)):
            if n == 1 and sizes.get(c, 1) > 1:
                renamed[p] = free.pop(0)
        letters[k] = "".join(renamed)
    return letters, output


class Einsum(Function):
    """Y = einsum(equation, X1, X2, ...) (numpy's and torch's semantics, with '...');
    dL/dXk = einsum(output letters, the other operands -> Xk's letters)(dL/dY, ...)."""

    def forward(self, *xs, equation=""):
        letters, output = explicit(equation, [np.shape(x) for x in xs])
        self.saved = (letters, output)
        return np.einsum(",".join(letters) + "->" + output, *xs)

    def backward(self, grad):
        letters, output = self.saved
        xs = self.inputs()
        dtype = np.result_type(d.data(grad))
        grads = []
        for i, (li, p) in enumerate(zip(letters, self.parents)):
            if not p.requires_grad:
                grads.append(None)
                continue
            terms, operands = [output], [grad]
            for j, (lj, xj) in enumerate(zip(letters, xs)):
                if j != i:
                    terms.append(lj)
                    operands.append(xj)
            seen = set("".join(terms))
            target, used = [], set(li) | seen
            spare = [c for c in string.ascii_letters if c not in used]
            first: set[str] = set()
            for c, n in zip(li, p.shape):
                if c in first:  # a repeated letter: the gradient lives on the diagonal
                    fresh = spare.pop(0)
                    terms.append(c + fresh)
                    operands.append(np.eye(n, dtype=dtype))
                    target.append(fresh)
                    continue
                first.add(c)
                if c not in seen:  # summed away in the forward: broadcast the gradient back
                    terms.append(c)
                    operands.append(np.ones(n, dtype=dtype))
                    seen.add(c)
                target.append(c)
            grads.append(d.einsum(",".join(terms) + "->" + "".join(target), *operands))
        return tuple(grads)


# --- examples for `tinygrad-edu gradcheck` -------------------------------------------------------
def _examples(g):
    r = g.standard_normal
    return [(f"einsum {eq}", lambda *a, eq=eq: Einsum.apply(*a, equation=eq), xs) for eq, xs in [
        ("ij,jk->ik", [r((3, 4)), r((4, 2))]),
        ("bij,bjk->bik", [r((2, 3, 4)), r((2, 4, 2))]),
        ("ii->i", [r((3, 3))]),
        ("...i,...i->...", [r((2, 1, 4)), r((3, 4))]),
        ("ij,k->j", [r((2, 3)), r((4,))]),
    ]]


Einsum.examples = staticmethod(_examples)
