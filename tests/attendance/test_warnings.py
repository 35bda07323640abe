"""Is someone falling behind warned once, kindly, while there is still time, and does
the team see who was warned?"""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.attendance.low_attendance import warn_cohort, warn_low_attendance
from app.attendance.models import AttendanceWarning
from app.enrolment import lifecycle
from app.extensions import db
from app.programmes.models import ProgrammeKind, TeamRole
from tests.attendance.after_sessions import book, household, make_course, mark


@pytest.fixture
def course(make_programme, make_cohort, make_session):
    """Six weekly sessions, three of them over; warnings after 3 sessions below 50 %."""

    def make(**kwargs):
        values = {
            "hours": (2,) * 6,
            "ended": 3,
            "warning_after_sessions": 3,
            "warning_below_share": Decimal("0.5"),
            **kwargs,
        }
        return make_course(make_programme, make_cohort, make_session, **values)

    return make


def warnings() -> list[AttendanceWarning]:
    db.session.expire_all()
    return list(db.session.scalars(select(AttendanceWarning).order_by(AttendanceWarning.id)))


def test_is_someone_below_the_share_warned_once_by_email(course, make_user, outbox):
    cohort = course()
    teacher = make_user(name="Chen Wei")
    enrolment = book(cohort, teacher)
    mark(enrolment.attendees[0], cohort, "PAA")
    assert warn_low_attendance() == 1
    [warning] = warnings()
    assert (warning.attendee_id, warning.cohort_id) == (enrolment.attendees[0].id, cohort.id)
    assert warning.attendance_share == Decimal("0.333")
    [mail] = outbox("attendance_warning")
    assert mail.recipient == teacher.email
    assert "We have missed you" in mail.subject
    assert "Chen Wei: 1 of 3 sessions so far" in mail.body_text
    assert "at least 75% of the sessions" in mail.body_text
    assert "Coming up:" in mail.body_text
    assert "We have missed you" in mail.body_html


def test_is_nobody_warned_twice(course, make_user, outbox):
    cohort = course(hours=(2,) * 6, ended=4)
    enrolment = book(cohort, make_user())
    mark(enrolment.attendees[0], cohort, "AAA")
    assert warn_low_attendance() == 1
    mark(enrolment.attendees[0], cohort, "---A")  # still below, a session later
    assert warn_low_attendance() == 0
    assert warn_cohort(cohort) == 0
    assert len(warnings()) == 1
    assert len(outbox("attendance_warning")) == 1


@pytest.mark.real_commits  # threads, each with a connection of its own
def test_is_nobody_warned_twice_when_the_job_runs_twice_at_once(app, course, make_user, outbox):
    cohort = course()
    people = [book(cohort, make_user()) for _ in range(5)]
    for enrolment in people:
        mark(enrolment.attendees[0], cohort, "A-P")
    start = threading.Barrier(3)
    counts, errors = [], []

    def run():
        with app.app_context():
            try:
                start.wait()
                counts.append(warn_low_attendance())
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 5
    assert len(warnings()) == 5
    assert len(outbox("attendance_warning")) == 5


def test_is_the_share_judged_only_after_enough_sessions(course, make_user, outbox):
    cohort = course(ended=2)
    mark(book(cohort, make_user()).attendees[0], cohort, "AA")
    assert warn_low_attendance() == 0
    assert outbox("attendance_warning") == []


def test_is_nobody_warned_after_the_last_session(course, make_user):
    cohort = course(hours=(2, 2, 2), ended=3)
    mark(book(cohort, make_user()).attendees[0], cohort, "AAA")
    assert warn_low_attendance() == 0


def test_are_warnings_off_unless_the_cohort_asks_for_them(course, make_user):
    cohort = course(warning_after_sessions=None)
    mark(book(cohort, make_user()).attendees[0], cohort, "AAA")
    assert warn_low_attendance() == 0


