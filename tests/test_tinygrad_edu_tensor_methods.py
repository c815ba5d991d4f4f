"""The wider op set, reached through the Value methods of tinygrad_edu/tensor_methods.py (and the
primitives under them in ops/elementwise, scan, pad, einsum): forward, first and second
derivatives against torch, on hypothesis-drawn shapes (0-d, empty, broadcasting, negative axes,
ties, zeros, infinities), and gradcheck / gradgradcheck against finite differences (those run
without torch too)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _torch_compare import against_autograd, against_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinygrad_edu as tg
from tinygrad_edu import IndexOutOfRange, Value, gradcheck, gradgradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch comparisons skip; the finite-difference checks still run
    torch = TF = None

SET = settings(max_examples=8, deadline=None)
seeds = st.integers(0, 2**31 - 1)
shapes = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
nonempty = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def T(name):
    """A torch function by dotted name, looked up only when torch is there."""
    def call(*a, **k):
        obj = torch
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj(*a, **k)
    return call


def draw(seed, shape, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


# --- elementwise ----------------------------------------------------------------------------------
UNARY = [  # name, domain
    ("tan", (-1.2, 1.2)), ("asin", (-0.95, 0.95)), ("acos", (-0.95, 0.95)), ("atan", (-4, 4)),
    ("sinh", (-3, 3)), ("cosh", (-3, 3)), ("asinh", (-4, 4)), ("acosh", (1.05, 4)), ("atanh", (-0.95, 0.95)),
    ("log2", (0.1, 5)), ("log10", (0.1, 5)), ("log1p", (-0.9, 4)), ("expm1", (-3, 3)), ("erf", (-3, 3)),
    ("sign", (-3, 3)), ("floor", (-3, 3)), ("ceil", (-3, 3)), ("round", (-3, 3)), ("trunc", (-3, 3)),
]


@pytest.mark.parametrize("name,domain", UNARY)
@SET
@given(shape=shapes, seed=seeds)
def test_unary_against_torch(name, domain, shape, seed):
    against_torch(lambda x: getattr(x, name)(), T(name), [draw(seed, shape, *domain)])


SPECIALS = np.array([-np.inf, -1e300, -2.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 1e-300, 1e300, np.inf])


@pytest.mark.parametrize("name", ["atan", "sinh", "cosh", "asinh", "expm1", "erf", "sign", "floor", "ceil",
                                  "round", "trunc", "log1p", "log2", "tan"])
def test_unary_at_infinities_zeros_and_halves(name):
    """Forward and first derivative at +-inf, +-0, halves (round's ties to even) and extremes."""
    with np.errstate(all="ignore"):
        against_torch(lambda x: getattr(x, name)(), T(name), [SPECIALS], second=False)


def test_round_decimals_and_halves_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.2345, -7.125])
    against_torch(lambda v: v.round(2), lambda t: torch.round(t, decimals=2), [x])
    assert list(Value(x[:4]).round().data) == [0.0, 2.0, 2.0, -0.0]


BINARY = [
    ("logaddexp", lambda a, b: a.logaddexp(b), T("logaddexp"), None),
    ("fmod", lambda a, b: a.fmod(b), T("fmod"), "divisor"),
    ("remainder", lambda a, b: a.remainder(b), T("remainder"), "divisor"),
    ("mod operator", lambda a, b: a % b, lambda a, b: a % b, "divisor"),
]


@pytest.mark.parametrize("name,ours,ref,kind", BINARY)
@SET
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3),
       seed=seeds)
def test_binary_against_torch(name, ours, ref, kind, shapes, seed):
    (sa, sb), _ = shapes
    a = draw(seed, sa, -5, 5)
    b = draw(seed + 1, sb, 0.5, 2.0) * np.where(draw(seed + 2, sb) > 0, 1, -1) if kind else draw(seed + 1, sb, -5, 5)
    against_torch(ours, ref, [a, b])


def test_logaddexp_ties_and_infinities():
    a = np.array([1.0, np.inf, 3.0, -np.inf, 800.0, -800.0])
    b = np.array([1.0, 1.0, -np.inf, 2.0, 800.0, -np.inf])
    with np.errstate(all="ignore"):
        against_torch(lambda x, y: x.logaddexp(y), T("logaddexp"), [a, b], second=False)
    both = Value(np.array([-np.inf, np.inf])).logaddexp(np.array([-np.inf, np.inf]))
    np.testing.assert_array_equal(both.data, [-np.inf, np.inf])  # (torch's gradient there is NaN)
    x, y = Value(2.0), Value(2.0)
    x.logaddexp(y).backward()
    assert x.grad == y.grad == 0.5  # a tie splits the gradient


