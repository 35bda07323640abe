"""Do the pages pass an automated accessibility audit (axe-core), on desktop and on a phone?

Each test opens a group of pages in headless Chromium and runs axe-core on each.
A violation of impact "serious" or "critical" fails the test; the failure lists
every such violation with its rule id, impact, help text and the elements
concerned, so that it can be fixed without re-running anything. On the phone,
every page must also fit the screen: no sideways scrolling of the page, and no
box (such as a table wrapper) whose content is cut off or scrolls sideways.

axe is injected with `page.evaluate`, which runs through the DevTools protocol
and so is not blocked by the site's Content-Security-Policy.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.accounts.commands import make_reset_token
from app.core.db import utcnow
from app.core.models import MessageStatus, OutboxMessage
from app.extensions import db

pytestmark = pytest.mark.browser

FAILING_IMPACTS = {"serious", "critical"}
PHONE_WIDTH = 360
#: Boxes whose content is wider than they are and so is cut off or scrolls sideways
#: inside them (as a wide table in an `overflow-x: auto` wrapper does). Form fields,
#: which scroll long values by design, and visually hidden text are left out.
CLIPPED_BOXES = """() => [...document.querySelectorAll("body *")]
    .filter((el) => !el.matches("input, select, textarea") && el.clientWidth > 1)
    .filter((el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX))
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`
        + ` (${el.scrollWidth}px of content in ${el.clientWidth}px)`)"""

axe = Axe()


@pytest.fixture(params=["desktop", "phone"])
def device(request) -> Page:
    """The same test on a 1280px desktop page and on a 360px touch phone."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone")


class Audit:
    """Runs axe on page after page and gathers every failing finding into one report."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        self.is_phone = page.viewport_size["width"] <= PHONE_WIDTH

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.check(path)

    def check(self, name: str) -> None:
        """Audit the page as it is now, under `name` in the report."""
        results = axe.run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] not in FAILING_IMPACTS:
                continue
            lines = [
                f"{name}: {violation['id']} ({violation['impact']}): {violation['help']}",
                f"    {violation['helpUrl']}",
            ]
            for node in violation["nodes"]:
                target = " ".join(str(part) for part in node["target"])
                lines.append(f"    - {target}")
                summary = node.get("failureSummary")
                if summary:
                    lines.extend(f"        {line}" for line in summary.splitlines())
            self.problems.append("\n".join(lines))
        if self.is_phone:
            self.check_fits_phone(name)

    def check_fits_phone(self, name: str) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            self.problems.append(
                f"{name}: scrolls sideways on a {PHONE_WIDTH}px phone (the page is {width}px wide)"
            )
        for box in self.page.evaluate(CLIPPED_BOXES):
            self.problems.append(f"{name}: content is cut off or scrolls sideways in {box}")

    def assert_clean(self) -> None:
        report = "\n\n".join(self.problems)
        assert not self.problems, f"{len(self.problems)} accessibility problem(s):\n\n{report}"


def test_are_the_public_pages_accessible(device, make_user):
    user = make_user(name="Kim Lee", email="kim@example.org")
    reset_path = f"/account/reset/{make_reset_token(user)}"
    audit = Audit(device)

    audit.visit("/")
    audit.visit("/account/signup")
    audit.visit("/account/login")
    audit.visit("/account/reset")
    audit.visit(reset_path)
    audit.visit("/no-such-page", status=404)
    audit.visit("/account/reset/not-a-real-token", status=410)

    audit.assert_clean()


def test_are_form_errors_accessible(device):
    audit = Audit(device)

    device.goto("/account/signup")
    device.get_by_label("Email", exact=True).fill("not-an-email")
    device.get_by_label("Password", exact=True).fill("short")
    device.get_by_role("button", name="Create account").click()
    expect(device.get_by_role("alert")).to_contain_text("Please check the fields marked below.")
    expect(device.get_by_label("Email", exact=True)).to_have_attribute("aria-invalid", "true")
    audit.check("/account/signup with errors")

    device.goto("/account/login")
    device.get_by_label("Email", exact=True).fill("nobody@example.org")
    device.get_by_label("Password", exact=True).fill("wrong password")
    device.get_by_role("button", name="Log in", exact=True).click()
    expect(device.get_by_role("alert")).to_be_visible()
    audit.check("/account/login with errors")

    audit.assert_clean()


def test_are_the_account_pages_accessible(device, make_user, log_in):
    make_user(email="ada@example.org")
    log_in(device, "ada@example.org")
    audit = Audit(device)

    audit.check("/ (logged in, with a flash message)")
    audit.visit("/account/settings")
    audit.visit("/account/password")

    audit.assert_clean()


def test_are_the_admin_pages_accessible(device, make_user, log_in):
    make_user(name="Ada Admin", email="admin@example.org", is_admin=True)
    make_user(name="Carl Creator", email="carl@example.org", may_create_programmes=True)
    failed = seed_outbox()
    log_in(device, "admin@example.org")
    audit = Audit(device)

    audit.visit("/admin/")
    audit.visit("/admin/users")
    audit.visit("/admin/outbox")
    audit.visit(f"/admin/outbox/{failed.id}")

    audit.assert_clean()


def seed_outbox() -> OutboxMessage:
    """One message in each status, so every badge is on the page; returns the failed one."""
    now = utcnow()

    def message(status: MessageStatus, **fields) -> OutboxMessage:
        return OutboxMessage(
            kind="password_reset",
            recipient=f"{status.value}@example.org",
            subject="Reset your Convene password",
            body_text="Hello,\n\nOpen this link to choose a new password.\n",
            status=status,
            locale="en",
            **fields,
        )

    failed = message(
        MessageStatus.FAILED, attempts=8, last_error="SMTPServerDisconnected: gone away"
    )
    db.session.add_all(
        [
            message(MessageStatus.SENT, attempts=1, sent_at=now),
            # Not yet due and recently claimed, so that committing does not deliver them.
            message(MessageStatus.PENDING, attempts=1, next_attempt_at=now + timedelta(hours=1)),
            message(MessageStatus.SENDING, attempts=1, claimed_at=now),
            failed,
        ]
    )
    db.session.commit()
    return failed


@pytest.mark.parametrize("lang", ["es", "zh_Hant"])
def test_do_the_translated_pages_stay_accessible_on_a_phone(phone, lang):
    """Longer (Spanish) or CJK (Traditional Chinese) text must still fit and pass axe."""
    audit = Audit(phone)

    audit.visit(f"/?lang={lang}")
    expect(phone.locator("html")).to_have_attribute("lang", lang.replace("_", "-"))
    audit.visit("/account/login")
    audit.visit("/account/signup")
    # The button's name is translated: it is the only button of the page's form.
    phone.get_by_role("main").locator("form").get_by_role("button").click()
    expect(phone.get_by_role("alert")).to_be_visible()
    audit.check(f"/account/signup with errors ({lang})")

    audit.assert_clean()