@pytest.mark.parametrize(
    ("letters", "warned"),
    [
        ("PAA", True),  # 1 of 3: below half
        ("PLA", False),  # late counts: 2 of 3
        ("PEA", False),  # 1 of 2 counted: exactly half is not below
        ("EEE", False),  # nothing counts: nothing to judge
        ("---", True),  # never marked: never there
    ],
)
def test_does_the_warning_follow_the_counting_rule(course, make_user, letters, warned):
    cohort = course()
    mark(book(cohort, make_user()).attendees[0], cohort, letters)
    assert warn_low_attendance() == int(warned)


def test_does_a_family_get_one_email_naming_each_child(course, make_user, outbox):
    cohort = course(kind=ProgrammeKind.FAMILY_WORKSHOP)
    guardian = make_user()
    ada, ben = household(guardian, "Ada", "Ben")
    enrolment = book(cohort, guardian, members=[ada, ben], account_holder=False)
    for attendee in enrolment.attendees:
        mark(attendee, cohort, "A")
    assert warn_low_attendance() == 2
    [mail] = outbox("attendance_warning")
    assert "Ada: 0 of 3" in mail.body_text
    assert "Ben: 0 of 3" in mail.body_text


def test_is_a_walk_in_flagged_without_an_email(course, make_user, outbox):
    cohort = course()
    walk_in = lifecycle.add_walk_in(cohort, "Walk In", make_user())
    mark(walk_in.attendees[0], cohort, "P")
    assert warn_low_attendance() == 1
    assert outbox("attendance_warning") == []


def test_are_cancelled_places_not_warned(course, make_user):
    cohort = course()
    teacher = make_user()
    enrolment = book(cohort, teacher)
    lifecycle.cancel(enrolment, by=teacher)
    assert warn_low_attendance() == 0


def test_does_the_scheduled_command_send_warnings(app, course, make_user):
    cohort = course()
    mark(book(cohort, make_user()).attendees[0], cohort, "A")
    result = app.test_cli_runner().invoke(args=["enrolment", "run-scheduled"])
    assert "warned 1" in result.output


# The team's view -----------------------------------------------------------------------


def overview_url(cohort) -> str:
    return f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/attendance"


@pytest.mark.parametrize("role", list(TeamRole))
def test_does_the_team_see_who_was_warned(client, auth, course, make_user, role):
    member = make_user()
    cohort = course(team=[(member, role)])
    low, fine = book(cohort, make_user(name="Low Lee")), book(cohort, make_user(name="Fine Fay"))
    mark(low.attendees[0], cohort, "PAA")
    mark(fine.attendees[0], cohort, "PPL")
    warn_low_attendance()
    auth.login_as(member)
    page = client.get(overview_url(cohort))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    low_row = html[html.index("Low Lee") : html.index("</tr>", html.index("Low Lee"))]
    fine_row = html[html.index("Fine Fay") : html.index("</tr>", html.index("Fine Fay"))]
    assert "Low attendance" in low_row
    assert "Low attendance" not in fine_row
    assert "1 of 3 (33%)" in low_row
    assert "In progress" in fine_row
    assert ("Download" in html) is (role != TeamRole.HELPER)  # helpers export nothing


def test_is_a_page_number_past_any_integer_an_empty_overview(client, auth, course, make_user):
    member = make_user()
    cohort = course(team=[(member, TeamRole.ORGANISER)])
    book(cohort, make_user(name="Low Lee"))
    auth.login_as(member)
    page = client.get(f"{overview_url(cohort)}?page={10**30}")
    assert page.status_code == 200
    assert "Low Lee" not in page.get_data(as_text=True)


def test_is_the_overview_hidden_from_people_outside_the_team(client, auth, course, make_user):
    cohort = course()
    auth.login_as(make_user())
    assert client.get(overview_url(cohort)).status_code == 404


def test_does_the_unique_attendee_refuse_a_second_warning_row(course, make_user):
    """What makes concurrent runs safe: the insert itself, not an earlier read."""
    from app.attendance.low_attendance import _record_once
    from app.attendance.rules import Tally
    from app.core.db import utcnow

    cohort = course()
    attendee = book(cohort, make_user()).attendees[0]
    result = Tally(attended=0, counted=3)
    assert _record_once(cohort, attendee, result, utcnow()) is True
    assert _record_once(cohort, attendee, result, utcnow()) is False
    db.session.commit()
    assert len(warnings()) == 1
