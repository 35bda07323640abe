"""Error pages in the site's own style (JSON for the health check)."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (
        _l("You do not have access to this page"),
        _l("If you think you should, ask the programme's organisers."),
    ),
    404: (
        _l("Page not found"),
        _l("The page may have moved, or the link may be mistyped."),
    ),
    405: (_l("That action is not allowed here"), _l("Please go back and try again.")),
    413: (
        _l("That upload is too large"),
        _l("Images can be at most 2 MB. Please go back and choose a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("For your security, please wait a minute before trying again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("We have been told about it. Please try again in a moment."),
    ),
}


def render_error(code: int, detail: str | None = None):
    title, advice = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/healthz"):
        return jsonify(error=str(title)), code
    return render_template(
        "errors/error.html", code=code, title=title, advice=detail or advice
    ), code


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    return render_error(
        400, str(_l("The form had expired or was sent from elsewhere. Please try again."))
    )


def handle_server_error(error: InternalServerError):
    db.session.rollback()
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_error)
