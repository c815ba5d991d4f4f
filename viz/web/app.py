"""The web playground's Flask app: four pages (graph lab, training lab, CNN lab, optimizer race)
and the JSON API under /api/ behind them.

    from viz.web import create_app
    app = create_app()            # then `tinygrad-edu serve` runs it on http://127.0.0.1:8000

API (every POST takes and every answer is JSON; bad input gets 400 and {"error": "..."}):

    GET  /api/health                   version, whether Graphviz's `dot` is installed
    POST /api/graph                    {expr, values, rankdir?, color_by_grad?} -> svg, output, grads
                                       (values: numbers or small matrices as nested lists)
    POST /api/graph/check              {expr, values} -> analytic vs numeric gradient per variable
    POST /api/graph/derivative         {expr, values, wrt, rankdir?} -> the graph of dL/d(wrt) and, for a
                                       scalar, the second derivatives d2L/d(wrt)d(v)
    GET  /graph/steps?expr=..&vars=x=2;w=-3&t=TOKEN   the step-through page (shown in an iframe)
    POST /api/train                    training settings -> {id}; the run starts in the background
    GET  /api/train/<id>?since=N       status, epochs from N on, decision boundary, layer diagnostics
    POST /api/train/<id>/stop          stop the run (the results stay)
    POST /api/train/<id>/reset         stop it and forget it (also for CNN runs)
    POST /api/cnn                      {channels, epochs, lr, ...} -> {id}: train the digits CNN
    GET  /api/cnn/<id>?since=N         status, epochs, kernels, the test digits
    POST /api/cnn/<id>/inspect         {index} -> feature maps, pooling, gradients of one digit
    GET  /api/race/options             test functions, optimizers, default learning rates
    POST /api/race                     {fn, optimizers: [{name, lr}], steps} -> contour grid and paths

Graphviz runs are bounded (viz.render): RENDER_TIMEOUT seconds each (then `dot` is killed, and
also as soon as the client disconnects), MAX_RENDERS at once, of which RESERVED_RENDERS are kept
for small drawings (so a flood of expensive drawings is shed, 503, while the graph of a small
expression still draws at once), a byte-bounded cache of drawings and of step-through pages.
Nothing else waits for Graphviz: pages, polls and the numeric check never take a render slot.
"""

from __future__ import annotations

import select
import shutil
import socket
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from viz.render import ByteCache, RenderBusy, RenderCancelled, Renderer, RenderError, RenderTimeout

from . import cnn, graph_lab, jobs, race, security
from .validate import ApiError, body

__all__ = ["create_app", "DEFAULT_CONFIG"]

DEFAULT_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,  # bytes; the largest honest request is well under 2 KB
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "MAX_RUNNING_JOBS": 2,            # training runs at once
    "MAX_JOBS": 8,                    # training runs kept (finished ones are forgotten first)
    "JOB_TIME_BUDGET": 120.0,         # seconds; a run over it is stopped
    "ALLOWED_HOSTS": set(),           # extra Host names besides the loopback ones
    "MAX_RENDERS": 2,                 # Graphviz processes at once
    "RESERVED_RENDERS": 1,            # of them kept for small drawings (viz.render.CHEAP_EDGES)
    "RENDER_TIMEOUT": 8.0,            # seconds per Graphviz run, then it is killed
    "RENDER_QUEUE_TIMEOUT": 6.0,      # seconds a request waits for a free render slot, then 503
    "RENDER_CACHE_BYTES": 8 * 2**20,  # drawn SVGs kept
    "STEPS_CACHE_BYTES": 8 * 2**20,   # step-through pages kept
    "JSON_SORT_KEYS": False,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the playground app. `config` overrides DEFAULT_CONFIG keys (and any Flask key)."""
    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    app.config.update(config or {})
    app.debug = False  # never the interactive debugger: it executes code typed in the browser
    app.json.sort_keys = False
    security.install(app)
    manager = jobs.JobManager(app.config["MAX_RUNNING_JOBS"], app.config["MAX_JOBS"],
                              float(app.config["JOB_TIME_BUDGET"]))
    app.extensions["tinygrad_edu_jobs"] = manager
    app.extensions["tinygrad_edu_renderer"] = Renderer(app.config["MAX_RENDERS"], app.config["RENDER_CACHE_BYTES"],
                                                       app.config["RENDER_QUEUE_TIMEOUT"],
                                                       reserved=min(app.config["RESERVED_RENDERS"],
                                                                    app.config["MAX_RENDERS"] - 1))
    app.extensions["tinygrad_edu_steps"] = ByteCache(app.config["STEPS_CACHE_BYTES"])
    _register_errors(app)
    _register_pages(app)
    _register_api(app, manager)
    return app


def _client_gone(environ: dict) -> Callable[[], bool]:
    """A check that is true once the client has closed its connection (so work for it can stop).
    Uses the server's socket (Werkzeug puts it in the environ); without one, never true."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return lambda: False

    def gone() -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True
    return gone


def renderer_for(app: Flask) -> Callable[[str], str]:
    """render(dot_text) -> svg for this request: bounded, cancelled when the client leaves, and
    with Graphviz's failures as ApiErrors (503 busy or missing, 400 too costly to lay out)."""
    from viz.graph import GraphvizNotFound

    r: Renderer = app.extensions["tinygrad_edu_renderer"]
    timeout = float(app.config["RENDER_TIMEOUT"])
    cancelled = _client_gone(request.environ)

    def render(source: str) -> str:
        try:
            return r.render(source, "svg", timeout, cancelled).decode("utf-8")
        except GraphvizNotFound as e:
            raise ApiError(str(e), status=503) from None
        except RenderBusy as e:
            raise ApiError(str(e), status=503) from None
        except RenderTimeout as e:
            raise ApiError(str(e), status=400) from None
        except RenderCancelled as e:
            raise ApiError(str(e), status=400) from None
        except RenderError as e:
            raise ApiError(str(e), status=500) from None
    return render


