"""Walking the demo site as one role, in one language, with the test client.

`crawl(client, role)` opens every address `tests.site_map` lists for the role,
and every link in the navigation (`<nav>`) of each page it finds, and returns
what each answered. The walking tests then look at those answers
(tests/test_crawl.py) or open the pages in a browser (tests/browser/test_crawl.py).
"""

import re
from collections import deque
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app.extensions import db
from tests.conftest import AuthActions
from tests.site_map import SitePage, demo_user, site_pages

#: The site's languages, each as the app names it.
LANGUAGES = ("en", "es", "zh_Hant")
#: Query arguments that change no page's content: where a log-in page sends on to.
NOT_CONTENT = {"next"}


@dataclass(frozen=True)
class Visit:
    """One address opened, and what it answered."""

    endpoint: str
    url: str
    status: int
    mimetype: str
    body: bytes

    @property
    def is_page(self) -> bool:
        """An HTML page the role may open (not a redirect, a refusal or a file)."""
        return self.status == 200 and self.mimetype == "text/html"


#: The site's `<nav>` elements hold no other `<nav>`, and every attribute is quoted.
NAV = re.compile(r"<nav\b.*?</nav>", re.DOTALL)
HREF = re.compile(r'<a\b[^>]*?\shref="([^"]*)"')


def nav_links(html: str) -> list[str]:
    """The addresses of the links inside a page's `<nav>` elements."""
    return [unescape(href) for nav in NAV.findall(html) for href in HREF.findall(nav)]


def as_site_page(href: str) -> SitePage | None:
    """A link as an address of this site with the route it opens; None for another site's."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in NOT_CONTENT])
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _arguments = adapter.match(parts.path, method="GET")
    except RequestRedirect as redirect:
        endpoint = f"(redirect to {redirect.new_url})"
    except HTTPException:
        endpoint = "(no route)"
    return SitePage(endpoint, f"{parts.path}?{query}" if query else parts.path)


def log_in(client: FlaskClient, role: str) -> None:
    """Sign the client in as the role's demo account (a visitor stays signed out)."""
    user = demo_user(role)
    if user is not None:
        AuthActions(client).login_as(user)


def speak(client: FlaskClient, role: str, lang: str) -> None:
    """Have the client's next pages come in `lang`: the demo account's own setting
    (which comes first), or for a visitor the visit's `?lang=` choice."""
    user = demo_user(role)
    if user is None:
        with client.get(f"/?lang={lang}"):
            pass
    else:
        user.locale = lang
        db.session.commit()


def crawl(client: FlaskClient, role: str) -> list[Visit]:
    """Every page of the role's walk, and of its pages' navigation, with its answer.

    Called in an application context after `tests.site_map.load_demo_site()`.
    """
    with current_app.test_request_context():
        queue = deque(site_pages(role))
    seen = {page.url for page in queue}
    visits = []
    while queue:
        page = queue.popleft()
        with client.get(page.url) as response:
            visit = Visit(
                page.endpoint,
                page.url,
                response.status_code,
                response.mimetype,
                response.get_data(),
            )
        visits.append(visit)
        if not visit.is_page:
            continue
        for href in nav_links(visit.body.decode()):
            found = as_site_page(href)
            if found is not None and found.url not in seen:
                seen.add(found.url)
                queue.append(found)
    return visits
