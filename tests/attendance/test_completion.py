"""Does completion follow the rule at the end of a cohort, with the right CPD hours,
exactly once, from the job, the command and the organiser's button?"""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.attendance import completion
from app.attendance.completion import complete_cohort, complete_ended_cohorts, cpd_hours_earned
from app.attendance.models import Certificate
from app.attendance.rules import Tally, tally
from app.core.db import utcnow
from app.enrolment.models import EnrolmentStatus
from app.extensions import db
from app.programmes.models import ProgrammeKind, TeamRole
from tests.attendance.after_sessions import book, household, make_course, mark

S = EnrolmentStatus


@pytest.fixture
def course(make_programme, make_cohort, make_session):
    def make(**kwargs):
        return make_course(make_programme, make_cohort, make_session, **kwargs)

    return make


@pytest.fixture
def teacher(make_user):
    return make_user(name="Ana Lucía Núñez")


def certificates() -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def completes(course, teacher, letters: str, **cohort) -> bool:
    """Book the teacher on a course, mark them, run completion: did they complete?"""
    cohort = course(hours=(2,) * len(letters), **cohort)
    enrolment = book(cohort, teacher)
    mark(enrolment.attendees[0], cohort, letters)
    complete_cohort(cohort)
    db.session.refresh(enrolment)
    return enrolment.status == S.COMPLETED


# The rule --------------------------------------------------------------------------------


def test_does_attending_exactly_the_required_share_complete(course, teacher):
    assert completes(course, teacher, "PPPA", completion_share=Decimal("0.75"))


def test_does_one_session_short_of_the_share_not_complete(course, teacher):
    assert not completes(course, teacher, "PPAA", completion_share=Decimal("0.75"))


def test_does_late_count_as_attended(course, teacher):
    assert completes(course, teacher, "PLLA", completion_share=Decimal("0.75"))


def test_are_excused_sessions_left_out_of_the_total(course, teacher):
    # 2 attended of 2 counted: 100 %, although only half the sessions were attended.
    assert completes(course, teacher, "PEPE", completion_share=Decimal("0.75"))


def test_do_unmarked_sessions_count_as_missed(course, teacher):
    assert not completes(course, teacher, "PP--", completion_share=Decimal("0.75"))


def test_does_nobody_complete_when_every_session_was_excused(course, teacher):
    """No session counts: no share at all (and no division by zero)."""
    assert tally({}, []).share is None
    assert not completes(course, teacher, "EEEE", completion_share=Decimal("0"))
    assert certificates() == []


def test_is_a_cohort_whose_last_session_is_still_to_come_skipped(course, teacher):
    cohort = course(hours=(2, 2, 2), ended=2)
    enrolment = book(cohort, teacher)
    mark(enrolment.attendees[0], cohort, "PP")
    report = complete_cohort(cohort)
    assert (report.cohorts, report.enrolments, report.certificates) == (0, 0, 0)
    assert enrolment.status == S.CONFIRMED
    assert complete_ended_cohorts().cohorts == 0


def test_is_running_completion_again_harmless(course, teacher, outbox):
    cohort = course(cpd_hours=Decimal("12"))
    enrolment = book(cohort, teacher)
    mark(enrolment.attendees[0], cohort, "PPPP")
    first = complete_cohort(cohort)
    second = complete_cohort(cohort)
    third = complete_ended_cohorts()
    assert (first.enrolments, first.certificates) == (1, 1)
    assert (second.enrolments, second.certificates) == (0, 0)
    assert third.cohorts == 0  # nothing confirmed is left to look at
    assert len(certificates()) == 1
    assert len(outbox("attendance_completed")) == 1


def test_does_a_completed_enrolment_give_back_its_seat(course, teacher, make_user):
    cohort = course()
    done = book(cohort, teacher)
    missed = book(cohort, make_user())
    mark(done.attendees[0], cohort, "PPPP")
    complete_cohort(cohort)
    db.session.refresh(cohort)
    assert (done.status, missed.status) == (S.COMPLETED, S.CONFIRMED)
    assert cohort.seats_taken == 1  # only the confirmed one, as the lifecycle promises


