"""The RQ worker's entry point: every queued job runs through `run_in_app`."""

from flask import has_app_context
from werkzeug.utils import import_string


def run_in_app(path: str, *args):
    """Import the job named `path` ("module:function") and run it inside an app context."""
    func = import_string(path)
    if has_app_context():
        return func(*args)
    from app import create_app

    with create_app().app_context():
        return func(*args)
