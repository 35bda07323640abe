"""Can a helper take the register on a phone at the door, in a real browser?

Taps and typed codes go through register.js without reloading the page; the
camera scanner is fed a QR code through Chromium's fake camera (a Y4M video
file), so that getUserMedia, the canvas, jsQR and the fetch all run for real.
"""

import pytest
import segno
from playwright.sync_api import expect

from app.enrolment import tickets
from app.extensions import db, limiter
from tests.attendance import test_door as at_the_door
from tests.attendance.test_door import code_of, marks
from tests.browser.audit import Audit
from tests.browser.conftest import CHROMIUM_ARGS, TIMEOUT_MS

#: The door's fixtures: a programme with a session happening now, and bookings.
door = at_the_door.door
family = at_the_door.family

pytestmark = pytest.mark.browser


def test_can_a_helper_take_the_register_on_a_phone_without_reloading(
    phone, door, family, make_user, log_in
):
    gita = family(door.cohort, children=2)
    bea = family(door.cohort, children=1, guardian=make_user(name="Bea Brown"))
    log_in(phone, door.helper.email)
    phone.goto(door.url())
    phone.evaluate("window.sameLoad = true")

    amira = phone.locator(f"#attendee-{gita.attendees[0].id}")
    amira.get_by_role("button", name="Late").click()
    expect(amira.get_by_role("button", name="Late")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator(".register-count--late dd")).to_have_text("1")
    expect(phone.locator("#register-status")).to_contain_text("Amira: Late")
    expect(amira.get_by_role("button", name="Late")).to_be_focused()

    phone.get_by_label("Find a name").fill("brown")
    expect(phone.locator(".register-list > li:visible")).to_have_count(1)
    expect(phone.locator("[data-search-count]")).to_have_text("1 of 3 shown")
    phone.get_by_label("Find a name").fill("")

    phone.get_by_label("Ticket code").fill(code_of(bea).lower())
    phone.get_by_role("button", name="Check in", exact=True).click()
    expect(phone.locator("#scan-answer")).to_contain_text("✓")
    expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Amira")
    expect(phone.locator(".register-count--present dd")).to_have_text("1")
    expect(phone.get_by_label("Ticket code")).to_have_value("")

    phone.get_by_label("Ticket code").fill(code_of(bea))
    phone.get_by_role("button", name="Check in", exact=True).click()
    expect(phone.locator("#scan-answer")).to_contain_text("Already checked in at")

    assert phone.evaluate("window.sameLoad") is True
    assert len(marks(door.session)) == 2

    audit = Audit(phone)
    audit.check("register with answers")
    audit.assert_clean()


def test_is_the_register_accessible_on_desktop_and_phone(page, phone, door, family, log_in):
    family(door.cohort, children=2, authorised_collectors=["Nadia Aunt"])
    door.session.self_checkin = True
    db.session.commit()
    for device in (page, phone):
        log_in(device, door.organiser.email)
        audit = Audit(device)
        audit.visit(door.url())
        audit.assert_clean()