def test_is_a_family_completed_when_one_child_completed(course, make_user, outbox):
    cohort = course(kind=ProgrammeKind.FAMILY_WORKSHOP, hours=(2, 2))
    guardian = make_user()
    ada, ben = household(guardian, "Ada", "Ben")
    enrolment = book(cohort, guardian, members=[ada, ben], account_holder=False)
    mark(enrolment.attendees[0], cohort, "PP")
    mark(enrolment.attendees[1], cohort, "A-")
    complete_cohort(cohort)
    assert enrolment.status == S.COMPLETED
    assert certificates() == []  # only teacher training issues certificates
    [mail] = outbox("attendance_completed")
    assert mail.recipient == guardian.email
    assert "Completed: Ada." in mail.body_text


def test_does_a_walk_in_complete_without_an_email(course, make_user, outbox):
    cohort = course(hours=(2,))
    organiser = make_user()
    from app.enrolment import lifecycle

    walk_in = lifecycle.add_walk_in(cohort, "Wen Li", organiser)
    mark(walk_in.attendees[0], cohort, "P")
    report = complete_cohort(cohort)
    assert report.enrolments == 1
    assert [c.name for c in certificates()] == ["Wen Li"]
    assert outbox("attendance_completed") == []


# Certificates and CPD hours ---------------------------------------------------------------


def test_does_a_teacher_get_a_certificate_with_the_cohorts_hours(course, teacher, outbox):
    cohort = course(cpd_hours=Decimal("7.5"))
    enrolment = book(cohort, teacher)
    mark(enrolment.attendees[0], cohort, "PPLA")
    complete_cohort(cohort)
    [certificate] = certificates()
    assert certificate.name == "Ana Lucía Núñez"
    assert certificate.cpd_hours == Decimal("7.5")
    assert certificate.attendance_share == Decimal("0.750")
    assert len(certificate.code) >= 16
    [mail] = outbox("attendance_completed")
    assert f"/me/certificates/{certificate.id}" in mail.body_text
    assert "7.5 CPD hours" in mail.body_text


def test_does_a_certificate_without_cpd_hours_say_none(course, teacher):
    cohort = course()
    mark(book(cohort, teacher).attendees[0], cohort, "PPPP")
    complete_cohort(cohort)
    assert certificates()[0].cpd_hours is None


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        ("PPP", "12"),  # everything: all the hours
        ("APP", "10"),  # 5 of 6 hours: 10.0
        ("PAP", "8"),  # 4 of 6 hours: 8.0
        ("PPA", "6"),  # 3 of 6 hours: 6.0 (and 2/3 of the sessions)
        ("LPA", "6"),  # late earns the whole session
        ("PEA", "3"),  # the excused 2 hours leave the total: 1 of 4 hours
        ("EPP", "12"),  # the excused hour is out of the total: everything else attended
    ],
)
def test_are_pro_rata_hours_in_proportion_to_the_minutes(course, teacher, letters, expected):
    """Sessions of 1, 2 and 3 hours; 12 CPD hours for all 6."""
    cohort = course(
        hours=(1, 2, 3),
        cpd_hours=Decimal("12"),
        cpd_pro_rata=True,
        completion_share=Decimal("0.25"),
    )
    mark(book(cohort, teacher).attendees[0], cohort, letters)
    complete_cohort(cohort)
    assert certificates()[0].cpd_hours == Decimal(expected)


@pytest.mark.parametrize(
    ("cpd", "attended", "counted", "expected"),
    [
        ("10", 50, 60, "8"),  # 8.33 -> 8.0
        ("10", 59, 60, "9.5"),  # 9.83 -> 9.5, never rounded up
        ("10", 57, 60, "9.5"),  # exactly 9.5
        ("7.3", 60, 60, "7.3"),  # full attendance: the cohort's hours, not 7.0
        ("7.3", 59, 60, "7"),  # 7.18 -> 7.0
        ("1", 1, 90, "0"),  # a minute of an hour and a half: nothing
        ("2", 90, 60, "2"),  # never above the cohort's hours
    ],
)
def test_is_pro_rata_rounded_down_to_the_half_hour(cpd, attended, counted, expected):
    class Cohort:
        cpd_hours = Decimal(cpd)
        cpd_pro_rata = True

    result = Tally(attended=1, counted=1, attended_minutes=attended, counted_minutes=counted)
    assert cpd_hours_earned(Cohort, result) == Decimal(expected)


