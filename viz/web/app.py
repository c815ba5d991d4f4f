"""The web playground's Flask app: three pages (graph lab, training lab, optimizer race) and the
JSON API under /api/ behind them.

    from viz.web import create_app
    app = create_app()            # then `tinygrad-edu serve` runs it on http://127.0.0.1:8000

API (every POST takes and every answer is JSON; bad input gets 400 and {"error": "..."}):

    GET  /api/health                   version, whether Graphviz's `dot` is installed
    POST /api/graph                    {expr, values, rankdir?, color_by_grad?} -> svg, output, grads
    POST /api/graph/check              {expr, values} -> analytic vs numeric gradient per variable
    GET  /graph/steps?expr=..&vars=x=2;w=-3   the animate_backward page (shown in an iframe)
    POST /api/train                    training settings -> {id}; the run starts in the background
    GET  /api/train/<id>?since=N       status, epochs from N on, decision boundary, layer diagnostics
    POST /api/train/<id>/stop          stop the run (the results stay)
    POST /api/train/<id>/reset         stop it and forget it
    GET  /api/race/options             test functions, optimizers, default learning rates
    POST /api/race                     {fn, optimizers: [{name, lr}], steps} -> contour grid and paths
"""

from __future__ import annotations

import shutil
from typing import Any

from flask import Flask, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from . import graph_lab, race, security, training
from .validate import ApiError, body

__all__ = ["create_app", "DEFAULT_CONFIG"]

DEFAULT_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,  # bytes; the largest honest request is well under 2 KB
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "MAX_RUNNING_JOBS": 2,            # training runs at once
    "MAX_JOBS": 8,                    # training runs kept (finished ones are forgotten first)
    "JOB_TIME_BUDGET": 120.0,         # seconds; a run over it is stopped
    "ALLOWED_HOSTS": set(),           # extra Host names besides the loopback ones
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
    jobs = training.JobManager(app.config["MAX_RUNNING_JOBS"], app.config["MAX_JOBS"],
                               float(app.config["JOB_TIME_BUDGET"]))
    app.extensions["tinygrad_edu_jobs"] = jobs
    _register_errors(app)
    _register_pages(app)
    _register_api(app, jobs)
    return app


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
        return render_template("graph.html", active="graph", limits=graph_lab.LIMITS)

    @app.get("/train")
    def train_page():
        return render_template("train.html", active="train", limits=training.LIMITS,
                               datasets=training.DATASETS, activations=training.ACTIVATIONS,
                               inits=training.INITS, optimizers=training.OPTIMIZERS,
                               defaults=training.TrainConfig())

    @app.get("/race")
    def race_page():
        return render_template("race.html", active="race", functions=race.FUNCTIONS,
                               optimizers=race.OPTIMIZERS, default_lr=race.DEFAULT_LR,
                               max_steps=race.MAX_STEPS)

    @app.get("/graph/steps")
    def steps_page():
        page = graph_lab.steps_page(graph_lab.parse_query(request.args))
        resp = app.response_class(page, mimetype="text/html")
        # The page is animate_backward's self-contained file (inline script and style). It is
        # shown in a sandboxed iframe of our own page and may load nothing from anywhere.
        resp.headers["Content-Security-Policy"] = ("default-src 'none'; script-src 'unsafe-inline'; "
                                                   "style-src 'unsafe-inline'; img-src data:; "
                                                   "frame-ancestors 'self'")
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp


def _register_api(app: Flask, jobs: training.JobManager) -> None:
    @app.get("/api/health")
    def health():
        from tinygrad_edu import __version__

        return jsonify(ok=True, version=__version__, graphviz=shutil.which("dot") is not None)

    @app.post("/api/graph")
    def graph():
        return jsonify(graph_lab.graph_answer(body(request)))

    @app.post("/api/graph/check")
    def graph_check():
        return jsonify(graph_lab.check_answer(body(request)))

    @app.post("/api/train")
    def train_start():
        config = training.parse_config(body(request))
        job = jobs.start(config)
        return jsonify(id=job.id, status=job.status), 202

    @app.get("/api/train/<job_id>")
    def train_status(job_id: str):
        since = _int_arg(request.args.get("since", "0"))
        return jsonify(jobs.get(job_id).snapshot(since))

    @app.post("/api/train/<job_id>/stop")
    def train_stop(job_id: str):
        job = jobs.get(job_id)
        job.stop()
        return jsonify(id=job.id, status="stopping" if job.running else job.status)

    @app.post("/api/train/<job_id>/reset")
    def train_reset(job_id: str):
        jobs.remove(job_id)
        return jsonify(id=job_id, status="reset")

    @app.get("/api/race/options")
    def race_options():
        return jsonify(functions=race.FUNCTIONS, optimizers=race.OPTIMIZERS, default_lr=race.DEFAULT_LR,
                       max_steps=race.MAX_STEPS)

    @app.post("/api/race")
    def race_run():
        return jsonify(race.run_race(body(request)))


def _int_arg(text: str) -> int:
    """A query-string integer (GET parameters are text)."""
    if not text.isdigit() or len(text) > 7:
        raise ApiError(f"'since' must be a whole number, got {text[:20]!r}")
    return int(text)
