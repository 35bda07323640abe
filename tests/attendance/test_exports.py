"""Do registers and attendance matrices export as CSV and XLSX, streamed, with medical
and access needs only when asked for and allowed, and is every export logged?"""

import csv
import io
import re
import tracemalloc

import pytest
from flask_babel import Domain
from openpyxl import load_workbook
from sqlalchemy import insert, select

from app.accounts.models import User
from app.attendance.models import Attendance, AttendanceState, ExportLog, MarkMethod
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.extensions import db
from app.programmes.models import ProgrammeKind, TeamRole
from tests.attendance.after_sessions import book, household, make_course, mark

NEEDS = ["Medical needs", "Dietary needs", "Access needs"]


@pytest.fixture
def team(make_user):
    return {role: make_user(name=f"{role.value.title()} Person") for role in TeamRole}


@pytest.fixture
def course(make_programme, make_cohort, make_session, team):
    def make(**kwargs):
        values = {
            "kind": ProgrammeKind.FAMILY_WORKSHOP,
            "hours": (2, 2, 3),
            "team": [(user, role) for role, user in team.items()],
            **kwargs,
        }
        return make_course(make_programme, make_cohort, make_session, **values)

    return make


def export_url(cohort) -> str:
    return f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/attendance/export"


def export(client, cohort, what="matrix", file_format="csv", sensitive=False, **kwargs):
    data = {"what": what, "file_format": file_format}
    if sensitive:
        data["sensitive"] = "y"
    return client.post(export_url(cohort), data=data, **kwargs)


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def logs() -> list[ExportLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(ExportLog).order_by(ExportLog.id)))


@pytest.fixture
def family_course(course, make_user, team):
    """A family with needs and a teacher who came alone, with marks and a check-out."""
    cohort = course()
    guardian = make_user(name="Gloria Guardian", email="gloria@example.org")
    ada, ben = household(
        guardian,
        "Ada Núñez",
        "=HYPERLINK(1)",
        medical_needs="Asthma: inhaler in bag",
        dietary_needs="No nuts",
        access_needs="Step-free entry",
    )
    family = book(cohort, guardian, members=[ada, ben], account_holder=False)
    solo = book(cohort, make_user(name="Solo Sam"))
    helper = team[TeamRole.HELPER]
    mark(family.attendees[0], cohort, "PLA", by=helper)
    mark(family.attendees[1], cohort, "PEP", by=helper)
    mark(solo.attendees[0], cohort, "A--", by=helper)
    first = db.session.scalar(
        select(Attendance).where(Attendance.attendee_id == family.attendees[0].id)
    )
    first.collected_by = "Gloria Guardian"
    first.checked_out_at = cohort.sessions[0].ends_at
    db.session.commit()
    return cohort


# The register of one session --------------------------------------------------------------


def test_does_the_register_list_marks_who_marked_them_and_check_outs(
    client, auth, team, family_course
):
    cohort = family_course
    session = cohort.sessions[0]
    auth.login_as(team[TeamRole.ORGANISER])
    response = export(client, cohort, what=f"register-{session.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    assert response.headers["Cache-Control"] == "no-store"
    assert f"register-{session.starts_at:%Y-%m-%d}" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == [
        "Attendee",
        "Account name",
        "Account email",
        "State",
        "Marked at (London Time)",
        "Marked by",
        "Checked out to",
        "Checked out at (London Time)",
    ]
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"Ada Núñez", "'=HYPERLINK(1)", "Solo Sam"}  # a formula defused
    ada = by_name["Ada Núñez"]
    assert ada[1:4] == ["Gloria Guardian", "gloria@example.org", "Present"]
    assert ada[5:7] == ["Helper Person", "Gloria Guardian"]
    assert ada[7]  # checked out at
    assert by_name["Solo Sam"][3] == "Absent"
    [log] = logs()
    assert (log.what, log.file_format, log.sensitive, log.rows) == ("register", "csv", False, 3)
    assert (log.user_id, log.cohort_id, log.session_id) == (
        team[TeamRole.ORGANISER].id,
        cohort.id,
        session.id,
    )