def fake_camera_video(path, text: str, width: int = 640, height: int = 480) -> None:
    """A few frames of a QR code for Chromium's fake camera (Y4M, 4:2:0, grey)."""
    matrix = segno.make(text, error="m", micro=False).matrix
    quiet = 4
    modules = len(matrix) + 2 * quiet
    scale = min(width, height) * 8 // 10 // modules
    left, top = (width - modules * scale) // 2, (height - modules * scale) // 2
    luma = bytearray([255]) * (width * height)
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if not dark:
                continue
            for y in range(scale):
                start = (top + (row + quiet) * scale + y) * width + left + (column + quiet) * scale
                luma[start : start + scale] = bytes(scale)
    chroma = bytes([128]) * (width // 2 * height // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)


def test_does_the_camera_scanner_check_in_a_ticket_held_up_to_it(
    playwright, chromium_path, live_server, door, family, log_in, tmp_path
):
    enrolment = family(door.cohort, children=2)
    video = tmp_path / "ticket.y4m"
    fake_camera_video(video, code_of(enrolment))
    browser = playwright.chromium.launch(
        executable_path=chromium_path,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": 360, "height": 740},
            is_mobile=True,
            has_touch=True,
            permissions=["camera"],
        )
        context.set_default_timeout(TIMEOUT_MS)
        phone = context.new_page()
        log_in(phone, door.helper.email)
        phone.goto(door.url())
        phone.get_by_role("button", name="Scan tickets").click()
        expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Amira, Omar")
        expect(phone.locator(".register-count--present dd")).to_have_text("2")
        # The ticket stays in view: it is not sent again at every frame.
        phone.wait_for_timeout(1000)
        expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Amira, Omar")
        phone.get_by_role("button", name="Stop scanning").click()
        expect(phone.get_by_role("button", name="Scan tickets")).to_be_visible()
    finally:
        browser.close()
    assert len(marks(door.session)) == 2


def test_can_a_helper_check_in_by_code_and_tap_then_hand_a_child_over(
    phone, door, family, make_user, log_in
):
    """The door journey of issue 5, on a phone: two tickets by code, one child by tap,
    then a child leaves with the aunt named on the booking, chosen on a page of its own."""
    lewis = family(door.cohort, children=2)  # Amira, Omar
    brown = family(door.cohort, children=1, guardian=make_user(name="Bea Brown"))  # Amira too
    ortiz = family(door.cohort, children=1, guardian=make_user(name="Olga Ortiz"))
    log_in(phone, door.helper.email)
    phone.goto(door.url())

    for booking in (lewis, brown):
        phone.get_by_label("Ticket code").fill(code_of(booking))
        phone.get_by_role("button", name="Check in", exact=True).click()
        expect(phone.locator("#scan-answer")).to_contain_text("Checked in")
    expect(phone.locator(".register-count--present dd")).to_have_text("3")

    tapped = phone.locator(f"#attendee-{ortiz.attendees[0].id}")
    tapped.get_by_role("button", name="Present").click()
    expect(tapped.get_by_role("button", name="Present")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator(".register-count--present dd")).to_have_text("4")
    expect(phone.locator(".register-count--on-site dd")).to_have_text("4")

    leaving = phone.locator(f"#attendee-{lewis.attendees[0].id}")
    leaving.get_by_role("link", name="Check out").click()
    audit = Audit(phone)
    audit.check("check-out page")
    audit.assert_clean()
    phone.get_by_role("group", name="Choose who collects Amira.").get_by_role(
        "button", name="Nadia Aunt"
    ).click()
    expect(phone.locator(f"#attendee-{lewis.attendees[0].id}")).to_contain_text("Left at")
    expect(phone.locator(".register-count--on-site dd")).to_have_text("3")

    records = {m.attendee_id: m for m in marks(door.session)}
    assert len(records) == 4
    left = records[lewis.attendees[0].id]
    assert (left.collected_by, left.released_by_id) == ("Nadia Aunt", door.helper.id)
    assert left.checked_out_at is not None


def test_does_a_check_out_work_before_the_phone_has_its_copy_of_the_register(
    phone, door, family, log_in
):
    """On a busy server or a weak signal the phone's copy of the register comes late:
    until it has come, the register works as it does without the phone's script (the
    check-out link once did nothing at all)."""
    lewis = family(door.cohort, children=1)
    log_in(phone, door.helper.email)
    phone.route("**/phone-data", lambda route: None)  # not answered during the test
    phone.goto(door.url())

    phone.get_by_label("Ticket code").fill(code_of(lewis))
    phone.get_by_role("button", name="Check in", exact=True).click()
    expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Amira")
    amira = phone.locator(f"#attendee-{lewis.attendees[0].id}")
    amira.get_by_role("link", name="Check out").click()
    phone.get_by_role("group", name="Choose who collects Amira.").get_by_role(
        "button", name="Nadia Aunt"
    ).click()
    expect(amira).to_contain_text("Left at")
    assert marks(door.session)[0].collected_by == "Nadia Aunt"


def test_does_the_phone_say_so_when_a_code_is_mistyped_or_the_door_is_over_its_limit(
    app, phone, door, family, make_user, log_in
):
    """A code read out and typed with a slip: the answer appears where a scan's answer
    goes, and nothing is recorded. Then a helper over the door's limit: the phone keeps
    the scan, says why it waits, and sends it once the limit allows."""
    app.config.update(DOOR_RATE_LIMIT="2 per minute")
    first = family(door.cohort, children=1)
    second = family(door.cohort, children=1, guardian=make_user(name="Bea Brown"))
    log_in(phone, door.helper.email)
    phone.goto(door.url())
    code_box = phone.get_by_label("Ticket code")

    printed = tickets.code_groups(first.ticket_code)
    code_box.fill(printed[:-1] + ("Z" if printed[-1] != "Z" else "Y"))
    phone.get_by_role("button", name="Check in", exact=True).click()
    expect(phone.locator("#scan-answer")).to_contain_text(
        "This code has a typing mistake: check it again"
    )

    code_box.fill(printed.lower())
    phone.get_by_role("button", name="Check in", exact=True).click()
    expect(phone.locator("#scan-answer")).to_contain_text("Checked in: Amira")

    code_box.fill(tickets.code_groups(second.ticket_code))
    phone.get_by_role("button", name="Check in", exact=True).click()
    waiting = phone.locator("[data-door-status]")
    expect(waiting).to_contain_text("Saved on this phone, not yet sent (1 waiting)")
    expect(waiting).to_contain_text("Too many check-ins in a short time")
    assert len(marks(door.session)) == 1
    audit = Audit(phone)
    audit.check("register with a scan held by the limit")
    audit.assert_clean()

    limiter.reset()  # as a minute later
    phone.get_by_role("button", name="Send now").click()
    expect(waiting).to_have_text("Everything is sent.")
    assert len(marks(door.session)) == 2
