"""The playground's JSON API through Flask's test client: every endpoint, good and bad input."""

from __future__ import annotations

import html
import math
import time

import numpy as np
import pytest

flask = pytest.importorskip("flask", reason="the web playground needs Flask (extra 'web')")

from viz.web import create_app  # noqa: E402

needs_dot = pytest.mark.skipif(__import__("shutil").which("dot") is None, reason="Graphviz's dot is not installed")

TANH = {"expr": "tanh(x*w + b)", "values": {"x": 2.0, "w": -3.0, "b": 6.88}}



def wait_done(client, job_id: str, timeout: float = 30.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        snap = client.get(f"/api/train/{job_id}").get_json()
        if snap["status"] not in ("starting", "running"):
            return snap
        time.sleep(0.05)
    raise AssertionError(f"training run {job_id} did not finish in {timeout} s")


# ----------------------------------------------------------------------------- pages

@pytest.mark.parametrize("path", ["/graph", "/train", "/race"])
def test_pages_render_with_local_assets_only(client, path):
    r = client.get(path)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "tinygrad_edu" in page and "/static/common.js" in page
    assert "http://" not in page and "https://" not in page  # no CDN, nothing from the internet
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_index_redirects_to_graph_lab(client):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/graph")


@pytest.mark.parametrize("name", ["style.css", "common.js", "graph.js", "train.js", "race.js", "charts.js"])
def test_static_files(client, name):
    assert client.get(f"/static/{name}").status_code == 200


def test_health(client):
    j = client.get("/api/health").get_json()
    assert j["ok"] is True and "version" in j and isinstance(j["graphviz"], bool)


# ----------------------------------------------------------------------------- graph lab

@needs_dot
def test_graph_returns_svg_and_gradients(client):
    r = client.post("/api/graph", json=TANH)
    assert r.status_code == 200
    j = r.get_json()
    assert j["svg"].startswith("<svg")
    assert j["output"]["data"] == pytest.approx(0.7064193, abs=1e-6)
    t = 1 - 0.7064193203972352 ** 2
    assert j["grads"] == pytest.approx({"x": -3 * t, "w": 2 * t, "b": t})
    shown = html.unescape(j["svg"])  # Graphviz writes '-' as &#45;
    for text in ("grad -1.5029", "grad 1.0019", "grad 0.5010"):
        assert text in shown


@needs_dot
def test_graph_options_and_unused_variables(client):
    r = client.post("/api/graph", json={"expr": "x*x", "values": {"x": 3, "unused": 1},
                                        "rankdir": "TB", "color_by_grad": True})
    j = r.get_json()
    assert r.status_code == 200 and j["grads"] == {"x": 6.0} and j["missing"] == ["unused"]


@needs_dot
def test_graph_constant_expression_has_no_gradients(client):
    j = client.post("/api/graph", json={"expr": "2 + 3*pi", "values": {}}).get_json()
    assert j["grads"] == {} and j["output"]["data"] == pytest.approx(2 + 3 * 3.141592653589793)


@needs_dot
def test_graph_non_finite_results_are_valid_json(client):
    r = client.post("/api/graph", json={"expr": "log(x)", "values": {"x": 0}})
    assert r.status_code == 200
    j = r.get_json()  # would fail on a bare NaN/Infinity token
    assert j["output"]["data"] == "-inf"


def test_check_numerically_matches(client):
    j = client.post("/api/graph/check", json=TANH).get_json()
    # the order the expression names them (and the page lists them), not the graph's reverse order
    assert j["ok"] is True and [r["name"] for r in j["rows"]] == ["x", "w", "b"]
    for row in j["rows"]:
        assert row["abs_error"] < 1e-6 and row["ok"]


def test_check_numerically_flags_a_kink(client):
    # relu at exactly 0: backward takes the subgradient 0, central differences give 0.5
    j = client.post("/api/graph/check", json={"expr": "relu(x)", "values": {"x": 0.0}}).get_json()
    assert j["ok"] is False and j["rows"][0]["numeric"] == pytest.approx(0.5)


def test_check_needs_a_variable(client):
    r = client.post("/api/graph/check", json={"expr": "1 + 2", "values": {}})
    assert r.status_code == 400 and "no variable" in r.get_json()["error"]


@needs_dot
def test_steps_page_is_the_animation(client):
    token = client.application.config["PAGE_TOKEN"]
    r = client.get("/graph/steps", query_string={"expr": "tanh(x*w + b)", "vars": "x=2;w=-3;b=6.88", "t": token})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "<svg" in page and "Frame" in page and "<script src" not in page  # self-contained
    assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("query", [{"expr": "x*", "vars": "x=1"}, {"expr": "x", "vars": "x=abc"},
                                   {"expr": "x", "vars": "x"}, {"expr": "2*3", "vars": ""}])
def test_steps_page_bad_input(client, query):
    r = client.get("/graph/steps", query_string={**query, "t": client.application.config["PAGE_TOKEN"]})
    assert r.status_code == 400 and r.get_data(as_text=True)


# ----------------------------------------------------------------------------- graph lab: tensors

W0, X0 = [[0.5, -1.0], [2.0, 0.3]], [1.0, -2.0]
TENSOR = {"expr": "sum(tanh(W @ x))", "values": {"W": W0, "x": X0}}


def _autograd():
    ag = pytest.importorskip("autograd", reason="HIPS autograd is the test oracle (dev extra)")
    import autograd.numpy as anp

    return ag, anp


@needs_dot
def test_tensor_graph_gradients_match_hips_autograd(client):
    ag, anp = _autograd()
    r = client.post("/api/graph", json=TENSOR)
    assert r.status_code == 200, r.get_json()
    j = r.get_json()

    def f(W, x):
        return anp.sum(anp.tanh(anp.dot(W, x)))

    W, x = np.array(W0), np.array(X0)
    assert j["output"] == {"name": "L", "data": pytest.approx(float(f(W, x))), "shape": []}
    assert j["order"] == ["W", "x"] and j["shapes"] == {"W": [2, 2], "x": [2]}
    np.testing.assert_allclose(j["grads"]["W"], ag.grad(f, 0)(W, x), rtol=1e-12)
    np.testing.assert_allclose(j["grads"]["x"], ag.grad(f, 1)(W, x), rtol=1e-12)
    shown = html.unescape(j["svg"])
    # one name per node, entries drawn: W's gradient row by row
    assert "W @ x" in shown and "tanh(W @ x)" in shown and "data, shape (2, 2)" in shown
    dW = ag.grad(f, 0)(W, x)
    rows = shown.replace("\u00a0", " ")  # Graphviz keeps runs of spaces as no-break spaces
    for row in dW:
        assert f"[{row[0]:7.4f}  {row[1]:7.4f}]" in rows, rows


@needs_dot
def test_a_tensor_output_is_differentiated_as_its_sum_and_says_so(client):
    j = client.post("/api/graph", json={"expr": "W @ x", "values": {"W": W0, "x": X0}}).get_json()
    assert j["output"]["shape"] == [2] and j["output"]["data"] == pytest.approx([2.5, 1.4])
    # d sum(W x)/dW_ij = x_j; d/dx_j = sum_i W_ij (by hand)
    assert j["grads"]["W"] == [[1.0, -2.0], [1.0, -2.0]] and j["grads"]["x"] == pytest.approx([2.5, -0.7])
    assert "sum(L)" in j["note"] and "(2,)" in j["note"]


def test_tensor_check_matches_finite_differences(client):
    j = client.post("/api/graph/check", json={"expr": "mean((W @ x - t) ** 2)",
                                              "values": {"W": W0, "x": X0, "t": [1.0, 0.0]}}).get_json()
    assert j["ok"] is True and [r["name"] for r in j["rows"]] == ["W", "x", "t"]
    W, x, t = np.array(W0), np.array(X0), np.array([1.0, 0.0])
    e = W @ x - t  # d mean(e^2)/dW = outer(e, x), /dx = W^T e, /dt = -e (the mean of 2 entries halves 2e)
    np.testing.assert_allclose(j["rows"][0]["numeric"], np.outer(e, x), atol=1e-6)
    np.testing.assert_allclose(j["rows"][1]["analytic"], W.T @ e, rtol=1e-12)
    np.testing.assert_allclose(j["rows"][2]["analytic"], -e, rtol=1e-12)
    assert j["rows"][0]["shape"] == [2, 2] and j["rows"][0]["value"] == W0
    assert all(r["abs_error"] < 1e-6 for r in j["rows"])


def test_check_of_a_tensor_output_checks_its_sum(client):
    j = client.post("/api/graph/check", json={"expr": "tanh(W) @ x", "values": {"W": W0, "x": X0}}).get_json()
    assert j["ok"] is True
    np.testing.assert_allclose(j["rows"][1]["numeric"], np.tanh(np.array(W0)).sum(0), atol=1e-6)


@pytest.mark.parametrize("expr, words", [
    ("W @ y", ["@", "(2, 2)", "(3,)", "inner sizes 2 and 3"]),
    ("W + y", ["+", "(2, 2)", "(3,)", "broadcast"]),
    ("sum(W, 2)", ["sum()", "axis 2", "(2, 2)"]),
    ("W @ 2", ["@", "number on the right"]),
])
def test_shape_mistakes_are_400_naming_the_op_and_shapes(client, expr, words):
    r = client.post("/api/graph", json={"expr": expr, "values": {"W": W0, "y": [1.0, 2.0, 3.0]}})
    assert r.status_code == 400
    for w in words:
        assert w in r.get_json()["error"]


@pytest.mark.parametrize("value, word", [
    ([[1, 2], [3]], "different lengths"), ([[[1]]], "2 levels"), ([], "empty"), ([[]], "empty"),
    ([1, [2]], "mixes"), ([1, "2"], "finite number"), ([True], "finite number"), ([1e7], "too large"),
    ([None], "finite number"), ([[1] * 9] * 8, "more than 64 entries"),
])
def test_bad_matrix_values_are_400(client, value, word):
    r = client.post("/api/graph", json={"expr": "sum(W)", "values": {"W": value}})
    assert r.status_code == 400 and word in r.get_json()["error"], r.get_json()


def test_too_many_entries_in_all_variables_are_400(client):
    r = client.post("/api/graph/check", json={"expr": "sum(A) + sum(B)", "values": {"A": [[1] * 8] * 5,
                                                                                   "B": [[1] * 8] * 4}})
    assert r.status_code == 400 and "64 entries" in r.get_json()["error"]


@needs_dot
def test_steps_page_takes_matrices(client):
    token = client.application.config["PAGE_TOKEN"]
    r = client.get("/graph/steps", query_string={"expr": "sum(tanh(W @ x))", "vars": "W=[[0.5,-1],[2,0.3]];x=[1,-2]",
                                                 "t": token})
    assert r.status_code == 200 and "<svg" in r.get_data(as_text=True)
    bad = client.get("/graph/steps", query_string={"expr": "sum(W)", "vars": "W=[[1,2],[3]]", "t": token})
    assert bad.status_code == 400 and "different lengths" in bad.get_data(as_text=True)
    deep = client.get("/graph/steps", query_string={"expr": "sum(W)", "vars": "W=" + "[" * 300 + "]" * 300,
                                                    "t": token})
    assert deep.status_code == 400


# ----------------------------------------------------------------------------- graph lab: the derivative's graph

@needs_dot
def test_derivative_graph_of_tanh_gives_the_closed_form_second_derivative(client):
    r = client.post("/api/graph/derivative", json={"expr": "tanh(x)", "values": {"x": 0.5}, "wrt": "x"})
    assert r.status_code == 200, r.get_json()
    j = r.get_json()
    t = math.tanh(0.5)
    assert j["name"] == "dL/dx" and j["derivative"] == {"data": pytest.approx(1 - t * t), "shape": []}
    assert j["second"] == {"x": pytest.approx(-2 * t * (1 - t * t))}
    shown = html.unescape(j["svg"])
    assert "dL/dx" in shown and f"data {1 - t * t:.4f}" in shown and f"grad {-2 * t * (1 - t * t):.4f}" in shown


@needs_dot
def test_derivative_graph_second_derivatives_match_hips_autograd(client):
    ag, anp = _autograd()
    values = {"x": 2.0, "w": -3.0, "b": 0.5}
    for wrt in ("x", "w", "b"):
        j = client.post("/api/graph/derivative", json={"expr": "tanh(x*w + b) * x", "values": values,
                                                       "wrt": wrt}).get_json()

        def f(x, w, b):
            return anp.tanh(x * w + b) * x

        args = (values["x"], values["w"], values["b"])
        k = "xwb".index(wrt)
        assert j["derivative"]["data"] == pytest.approx(ag.grad(f, k)(*args), rel=1e-12)
        assert j["order"] == ["x", "w", "b"]
        for i, name in enumerate("xwb"):  # a row of the Hessian
            want = ag.grad(ag.grad(f, k), i)(*args)
            assert j["second"][name] == pytest.approx(want, rel=1e-10, abs=1e-12), (wrt, name)


@needs_dot
def test_derivative_graph_of_a_matrix(client):
    ag, anp = _autograd()
    j = client.post("/api/graph/derivative", json={**TENSOR, "wrt": "W"}).get_json()
    W, x = np.array(W0), np.array(X0)
    want = ag.grad(lambda W: anp.sum(anp.tanh(anp.dot(W, x))))(W)
    assert j["derivative"]["shape"] == [2, 2]
    np.testing.assert_allclose(j["derivative"]["data"], want, rtol=1e-12)
    assert j["second"] == {} and "Hessian" in j["note"]
    assert "dL/dW" in html.unescape(j["svg"])


@needs_dot
def test_derivative_of_a_linear_expression_is_constant(client):
    j = client.post("/api/graph/derivative", json={"expr": "3*x + y", "values": {"x": 1, "y": 2},
                                                   "wrt": "x"}).get_json()
    assert j["derivative"]["data"] == 3.0 and j["second"] == {"x": 0.0, "y": 0.0}


@pytest.mark.parametrize("payload, word", [
    ({"expr": "x*y", "values": {"x": 1, "y": 2}, "wrt": "z"}, "'wrt' must be a variable"),
    ({"expr": "x*y", "values": {"x": 1, "y": 2}, "wrt": 3}, "'wrt' must be a string"),
    ({"expr": "2 + 3", "values": {}, "wrt": "x"}, "no variable"),
    ({"expr": "x*", "values": {"x": 1}, "wrt": "x"}, "syntax"),
])
def test_derivative_bad_input(client, payload, word):
    r = client.post("/api/graph/derivative", json=payload)
    assert r.status_code == 400 and word in r.get_json()["error"]


# ----------------------------------------------------------------------------- training lab

def test_training_run_learns_moons(client):
    r = client.post("/api/train", json={"dataset": "moons", "epochs": 40, "delay_ms": 0, "seed": 1})
    assert r.status_code == 202
    snap = wait_done(client, r.get_json()["id"])
    assert snap["status"] == "done" and snap["n_epochs"] == 40
    last = snap["epochs"][-1]
    assert last["val_accuracy"] > 0.9 and last["loss"] < snap["epochs"][0]["loss"]
    assert len(last["grad_norms"]) == 3
    assert [row["layer"] for row in snap["layers"]] == ["0", "2", "4"]
    assert all(row["verdict"] in ("healthy", "vanishing", "exploding", "saturated", "dead") for row in snap["layers"])
    b = snap["boundary"]
    assert b["n"] == 60 and len(b["probs"]) == 2 and len(b["probs"][0]) == 60 * 60
    assert len(snap["points"]["x"]) + len(snap["points"]["x_test"]) == 400


def test_training_poll_since_returns_only_new_epochs(client):
    job = client.post("/api/train", json={"epochs": 5, "delay_ms": 0}).get_json()["id"]
    wait_done(client, job)
    snap = client.get(f"/api/train/{job}?since=3").get_json()
    assert [e["epoch"] for e in snap["epochs"]] == [4, 5] and snap["points"] is None


@pytest.mark.parametrize("dataset,classes", [("spirals", 2), ("blobs", 3)])
def test_training_other_2d_sets(client, dataset, classes):
    job = client.post("/api/train", json={"dataset": dataset, "epochs": 3, "delay_ms": 0,
                                          "activation": "relu", "batchnorm": True, "dropout": 0.1,
                                          "optimizer": "momentum", "init": "he"}).get_json()["id"]
    snap = wait_done(client, job)
    assert snap["status"] == "done" and len(snap["boundary"]["probs"]) == classes


def test_training_digits_has_no_boundary(client):
    job = client.post("/api/train", json={"dataset": "digits", "hidden": [32], "epochs": 2, "delay_ms": 0,
                                          "batch_size": 128, "optimizer": "adam"}).get_json()["id"]
    snap = wait_done(client, job)
    assert snap["status"] == "done" and snap["boundary"] is None and snap["points"] is None
    g = snap["gallery"]  # instead of a boundary: test digits and the network's reading of them
    assert len(g["images"]) == len(g["labels"]) == len(snap["predicted"]) == 24 and g["side"] == 8
    assert len(g["images"][0]) == 64 and all(0 <= p <= 9 for p in snap["predicted"])


def test_training_stop_and_reset(client):
    job = client.post("/api/train", json={"epochs": 500, "delay_ms": 200}).get_json()["id"]
    time.sleep(0.3)
    r = client.post(f"/api/train/{job}/stop", json={})
    assert r.status_code == 200
    snap = wait_done(client, job, timeout=5)
    assert snap["status"] == "stopped" and snap["n_epochs"] < 500
    assert client.post(f"/api/train/{job}/reset", json={}).get_json()["status"] == "reset"
    r = client.get(f"/api/train/{job}")
    assert r.status_code == 404 and "no such training run" in r.get_json()["error"]


def test_training_concurrency_is_bounded(client):
    ids = [client.post("/api/train", json={"epochs": 500, "delay_ms": 500}).get_json()["id"] for _ in range(2)]
    r = client.post("/api/train", json={"epochs": 5})
    assert r.status_code == 429 and "already" in r.get_json()["error"]
    for job in ids:
        client.post(f"/api/train/{job}/stop", json={})


def test_training_time_budget_stops_a_run():
    app = create_app({"TESTING": True, "JOB_TIME_BUDGET": 0.3})
    client = app.test_client()
    job = client.post("/api/train", json={"epochs": 500, "delay_ms": 50}).get_json()["id"]
    snap = wait_done(client, job, timeout=10)
    assert snap["status"] == "timeout" and "time budget" in snap["message"] and snap["n_epochs"] < 500


def test_finished_runs_are_forgotten_first():
    app = create_app({"TESTING": True, "MAX_JOBS": 2})
    client = app.test_client()
    ids = []
    for _ in range(3):
        ids.append(client.post("/api/train", json={"epochs": 1, "delay_ms": 0}).get_json()["id"])
        wait_done(client, ids[-1])
    assert client.get(f"/api/train/{ids[0]}").status_code == 404
    assert client.get(f"/api/train/{ids[2]}").status_code == 200


@pytest.mark.parametrize("payload,word", [
    ({"dataset": "../../etc/passwd"}, "dataset"),
    ({"dataset": "mnist"}, "dataset"),
    ({"hidden": [16] * 7}, "hidden"),
    ({"hidden": [100000]}, "hidden"),
    ({"hidden": [128, 128, 128, 128, 128]}, "parameters"),
    ({"hidden": "16,16"}, "hidden"),
    ({"hidden": [0]}, "hidden"),
    ({"epochs": 10**9}, "epochs"),
    ({"epochs": 0}, "epochs"),
    ({"epochs": 2.5}, "epochs"),
    ({"epochs": True}, "epochs"),
    ({"lr": 0}, "lr"),
    ({"lr": -1}, "lr"),
    ({"lr": "0.1"}, "lr"),
    ({"batch_size": 10**6}, "batch_size"),
    ({"dropout": 1.0}, "dropout"),
    ({"activation": "__import__('os')"}, "activation"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"batchnorm": "yes"}, "batchnorm"),
    ({"samples": 10**7}, "samples"),
])
def test_training_bad_settings(client, payload, word):
    r = client.post("/api/train", json=payload)
    assert r.status_code == 400
    assert word in r.get_json()["error"]


