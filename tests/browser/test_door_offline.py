"""Does the register keep working at the door when the network drops, on several
phones at once, in a real browser?

Each phone is a browser context of its own (its own storage, service worker and
network), 360 px wide; `set_offline` takes it off the network. The phones keep the
register (door-worker.js, door-store.js) and queue what their helpers do (door.js).
"""

import shutil
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.attendance import rules
from app.attendance.models import DoorAction, DoorConflict
from app.extensions import db
from app.programmes.models import ProgrammeMember, TeamRole
from tests.attendance import test_door as at_the_door
from tests.attendance.test_door import code_of, marks
from tests.browser.conftest import open_page
from tests.browser.test_accessibility import Audit

door = at_the_door.door
family = at_the_door.family

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

#: True once the service worker keeps the register page at `path`.
PAGE_KEPT = """async (path) => {
    for (const name of await caches.keys()) {
        if (await (await caches.open(name)).match(path)) return true;
    }
    return false;
}"""
WAITING = "() => ConveneDoorStore.all('queue').then((queue) => queue.length)"
KEPT_REGISTERS = "() => ConveneDoorStore.all('registers').then((all) => all.map((r) => r.path))"


@pytest.fixture
def phones(browser, live_server):
    """Phones at the door: `phones()` opens one more (its page). A script error on
    any of them fails the test."""
    contexts, errors = [], []

    def open_phone() -> Page:
        context, page = open_page(browser, live_server, **PHONE)
        page.on("pageerror", lambda error: errors.append(error))
        contexts.append(context)
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert errors == []


def path_of(door) -> str:
    return door.url()


def ready(phone: Page, door, name: str | None = None) -> None:
    """Open the register online and wait until the phone keeps it for offline use."""
    phone.goto(door.url())
    expect(phone.get_by_text("Ready: this phone keeps this register")).to_be_visible()
    if name:
        phone.get_by_label("Name of this phone").fill(name)
        phone.get_by_label("Name of this phone").blur()


def type_code(phone: Page, code: str) -> None:
    phone.get_by_label("Ticket code").fill(code)
    phone.get_by_role("button", name="Check in", exact=True).click()


def status(phone: Page):
    return phone.locator("[data-door-status]")


def helper_named(door, make_user, name: str):
    user = make_user(name=name)
    db.session.add(ProgrammeMember(programme=door.programme, user=user, role=TeamRole.HELPER))
    db.session.commit()
    return user


