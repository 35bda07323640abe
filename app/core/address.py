"""The site's own address, PUBLIC_BASE_URL: the links in its mail, and the domain
that names its messages (Message-ID) and calendar events (UID).

Mail links never come from the request: a request's Host header is whatever the
client sent, and a password-reset link built from it could point anywhere. Jobs
and commands have no request at all, and write the same links.
"""

from urllib.parse import urlsplit

from flask import current_app


def site_domain() -> str:
    """The host of PUBLIC_BASE_URL ("convene.example.org"), without scheme or port."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname


def calendar_domain() -> str:
    """The domain in calendar event UIDs: CALENDAR_UID_DOMAIN when set, else the site's.

    A calendar app matches events by UID, so this must not change once files are out:
    a site that moves keeps its old domain here, or every event appears twice.
    """
    return current_app.config["CALENDAR_UID_DOMAIN"] or site_domain()


def absolute_url(endpoint: str, **values) -> str:
    """A full URL on PUBLIC_BASE_URL, for mail and calendar files, with or without a
    request."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