def test_training_unknown_run(client):
    for r in (client.get("/api/train/nope"), client.post("/api/train/nope/stop", json={}),
              client.post("/api/train/nope/reset", json={})):
        assert r.status_code == 404
    assert client.get("/api/train/x?since=-1").status_code in (400, 404)


# ----------------------------------------------------------------------------- optimizer race

def test_race_paths(client):
    r = client.post("/api/race", json={"fn": "quadratic", "steps": 200,
                                       "optimizers": [{"name": "adam", "lr": 0.1}, {"name": "sgd"}]})
    assert r.status_code == 200
    j = r.get_json()
    assert j["grid"] ** 2 == len(j["z"]) and j["minimum"] == [1.0, -2.0]
    assert [p["name"] for p in j["paths"]] == ["adam", "sgd"]
    for p in j["paths"]:
        assert p["points"][0] == j["start"] and len(p["points"]) == 201 and p["distance"] < 0.05


def test_race_divergence_is_reported(client):
    j = client.post("/api/race", json={"fn": "rosenbrock", "optimizers": [{"name": "sgd", "lr": 1.0}]}).get_json()
    assert j["paths"][0]["status"] == "diverged"


def test_race_options(client):
    j = client.get("/api/race/options").get_json()
    assert set(j["functions"]) == {"rosenbrock", "beale", "saddle", "quadratic"} and "adam" in j["optimizers"]