def test_are_hours_not_pro_rata_when_the_cohort_says_so(course, teacher):
    cohort = course(hours=(1, 2, 3), cpd_hours=Decimal("12"), completion_share=Decimal("0.5"))
    mark(book(cohort, teacher).attendees[0], cohort, "PAP")
    complete_cohort(cohort)
    assert certificates()[0].cpd_hours == Decimal("12")


def test_does_a_correction_after_completion_certify_on_the_next_run(course, make_user):
    cohort = course(hours=(2, 2), completion_share=Decimal("0.5"))
    guardian = make_user()
    ada, ben = household(guardian, "Ada", "Ben")
    enrolment = book(cohort, guardian, members=[ada, ben], account_holder=False)
    mark(enrolment.attendees[0], cohort, "PP")
    mark(enrolment.attendees[1], cohort, "A")
    complete_cohort(cohort)
    assert [c.name for c in certificates()] == ["Ada"]
    mark(enrolment.attendees[1], cohort, "-P")
    report = complete_cohort(cohort)
    assert (report.enrolments, report.certificates) == (0, 1)
    assert sorted(c.name for c in certificates()) == ["Ada", "Ben"]


# Where it runs from --------------------------------------------------------------------


def test_does_the_scheduled_command_complete_cohorts_that_ended(app, course, teacher, outbox):
    cohort = course(cpd_hours=Decimal("3"))
    mark(book(cohort, teacher).attendees[0], cohort, "PPPP")
    result = app.test_cli_runner().invoke(args=["enrolment", "run-scheduled"])
    assert "completed 1, certificates 1" in result.output
    assert len(certificates()) == 1


def test_does_the_scheduled_job_leave_old_cohorts_to_the_command(app, course, teacher):
    cohort = course()
    mark(book(cohort, teacher).attendees[0], cohort, "PPPP")
    later = utcnow() + completion.SCHEDULED_LOOKBACK + timedelta(days=1)
    assert complete_ended_cohorts(later, since=later - completion.SCHEDULED_LOOKBACK).cohorts == 0
    result = app.test_cli_runner().invoke(args=["attendance", "complete"])
    assert "cohorts 1, completed 1, certificates 1" in result.output


@pytest.fixture
def team(make_user):
    return {role: make_user(name=role.value.title()) for role in TeamRole}


def completions_url(cohort) -> str:
    return f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/completions"


def test_can_an_organiser_mark_completions_now(client, auth, course, teacher, team):
    cohort = course(team=[(team[TeamRole.ORGANISER], TeamRole.ORGANISER)])
    enrolment = book(cohort, teacher)
    mark(enrolment.attendees[0], cohort, "PPPP")
    auth.login_as(team[TeamRole.ORGANISER])
    page = client.get(f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/")
    assert "Mark completions now" in page.get_data(as_text=True)
    response = client.post(completions_url(cohort), follow_redirects=True)
    assert response.status_code == 200
    assert "1 more enrolment completed, 1 certificate issued" in response.get_data(as_text=True)
    db.session.refresh(enrolment)
    assert enrolment.status == S.COMPLETED


def test_is_marking_completions_refused_before_the_cohort_ends(client, auth, course, teacher, team):
    cohort = course(ended=1, team=[(team[TeamRole.LEAD], TeamRole.LEAD)])
    mark(book(cohort, teacher).attendees[0], cohort, "P")
    auth.login_as(team[TeamRole.LEAD])
    page = client.get(f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/")
    assert "Mark completions now" not in page.get_data(as_text=True)
    response = client.post(completions_url(cohort), follow_redirects=True)
    assert "once the last session has ended" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


@pytest.mark.parametrize(("role", "status"), [(TeamRole.HELPER, 403), (None, 404)])
def test_may_only_leads_and_organisers_mark_completions(
    client, auth, course, teacher, team, role, status
):
    helper = team[TeamRole.HELPER]
    cohort = course(team=[(helper, TeamRole.HELPER)] if role else [])
    mark(book(cohort, teacher).attendees[0], cohort, "PPPP")
    auth.login_as(helper)
    assert client.post(completions_url(cohort)).status_code == status
    assert certificates() == []