def _error(message: str, status: int):
    resp = jsonify(error=message)
    resp.status_code = status
    return resp


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(e: ApiError):
        if request.path.startswith("/api/"):
            return _error(e.message, e.status)
        return e.message, e.status, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"] // 1024
            return _error(f"request too large (at most {limit} KB)", 413)
        if request.path.startswith("/api/"):
            return _error(f"{e.name}: {e.description}", e.code or 400)
        return e

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        # No traceback to the client; the server log has it.
        app.logger.exception("unexpected error on %s", request.path)
        return _error("internal error: the server could not answer this request", 500)


def _register_pages(app: Flask) -> None:
    @app.get("/")
    def index():
        return redirect(url_for("graph_page"))

    @app.get("/graph")
    def graph_page():
        return render_template("graph.html", active="graph", limits=graph_lab.LIMITS,
                               token=security.page_token(app))

    @app.get("/train")
    def train_page():
        return render_template("train.html", active="train", limits=jobs.LIMITS,
                               datasets=jobs.DATASETS, activations=jobs.ACTIVATIONS, features=jobs.FEATURES,
                               inits=jobs.INITS, optimizers=jobs.optimizer_names(), defaults=jobs.TrainConfig(),
                               knobs={n: [o["knob"], o["knob_default"]]
                                      for n, o in race.options()["optimizers"].items()})

    @app.get("/cnn")
    def cnn_page():
        return render_template("cnn.html", active="cnn", limits=cnn.LIMITS, defaults=cnn.CnnConfig())

    @app.get("/race")
    def race_page():
        return render_template("race.html", active="race", options=race.options())

    @app.get("/graph/steps")
    def steps_page():
        page = graph_lab.steps_page(graph_lab.parse_query(request.args), renderer_for(app),
                                    app.extensions["tinygrad_edu_steps"])
        resp = app.response_class(page, mimetype="text/html")
        # The page is animate_backward's self-contained file (inline script and style). It is
        # shown in a sandboxed iframe of our own page and may load nothing from anywhere.
        resp.headers["Content-Security-Policy"] = ("default-src 'none'; script-src 'unsafe-inline'; "
                                                   "style-src 'unsafe-inline'; img-src data:; "
                                                   "frame-ancestors 'self'")
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp

    @app.get("/assets/panzoom.js")
    def panzoom_js():
        # one pan/zoom script for the step-through page and the graph card (viz/templates/)
        from importlib import resources

        text = resources.files("viz").joinpath("templates", "panzoom.js").read_text(encoding="utf-8")
        return app.response_class(text, mimetype="text/javascript")


def _register_api(app: Flask, manager: jobs.JobManager) -> None:
    @app.get("/api/health")
    def health():
        from tinygrad_edu import __version__

        return jsonify(ok=True, version=__version__, graphviz=shutil.which("dot") is not None)

    @app.post("/api/graph")
    def graph():
        return jsonify(graph_lab.graph_answer(body(request), renderer_for(app)))

    @app.post("/api/graph/check")
    def graph_check():
        return jsonify(graph_lab.check_answer(body(request)))

    @app.post("/api/graph/derivative")
    def graph_derivative():
        return jsonify(graph_lab.derivative_answer(body(request), renderer_for(app)))

    @app.post("/api/train")
    def train_start():
        config = jobs.parse_config(body(request))
        job = manager.start(config)
        return jsonify(id=job.id, status=job.status), 202

    @app.get("/api/train/<job_id>")
    def train_status(job_id: str):
        since = _int_arg(request.args.get("since", "0"))
        return jsonify(manager.get(job_id).snapshot(since))

    @app.post("/api/train/<job_id>/stop")
    def train_stop(job_id: str):
        job = manager.get(job_id)
        job.stop()
        return jsonify(id=job.id, status="stopping" if job.running else job.status)

    @app.post("/api/train/<job_id>/reset")
    def train_reset(job_id: str):
        manager.remove(job_id)
        return jsonify(id=job_id, status="reset")

    @app.post("/api/cnn")
    def cnn_start():
        job = manager.start(cnn.parse_config(body(request)), cnn.CnnJob)
        return jsonify(id=job.id, status=job.status), 202

    @app.get("/api/cnn/<job_id>")
    def cnn_status(job_id: str):
        return jsonify(_cnn_job(job_id).snapshot(_int_arg(request.args.get("since", "0"))))

    @app.post("/api/cnn/<job_id>/inspect")
    def cnn_inspect(job_id: str):
        return jsonify(cnn.inspect(_cnn_job(job_id), body(request)))

    def _cnn_job(job_id: str) -> cnn.CnnJob:
        job = manager.get(job_id)
        if not isinstance(job, cnn.CnnJob):
            raise ApiError("no such CNN run", status=404)
        return job

    @app.get("/api/race/options")
    def race_options():
        return jsonify(race.options())

    @app.post("/api/race")
    def race_run():
        return jsonify(race.run_race(body(request)))


def _int_arg(text: str) -> int:
    """A query-string integer (GET parameters are text)."""
    if not text.isdigit() or len(text) > 7:
        raise ApiError(f"'since' must be a whole number, got {text[:20]!r}")
    return int(text)
