"""Does every page fit a phone and a desktop and pass axe, as every role and in every language?

For each demo role (and a visitor) and each language, the test client first walks
the site (tests/crawl.py) to find the pages the role may open; the browser then
opens one address of each of their routes on a 360px phone, audits it
(tests/browser/audit.py), widens the window to 1280px and audits it again. The
test client's walk, which sees every address, checks statuses and HTML validity
(tests/test_crawl.py).
"""

import pytest
from flask import current_app
from flask.testing import FlaskClient

from tests.browser.audit import (
    DESKTOP,
    LAYOUT_RULES,
    PHONE,
    axe_problems,
    fit_problems,
    preload_axe,
)
from tests.browser.conftest import PHONE_OPTIONS, open_page
from tests.crawl import LANGUAGES, Visit, crawl, log_in, speak
from tests.site_map import ROLES, load_demo_site

pytestmark = pytest.mark.browser


def one_per_route(visits: list[Visit]) -> list[Visit]:
    """The first page of each route the role may open."""
    pages: dict[str, Visit] = {}
    for visit in visits:
        if visit.is_page:
            pages.setdefault(visit.endpoint, visit)
    return list(pages.values())


def share_session(client: FlaskClient, context, base_url: str) -> None:
    """Give the browser the test client's session: its account and its language."""
    name = current_app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    context.clear_cookies()
    context.add_cookies([{"name": name, "value": cookie.value, "url": base_url}])


def audit(page, url: str, name: str) -> list[str]:
    """The page's problems on a phone, then on a desktop: one load, two widths.

    The document is the same at both widths, and no page hides anything at one width
    only, so the full axe audit runs on the phone, and on the desktop only the rules
    whose outcome depends on the layout run again.
    """
    page.set_viewport_size(PHONE)
    response = page.goto(url)
    if response.status != 200:
        return [f"{name}: answered {response.status} in the browser"]
    phone, desktop = f"{name} at {PHONE['width']}px", f"{name} at {DESKTOP['width']}px"
    problems = fit_problems(page, phone) + axe_problems(page, phone)
    page.set_viewport_size(DESKTOP)
    return problems + fit_problems(page, desktop) + axe_problems(page, desktop, LAYOUT_RULES)


#: An admin's hundred-odd pages take a minute on a quiet machine.
@pytest.mark.timeout(400)
@pytest.mark.parametrize("role", ROLES)
def test_does_every_page_fit_and_pass_axe(app, browser, live_server, role):
    load_demo_site()
    client = app.test_client()
    log_in(client, role)
    context, page = open_page(browser, live_server, **PHONE_OPTIONS)
    preload_axe(context)
    problems = []
    try:
        for lang in LANGUAGES:
            speak(client, role, lang)
            visits = crawl(client, role)
            share_session(client, context, live_server)
            for visit in one_per_route(visits):
                problems += audit(page, visit.url, f"{visit.url} as {role} in {lang}")
    finally:
        context.close()

    assert not problems, f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)