@SET
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_lerp_against_torch(shapes, seed):
    (sa, sb, sw), _ = shapes
    against_torch(lambda a, b, w: a.lerp(b, w), T("lerp"), [draw(seed, sa), draw(seed + 1, sb), draw(seed + 2, sw)])


@SET
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_floor_division_forward_and_zero_gradient(shapes, seed):
    (sa, sb), _ = shapes
    a, b = draw(seed, sa, -5, 5), draw(seed + 1, sb, 0.5, 2)
    against_torch(lambda x, y: x // y, lambda x, y: x // y, [a, b], grad_inputs=())  # torch: no derivative
    x, y = Value(a), Value(b)
    out = x // y
    if out.size:
        out.sum().backward()
        assert not np.any(x.grad) and not np.any(y.grad)
    assert float((Value(1.0) // 0.1).data) == 9.0  # floor_divide, as torch, not floor(1 / 0.1)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
@SET
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_comparisons_are_float_masks(name, shapes, seed):
    (sa, sb), _ = shapes
    a, b = np.round(draw(seed, sa)), np.round(draw(seed + 1, sb))  # rounded: ties happen
    got = getattr(Value(a), name)(Value(b))
    assert got.dtype == np.float64 and not got.requires_grad
    np.testing.assert_array_equal(got.data, getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less",
                                                         "le": "less_equal", "gt": "greater",
                                                         "ge": "greater_equal"}[name])(a, b).astype(float))
    if torch is not None:
        np.testing.assert_array_equal(got.data, getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())


def test_equality_operator_is_identity_and_tests_are_masks():
    a, b = Value([1.0, 2.0]), Value([1.0, 2.0])
    assert a == a and a != b and len({a, b}) == 2  # == is identity: Values live in sets and dicts
    x = Value([np.nan, np.inf, -np.inf, 1.0], dtype=np.float32)
    assert list(x.isnan().data) == [1, 0, 0, 0] and x.isnan().dtype == np.float32
    assert list(x.isinf().data) == [0, 1, 1, 0] and list(x.isfinite().data) == [0, 0, 0, 1]


# --- reductions ---------------------------------------------------------------------------------------
@st.composite
def shape_and_axis(draw_, min_side=0):
    shape = draw_(array_shapes(min_dims=0, max_dims=3, min_side=min_side, max_side=4))
    nd = max(len(shape), 1)
    axis = draw_(st.integers(-nd, nd - 1))
    return shape, axis


@SET
@given(sa=shape_and_axis(), seed=seeds, keep=st.booleans(), ties=st.booleans())
def test_prod_against_torch(sa, seed, keep, ties):
    shape, axis = sa
    x = np.round(draw(seed, shape)) if ties else draw(seed, shape)  # rounded: zeros and repeats
    if len(shape) == 0:
        axis = 0 if axis == 0 else -1
    against_torch(lambda v: v.prod(axis=axis, keepdims=keep), lambda t: t.prod(dim=axis, keepdim=keep), [x],
                  family="reductions")


@SET
@given(shape=shapes, seed=seeds)
def test_prod_over_everything(shape, seed):
    x = np.round(draw(seed, shape) * 1.5)
    against_torch(lambda v: v.prod(), lambda t: t.prod(), [x], family="reductions")


@SET
@given(sa=shape_and_axis(min_side=2), seed=seeds, keep=st.booleans(), correction=st.sampled_from([0, 1]))
def test_std_and_var_correction(sa, seed, keep, correction):
    shape, axis = sa
    if not shape:
        return
    x = draw(seed, shape)
    against_torch(lambda v: v.std(axis=axis, keepdims=keep, correction=correction),
                  lambda t: t.std(dim=axis, keepdim=keep, correction=correction), [x], family="reductions")
    against_torch(lambda v: v.var(axis=axis, keepdims=keep, correction=correction),
                  lambda t: t.var(dim=axis, keepdim=keep, correction=correction), [x], family="reductions")


def test_std_defaults_to_sample_and_var_to_population():
    x = np.array([1.0, 2.0, 4.0])
    assert math.isclose(Value(x).std().item(), np.std(x, ddof=1))
    assert math.isclose(Value(x).var().item(), np.var(x))


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
@SET
@given(sa=shape_and_axis(), seed=seeds, zeros=st.booleans())
def test_scans_against_torch(name, sa, seed, zeros):
    shape, axis = sa
    x = draw(seed, shape)
    if zeros and x.size:
        x.reshape(-1)[::2] = 0.0
    if len(shape) == 0:
        axis = 0
    against_torch(lambda v: getattr(v, name)(axis), lambda t: getattr(t, name)(axis), [x], family="reductions")


def test_logcumsumexp_is_stable():
    x = np.array([-1000.0, 0.0, 1000.0, -np.inf, 999.0])
    against_torch(lambda v: v.logcumsumexp(0), lambda t: t.logcumsumexp(0), [x], family="reductions",
                  second=False)


@SET
@given(sa=shape_and_axis(), seed=seeds)
def test_cummax_values_indices_and_ties(sa, seed):
    shape, axis = sa
    x = np.round(draw(seed, shape))  # many ties: torch takes the latest index
    if len(shape) == 0:
        axis = 0
    against_torch(lambda v: v.cummax(axis).values, lambda t: t.cummax(axis).values, [x], family="reductions")
    if torch is not None:
        np.testing.assert_array_equal(Value(x).cummax(axis).indices, torch.tensor(x).cummax(axis).indices.numpy())


@pytest.mark.parametrize("p", [2, "fro", 1, 3, 0.5, float("inf"), -float("inf"), 0])
@SET
@given(sa=shape_and_axis(min_side=1), seed=seeds, keep=st.booleans(), ties=st.booleans())
def test_norm_against_torch(p, sa, seed, keep, ties):
    shape, axis = sa
    x = np.round(draw(seed, shape)) if ties else draw(seed, shape)
    if len(shape) == 0 or (p == 0.5 and np.any(x == 0)):
        return  # |x|^0.5 has an infinite slope at 0 (torch: inf * 0 there)
    if p == "fro" and len(shape) < 2:
        return
    dim = (0, -1) if p == "fro" and len(shape) >= 2 else axis
    second = bool(not (ties and p in (2, "fro")) or np.all(x != 0))
    with np.errstate(all="ignore"):
        against_torch(lambda v: v.norm(p, dim=dim, keepdim=keep), lambda t: t.norm(p, dim=dim, keepdim=keep), [x],
                      family="reductions", second=second and p != 0)


def test_norm_of_zero_has_zero_gradient():
    x = Value(np.zeros(3))
    x.norm().backward()
    assert np.all(x.grad == 0)


@SET
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=seeds, dim=st.integers(-1, 0))
def test_normalize_against_torch(shape, seed, dim):
    against_torch(lambda v: tg.normalize(v, dim=dim), lambda t: TF.normalize(t, dim=dim), [draw(seed, shape)],
                  family="reductions")


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@SET
@given(sa=shape_and_axis(min_side=1), seed=seeds, keep=st.booleans())
def test_argmax_argmin_first_of_ties(name, sa, seed, keep):
    shape, axis = sa
    x = np.round(draw(seed, shape))
    got_all, got = getattr(Value(x), name)(), getattr(Value(x), name)(axis=axis, keepdims=keep)
    assert np.asarray(got).dtype == np.int64
    if torch is not None:
        t = torch.tensor(x)
        assert int(got_all) == int(getattr(t, name)())
        np.testing.assert_array_equal(got, getattr(t, name)(dim=axis, keepdim=keep).numpy())


