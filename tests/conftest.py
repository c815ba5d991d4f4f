"""Shared test settings (hypothesis profiles sized for a 2-core CI machine) and the web app fixtures."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture()
def app():
    """The web playground in testing mode; its background training jobs are stopped afterwards."""
    from viz.web import create_app  # lazily: only web tests need Flask

    app = create_app({"TESTING": True})
    yield app
    app.extensions["tinygrad_edu_jobs"].stop_all()


@pytest.fixture()
def client(app):
    return app.test_client()