@pytest.mark.parametrize("payload", [
    {"fn": "os.system", "optimizers": [{"name": "adam"}]},
    {"fn": "rosenbrock", "optimizers": []},
    {"fn": "rosenbrock", "optimizers": "adam"},
    {"fn": "rosenbrock", "optimizers": [{"name": "lbfgs"}]},
    {"fn": "rosenbrock", "optimizers": [{"name": "adam"}, {"name": "adam"}]},
    {"fn": "rosenbrock", "optimizers": [{"name": "adam", "lr": -1}]},
    {"fn": "rosenbrock", "optimizers": [{"name": "adam"}], "steps": 10**6},
    {"fn": "rosenbrock", "optimizers": [{"name": "adam"}], "steps": "100"},
])
def test_race_bad_input(client, payload):
    r = client.post("/api/race", json=payload)
    assert r.status_code == 400 and r.get_json()["error"]


# ----------------------------------------------------------------------------- errors in general

def test_unknown_api_path_is_json_404(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and "error" in r.get_json()


def test_wrong_method_is_json_405(client):
    r = client.get("/api/graph")
    assert r.status_code == 405 and "error" in r.get_json()


def test_internal_error_hides_the_traceback(client, monkeypatch):
    from viz.web import graph_lab

    def boom(d):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(graph_lab, "graph_answer", boom)
    r = client.post("/api/graph", json=TANH)
    assert r.status_code == 500
    text = r.get_data(as_text=True)
    assert "secret detail" not in text and "Traceback" not in text


@needs_dot
def test_missing_graphviz_is_a_clear_503(client, monkeypatch):
    import viz.graph

    monkeypatch.setattr(viz.graph.shutil, "which", lambda name: None)
    r = client.post("/api/graph", json=TANH)
    assert r.status_code == 503 and "Graphviz" in r.get_json()["error"]