@pytest.mark.parametrize("name", ["any", "all"])
@SET
@given(sa=shape_and_axis(), seed=seeds)
def test_any_all_are_bool_arrays(name, sa, seed):
    shape, axis = sa
    x = np.round(draw(seed, shape) * 0.4)  # mostly zeros
    got = getattr(Value(x), name)(axis=axis)
    assert np.asarray(got).dtype == bool
    np.testing.assert_array_equal(got, getattr(np, name)(x != 0, axis=axis if x.ndim else None))


# --- indexing and shape ---------------------------------------------------------------------------------
def _idx(seed, shape, high):
    return np.random.default_rng(seed).integers(0, high, shape)


SHAPE_CASES = [  # name, ours, torch, inputs
    ("expand", lambda x: x.expand(2, 3, -1), lambda t: t.expand(2, 3, -1), [(3, 1)]),
    ("expand 0-d", lambda x: x.expand(4), lambda t: t.expand(4), [()]),
    ("broadcast_to", lambda x: x.broadcast_to((2, 3, 4)), lambda t: t.broadcast_to((2, 3, 4)), [(3, 1)]),
    ("repeat", lambda x: x.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3), [(3, 2)]),
    ("repeat empty", lambda x: x.repeat(0, 2), lambda t: t.repeat(0, 2), [(3, 2)]),
    ("repeat_interleave int", lambda x: x.repeat_interleave(2, dim=-1), lambda t: t.repeat_interleave(2, dim=-1),
     [(3, 2)]),
    ("repeat_interleave flat", lambda x: x.repeat_interleave(3), lambda t: t.repeat_interleave(3), [(2, 2)]),
    ("repeat_interleave counts", lambda x: x.repeat_interleave(np.array([1, 0, 2]), dim=0),
     lambda t: t.repeat_interleave(torch.tensor([1, 0, 2]), dim=0), [(3, 2)]),
    ("squeeze", lambda x: x.squeeze(), lambda t: t.squeeze(), [(3, 1, 2, 1)]),
    ("squeeze dims", lambda x: x.squeeze((1, -1, 0)), lambda t: t.squeeze((1, -1, 0)), [(3, 1, 2, 1)]),
    ("unsqueeze", lambda x: x.unsqueeze(-1), lambda t: t.unsqueeze(-1), [(3, 2)]),
    ("unsqueeze 0-d", lambda x: x.unsqueeze(0), lambda t: t.unsqueeze(0), [()]),
    ("flip", lambda x: x.flip(0, -1), lambda t: t.flip(0, -1), [(3, 2, 2)]),
    ("roll", lambda x: x.roll((1, -3), (0, 1)), lambda t: t.roll((1, -3), (0, 1)), [(3, 2)]),
    ("roll flat", lambda x: x.roll(2), lambda t: t.roll(2), [(3, 2)]),
    ("permute negative", lambda x: x.permute(-1, 0, -2), lambda t: t.permute(-1, 0, -2), [(3, 2, 4)]),
    ("movedim", lambda x: x.movedim(0, -1), lambda t: t.movedim(0, -1), [(3, 2, 4)]),
    ("split size", lambda x: tg.stack(list(x.split(2, dim=1)[:2]), 0), lambda t: torch.stack(t.split(2, 1)[:2]),
     [(3, 5)]),
    ("split sections", lambda x: x.split([1, 4], dim=-1)[1], lambda t: t.split([1, 4], -1)[1], [(3, 5)]),
    ("chunk", lambda x: x.chunk(3, dim=1)[-1], lambda t: t.chunk(3, dim=1)[-1], [(3, 5)]),
    ("index_select", lambda x: x.index_select(-1, np.array([3, 0, 0])),
     lambda t: t.index_select(-1, torch.tensor([3, 0, 0])), [(3, 4)]),
    ("masked_fill", lambda x: x.masked_fill(np.array([True, False, True, False]), 2.0),
     lambda t: t.masked_fill(torch.tensor([True, False, True, False]), 2.0), [(3, 4)]),
    ("masked_fill value", lambda x, v: x.masked_fill(np.eye(3, 4, dtype=bool), v),
     lambda t, v: t.masked_fill(torch.tensor(np.eye(3, 4, dtype=bool)), v), [(3, 4), ()]),
    ("tril", lambda x: x.tril(1), lambda t: t.tril(1), [(2, 3, 4)]),
    ("triu", lambda x: x.triu(-1), lambda t: t.triu(-1), [(2, 3, 4)]),
    ("diagonal", lambda x: x.diagonal(1, 0, 2), lambda t: t.diagonal(1, 0, 2), [(3, 2, 4)]),
    ("diagonal negative", lambda x: x.diagonal(-1, -1, 0), lambda t: t.diagonal(-1, -1, 0), [(3, 2, 4)]),
    ("diagonal empty", lambda x: x.diagonal(5), lambda t: t.diagonal(5), [(3, 4)]),
    ("index_put", lambda x, v: tg.index_put(x, (np.array([0, 2, 0]),), v, accumulate=True),
     lambda t, v: t.index_put((torch.tensor([0, 2, 0]),), v, accumulate=True), [(3, 4), (4,)]),
    ("at set", lambda x, v: x.at[1:, 2].set(v), lambda t, v: t.clone().index_put((torch.tensor([1, 2]),
                                                                                  torch.tensor(2)), v),
     [(3, 4), (2,)]),
    ("outer", lambda a, b: a.outer(b), lambda a, b: a.outer(b), [(3,), (4,)]),
]


