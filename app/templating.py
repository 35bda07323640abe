"""What every template can use: permission rules, languages, links, labels."""

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.i18n import html_lang
from app.permissions import TEMPLATE_RULES
from app.programmes.display import PROGRAMME_HELPERS

MESSAGE_STATUS_LABELS = {
    "pending": _l("pending"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
}


class _Rules:
    """`can.admin(current_user)` in a template calls `permissions.is_admin`."""

    def __getattr__(self, name):
        return TEMPLATE_RULES[name]


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (pagination, filters)."""
    args = {**request.view_args, **request.args.to_dict(), **changes}
    return url_for(request.endpoint, **args)


def status_label(status: str) -> str:
    return str(MESSAGE_STATUS_LABELS.get(status, status))


def template_globals() -> dict:
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return {
        "can": _Rules(),
        "languages": current_app.config["LANGUAGES"],
        "current_locale": locale,
        "html_lang": html_lang(locale),
        "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
    }


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(url_with=url_with, status_label=status_label)
    app.jinja_env.globals.update(PROGRAMME_HELPERS)
    app.context_processor(template_globals)
