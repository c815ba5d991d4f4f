"""viz.web: the local web playground behind `tinygrad-edu serve` (needs the `web` extra: Flask).

    from viz.web import create_app
    create_app().run()   # or: tinygrad-edu serve --port 8000

Importing `viz` does not import this package (nor Flask).
"""

from .app import create_app

__all__ = ["create_app"]
