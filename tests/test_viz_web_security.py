"""Hostile requests against the playground: injection, oversized bodies, huge graphs, wrong types,
foreign Host headers (DNS rebinding) and cross-origin writes."""

from __future__ import annotations

import json
import pathlib
import re
import time

import pytest

pytest.importorskip("flask", reason="the web playground needs Flask (extra 'web')")

from viz.web import create_app  # noqa: E402
from viz.web.security import host_name  # noqa: E402

TANH = {"expr": "tanh(x*w + b)", "values": {"x": 2.0, "w": -3.0, "b": 6.88}}
WEB = pathlib.Path(__file__).resolve().parents[1] / "viz" / "web"



# ----------------------------------------------------------------------------- code injection

@pytest.mark.parametrize("expr", [
    "__import__('os').system('touch /tmp/pwned')",
    "x.__class__.__mro__",
    "open('/etc/passwd')",
    "eval('1+1')",
    "exec('import os')",
    "[c for c in ().__class__.__bases__]",
    "lambda: 1",
    "x if x else w",
    "'a' * 10",
    "x[0]",
    "globals()",
    "(x := 3)",
    "x; import os",
    "f'{x}'",
    "x.data",
    "tanh(x, alpha=__import__('os'))",
    "_x + 1",
])
@pytest.mark.parametrize("endpoint", ["/api/graph", "/api/graph/check"])
def test_code_injection_is_refused(client, expr, endpoint, tmp_path):
    r = client.post(endpoint, json={"expr": expr, "values": {"x": 1.0, "w": 2.0}})
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.get_json()["error"]
    assert not pathlib.Path("/tmp/pwned").exists()


def test_injection_in_variable_names_is_refused(client):
    for name in ("__class__", "x.y", "a b", "os.system", "1x", "x" * 50):
        r = client.post("/api/graph", json={"expr": "1", "values": {name: 1}})
        assert r.status_code == 400, name


def test_injection_in_steps_query_is_refused(client):
    r = client.get("/graph/steps", query_string={"expr": "__import__('os')", "vars": "x=1",
                                                 "t": client.application.config["PAGE_TOKEN"]})
    assert r.status_code == 400


def test_no_eval_exec_or_pickle_in_the_web_code():
    for path in WEB.rglob("*.py"):
        text = path.read_text()
        for bad in (r"(?<![.\w])eval\(", r"(?<![.\w])exec\(", "pickle", r"debug\s*=\s*True", "use_debugger"):
            assert not re.search(bad, text), f"{path.name} matches {bad}"  # model.eval() is fine
    for path in (WEB / "static").glob("*.js"):
        text = path.read_text()
        assert "eval(" not in text and "new Function" not in text, path.name


# ----------------------------------------------------------------------------- sizes

def test_oversized_body_is_413(client):
    big = {"expr": "x", "values": {"x": 1}, "pad": "a" * 200_000}
    r = client.post("/api/graph", json=big)
    assert r.status_code == 413 and "too large" in r.get_json()["error"]


def test_long_expression_is_refused(client):
    r = client.post("/api/graph", json={"expr": "x+" * 200 + "x", "values": {"x": 1}})
    assert r.status_code == 400 and "too long" in r.get_json()["error"]


def test_huge_graph_is_refused(client):
    # under the length limit but over the parser's term limit
    expr = "+".join(["x*x"] * 70)
    r = client.post("/api/graph", json={"expr": expr, "values": {"x": 1}})
    assert r.status_code == 400 and "too large" in r.get_json()["error"]


def test_graph_size_limit_of_the_web_side(client, monkeypatch):
    from viz.web import graph_lab

    monkeypatch.setitem(graph_lab.LIMITS, "graph_nodes", 10)
    r = client.post("/api/graph", json={"expr": "+".join(["x*x"] * 10), "values": {"x": 1}})
    assert r.status_code == 400 and "at most 10" in r.get_json()["error"]


@pytest.mark.parametrize("expr", ["x**1000000", "x**-1e9", "2**x**99999", "x**(10**400)"])
def test_huge_exponents_are_refused(client, expr):
    r = client.post("/api/graph", json={"expr": expr, "values": {"x": 2.0}})
    assert r.status_code == 400 and r.get_json()["error"]


def test_towers_of_powers_cost_nothing(client):
    # Values are floats: 9**(9**(9**9)) overflows to inf at once, nothing like Python's big ints
    start = time.monotonic()
    r = client.post("/api/graph/check", json={"expr": "9**9**9**9 + x", "values": {"x": 1.0}})
    assert r.status_code in (200, 400) and time.monotonic() - start < 5


def test_deep_nesting_is_refused_quickly(client):
    r = client.post("/api/graph", json={"expr": "(" * 140 + "x" + ")" * 140, "values": {"x": 1}})
    assert r.status_code in (200, 400)  # answered, no crash (the parser bounds the depth)
    r = client.post("/api/graph", json={"expr": "-" * 290 + "x", "values": {"x": 1}})
    assert r.status_code in (200, 400)


def test_too_many_variables(client):
    values = {f"v{i}": 1.0 for i in range(30)}
    r = client.post("/api/graph", json={"expr": "v0", "values": values})
    assert r.status_code == 400 and "too many variables" in r.get_json()["error"]


@pytest.mark.parametrize("vars_", ["W=[[NaN]]", "W=[[1e999]]", "W=[[\"__import__('os')\"]]", "W=" + "[" * 2000,
                                   "W=[[1,2],[3]]", "W=[" + ",".join(["1"] * 200) + "]", "W=[[1]]]"])
