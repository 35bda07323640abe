"""Do the pages pass an automated accessibility audit (axe-core), on desktop and on a phone?

Each test opens a group of pages in headless Chromium and audits each
(tests/browser/audit.py): no serious or critical axe violation, and nothing wider
than the screen.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.accounts.commands import make_reset_token
from app.core.db import utcnow
from app.core.models import MessageStatus, OutboxMessage
from app.extensions import db
from tests.browser.audit import Audit

pytestmark = pytest.mark.browser


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