@pytest.mark.parametrize("name,ours,ref,in_shapes", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_ops_against_torch(name, ours, ref, in_shapes):
    rng = np.random.default_rng(len(name))
    against_torch(ours, ref, [rng.standard_normal(s) for s in in_shapes], family="indexing/shape")


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@SET
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=seeds, data=st.data())
def test_pad_against_torch(mode, shape, seed, data):
    n_dims = data.draw(st.integers(1, min(len(shape), 3 if mode != "constant" else len(shape))))
    widths = []
    for k in range(n_dims):
        size = shape[-1 - k]
        hi = {"reflect": size - 1, "replicate": 3, "circular": size, "constant": 3}[mode]
        lo = -size if mode == "constant" else 0
        widths += [data.draw(st.integers(max(lo, -1), hi)), data.draw(st.integers(0, hi))]
    x = draw(seed, shape)
    lead = (1,) * max(0, n_dims + 1 - len(shape))  # torch pads (N, C, ...) inputs in the non-constant modes
    ref = lambda t: TF.pad(t.reshape(lead + t.shape), widths, mode=mode).reshape(  # noqa: E731
        TF.pad(t.detach().reshape(lead + t.shape), widths, mode=mode).shape[len(lead):])
    against_torch(lambda v: v.pad(widths, mode=mode), ref, [x], family="indexing/shape")