def test_do_two_phones_offline_let_a_ticket_in_once_and_both_show_the_conflict(
    phones, door, family, make_user, log_in
):
    ana = helper_named(door, make_user, "Ana Second")
    lewis = family(door.cohort, children=2)  # Amira, Omar
    brown = family(door.cohort, children=1, guardian=make_user(name="Bea Brown"))
    ortiz = family(door.cohort, children=1, guardian=make_user(name="Olga Ortiz"))
    one, two = phones(), phones()
    log_in(one, door.helper.email)
    log_in(two, ana.email)
    ready(one, door, "Phone 1")
    ready(two, door, "Phone 2")

    one.context.set_offline(True)
    two.context.set_offline(True)
    type_code(one, code_of(lewis))
    expect(one.locator("#scan-answer")).to_contain_text("Checked in: Amira, Omar")
    expect(one.locator("#scan-answer")).to_contain_text("Saved on this phone, not yet sent")
    expect(status(one)).to_have_text("Saved on this phone, not yet sent (1 waiting)")
    # Typed by hand from the ticket: any case, without the prefix.
    type_code(two, lewis.ticket_token.lower())
    expect(two.locator("#scan-answer")).to_contain_text("Checked in: Amira, Omar")
    row = two.locator(f"#attendee-{ortiz.attendees[0].id}")
    row.get_by_role("button", name="Present").click()
    expect(row.get_by_role("button", name="Present")).to_have_attribute("aria-pressed", "true")
    expect(row).to_contain_text("Saved on this phone, not yet sent")
    type_code(one, code_of(brown))
    expect(status(one)).to_have_text("Saved on this phone, not yet sent (2 waiting)")
    expect(one.locator(".register-count--present dd")).to_have_text("3")
    # A ticket this phone let in already is answered by the phone too.
    type_code(one, code_of(lewis))
    expect(one.locator("#scan-answer")).to_contain_text("Already checked in at")
    expect(status(one)).to_have_text("Saved on this phone, not yet sent (2 waiting)")
    assert marks(door.session) == []

    one.context.set_offline(False)
    expect(status(one)).to_have_text("Everything is sent.")
    two.context.set_offline(False)
    expect(status(two)).to_have_text("Everything is sent.")

    # Phone 2 learns at once that Phone 1 was first; Phone 1 on its next look.
    for phone in (two, one):
        panel = phone.locator("#door-conflicts")
        expect(panel).to_contain_text("Checked in twice")
        expect(panel).to_contain_text("Amira: checked in by Tom Helper on Phone 1 at")
        expect(panel).to_contain_text("also checked in by Ana Second on Phone 2 at")
        expect(panel.locator("li")).to_have_count(2)
        assert phone.evaluate(WAITING) == 0
    expect(two.locator("[data-door-notes]")).to_contain_text("Checked in twice: Amira, Omar")
    expect(one.locator(".register-count--present dd")).to_have_text("4")
    expect(two.locator(".register-count--present dd")).to_have_text("4")

    records = marks(door.session)
    assert sorted(m.attendee_id for m in records) == sorted(
        a.id for booking in (lewis, brown, ortiz) for a in booking.attendees
    )
    assert {m.marked_on for m in records if m.attendee.enrolment_id == lewis.id} <= {"Phone 1"}
    assert db.session.scalar(select(func.count(DoorConflict.id))) == 2
    assert db.session.scalar(select(func.count(DoorAction.id))) == 4


def test_does_a_ticket_scanned_on_one_phone_show_on_another_within_seconds(
    phones, door, family, make_user, log_in
):
    ana = helper_named(door, make_user, "Ana Second")
    lewis = family(door.cohort, children=2)
    one, two = phones(), phones()
    log_in(one, door.helper.email)
    log_in(two, ana.email)
    ready(one, door)
    ready(two, door)

    type_code(one, code_of(lewis))
    expect(one.locator("#scan-answer")).to_contain_text("Checked in: Amira, Omar")
    amira = two.locator(f"#attendee-{lewis.attendees[0].id}")
    expect(amira.get_by_role("button", name="Present")).to_have_attribute(
        "aria-pressed", "true", timeout=8000
    )
    expect(two.locator(".register-count--present dd")).to_have_text("2")
    # Knowing it, the other phone turns the scan away by itself, even offline.
    two.context.set_offline(True)
    type_code(two, code_of(lewis))
    expect(two.locator("#scan-answer")).to_contain_text("Already checked in at")
    expect(two.locator("#scan-answer")).to_contain_text("Amira, Omar")
    assert two.evaluate(WAITING) == 0


