"""Can people get through the account journeys in a real browser, on desktop and on a phone?

Each test starts a live server on a clean database and drives headless Chromium
through the pages with the same labels and buttons a person would use.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase"
RESET_LINK = re.compile(r"https?://\S+/account/reset/\S+")


def test_can_a_visitor_sign_up_and_switch_to_spanish(page):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    page.get_by_label("Your name").fill("Amira Haddad")
    page.get_by_label("Email", exact=True).fill("amira@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Convene, Amira Haddad.")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email", exact=True).fill("amira@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Keep me logged in on this device").check()
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in.")

    # "Keep me logged in" outlives the browser session: without the session
    # cookie, the remember-me cookie alone still signs the visitor in.
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert "remember_token" in cookies
    page.context.clear_cookies(name="session")
    page.reload()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("link", name="My account").click()
    expect(page).to_have_url(re.compile(r"/account/settings$"))
    expect(page.get_by_label("Your name")).to_have_value("Amira Haddad")
    page.get_by_label("Language", exact=True).select_option(label="Español")
    page.get_by_role("button", name="Save settings").click()

    # The page is now in Spanish. Its labels may be translated (or not yet), so
    # the language select is found by its id rather than by its label here.
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(re.compile(r"/account/settings$"))
    expect(page.locator("select#locale")).to_have_value("es")
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("footer button[lang='es']")).to_have_attribute("aria-current", "true")


def test_can_a_visitor_switch_language_with_the_footer_buttons(page):
    page.goto("/account/login")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")  # British, as the browser reads
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")

    footer.get_by_role("button", name="繁體中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page).to_have_url(re.compile(r"/account/login$"))  # stays on the same page
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("button", name="繁體中文")).to_have_attribute("aria-current", "true")
    expect(footer.get_by_role("button", name="English")).not_to_have_attribute(
        "aria-current", "true"
    )

    # The choice lasts for the visit.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")


def test_can_someone_who_forgot_their_password_reset_it_and_log_in(page, make_user, outbox):
    make_user(name="Kim Lee", email="kim@example.org")

    page.goto("/account/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email", exact=True).fill("kim@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    messages = outbox("password_reset")
    assert messages, "no password reset message was queued"
    message = messages[-1]
    assert message.recipient == "kim@example.org"
    link = RESET_LINK.search(message.body_text).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is reset.")
    expect(page).to_have_url(re.compile(r"/account/login$"))

    page.get_by_label("Email", exact=True).fill("kim@example.org")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in.")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The link worked once: now it says so instead of offering the form again.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")


def test_does_the_sign_up_page_fit_a_small_phone(phone):
    phone.goto("/account/signup")
    submit = phone.get_by_role("button", name="Create account")
    expect(submit).to_be_visible()

    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    submit.scroll_into_view_if_needed()
    box = submit.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 360
    assert box["height"] >= 44, "the main button should be an easy tap target"


def test_can_a_phone_user_sign_up_by_tapping(phone):
    phone.goto("/account/signup")
    phone.get_by_label("Your name").fill("Sam Okafor")
    phone.get_by_label("Email", exact=True).fill("sam@example.org")
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_label("Repeat the password").fill(PASSWORD)
    phone.get_by_role("button", name="Create account").tap()
    expect(phone.get_by_role("status")).to_contain_text("Welcome to Convene, Sam Okafor.")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
