"""The engine's core ops (tinygrad_edu/ops/): every op's forward and gradient against HIPS autograd,
an independent oracle; and the speed paths give what the plain formulas give (ReLU against an array
of zeros equals np.maximum(x, 0) bit for bit, including -inf, nan and 0-d inputs; Add with a
constant or frozen operand)."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import autograd.scipy.special as asp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from tinygrad_edu import Value, concat, maximum, minimum, stack, where


def compare(ours, ref, *arrays, rtol=1e-7, atol=1e-9, seed=0):
    """Forward equal to ref's; gradient of sum(u * f) equal to autograd's, for each input."""
    vals = [Value(a) for a in arrays]
    out = ours(*vals)
    expected = ref(*arrays)
    np.testing.assert_allclose(np.asarray(out.data), expected, rtol=rtol, atol=atol)
    assert out.shape == np.shape(expected)
    u = np.random.default_rng(seed).standard_normal(np.shape(expected))
    out.backward(u)
    for i, v in enumerate(vals):
        g_ref = autograd.grad(lambda *a: anp.sum(ref(*a) * u), i)(*arrays)
        assert v.grad.shape == np.shape(arrays[i])
        np.testing.assert_allclose(v.grad, g_ref, rtol=rtol, atol=atol, err_msg=f"input {i}")


def rand(seed, shape, lo=None, hi=None):
    rng = np.random.default_rng(seed)
    if lo is not None:
        return rng.uniform(lo, hi, shape)
    return rng.standard_normal(shape)


seeds = st.integers(0, 2**31 - 1)
bshapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


@given(bshapes, seeds)
@pytest.mark.parametrize("name,ours,ref", [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("div", lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
    ("maximum", maximum, anp.maximum),
    ("minimum", minimum, anp.minimum),
])
def test_binary_broadcast(name, ours, ref, shapes, seed):
    (sa, sb), _ = shapes
    compare(ours, ref, rand(seed, sa), rand(seed + 1, sb))


@given(bshapes, seeds)
def test_pow_both_operands(shapes, seed):
    (sa, sb), _ = shapes
    compare(lambda a, b: a**b, lambda a, b: a**b, rand(seed, sa, 0.3, 2.0), rand(seed + 1, sb))


@given(st.integers(-3, 4), seeds)
def test_pow_constant_exponent(n, seed):
    x = rand(seed, (3, 4), 0.3, 2.0) * np.where(rand(seed + 1, (3, 4)) > 0, 1, -1)
    compare(lambda a: a**n, lambda a: a**n, x)


def test_pow_base_zero_and_negative():
    # d(x**y)/dy = x**y log x: 0 at x == 0 (as autograd), NaN for x < 0; x**2 at x < 0 is fine
    x, y = Value(np.array([0.0, 2.0])), Value(np.array([2.0, 3.0]))
    (x**y).sum().backward()
    np.testing.assert_allclose(y.grad, [0.0, 8 * np.log(2)])
    np.testing.assert_allclose(x.grad, [0.0, 12.0])
    n = Value(-2.0)
    (n**2).backward()
    assert float(n.grad) == -4.0
    e = Value(2.0)
    with np.errstate(invalid="ignore"):
        (Value(-2.0, requires_grad=False) ** e).backward()
    assert np.isnan(e.grad)


@given(st.data(), seeds)
def test_matmul_shapes(data, seed):
    n, k, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    batch = data.draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)).input_shapes
    kind = data.draw(st.sampled_from(["2d", "1d-left", "1d-right", "1d-both", "batched"]))
    sa, sb = {"2d": ((n, k), (k, m)), "1d-left": ((k,), (k, m)), "1d-right": ((n, k), (k,)),
              "1d-both": ((k,), (k,)), "batched": (batch[0] + (n, k), batch[1] + (k, m))}[kind]
    compare(lambda a, b: a @ b, lambda a, b: anp.matmul(a, b), rand(seed, sa), rand(seed + 1, sb))


def test_matmul_batched_with_1d():
    compare(lambda a, b: a @ b, anp.matmul, rand(1, (2, 3, 4)), rand(2, (4,)))
    compare(lambda a, b: a @ b, anp.matmul, rand(1, (4,)), rand(2, (2, 4, 3)))


def _erf_ref(x):
    return asp.erf(x)


UNARY = [
    ("exp", lambda a: a.exp(), anp.exp, None),
    ("log", lambda a: a.log(), anp.log, (0.2, 3.0)),
    ("sqrt", lambda a: a.sqrt(), anp.sqrt, (0.2, 3.0)),
    ("abs", lambda a: a.abs(), anp.abs, None),
    ("abs operator", lambda a: abs(a), anp.abs, None),
    ("neg", lambda a: -a, lambda a: -a, None),
    ("sin", lambda a: a.sin(), anp.sin, None),
    ("cos", lambda a: a.cos(), anp.cos, None),
    ("tanh", lambda a: a.tanh(), anp.tanh, None),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + anp.exp(-a)), None),
    ("relu", lambda a: a.relu(), lambda a: anp.where(a > 0, a, 0.0), None),
    ("leaky_relu", lambda a: a.leaky_relu(0.1), lambda a: anp.where(a > 0, a, 0.1 * a), None),
    ("leaky_relu default", lambda a: a.leaky_relu(), lambda a: anp.where(a > 0, a, 0.01 * a), None),
    ("elu", lambda a: a.elu(1.5), lambda a: anp.where(a > 0, a, 1.5 * (anp.exp(anp.minimum(a, 0)) - 1)), None),
    ("softplus", lambda a: a.softplus(), lambda a: anp.logaddexp(0.0, a), None),
    ("gelu", lambda a: a.gelu(), lambda a: 0.5 * a * (1 + _erf_ref(a / np.sqrt(2))), None),
    ("clip", lambda a: a.clip(-0.5, 0.7), lambda a: anp.clip(a, -0.5, 0.7), None),
]


@given(array_shapes(min_dims=0, max_dims=3, max_side=4), seeds)
@pytest.mark.parametrize("name,ours,ref,domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, ours, ref, domain, shape, seed):
    x = rand(seed, shape, *domain) if domain else rand(seed, shape) * 2
    compare(ours, ref, x)


axes_cases = [None, 0, 1, -1, (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("axis", axes_cases)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name,ours,ref", [
    ("sum", lambda a, ax, kd: a.sum(axis=ax, keepdims=kd), lambda a, ax, kd: anp.sum(a, axis=ax, keepdims=kd)),
    ("mean", lambda a, ax, kd: a.mean(axis=ax, keepdims=kd), lambda a, ax, kd: anp.mean(a, axis=ax, keepdims=kd)),
    ("max", lambda a, ax, kd: a.max(axis=ax, keepdims=kd), lambda a, ax, kd: anp.max(a, axis=ax, keepdims=kd)),
    ("min", lambda a, ax, kd: a.min(axis=ax, keepdims=kd), lambda a, ax, kd: anp.min(a, axis=ax, keepdims=kd)),
    ("var", lambda a, ax, kd: a.var(axis=ax, keepdims=kd), lambda a, ax, kd: anp.var(a, axis=ax, keepdims=kd)),
    ("logsumexp", lambda a, ax, kd: a.logsumexp(axis=ax, keepdims=kd),
     lambda a, ax, kd: asp.logsumexp(a, axis=ax, keepdims=kd)),
])
def test_reductions_every_axis(name, ours, ref, axis, keepdims):
    x = rand(7, (2, 3, 4))
    compare(lambda a: ours(a, axis, keepdims), lambda a: ref(a, axis, keepdims), x)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax(axis):
    x = rand(3, (3, 4, 5))
    lse = lambda a: asp.logsumexp(a, axis=axis, keepdims=True)  # noqa: E731
    compare(lambda a: a.softmax(axis=axis), lambda a: anp.exp(a - lse(a)), x)
    compare(lambda a: a.log_softmax(axis=axis), lambda a: a - lse(a), x)


def test_stable_at_large_values():
    x = np.array([[1000.0, 1000.0, 999.0], [-1000.0, 0.0, 1000.0]])
    v = Value(x)
    s, ls, lse = v.softmax(), v.log_softmax(), v.logsumexp(axis=1)
    for out in (s, ls, lse):
        assert np.all(np.isfinite(out.data))
    compare(lambda a: a.logsumexp(axis=1), lambda a: asp.logsumexp(a, axis=1), x)
    compare(lambda a: a.log_softmax(axis=1), lambda a: a - asp.logsumexp(a, axis=1, keepdims=True), x)
    big = Value(np.array([-800.0, 800.0]))
    sig = big.sigmoid()
    np.testing.assert_allclose(sig.data, [0.0, 1.0])
    assert np.all(np.isfinite(big.softplus().data))


def test_max_ties_go_to_first():
    x = Value(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]))
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])


@given(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seeds)
def test_reshape_transpose_flatten(shape, seed):
    x = rand(seed, shape)
    compare(lambda a: a.reshape(-1), lambda a: anp.reshape(a, -1), x)
    compare(lambda a: a.flatten(), lambda a: anp.reshape(a, -1), x)
    compare(lambda a: a.T, lambda a: anp.transpose(a), x)
    perm = tuple(np.random.default_rng(seed).permutation(len(shape)))
    compare(lambda a: a.transpose(*perm), lambda a: anp.transpose(a, perm), x)
    compare(lambda a: a.reshape(shape[::-1]), lambda a: anp.reshape(a, shape[::-1]), x)


@given(st.lists(st.integers(-4, 3), min_size=1, max_size=8), seeds)
def test_integer_array_indexing_with_repeats(idx, seed):
    x = rand(seed, (4, 3))
    index = np.array(idx)
    compare(lambda a: a[index], lambda a: a[index], x)
    compare(lambda a: a[index, 1:], lambda a: a[index, 1:], x)
    compare(lambda a: a[:, index % 3], lambda a: a[:, index % 3], x)


def test_basic_indexing_and_pairs():
    x = rand(1, (3, 4, 5))
    for index in [1, (slice(None), 2), (slice(1, None), slice(None, None, 2), -1), (Ellipsis, 0), (None, 0)]:
        compare(lambda a, i=index: a[i], lambda a, i=index: a[i], x)
    rows, cols = np.array([0, 0, 2, 1]), np.array([1, 1, 3, 0])
    compare(lambda a: a[rows, cols], lambda a: a[rows, cols], x)
    mask = rand(2, (3, 4, 5)) > 0
    compare(lambda a: a[mask], lambda a: a[mask], x)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat_and_stack(axis):
    a, b, c = rand(1, (2, 3)), rand(2, (2, 3)), rand(3, (2, 3))
    compare(lambda x, y, z: concat([x, y, z], axis=axis), lambda x, y, z: anp.concatenate([x, y, z], axis=axis),
            a, b, c)
    compare(lambda x, y, z: stack([x, y, z], axis=axis), lambda x, y, z: anp.stack([x, y, z], axis=axis), a, b, c)


def test_where_broadcasts():
    cond = rand(5, (3, 4)) > 0
    compare(lambda a, b: where(cond, a, b), lambda a, b: anp.where(cond, a, b + anp.zeros((3, 4))),
            rand(1, (3, 4)), rand(2, (4,)))


def test_composite_expression_against_autograd():
    def f(w, x, b, lib):
        h = lib["tanh"](x @ w + b)
        return lib["sum"](h * h) / 7.0 - lib["sum"](lib["exp"](-h))

    ours = {"tanh": lambda v: v.tanh(), "sum": lambda v: v.sum(), "exp": lambda v: v.exp()}
    ref = {"tanh": anp.tanh, "sum": anp.sum, "exp": anp.exp}
    compare(lambda w, x, b: f(w, x, b, ours), lambda w, x, b: f(w, x, b, ref),
            rand(1, (4, 3)), rand(2, (5, 4)), rand(3, (3,)))


def test_reflected_operators_with_numbers_and_arrays():
    arr = rand(9, (2, 3))
    compare(lambda a: 2.0 - a, lambda a: 2.0 - a, arr)
    compare(lambda a: 3.0 / (a * a + 1), lambda a: 3.0 / (a * a + 1), arr)
    compare(lambda a: 2.0**a, lambda a: 2.0**a, arr)
    compare(lambda a: arr + a * arr, lambda a: arr + a * arr, arr)
    compare(lambda a: arr - a, lambda a: arr - a, arr)
    compare(lambda a: arr @ a.T, lambda a: arr @ a.T, arr)
    compare(lambda a: a / arr, lambda a: a / arr, arr)


# --- speed paths against the plain formulas -------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_equals_the_plain_formula(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((33, 17)).astype(dtype)
    x[0, :4] = [-np.inf, np.inf, np.nan, 0.0]
    v = Value(x.copy())
    y = v.relu()
    np.testing.assert_array_equal(y.data, np.maximum(x, 0))
    assert y.data.dtype == dtype
    g = rng.standard_normal(x.shape).astype(dtype)
    y.backward(g)
    np.testing.assert_array_equal(v.grad, g * (x > 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_numpy_scalars_equals_np_maximum_for_every_kind_of_value(dtype):
    """The scalar path picks x or 0 instead of calling np.maximum: same value, type and gradient."""
    for x in (-np.inf, -2.5, -0.0, 0.0, 1e-30, 3.0, np.inf, np.nan):
        v = Value(np.array(x, dtype))
        assert type(v.data) is not np.ndarray or v.data.ndim == 0
        x0 = dtype(x)
        v._data = x0  # a numpy scalar, as an op of the scalar engine (nn.scalar's dot) produces
        y = v.relu()
        want = np.maximum(x0, np.zeros((), dtype))
        assert type(y.data) is type(want) and y.data.dtype == dtype, (x, type(y.data))
        np.testing.assert_array_equal(y.data, want)
        y.backward()
        assert float(v.grad) == (1.0 if x > 0 else 0.0)


def test_relu_of_a_scalar_stays_a_scalar():
    for x in (-2.0, 3.0):
        v = Value(x)
        y = v.relu()
        assert np.ndim(y.data) == 0 and float(y.data) == max(x, 0.0)
        y.backward()
        assert float(v.grad) == (1.0 if x > 0 else 0.0)



def test_add_with_a_constant_or_frozen_operand_still_gives_the_variable_its_gradient():
    x = Value(np.arange(6.0).reshape(2, 3))
    ((x + 0.001) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    frozen = Value(np.ones((3,)), requires_grad=False)
    y = Value(np.ones((2, 1)))
    (y + frozen).sum().backward()
    np.testing.assert_array_equal(y.grad, np.full((2, 1), 3.0))
    assert not frozen.requires_grad


def test_pointwise_table_entry_is_a_registered_op_whose_backward_differentiates_again():
    """One `pointwise` line makes a full primitive: registered, its rule from the doc, first and
    second derivatives against autograd, from x or from the saved output y."""
    from tinygrad_edu import grad
    from tinygrad_edu.function import Function
    from tinygrad_edu.ops.unary import pointwise

    cube = pointwise("CubeOfX", lambda x: x**3, lambda x: 3 * x * x, "y = x^3;   dy/dx = 3 x^2.")
    expo = pointwise("ExpOfY", np.exp, lambda y: y, "y = e^x;   dy/dx = y.", of="y")
    try:
        assert Function.registry["cubeofx"] is cube and cube.rule() == "y = x^3; dy/dx = 3 x^2."
        assert expo.saves_output and not expo.saves_inputs and not cube.saves_output
        for op, ref in ((cube, lambda a: a**3), (expo, anp.exp)):
            compare(op.apply, ref, rand(1, (3, 4)))
            x = Value(rand(2, (5,)), requires_grad=True)
            (g,) = grad(op.apply(x).sum(), [x], create_graph=True)
            g.sum().backward()
            np.testing.assert_allclose(x.grad, autograd.elementwise_grad(autograd.elementwise_grad(ref))(x.data))
    finally:
        del Function.registry["cubeofx"], Function.registry["expofy"]
    with pytest.raises(ValueError, match="pointwise Bad: of must be"):
        pointwise("Bad", np.sin, np.cos, "", of="z")


def test_pointwise_with_a_domain_gives_nan_outside_it_without_a_warning():
    import warnings

    x = Value(np.array([0.5, 2.0, 1.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.asin()
        y.sum().backward()
    assert np.isnan(y.data[1]) and y.data[2] == np.pi / 2
    assert np.isnan(x.grad[1]) and np.isinf(x.grad[2])
    np.testing.assert_allclose(x.grad[0], 1 / np.sqrt(0.75))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_in_place_agrees_with_the_plain_formula_without_warnings(dtype):
    import warnings

    from tinygrad_edu import numerics

    x = (np.random.default_rng(0).standard_normal(10000) * 40).astype(dtype)
    x[:3] = [-1e4, 1e4, 0.0]
    with np.errstate(over="ignore"):  # the oracle: the textbook formula in float64 (e^1e4 = inf)
        ref = 1 / (1 + np.exp(-np.array(x, dtype=np.float64)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain, y = numerics.sigmoid(x), x.copy()
        assert numerics.sigmoid(y, out=y) is y
    normal = ref > np.finfo(dtype).tiny
    for got in (plain, y):
        assert got.dtype == dtype and got[0] == 0 and got[1] == 1 and got[2] == 0.5
        np.testing.assert_allclose(got[normal], ref[normal], rtol=40 * np.finfo(dtype).eps)
