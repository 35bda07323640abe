"""What every request and response passes through: input without NUL characters,
security headers, safe redirects, and stored web addresses that become links only
when they are web addresses."""

from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request, url_for
from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import BaseConverter

from app.core.templating import template_helpers


class TextParameters(ImmutableMultiDict):
    """Query and form values with NUL characters taken out: no one types them, and no
    PostgreSQL text column can hold one, so they must not reach a query."""

    def __init__(self, mapping=None):
        super().__init__(
            [
                (_without_nul(key), _without_nul(value))
                for key, value in iter_multi_items(mapping or ())
            ]
        )


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class Request(FlaskRequest):
    """Every request's query string and form, read through `TextParameters`."""

    parameter_storage_class = TextParameters


class TextConverter(BaseConverter):
    """A text part of an address (a slug, a code, a token) never holds a NUL character:
    an address with one names no page (404), rather than reaching a query."""

    regex = r"[^/\x00]+"


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no `//evil` or `/\\evil` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target and "\n" not in target


def is_web_address(url: str | None) -> bool:
    """Is `url` a full http or https address, with a host and without spaces or control
    characters? Only such an address is accepted as a website or joining link, and only
    a stored address that is one becomes a link (`href`): one saved before addresses were
    checked, or imported (`javascript:`, `data:`, ...) is shown as text."""
    if not url or any(char <= " " or char == "\x7f" for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # "https://[example.org": a bracket that opens no IPv6 address
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


template_helpers({"is_web_address": is_web_address})


def redirect_to_safe(target: str | None, default_endpoint: str = "site.index"):
    """Redirect to `target` if it is a path on this site, else to the default page."""
    return redirect(target if is_safe_next(target) else url_for(default_endpoint))


def init_app(app: Flask) -> None:
    """Called before the routes are registered: they are read with `TextConverter`."""
    app.request_class = Request
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.after_request(set_security_headers)