def test_does_a_register_show_who_is_not_marked_yet(client, auth, team, family_course):
    cohort = family_course
    auth.login_as(team[TeamRole.LEAD])
    _header, *rows = read_csv(export(client, cohort, what=f"register-{cohort.sessions[2].id}"))
    assert {row[0]: row[3] for row in rows}["Solo Sam"] == "Not yet marked"


# The matrix of a cohort -----------------------------------------------------------------


def test_does_the_matrix_show_everyone_at_every_session(client, auth, team, family_course):
    cohort = family_course
    auth.login_as(team[TeamRole.ORGANISER])
    header, *rows = read_csv(export(client, cohort))
    assert header[:3] == ["Attendee", "Account name", "Account email"]
    assert header[3].endswith("Session 1")
    assert header[6:] == [
        "Attended",
        "Sessions counted",
        "Attendance %",
        "Completion",
        "Certificate",
        "CPD hours",
        "Low-attendance warning",
    ]
    by_name = {row[0]: row for row in rows}
    ada = ["Present", "Late", "Absent", "2", "3", "66", "Not completed"]
    assert by_name["Ada Núñez"][3:10] == ada
    assert by_name["'=HYPERLINK(1)"][3:9] == ["Present", "Excused", "Present", "2", "2", "100"]
    assert by_name["Solo Sam"][3:6] == ["Absent", "Not yet marked", "Not yet marked"]
    assert [log.what for log in logs()] == ["matrix"]


def test_are_needs_in_the_file_only_when_asked_for(client, auth, team, family_course):
    auth.login_as(team[TeamRole.ORGANISER])
    plain = export(client, family_course).get_data(as_text=True)
    assert "Asthma" not in plain
    assert "Medical needs" not in plain
    header, *rows = read_csv(export(client, family_course, sensitive=True))
    assert header[-3:] == NEEDS
    ada = {row[0]: row for row in rows}["Ada Núñez"]
    assert ada[-3:] == ["Asthma: inhaler in bag", "No nuts", "Step-free entry"]
    assert [log.sensitive for log in logs()] == [False, True]


@pytest.mark.parametrize("sensitive", [False, True])
@pytest.mark.parametrize("what", ["matrix", "register"])
def test_may_helpers_export_nothing(client, auth, team, family_course, sensitive, what):
    cohort = family_course
    if what == "register":
        what = f"register-{cohort.sessions[0].id}"
    auth.login_as(team[TeamRole.HELPER])
    assert export(client, cohort, what=what, sensitive=sensitive).status_code == 403
    assert logs() == []


def test_is_a_register_of_another_cohorts_session_refused(client, auth, team, course):
    mine, other = course(), course()
    auth.login_as(team[TeamRole.LEAD])
    response = export(client, mine, what=f"register-{other.sessions[0].id}")
    assert response.status_code == 400
    assert logs() == []


def test_do_the_export_lists_start_with_an_empty_choice(client, auth, team, course):
    """HTML asks that a required list start with an empty choice; the whole cohort as
    CSV is still what the form comes with, and choosing nothing is refused."""
    cohort = course()
    auth.login_as(team[TeamRole.LEAD])
    html = client.get(export_url(cohort).removesuffix("/export")).get_data(as_text=True)
    for name, chosen in (("what", "matrix"), ("file_format", "csv")):
        select = re.search(rf'<select [^>]*name="{name}".*?</select>', html, re.DOTALL).group()
        options = re.findall(r"<option ([^>]*)>", select)
        assert " required" in select.partition(">")[0]
        assert options[0] == 'value=""'
        assert f'selected value="{chosen}"' in options
    assert export(client, cohort, what="").status_code == 400
    assert export(client, cohort, file_format="").status_code == 400
    assert logs() == []