def test_does_a_phone_that_reloads_offline_still_show_the_register_and_its_queue(
    phones, door, family, log_in
):
    lewis = family(door.cohort, children=2)
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door)

    phone.context.set_offline(True)
    type_code(phone, code_of(lewis))
    omar = phone.locator(f"#attendee-{lewis.attendees[1].id}")
    omar.get_by_role("button", name="Late").click()
    expect(status(phone)).to_have_text("Saved on this phone, not yet sent (2 waiting)")

    phone.reload()
    expect(phone.get_by_role("heading", name="Register")).to_be_visible()
    expect(status(phone)).to_have_text("Saved on this phone, not yet sent (2 waiting)")
    expect(omar.get_by_role("button", name="Late")).to_have_attribute("aria-pressed", "true")
    expect(omar).to_contain_text("Saved on this phone, not yet sent")
    expect(phone.locator(".register-count--late dd")).to_have_text("1")
    expect(phone.locator(".register-count--present dd")).to_have_text("1")
    # A child let in offline can leave offline, with an adult of the booking.
    amira = phone.locator(f"#attendee-{lewis.attendees[0].id}")
    amira.get_by_role("link", name="Check out").click()
    phone.get_by_role("group", name="Choose who collects Amira.").get_by_role(
        "button", name="Nadia Aunt"
    ).click()
    expect(amira).to_contain_text("Amira left with Nadia Aunt.")
    expect(status(phone)).to_have_text("Saved on this phone, not yet sent (3 waiting)")
    # What needs the server says so, and the page stays.
    phone.get_by_label("Name", exact=True).fill("Walk In")
    phone.get_by_role("button", name="Add and mark present").click()
    expect(phone.locator("#register-status")).to_contain_text("This needs a connection")
    assert marks(door.session) == []

    # The network back, the queue goes by itself (no "Send now" needed).
    phone.context.set_offline(False)
    expect(status(phone)).to_have_text("Everything is sent.")
    expect(amira).to_contain_text("Left at")
    by_name = {m.attendee.name: m for m in marks(door.session)}
    assert by_name["Omar"].state.value == "late"
    assert by_name["Amira"].collected_by == "Nadia Aunt"
    assert phone.evaluate(WAITING) == 0


def test_does_the_worker_serve_nothing_stale_after_a_new_deploy(
    phones, app, door, family, log_in, tmp_path
):
    """A deploy changes a file the phone keeps: the next visit runs the new file
    straight away, a new worker keeps it under a new version, and the old cache goes."""
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)
    family(door.cohort, children=1)
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door)
    [before] = phone.evaluate("caches.keys()")

    script = static / "js" / "register.js"
    script.write_text(script.read_text() + "\nwindow.deployed = 'the second';\n")
    phone.reload()
    assert phone.evaluate("window.deployed") == "the second"
    phone.wait_for_function(
        "(before) => caches.keys().then((names) => names.length === 1 && names[0] !== before)",
        arg=before,
    )
    phone.wait_for_function(PAGE_KEPT, arg=path_of(door))

    phone.context.set_offline(True)
    phone.reload()
    assert phone.evaluate("window.deployed") == "the second"
    expect(phone.get_by_label("Ticket code")).to_be_visible()


def test_is_the_phones_data_wiped_when_the_helper_logs_out(phones, door, family, log_in):
    family(door.cohort, children=1)
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door)
    assert phone.evaluate(KEPT_REGISTERS) == [path_of(door)]

    phone.get_by_role("button", name="Log out").click()
    expect(phone.get_by_text("You are logged out.")).to_be_visible()
    assert phone.evaluate("indexedDB.databases().then((all) => all.map((d) => d.name))") == []
    assert phone.evaluate("caches.keys()") == []
    assert phone.evaluate("navigator.serviceWorker.getRegistrations()") == []


def test_does_a_phone_keep_its_queue_rather_than_log_out_offline(phones, door, family, log_in):
    lewis = family(door.cohort, children=1)
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door)
    phone.context.set_offline(True)
    type_code(phone, code_of(lewis))
    phone.get_by_role("button", name="Log out").click()
    expect(status(phone)).to_contain_text("Send what is waiting before you log out.")
    assert phone.evaluate(WAITING) == 1


def test_does_a_phone_forget_the_register_when_the_sessions_day_is_over(
    phones, door, family, log_in
):
    family(door.cohort, children=1)
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door)
    assert phone.evaluate(KEPT_REGISTERS) == [path_of(door)]

    _, end = rules.day_bounds(door.session)
    phone.context.set_offline(True)
    phone.clock.install(time=end + timedelta(minutes=1))
    phone.reload()
    phone.wait_for_function(f"async () => !(await ({PAGE_KEPT})({path_of(door)!r}))")
    assert phone.evaluate(KEPT_REGISTERS) == []


