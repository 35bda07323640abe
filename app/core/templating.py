"""The one place template helpers are registered.

Each area's `words` module hands its helpers to `template_helpers()` when it is
imported; `init_app` makes them all Jinja globals. A name can be registered once:
a second helper under a name already taken is an error at start-up, so that no two
helpers mean the same under two names and no name means two things.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import get_locale

from app.core.i18n import html_lang, interface_language

_HELPERS: dict[str, Any] = {}


def template_helpers(helpers: dict[str, Any]) -> None:
    """Make each of `helpers` a template global under its name."""
    for name, helper in helpers.items():
        if name in _HELPERS and _HELPERS[name] is not helper:
            raise RuntimeError(f"template helper {name!r} is registered twice")
        _HELPERS[name] = helper


def template_rules(rules: dict[str, Callable[..., bool]]) -> None:
    """Permission rules for templates: `can.<name>(...)` calls `rules[name]`, so that a
    link is shown exactly when following it is allowed."""
    template_helpers({"can": SimpleNamespace(**rules)})


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (pagination, filters)."""
    args = {**request.view_args, **request.args.to_dict(), **changes}
    return url_for(request.endpoint, **args)


def request_globals() -> dict:
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return {
        "languages": current_app.config["LANGUAGES"],
        "current_locale": interface_language(locale),
        "html_lang": html_lang(locale),
        "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
    }


def datetime_attribute(moment: datetime) -> str:
    """A moment as the `datetime` of a `<time>` element: in UTC and to the second
    ("2026-03-14T10:00:00Z"). HTML allows at most three digits of a fraction of a
    second, and Python's isoformat() writes six."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


template_helpers({"url_with": url_with, "datetime_attribute": datetime_attribute})


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(_HELPERS)
    app.context_processor(request_globals)