def test_does_the_xlsx_file_hold_the_same_rows(client, auth, team, family_course):
    auth.login_as(team[TeamRole.ORGANISER])
    response = export(client, family_course, file_format="xlsx", sensitive=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"].endswith('-attendance.xlsx"')
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    workbook.close()
    assert rows[0][:3] == ["Attendee", "Account name", "Account email"]
    assert rows[0][-3:] == NEEDS
    assert len(rows) == 4
    assert "=HYPERLINK(1)" in [row[0] for row in rows]  # a text cell (below), not a formula
    assert [(log.file_format, log.sensitive) for log in logs()] == [("xlsx", True)]


def test_is_a_name_like_a_formula_a_text_cell_in_xlsx_without_an_apostrophe(
    client, auth, team, family_course
):
    auth.login_as(team[TeamRole.ORGANISER])
    response = export(client, family_course, file_format="xlsx")
    workbook = load_workbook(io.BytesIO(response.data))  # not read-only: cells keep their type
    [cell] = [row[0] for row in workbook.active.iter_rows() if "HYPERLINK" in row[0].value]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")  # a formula would be "f"
    assert cell.quotePrefix  # and stays text when edited


def gettext_calls(monkeypatch) -> list[str]:
    """The messages translated from now on (flask_babel's `_` and `_l` both end here)."""
    calls = []
    translate = Domain.gettext

    def counted(domain, string, **variables):
        calls.append(string)
        return translate(domain, string, **variables)

    monkeypatch.setattr(Domain, "gettext", counted)
    return calls


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_are_labels_translated_once_per_export_not_per_cell(
    client, auth, team, course, monkeypatch, file_format
):
    cohort = course()
    add_families(cohort, 2)
    auth.login_as(team[TeamRole.ORGANISER])
    calls = gettext_calls(monkeypatch)
    assert export(client, cohort, file_format=file_format).status_code == 200
    few = len(calls)
    add_families(cohort, 20, first=2)  # 60 more attendees, 180 more marks
    calls.clear()
    assert export(client, cohort, file_format=file_format).status_code == 200
    assert len(calls) == few
    assert calls.count("Present") == 1


def test_are_the_labels_in_the_exporters_language(client, auth, team, family_course):
    organiser = team[TeamRole.ORGANISER]
    organiser.locale = "es"
    db.session.commit()
    auth.login_as(organiser)
    header, *rows = read_csv(export(client, family_course))
    assert header[:2] == ["Asistente", "Nombre de la cuenta"]
    by_name = {row[0]: row for row in rows}
    assert by_name["Ada Núñez"][3:6] == ["Presente", "Tarde", "Ausente"]
    assert by_name["'=HYPERLINK(1)"][4] == "Justificado"
    assert by_name["Solo Sam"][4:6] == ["Sin marcar", "Sin marcar"]


# Outsiders ---------------------------------------------------------------------------------


def new_organiser_urls(cohort) -> list[tuple[str, str]]:
    base = f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}"
    return [
        ("get", f"{base}/attendance"),
        ("post", f"{base}/attendance/export"),
        ("post", f"{base}/completions"),
    ]


def test_are_the_new_organiser_pages_not_found_outside_the_team(client, auth, course, make_user):
    cohort = course()
    auth.login_as(make_user())
    for method, url in new_organiser_urls(cohort):
        response = getattr(client, method)(url, data={"what": "matrix", "file_format": "csv"})
        assert response.status_code == 404, url
    assert logs() == []


def test_are_ids_that_do_not_belong_together_not_found(client, auth, team, course):
    mine, other = course(), course(team=[])
    auth.login_as(team[TeamRole.LEAD])
    url = f"/organise/programmes/{mine.programme_id}/cohorts/{other.id}/attendance"
    assert client.get(url).status_code == 404


# Thousands of attendees ----------------------------------------------------------------------