def test_is_the_door_accessible_on_a_phone_online_and_offline(
    phones, door, family, make_user, log_in
):
    lewis = family(door.cohort, children=2)
    family(door.cohort, children=1, guardian=make_user(name="Bea Brown"))
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door, "Phone 1")
    audit = Audit(phone)
    audit.check("the register, online")

    type_code(phone, code_of(lewis))
    expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Amira, Omar")
    phone.context.set_offline(True)
    omar = phone.locator(f"#attendee-{lewis.attendees[1].id}")
    omar.get_by_role("button", name="Absent").click()
    expect(omar).to_contain_text("Saved on this phone, not yet sent")
    amira = phone.locator(f"#attendee-{lewis.attendees[0].id}")
    amira.get_by_role("link", name="Check out").click()
    expect(phone.get_by_role("group", name="Choose who collects Amira.")).to_be_visible()
    audit.check("the register, offline, with an action waiting and a check-out open")
    phone.reload()
    expect(status(phone)).to_have_text("Saved on this phone, not yet sent (1 waiting)")
    audit.check("the register, reloaded offline")
    audit.assert_clean()


@pytest.mark.parametrize("language", ["es", "zh_Hant"])
def test_does_the_phone_speak_the_helpers_language_offline(phones, door, family, log_in, language):
    """What the script says by itself comes from the server, translated; the longer
    (Spanish) or CJK (Chinese) words still fit a 360 px phone."""
    lewis = family(door.cohort, children=2)
    phone = phones()
    log_in(phone, door.helper.email)
    door.helper.locale = language
    db.session.commit()
    phone.goto(door.url())
    phone.locator("[data-door-ready]").wait_for()
    with force_locale(language):
        waiting = gettext("Saved on this phone, not yet sent (%(num)s waiting)", num=1)
        checked_in = gettext("Checked in: %(names)s", names="Amira, Omar")
    phone.context.set_offline(True)
    phone.locator("#code").fill(code_of(lewis))
    phone.locator("[data-scan-form] button[type=submit]").click()
    expect(phone.locator("#scan-answer")).to_contain_text(checked_in)
    expect(status(phone)).to_have_text(waiting)
    audit = Audit(phone)
    audit.check(f"the register offline ({language})")
    audit.assert_clean()


#: Every path the worker keeps, in every cache.
KEPT_PATHS = """async () => {
    const paths = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) {
            paths.push(new URL(request.url).pathname);
        }
    }
    return paths;
}"""


def test_does_the_worker_keep_no_page_but_the_register(phones, door, family, log_in):
    family(door.cohort, children=1)
    phone = phones()
    log_in(phone, door.helper.email)
    ready(phone, door)
    cohort_page = f"/organise/programmes/{door.programme.id}/cohorts/{door.cohort.id}/"
    phone.goto(cohort_page)  # in the worker's scope: served, never kept
    phone.goto(door.url() + "?q=amira")  # a search of the register: not kept either
    pages = [path for path in phone.evaluate(KEPT_PATHS) if not path.startswith("/static/")]
    assert pages == [path_of(door)]

    phone.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        phone.goto(cohort_page)


def test_does_a_browser_without_service_workers_take_the_register_as_before(
    phones, door, family, log_in
):
    lewis = family(door.cohort, children=2)
    phone = phones()
    phone.context.add_init_script("delete Navigator.prototype.serviceWorker;")
    log_in(phone, door.helper.email)
    phone.goto(door.url())
    phone.evaluate("window.sameLoad = true")
    amira = phone.locator(f"#attendee-{lewis.attendees[0].id}")
    amira.get_by_role("button", name="Late").click()
    expect(phone.locator("#register-status")).to_contain_text("Amira: Late")
    type_code(phone, code_of(lewis))
    expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Omar")
    expect(phone.locator("[data-door-bar]")).to_be_hidden()
    assert phone.evaluate("window.sameLoad") is True
    assert len(marks(door.session)) == 2
    assert db.session.scalar(select(func.count(DoorAction.id))) == 0