def test_pad_constant_value_and_function_form():
    x = np.arange(6.0).reshape(2, 3)
    against_torch(lambda v: tg.pad(v, (1, 1, 0, 2), value=-1.5), lambda t: TF.pad(t, (1, 1, 0, 2), value=-1.5), [x],
                  family="indexing/shape")


@SET
@given(shape=nonempty, seed=seeds, data=st.data())
def test_gather_scatter_against_torch(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    ishape = tuple(data.draw(st.integers(0, n)) for n in shape)
    ishape = ishape[:dim % len(shape)] + (data.draw(st.integers(0, 5)),) + ishape[dim % len(shape) + 1:]
    index = _idx(seed, ishape, shape[dim])
    x, src = draw(seed, shape), draw(seed + 1, ishape)
    fam = "indexing/shape"
    against_torch(lambda v, i: v.gather(dim, i), lambda t, i: t.gather(dim, i), [x, index], family=fam)
    against_torch(lambda v, s, i: v.scatter_add(dim, i, s), lambda t, s, i: t.scatter_add(dim, i, s),
                  [x, src, index], family=fam)
    # scatter with repeated targets is undefined in torch: compare it on a permutation index
    perm = np.argsort(np.random.default_rng(seed).random(shape), axis=dim)
    against_torch(lambda v, s, i: v.scatter(dim, i, s), lambda t, s, i: t.scatter(dim, i, s),
                  [x, draw(seed + 2, shape), perm], family=fam)


def test_scatter_value_and_one_hot():
    x = Value(np.zeros((2, 3)))
    out = x.scatter(1, np.array([[2], [0]]), value=5.0)
    np.testing.assert_array_equal(out.data, [[0, 0, 5], [5, 0, 0]])
    oh = tg.one_hot(np.array([[2, 0], [1, 1]]), 4)
    assert oh.dtype == np.int64 and oh.shape == (2, 2, 4)
    if torch is not None:
        np.testing.assert_array_equal(oh, TF.one_hot(torch.tensor([[2, 0], [1, 1]]), 4).numpy())
        np.testing.assert_array_equal(tg.one_hot(np.array([3, 1])), TF.one_hot(torch.tensor([3, 1])).numpy())


def test_at_add_accumulates_and_setitem_points_to_it():
    x = Value(np.zeros(3))
    y = x.at[np.array([0, 0, 2])].add(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.data, [3, 0, 3])
    np.testing.assert_array_equal(x.at[1].get().data, 0.0)
    with pytest.raises(TypeError, match="index_put"):
        x[0] = 1.0


# --- linear algebra -------------------------------------------------------------------------------------
EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]), ("i,j->ij", [(3,), (2,)]),
    ("...ij,jk", [(2, 3, 4), (4, 5)]), ("...i,...i->...", [(2, 1, 4), (3, 4)]), ("ij,k->j", [(2, 3), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("iij->j", [(3, 3, 2)]), ("i,i,i->", [(4,), (4,), (4,)]),
    ("ij,ij->ij", [(0, 3), (0, 3)]), ("Ab,bC->AC", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("eq,in_shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum_against_torch(eq, in_shapes):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s) for s in in_shapes]
    against_torch(lambda *a: tg.einsum(eq, *a), lambda *a: torch.einsum(eq, *a), xs, family="linalg")
    np.testing.assert_allclose(tg.einsum(eq, *xs).data, np.einsum(eq, *xs))


MATMUL = [((3,), (3,)), ((2, 4, 3), (3,)), ((3,), (2, 3, 4)), ((2, 1, 4, 3), (5, 3, 2)), ((4, 3), (3, 2)),
          ((0, 3), (3, 2)), ((2, 3), (3, 0)), ((1, 2, 3), (3,))]


@pytest.mark.parametrize("sa,sb", MATMUL)
def test_matmul_every_rank_against_torch(sa, sb):
    rng = np.random.default_rng(1)
    against_torch(lambda a, b: a @ b, lambda a, b: a @ b, [rng.standard_normal(sa), rng.standard_normal(sb)],
                  family="linalg")


# --- HIPS autograd, an independent oracle, where it has the op (no torch needed) ------------------------
def _u(*s, lo=-0.9, hi=0.9):
    return np.random.default_rng(len(s) * 7 + s[0]).uniform(lo, hi, s)


def _autograd_cases():
    anp = pytest.importorskip("autograd.numpy")
    asp = pytest.importorskip("autograd.scipy.special")
    unary = [("tan", "tan"), ("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan"), ("sinh", "sinh"),
             ("cosh", "cosh"), ("asinh", "arcsinh"), ("atanh", "arctanh"), ("log1p", "log1p"), ("expm1", "expm1"),
             ("sign", "sign"), ("floor", "floor"), ("ceil", "ceil"), ("round", "round"), ("trunc", "trunc")]
    cases = [(n, "elementwise", lambda x, n=n: getattr(x, n)(), getattr(anp, a), [_u(3, 4)]) for n, a in unary]
    return cases + [
        ("acosh", "elementwise", lambda x: x.acosh(), anp.arccosh, [_u(3, 4) + 2]),
        ("log2", "elementwise", lambda x: x.log2(), anp.log2, [_u(3, 4) + 2]),
        ("log10", "elementwise", lambda x: x.log10(), anp.log10, [_u(3, 4) + 2]),
        ("erf", "elementwise", lambda x: x.erf(), asp.erf, [_u(3, 4) * 3]),
        ("logaddexp", "elementwise", lambda a, b: a.logaddexp(b), anp.logaddexp, [_u(3, 4), _u(4)]),
        ("remainder", "elementwise", lambda a, b: a.remainder(b), anp.remainder, [_u(3, 4), _u(4) + 2]),
        ("prod", "reductions", lambda a: a.prod(axis=1), lambda a: anp.prod(a, axis=1), [_u(3, 4)]),
        ("cumsum", "reductions", lambda a: a.cumsum(1), lambda a: anp.cumsum(a, axis=1), [_u(3, 4)]),
        ("std", "reductions", lambda a: a.std(axis=1), lambda a: anp.std(a, axis=1, ddof=1), [_u(3, 4)]),
        ("norm", "reductions", lambda a: a.norm(dim=1), lambda a: anp.linalg.norm(a, axis=1), [_u(3, 4)]),
        ("einsum", "linalg", lambda a, b: tg.einsum("bij,jk->bki", a, b), lambda a, b: anp.einsum("bij,jk->bki", a, b),
         [_u(2, 3, 4), _u(4, 2)]),
        ("outer", "linalg", lambda a, b: a.outer(b), anp.outer, [_u(3), _u(4)]),
        ("matmul", "linalg", lambda a, b: a @ b, anp.matmul, [_u(2, 3, 4), _u(4)]),
        ("tril", "indexing/shape", lambda a: a.tril(1), lambda a: anp.tril(a, 1), [_u(3, 4)]),
        ("triu", "indexing/shape", lambda a: a.triu(), lambda a: anp.triu(a), [_u(3, 4)]),
        ("roll", "indexing/shape", lambda a: a.roll(1, 1), lambda a: anp.roll(a, 1, 1), [_u(3, 4)]),
        ("repeat_interleave", "indexing/shape", lambda a: a.repeat_interleave(2, 1), lambda a: anp.repeat(a, 2, 1),
         [_u(3, 4)]),
        ("repeat", "indexing/shape", lambda a: a.repeat(2, 1), lambda a: anp.tile(a, (2, 1)), [_u(3, 4)]),
        ("pad", "indexing/shape", lambda a: a.pad((1, 2)), lambda a: anp.pad(a, ((0, 0), (1, 2)), mode="constant"),
         [_u(3, 4)]),
        ("squeeze", "indexing/shape", lambda a: a.squeeze(), anp.squeeze, [_u(3, 1, 4)]),
    ]


AUTOGRAD_NAMES = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "atanh", "log1p", "expm1", "sign", "floor",
                  "ceil", "round", "trunc", "acosh", "log2", "log10", "erf", "logaddexp", "remainder", "prod",
                  "cumsum", "std", "norm", "einsum", "outer", "matmul", "tril", "triu", "roll", "repeat_interleave",
                  "repeat", "pad", "squeeze"]


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("name", AUTOGRAD_NAMES)
def test_against_hips_autograd_to_second_order(name):
    (case,) = [c for c in _autograd_cases() if c[0] == name]
    _, family, ours, ref, xs = case
    against_autograd(ours, ref, xs, family=family)


# --- finite differences (no torch needed): gradcheck and gradgradcheck -----------------------------------
def _r(*s, lo=-1.0, hi=1.0, seed=0):
    return np.random.default_rng(seed + len(s)).uniform(lo, hi, s)


FD_CASES = [
    ("tan", lambda x: x.tan(), [_r(2, 3)]), ("asin", lambda x: x.asin(), [_r(2, 3, lo=-0.8, hi=0.8)]),
    ("acos", lambda x: x.acos(), [_r(2, 3, lo=-0.8, hi=0.8)]), ("atan", lambda x: x.atan(), [_r(2, 3)]),
    ("sinh", lambda x: x.sinh(), [_r(2, 3)]), ("cosh", lambda x: x.cosh(), [_r(2, 3)]),
    ("asinh", lambda x: x.asinh(), [_r(2, 3)]), ("acosh", lambda x: x.acosh(), [_r(2, 3, lo=1.2, hi=3)]),
    ("atanh", lambda x: x.atanh(), [_r(2, 3, lo=-0.8, hi=0.8)]), ("log2", lambda x: x.log2(), [_r(2, 3, lo=0.5)]),
    ("log10", lambda x: x.log10(), [_r(2, 3, lo=0.5)]), ("log1p", lambda x: x.log1p(), [_r(2, 3)]),
    ("expm1", lambda x: x.expm1(), [_r(2, 3)]), ("erf", lambda x: x.erf(), [_r(2, 3)]),
    ("floor", lambda x: x.floor() * x, [_r(2, 3, lo=0.1, hi=0.9)]),
    ("logaddexp", lambda a, b: a.logaddexp(b), [_r(2, 3), _r(3, seed=7)]),
    ("lerp", lambda a, b, w: a.lerp(b, w), [_r(2, 3), _r(3, seed=1), _r(2, 1, seed=2)]),
    ("fmod", lambda a, b: a.fmod(b), [_r(2, 3, lo=0.1, hi=0.9), _r(3, lo=1.1, hi=1.5)]),
    ("remainder", lambda a, b: a.remainder(b), [_r(2, 3, lo=-0.9, hi=-0.1), _r(3, lo=1.1, hi=1.5)]),
    ("prod", lambda x: x.prod(axis=-1), [_r(2, 4)]),
    ("prod zeros", lambda x: x.prod(axis=0), [np.array([[0.0, 1.5], [0.0, 0.5], [2.0, 0.0]])]),
    ("std", lambda x: x.std(axis=1), [_r(3, 4)]), ("cumsum", lambda x: x.cumsum(0), [_r(3, 2)]),
    ("cumprod", lambda x: x.cumprod(1), [_r(2, 4)]),
    ("cumprod zeros", lambda x: x.cumprod(0), [np.array([[1.5, 0.0], [0.0, 2.0], [0.5, -1.0]])]),
    ("cummax", lambda x: x.cummax(1).values, [_r(2, 4)]), ("logcumsumexp", lambda x: x.logcumsumexp(-1), [_r(2, 4)]),
    ("norm", lambda x: x.norm(dim=1), [_r(2, 4)]), ("norm 3", lambda x: x.norm(3, dim=0), [_r(2, 4)]),
    ("norm inf", lambda x: x.norm(float("inf")), [_r(2, 4)]), ("normalize", lambda x: tg.normalize(x), [_r(2, 4)]),
    ("expand", lambda x: x.expand(2, 3), [_r(3)]), ("repeat", lambda x: x.repeat(2, 2), [_r(2, 3)]),
    ("repeat_interleave", lambda x: x.repeat_interleave(np.array([2, 0, 1]), 1), [_r(2, 3)]),
    ("flip", lambda x: x.flip(-1), [_r(2, 3)]), ("roll", lambda x: x.roll(1, 0), [_r(3, 2)]),
    ("pad reflect", lambda x: x.pad((2, 1), mode="reflect"), [_r(2, 4)]),
    ("pad circular", lambda x: x.pad((1, 2, 1, 0), mode="circular"), [_r(2, 3)]),
    ("gather", lambda x: x.gather(1, np.array([[0, 0], [2, 1]])), [_r(2, 3)]),
    ("scatter", lambda x, s: x.scatter(0, np.array([[1, 0, 1]]), s), [_r(2, 3), _r(1, 3, seed=1)]),
    ("scatter_add", lambda x, s: x.scatter_add(1, np.array([[0, 0], [2, 1]]), s), [_r(2, 3), _r(2, 2, seed=1)]),
    ("index_select", lambda x: x.index_select(0, np.array([1, 1, 0])), [_r(2, 3)]),
    ("masked_fill", lambda x: x.masked_fill(np.array([True, False, False]), 0.5), [_r(2, 3)]),
    ("tril", lambda x: x.tril(), [_r(3, 3)]), ("diagonal", lambda x: x.diagonal(), [_r(3, 3)]),
    ("einsum", lambda a, b: tg.einsum("ij,jk->ik", a, b), [_r(2, 3), _r(3, 2, seed=1)]),
    ("einsum diag", lambda a: tg.einsum("ii->i", a) * tg.einsum("ij->", a), [_r(3, 3)]),
    ("outer", lambda a, b: a.outer(b), [_r(3), _r(2, seed=1)]),
    ("matmul 1-D", lambda a, b: (a @ b) ** 2, [_r(3), _r(2, 3, 4, seed=1)]),
]


@pytest.mark.parametrize("name,fn,inputs", FD_CASES, ids=[c[0] for c in FD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, inputs):
    assert gradcheck(fn, *inputs)
    assert gradgradcheck(fn, *inputs)


def test_every_new_primitive_is_registered():
    new = {"tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log1p", "expm1", "sign",
           "floor", "ceil", "round", "trunc", "fmod", "remainder", "floor_divide", "cumsum", "cumprod", "prod",
           "einsum", "pad"}
    assert new <= set(tg.Function.registry)
    for name in new:
        assert "examples" in tg.Function.registry[name].__dict__, name  # listed by `tinygrad-edu gradcheck`


# --- bad input ----------------------------------------------------------------------------------------------
BAD = [
    (lambda: Value(np.ones((2, 3))).gather(1, np.array([[0.0, 1.0]] * 2)), TypeError, r"gather: index must hold "
     r"integers, got dtype float64 \(index shape \(2, 2\), input shape \(2, 3\)\)"),
    (lambda: Value(np.ones((2, 3))).gather(1, np.array([0, 1])), ValueError, r"gather: index has 1 dimensions"),
    (lambda: Value(np.ones((2, 3))).gather(1, np.array([[3]])), IndexOutOfRange, r"gather: index 3 is out of "
     r"range for dimension 1 of size 3"),
    (lambda: Value(np.ones((2, 3))).gather(2, np.array([[0]])), ValueError, r"gather: dim 2 is out of range"),
    (lambda: Value(np.ones((2, 3))).pad((1, 1), mode="mirror"), ValueError, r"pad: mode must be one of"),
    (lambda: Value(np.ones((2, 3))).pad((1,)), ValueError, r"pad: pad must hold an even number"),
    (lambda: Value(np.ones((2, 3))).pad((3, 0), mode="reflect"), ValueError, r"pad: reflect padding \(3, 0\) of "
     r"dimension 1 must be less than its size 3 \(input shape \(2, 3\)\)"),
    (lambda: Value(np.ones((2, 3))).pad((1, 1, 1, 1, 1, 1)), ValueError, r"pad: 6 pad values pad 3 dimensions"),
    (lambda: Value(np.ones((2, 3))).cumsum(2), ValueError, r"cumsum: axis 2 is out of bounds"),
    (lambda: Value(np.ones((2, 3))).prod(axis=(0, 5)), ValueError, r"prod: axis 5 is out of bounds"),
    (lambda: Value(np.ones((2, 3))).permute(0, 0), ValueError, r"permute: axes \(0, 0\) are not a permutation"),
    (lambda: Value(np.ones((2, 3))).expand(4, 3, 2), ValueError, r"expand: dimension 0 has size 2, which cannot "
     r"expand to 3 \(shape \(2, 3\), sizes \(4, 3, 2\)\)"),
    (lambda: Value(np.ones((2, 3))).flip(0, -2), ValueError, r"flip: dims \(0, -2\) name a dimension more than once"),
    (lambda: Value(np.ones((2, 3))).split([1, 2], 0), ValueError, r"split: sections \[1, 2\] must be"),
    (lambda: Value(np.ones((2, 3))).masked_fill(np.ones((3, 3), bool), 0), ValueError, r"masked_fill: mask of shape"),
    (lambda: Value(np.ones(3)).tril(), ValueError, r"tril: needs a tensor of at least 2 dimensions, got shape"),
    (lambda: Value(np.ones((2, 3))).index_select(0, np.array([2])), IndexOutOfRange, r"index_select: index 2"),
    (lambda: tg.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))), ValueError, r"einsum: letter 'j' has sizes"),
    (lambda: tg.einsum("ij->i", np.ones(3)), ValueError, r"einsum: operand 'ij' has 2 letters but the operand has "
     r"shape \(3,\)"),
    (lambda: tg.einsum("i$->i", np.ones((3, 1))), ValueError, r"einsum: invalid character"),
    (lambda: tg.one_hot(np.array([0.0, 1.0])), TypeError, r"one_hot: labels must be integers"),
    (lambda: tg.one_hot(np.array([0, 4]), 3), ValueError, r"one_hot: label 4 is out of range for 3 classes"),
    (lambda: Value(np.ones(2)).outer(np.ones((2, 2))), ValueError, r"outer: needs two 1-D inputs"),
    (lambda: Value(np.ones(2)).norm("nuc"), ValueError, r"norm: p must be a number"),
    (lambda: Value(np.ones(0)).argmax(), ValueError, r"argmax: the input of shape \(0,\) is empty"),
    (lambda: Value(np.ones(3)) @ Value(np.ones(4)), ValueError, r"matmul: shapes \(3,\) and \(4,\) are not aligned"),
]


@pytest.mark.parametrize("call,exc,message", BAD, ids=[b[2][:30] for b in BAD])
def test_bad_input_names_the_op_and_shapes(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
