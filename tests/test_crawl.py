"""Does every page of the demo site open, as every role and in every language, and is it
valid HTML?

Each demo role (and a visitor) walks every address of `tests.site_map` and every
link of the pages' navigation, in English, Spanish and Traditional Chinese
(tests/crawl.py). A page the role may not open answers 403 or 404, or sends to
the log-in page; no page may answer with a server error. Every HTML page is then
checked by the W3C Nu HTML checker (tests/html_checker.py), all in one run. The
browser's checks of the same pages are in tests/browser/test_crawl.py.
"""

import pytest

from tests.conftest import rolled_back
from tests.crawl import LANGUAGES, Visit, crawl, log_in, speak
from tests.html_checker import html_errors, unavailable_reason
from tests.site_map import ROLES, load_demo_site, unmapped_endpoints

#: Why HTML validity cannot be checked here (no Java, or no vnu.jar), if so.
CHECKER_MISSING = unavailable_reason()


@pytest.fixture(scope="module")
def walks(shared_app) -> dict[tuple[str, str], list[Visit]]:
    """What every page answered, by (role, language): one walk for the module's
    tests, on the demo data rolled back afterwards."""
    with rolled_back(shared_app) as guard:
        load_demo_site()
        found = {}
        for role in ROLES:
            client = shared_app.test_client()
            log_in(client, role)
            for lang in LANGUAGES:
                speak(client, role, lang)
                found[role, lang] = crawl(client, role)
    if guard.problems:
        pytest.fail("\n".join(guard.problems), pytrace=False)
    return found


def test_does_every_page_open_without_a_server_error(walks):
    errors = [
        f"{visit.url} as {role} in {lang}: {visit.status}"
        for (role, lang), visits in walks.items()
        for visit in visits
        if visit.status >= 500
    ]

    assert not errors, "server errors:\n" + "\n".join(errors)


def test_does_some_role_open_every_page(app):
    """Every GET route is on some demo role's walk, so no page escapes the crawl."""
    load_demo_site()

    with app.test_request_context():
        assert unmapped_endpoints() == set()


@pytest.mark.skipif(CHECKER_MISSING is not None, reason=str(CHECKER_MISSING))
def test_is_every_page_valid_html(walks):
    documents = {
        f"{visit.url} as {role} in {lang}": visit.body
        for (role, lang), visits in walks.items()
        for visit in visits
        if visit.is_page
    }

    errors = html_errors(documents)

    assert not errors, f"{len(errors)} HTML error(s) in {len(documents)} pages:\n" + "\n".join(
        errors
    )