def test_hostile_matrices_in_the_steps_query_are_400(client, vars_):
    r = client.get("/graph/steps", query_string={"expr": "sum(W)", "vars": vars_,
                                                 "t": client.application.config["PAGE_TOKEN"]})
    assert r.status_code == 400 and r.get_data(as_text=True)


@pytest.mark.parametrize("expr", ["[__import__('os')] @ x", "[x.__class__]", "sum(x, axis=__import__('os'))",
                                  "x.T.__dict__", "[[1, 2], [3, 4]][0]", "[[1]*999]"])
def test_injection_through_matrices_is_refused(client, expr):
    r = client.post("/api/graph", json={"expr": expr, "values": {"x": [1.0, 2.0]}})
    assert r.status_code == 400 and r.get_json()["error"]
    assert not pathlib.Path("/tmp/pwned").exists()


# ----------------------------------------------------------------------------- wrong types

@pytest.mark.parametrize("payload", [
    [], "tanh(x)", 42, None,
    {"values": {"x": 1}},
    {"expr": 12, "values": {}},
    {"expr": ["x"], "values": {}},
    {"expr": "x", "values": [1, 2]},
    {"expr": "x", "values": {"x": "2"}},
    {"expr": "x", "values": {"x": True}},
    {"expr": "x", "values": {"x": None}},
    {"expr": "x", "values": {"x": [1, [2]]}},  # a vector [1, 2] is a value now; a ragged one is not
    {"expr": "x", "values": {"x": {"a": 1}}},
    {"expr": "x", "values": {"x": [[1, 2], ["3", 4]]}},
    {"expr": "x", "values": {"x": 1e300}},
    {"expr": "x", "values": {"x": 1}, "rankdir": "XX"},
    {"expr": "x", "values": {"x": 1}, "color_by_grad": "yes"},
    {"expr": "   ", "values": {}},
])
def test_wrong_types_are_400(client, payload):
    r = client.post("/api/graph", data=json.dumps(payload), content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]


@pytest.mark.parametrize("raw", ['{"expr": "x", "values": {"x": NaN}}', '{"expr": "x", "values": {"x": Infinity}}',
                                 '{"expr": "x", "values": {"x": 1}', "not json at all", ""])
def test_non_finite_and_malformed_json(client, raw):
    r = client.post("/api/graph", data=raw, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]


def test_form_posts_are_refused(client):
    # what a cross-site <form> can send without a CORS preflight
    r = client.post("/api/train", data={"epochs": "5"})
    assert r.status_code == 400 and "application/json" in r.get_json()["error"]
    r = client.post("/api/graph", data=json.dumps(TANH), content_type="text/plain")
    assert r.status_code == 400


# ----------------------------------------------------------------------------- Host and Origin

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "192.168.1.20:8000", "0.0.0.0:8000", "[::2]:8000"])
def test_foreign_host_header_is_refused(client, host):
    r = client.get("/api/health", headers={"Host": host})
    assert r.status_code == 403 and "DNS rebinding" in r.get_json()["error"]
    assert client.get("/graph", headers={"Host": host}).status_code == 403
    assert client.post("/api/graph", json=TANH, headers={"Host": host}).status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.1",
                                  "app.localhost:8000"])
def test_loopback_host_headers_are_accepted(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 200


def test_allowed_hosts_config_adds_a_name():
    app = create_app({"TESTING": True, "ALLOWED_HOSTS": {"classroom.lan"}})
    assert app.test_client().get("/api/health", headers={"Host": "classroom.lan:8000"}).status_code == 200


def test_host_name_parsing():
    assert host_name("[::1]:8000") == "::1"
    assert host_name("LocalHost.:80") == "localhost"
    assert host_name("127.0.0.1") == "127.0.0.1"


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "http://127.0.0.1:9999"},       # another local server is another origin
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
])
@pytest.mark.parametrize("path", ["/api/graph", "/api/train", "/api/race"])
def test_cross_origin_posts_are_refused(client, headers, path):
    r = client.post(path, json=TANH, headers={"Host": "localhost", **headers})
    assert r.status_code == 403 and "cross-origin" in r.get_json()["error"]


def test_cross_origin_stop_and_reset_are_refused(client):
    job = client.post("/api/train", json={"epochs": 500, "delay_ms": 100}).get_json()["id"]
    evil = {"Origin": "http://evil.example"}
    assert client.post(f"/api/train/{job}/stop", json={}, headers=evil).status_code == 403
    assert client.post(f"/api/train/{job}/reset", json={}, headers=evil).status_code == 403
    assert client.get(f"/api/train/{job}").get_json()["status"] in ("starting", "running")
    client.post(f"/api/train/{job}/stop", json={})


def test_same_origin_post_is_accepted(client):
    headers = {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    r = client.post("/api/graph/check", json=TANH, headers=headers)
    assert r.status_code == 200


def test_security_headers(client):
    r = client.get("/graph")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/health").headers["Cache-Control"] == "no-store"


def test_debugger_is_off_and_limits_are_set(app):
    assert app.debug is False
    assert app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024


# ----------------------------------------------------------------------------- the serve command

def test_serve_command_arguments():
    from tinygrad_edu.cli import main

    assert main(["serve", "--port", "70000"]) == 2
    assert main(["serve", "--port", "abc"]) == 2


def test_serve_defaults_to_loopback():
    import argparse

    from tinygrad_edu.cli import serve

    p = argparse.ArgumentParser()
    serve.add_arguments(p)
    args = p.parse_args([])
    assert args.host == "127.0.0.1" and args.port == 8000


def test_serve_make_server_binds_loopback_on_a_free_port():
    import threading
    import urllib.request

    from tinygrad_edu.cli.serve import make_server

    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/api/health", timeout=10) as resp:
            assert json.loads(resp.read())["ok"] is True
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