def add_families(cohort, families: int, children: int = 3, first: int = 0) -> int:
    """`families` guardians with `children` each, booked, with marks at every session:
    inserted in bulk, as booking them one by one would take minutes. `first`: the
    number of the first family, to add more families to the same cohort later."""
    users = db.session.scalars(
        insert(User).returning(User.id),
        [
            {"email": f"family{n}@example.org", "name": f"Guardian {n}", "password_hash": "x"}
            for n in range(first, first + families)
        ],
    ).all()
    members = db.session.scalars(
        insert(HouseholdMember).returning(HouseholdMember.id),
        [
            {
                "owner_id": user_id,
                "kind": PersonKind.CHILD,
                "name": f"Child {n}-{c}",
                "medical_needs": "Needs an inhaler" if c == 0 else None,
            }
            for n, user_id in enumerate(users)
            for c in range(children)
        ],
    ).all()
    enrolments = db.session.scalars(
        insert(Enrolment).returning(Enrolment.id),
        [
            {"cohort_id": cohort.id, "user_id": u, "status": EnrolmentStatus.CONFIRMED}
            | {"seats": children}
            for u in users
        ],
    ).all()
    attendees = db.session.scalars(
        insert(Attendee).returning(Attendee.id),
        [
            {
                "enrolment_id": enrolments[i // children],
                "cohort_id": cohort.id,
                "household_member_id": member_id,
                "name": f"Child {first * children + i:05d}",
                "is_child": True,
            }
            for i, member_id in enumerate(members)
        ],
    ).all()
    states = list(AttendanceState)
    db.session.execute(
        insert(Attendance),
        [
            {
                "session_id": session.id,
                "attendee_id": attendee_id,
                "state": states[(i + s) % len(states)],
                "method": MarkMethod.REGISTER,
            }
            for i, attendee_id in enumerate(attendees)
            for s, session in enumerate(cohort.sessions)
        ],
    )
    cohort.capacity = cohort.seats_taken = cohort.seats_taken + len(attendees)
    db.session.commit()
    return len(attendees)


@pytest.fixture
def big_cohort(course):
    cohort = course(hours=(2, 2, 2, 2, 2, 2))
    assert add_families(cohort, 1000) == 3000
    return cohort


def stream(response) -> tuple[bytes, int, int]:
    """Read a streamed download chunk by chunk: its start, its size and its line count."""
    start, size, lines = b"", 0, 0
    for chunk in response.response:
        chunk = chunk.encode() if isinstance(chunk, str) else chunk
        start = start or chunk[:2000]
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return start, size, lines


@pytest.mark.slow
@pytest.mark.parametrize("sensitive", [False, True])
def test_do_three_thousand_attendees_export_as_a_stream(client, auth, team, big_cohort, sensitive):
    auth.login_as(team[TeamRole.ORGANISER])
    tracemalloc.start()
    try:
        response = export(client, big_cohort, sensitive=sensitive, buffered=False)
        assert response.is_streamed
        start, size, lines = stream(response)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    header = next(csv.reader(io.StringIO(start.decode().removeprefix("\ufeff"))))
    assert lines == 3001
    assert header[:3] == ["Attendee", "Account name", "Account email"]
    assert (header[-3:] == NEEDS) is sensitive
    [log] = logs()
    assert (log.rows, log.sensitive) == (3000, sensitive)
    # The file never sits in memory whole: measured, the peak is about 1.2 MB for
    # 300, 3,000 and 9,000 attendees alike (files of 0.04, 0.39 and 1.19 MB).
    print(f"\nCSV matrix of 3,000: {size / 1e6:.2f} MB, peak {peak / 1e6:.2f} MB")
    assert peak < 4_000_000


@pytest.mark.slow
def test_do_three_thousand_attendees_export_as_xlsx(client, auth, team, big_cohort):
    auth.login_as(team[TeamRole.ORGANISER])
    tracemalloc.start()
    try:
        response = export(client, big_cohort, file_format="xlsx", sensitive=True, buffered=False)
        start, size, _lines = stream(response)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert start.startswith(b"PK")  # a zip
    # Measured: 0.7 MB for 300 attendees, 1.05 MB for 3,000, 1.4 MB for 9,000; what
    # grows is the finished file, kept in memory up to 1 MB and on disk beyond.
    print(f"\nXLSX matrix of 3,000: {size / 1e6:.2f} MB, peak {peak / 1e6:.2f} MB")
    assert peak < 4_000_000
    [log] = logs()
    assert (log.rows, log.file_format) == (3000, "xlsx")


@pytest.mark.slow
def test_does_a_register_of_three_thousand_export(client, auth, team, big_cohort):
    auth.login_as(team[TeamRole.LEAD])
    session = big_cohort.sessions[0]
    response = export(client, big_cohort, what=f"register-{session.id}", file_format="xlsx")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert sum(1 for _row in workbook.active.iter_rows()) == 3001
    workbook.close()
