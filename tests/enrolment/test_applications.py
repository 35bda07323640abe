"""Can students apply to a cohort, and can its team review, score and decide the applications?"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, EnrolmentStatus, ReviewComment
from app.extensions import db
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    EnrolmentMode,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    QuestionKind,
    TeamRole,
)
from app.programmes.rules import local_to_utc, utc_to_local

S = EnrolmentStatus
#: A statement long enough to submit (about 300 characters).
STATEMENT = "I study chemical engineering and want to learn research methods for clean water. " * 4


@dataclass
class School:
    """A summer school taking applications from Mexico, Colombia and Chile."""

    programme: Programme
    cohort: Cohort
    lead: User
    organiser: User
    helper: User
    outsider: User
    student: User
    motivation: CohortQuestion  #: text, required
    track: CohortQuestion  #: choice, required
    passport: CohortQuestion  #: yes/no, optional

    @property
    def apply_url(self) -> str:
        return f"/programmes/{self.programme.slug}/cohorts/{self.cohort.id}/apply"

    @property
    def cohort_url(self) -> str:
        return f"/organise/programmes/{self.programme.id}/cohorts/{self.cohort.id}"

    @property
    def queue_url(self) -> str:
        return f"{self.cohort_url}/applications"

    def application_url(self, enrolment: Enrolment, action: str = "") -> str:
        return f"{self.queue_url}/{enrolment.id}" + (f"/{action}" if action else "")

    def answers(self, **overrides) -> dict:
        return {
            str(self.motivation.id): "To build a water filter for my town.",
            str(self.track.id): "Chemistry",
            **overrides,
        }


@pytest.fixture
def school(make_user, make_programme, make_cohort, make_session) -> School:
    lead = make_user(name="Lena Lead", email="lead@example.org")
    organiser = make_user(name="Oscar Organiser", email="organiser@example.org")
    helper = make_user(name="Hana Helper", email="helper@example.org")
    outsider = make_user(name="Otto Outsider", email="outsider@example.org")
    student = make_user(name="Sofía Student", email="sofia@example.org")
    programme = make_programme(
        title="Research School",
        slug="research-school",
        kind=ProgrammeKind.SUMMER_SCHOOL,
        home_countries=["MX", "CO", "CL"],
        team=[(lead, TeamRole.LEAD), (organiser, TeamRole.ORGANISER), (helper, TeamRole.HELPER)],
    )
    cohort = make_cohort(
        programme,
        name="2035 intake",
        capacity=2,
        enrolment_mode=EnrolmentMode.APPLICATION,
        timezone="America/Mexico_City",
        enrol_closes_at=utcnow() + timedelta(days=60),
    )
    make_session(cohort, utcnow() + timedelta(days=90))
    questions = [
        CohortQuestion(
            cohort_id=cohort.id, position=0, prompt="Why this school?", kind=QuestionKind.TEXT
        ),
        CohortQuestion(
            cohort_id=cohort.id,
            position=1,
            prompt="Which track?",
            kind=QuestionKind.CHOICE,
            choices=["Chemistry", "Robotics"],
        ),
        CohortQuestion(
            cohort_id=cohort.id,
            position=2,
            prompt="Do you hold a passport?",
            kind=QuestionKind.YES_NO,
            required=False,
        ),
    ]
    db.session.add_all(questions)
    db.session.commit()
    return School(programme, cohort, lead, organiser, helper, outsider, student, *questions)


def text(response) -> str:
    html = response.get_data(as_text=True)
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("&#39;", "'")


def field_error(html: str, field_id: str) -> str:
    """The message shown under one field (empty when there is none)."""
    found = re.search(rf'<p class="field__error" id="{field_id}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def form(school: School, action: str = "submit", **overrides) -> dict:
    return {
        "home_institution": "Instituto Politécnico Nacional",
        "home_country": "MX",
        "study_level": "undergraduate",
        "statement": STATEMENT,
        f"answer_{school.motivation.id}": "To build a water filter for my town.",
        f"answer_{school.track.id}": "Chemistry",
        "action": action,
        **overrides,
    }


@pytest.fixture
def submitted(school, make_user):
    """`submitted("Ana Ruiz", country="CO")`: an application submitted by a new student."""

    def make(name: str, *, country="MX", institution="UNAM", score=None) -> Enrolment:
        details = ApplicationDetails(
            home_institution=institution,
            home_country=country,
            study_level="masters",
            statement=STATEMENT,
            answers=school.answers(),
        )
        with transaction():
            enrolment = lifecycle.save_application(
                make_user(name=name), school.cohort, details, submit=True
            )
        if score is not None:
            enrolment.score = score
            db.session.commit()
        return enrolment

    return make


def statuses(*enrolments) -> list[EnrolmentStatus]:
    db.session.expire_all()
    return [db.session.get(Enrolment, e.id).status for e in enrolments]


# Applying ------------------------------------------------------------------------------


def test_can_a_student_save_a_draft_come_back_and_submit_it(client, auth, school, outbox):
    auth.login_as(school.student)
    page = text(client.get(school.apply_url))
    assert "Apply to 2035 intake" in page
    assert "Which track?" in page
    assert "Do you hold a passport?" in page

    response = client.post(
        school.apply_url,
        data={"home_institution": "IPN", "statement": "Half a thought", "action": "draft"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == school.apply_url
    draft = db.session.scalar(select(Enrolment))
    assert (draft.status, draft.home_institution, draft.statement) == (
        S.DRAFT,
        "IPN",
        "Half a thought",
    )
    assert outbox() == []

    again = text(client.get(school.apply_url))
    assert "Your draft is saved" in again
    assert 'value="IPN"' in again
    assert "Half a thought</textarea>" in again

    response = client.post(school.apply_url, data=form(school))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/me/enrolments/{draft.id}"
    db.session.expire_all()
    assert draft.status == S.SUBMITTED
    assert draft.answers == school.answers()
    assert [m.kind for m in outbox()] == ["enrolment_submitted"]

    # Submitted: the apply page now leads to the application itself.
    response = client.get(school.apply_url)
    assert response.headers["Location"] == f"/me/enrolments/{draft.id}"


def test_are_the_statements_limits_shown_without_javascript(client, auth, school):
    auth.login_as(school.student)
    html = text(client.get(school.apply_url))
    assert "Between 200 and 4000 characters" in html
    assert "0 characters. At least 200 are needed to submit." in html
    assert 'data-count-for="statement"' in html
    assert '<script src="/static/js/character-count.js" defer></script>' in html
    assert "<script>" not in html
    assert "style=" not in html
    with client.get("/static/js/character-count.js") as script:
        assert script.status_code == 200
        assert b"data-count-for" in script.data


@pytest.mark.parametrize(
    ("statement", "action", "refused", "message"),
    [
        ("x" * 199, "submit", True, "Your statement has 199 characters; it needs at least 200."),
        ("x" * 199, "draft", False, ""),
        ("x" * 200, "submit", False, ""),
        ("x" * 4000, "submit", False, ""),
        ("x" * 4001, "draft", True, "shorten it to 4000 at most"),
        ("x" * 4001, "submit", True, "shorten it to 4000 at most"),
        # A line break counts once, though browsers send it as two characters.
        ("x" * 100 + "\r\n" + "x" * 99, "submit", False, ""),
    ],
)
def test_are_the_statements_length_limits_kept(
    client, auth, school, statement, action, refused, message
):
    auth.login_as(school.student)
    response = client.post(school.apply_url, data=form(school, action, statement=statement))
    html = text(response)
    if refused:
        assert response.status_code == 422
        assert message in field_error(html, "statement")
        assert statement[:50] in html  # what was typed is kept
        assert db.session.scalar(select(Enrolment)) is None
    else:
        assert response.status_code == 302
        assert db.session.scalar(select(Enrolment)).status == (
            S.SUBMITTED if action == "submit" else S.DRAFT
        )


def test_must_required_questions_be_answered_to_submit(client, auth, school):
    auth.login_as(school.student)
    data = form(school, **{f"answer_{school.motivation.id}": "", f"answer_{school.track.id}": ""})
    response = client.post(school.apply_url, data=data)
    html = text(response)
    assert response.status_code == 422
    for question in (school.motivation, school.track):
        assert field_error(html, f"answer_{question.id}") == (
            "Answer this question to submit your application."
        )
    assert field_error(html, f"answer_{school.passport.id}") == ""  # optional
    assert "Instituto Politécnico Nacional" in html

    # The same gaps are fine in a draft.
    assert client.post(school.apply_url, data={**data, "action": "draft"}).status_code == 302
    assert db.session.scalar(select(Enrolment)).status == S.DRAFT


def test_are_missing_details_refused_at_submission_next_to_their_fields(client, auth, school):
    auth.login_as(school.student)
    response = client.post(
        school.apply_url, data=form(school, home_institution="", home_country="", study_level="")
    )
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "home_institution") == "Name your home institution."
    assert field_error(html, "home_country") == "Choose your home country."
    assert field_error(html, "study_level") == "Choose your level of study."


def test_is_a_choice_that_is_not_offered_refused(client, auth, school):
    auth.login_as(school.student)
    response = client.post(
        school.apply_url, data=form(school, **{f"answer_{school.track.id}": "Astrology"})
    )
    assert response.status_code == 422
    assert field_error(text(response), f"answer_{school.track.id}")
    assert db.session.scalar(select(Enrolment)) is None


def test_is_a_student_from_another_country_told_why(client, auth, school, outbox):
    auth.login_as(school.student)
    page = text(client.get(school.apply_url))
    assert "This cohort is for students from Chile, Colombia, Mexico." in page

    response = client.post(school.apply_url, data=form(school, home_country="FR"))
    assert response.status_code == 422
    assert field_error(text(response), "home_country") == (
        "This cohort is for students from Chile, Colombia, Mexico only."
    )
    assert db.session.scalar(select(Enrolment)) is None
    assert outbox() == []


def test_are_yes_no_answers_kept(client, auth, school):
    auth.login_as(school.student)
    client.post(school.apply_url, data=form(school, **{f"answer_{school.passport.id}": "yes"}))
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.answers[str(school.passport.id)] == "yes"


def test_is_a_closed_cohort_explained_without_a_form(client, auth, school):
    school.cohort.enrol_opens_at = utcnow() - timedelta(days=10)
    school.cohort.enrol_closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    auth.login_as(school.student)
    response = client.get(school.apply_url)
    html = text(response)
    assert response.status_code == 200
    assert "Enrolment closed" in html
    assert 'name="statement"' not in html
    assert client.post(school.apply_url, data=form(school)).status_code == 409
    assert db.session.scalar(select(Enrolment)) is None


def test_must_visitors_log_in_to_apply(client, school):
    response = client.get(school.apply_url)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("case", ["draft_programme", "booking_cohort", "wrong_slug", "unknown"])
def test_is_applying_to_what_does_not_take_applications_a_404(
    client, auth, school, make_cohort, make_session, case
):
    auth.login_as(school.student)
    url = school.apply_url
    if case == "draft_programme":
        school.programme.status = ProgrammeStatus.DRAFT
        db.session.commit()
    elif case == "booking_cohort":
        booking = make_cohort(school.programme)
        make_session(booking)
        url = f"/programmes/research-school/cohorts/{booking.id}/apply"
    elif case == "wrong_slug":
        url = url.replace("research-school", "robot-lab")
    else:
        url = "/programmes/research-school/cohorts/99999999999999999999/apply"
    assert client.get(url).status_code == 404
    assert client.post(url, data=form(school)).status_code == 404


# Defining the questions ----------------------------------------------------------------


def question_form(**overrides) -> dict:
    return {"prompt": "Which lab?", "kind": "choice", "choices": "Wet lab\r\nDry lab", **overrides}


def test_can_an_organiser_add_edit_reorder_and_remove_questions(client, auth, school):
    auth.login_as(school.organiser)
    page = text(client.get(f"{school.cohort_url}/"))
    assert "Application questions" in page
    assert "Which track?" in page

    response = client.post(f"{school.cohort_url}/questions/new", data=question_form(required="y"))
    assert response.headers["Location"] == f"{school.cohort_url}/#questions"
    lab = db.session.scalar(select(CohortQuestion).where(CohortQuestion.prompt == "Which lab?"))
    assert (lab.kind, lab.choices, lab.required, lab.position) == (
        QuestionKind.CHOICE,
        ["Wet lab", "Dry lab"],
        True,
        3,
    )

    client.post(
        f"{school.cohort_url}/questions/{lab.id}/edit",
        data=question_form(prompt="Which lab suits you?", kind="text"),
    )
    db.session.expire_all()
    assert (lab.prompt, lab.kind, lab.choices, lab.required) == (
        "Which lab suits you?",
        QuestionKind.TEXT,
        [],
        False,
    )

    client.post(f"{school.cohort_url}/questions/{lab.id}/move", data={"direction": "up"})
    client.post(
        f"{school.cohort_url}/questions/{school.motivation.id}/move", data={"direction": "up"}
    )
    confirm = text(client.get(f"{school.cohort_url}/questions/{school.track.id}/remove"))
    assert "Remove this question?" in confirm
    assert "Which track?" in confirm
    client.post(f"{school.cohort_url}/questions/{school.track.id}/remove")
    db.session.expire_all()
    prompts = db.session.scalars(
        select(CohortQuestion.prompt).order_by(CohortQuestion.position)
    ).all()
    assert prompts == ["Why this school?", "Which lab suits you?", "Do you hold a passport?"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (question_form(choices="Only one"), "choices", "Give at least two choices"),
        (question_form(prompt=" "), "prompt", "Write the question."),
        (question_form(prompt="x" * 301), "prompt", "Keep the question to 300 characters."),
    ],
)
def test_is_an_unusable_question_refused(client, auth, school, data, field, message):
    auth.login_as(school.lead)
    response = client.post(f"{school.cohort_url}/questions/new", data=data)
    assert response.status_code == 422
    assert message in field_error(text(response), field)


def test_does_a_helper_see_the_questions_without_changing_them(client, auth, school):
    auth.login_as(school.helper)
    page = text(client.get(f"{school.cohort_url}/"))
    assert "Which track?" in page
    assert "/questions/" not in page
    base = f"{school.cohort_url}/questions"
    for url in [
        f"{base}/new",
        f"{base}/{school.track.id}/edit",
        f"{base}/{school.track.id}/remove",
    ]:
        assert client.get(url).status_code == 403
    for url in [
        f"{base}/new",
        f"{base}/{school.track.id}/remove",
        f"{base}/{school.track.id}/move",
    ]:
        assert client.post(url, data={**question_form(), "direction": "up"}).status_code == 403
    assert db.session.scalar(select(func.count(CohortQuestion.id))) == 3


# Reviewing -----------------------------------------------------------------------------


def test_does_the_queue_show_the_seats_and_every_application(client, auth, school, submitted):
    ana = submitted("Ana Ruiz", country="CO", institution="Universidad de los Andes")
    auth.login_as(school.organiser)
    html = text(client.get(school.queue_url))
    assert re.search(r"<dt>Seats</dt><dd>2</dd>", html)
    assert re.search(r"<dt>Free</dt><dd>2</dd>", html)
    row = html[html.index("Ana Ruiz") : html.index("</tr>", html.index("Ana Ruiz"))]
    for shown in ["Universidad de los Andes", "Colombia", "Master's", "Not scored", "Submitted"]:
        assert shown in row
    assert f'href="{school.application_url(ana)}"' in html


def test_can_the_queue_be_filtered(client, auth, school, submitted):
    submitted("Ana Ruiz", country="CO", institution="Universidad de los Andes", score=5)
    submitted("Bruno Díaz", country="MX", institution="UNAM", score=2)
    carla = submitted("Carla Soto", country="CL", institution="Universidad de Chile")
    with transaction():
        lifecycle.waitlist_applications([carla])
    auth.login_as(school.lead)

    def names(**query) -> list[str]:
        html = text(client.get(school.queue_url, query_string=query))
        return [n for n in ("Ana Ruiz", "Bruno Díaz", "Carla Soto") if n in html]

    assert names() == ["Ana Ruiz", "Bruno Díaz", "Carla Soto"]
    assert names(status="waitlisted") == ["Carla Soto"]
    assert names(status=" ") == ["Ana Ruiz", "Bruno Díaz", "Carla Soto"]  # blank: any status
    assert names(country="MX") == ["Bruno Díaz"]
    assert names(score="4") == ["Ana Ruiz"]
    assert names(score="none") == ["Carla Soto"]
    assert names(q="chile") == ["Carla Soto"]
    assert names(q="bruno") == ["Bruno Díaz"]
    assert names(q="100%") == []
    assert names(programme_id="7", _scheme="javascript") == names()  # other arguments ignored
    response = client.get(school.queue_url, query_string={"status": "bogus", "country": "CO"})
    assert response.status_code == 400
    assert "Ana Ruiz" in text(response)
    assert "Bruno Díaz" not in text(response)


def test_are_drafts_kept_from_the_team(client, auth, school):
    with transaction():
        draft = lifecycle.save_application(
            school.student,
            school.cohort,
            ApplicationDetails("IPN", "MX", None, "Secret first thoughts", {}),
            submit=False,
        )
    auth.login_as(school.lead)
    assert "Sofía Student" not in text(client.get(school.queue_url))
    assert client.get(school.application_url(draft)).status_code == 404


def test_does_an_application_show_its_statement_and_answers_with_their_prompts(
    client, auth, school, submitted
):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    html = text(client.get(school.application_url(enrolment)))
    assert "I study chemical engineering" in html
    assert "<dt>Why this school?</dt>" in html
    assert "To build a water filter for my town." in html
    assert "<dt>Which track?</dt>" in html
    assert "Chemistry" in html
    assert "No answer" in html  # the optional passport question


def test_can_the_team_score_and_comment_while_the_student_never_sees_either(client, auth, school):
    auth.login_as(school.student)
    client.post(school.apply_url, data=form(school))
    enrolment = db.session.scalar(select(Enrolment))

    auth.login_as(school.organiser)
    response = client.post(school.application_url(enrolment, "score"), data={"score": "4"})
    assert response.headers["Location"].endswith("#review")
    client.post(
        school.application_url(enrolment, "comments"),
        data={"body": "Strong lab experience; ask about funding."},
    )
    db.session.expire_all()
    assert enrolment.score == 4
    [comment] = db.session.scalars(select(ReviewComment)).all()
    assert comment.author_id == school.organiser.id
    html = text(client.get(school.application_url(enrolment)))
    assert "Oscar Organiser" in html
    assert "Strong lab experience; ask about funding." in html
    assert '<option selected value="4">' in html

    auth.login_as(school.student)
    for url in [f"/me/enrolments/{enrolment.id}", "/me/"]:
        response = client.get(url)
        page = text(response)
        assert response.status_code == 200, url
        assert "Research School" in page, url
        assert "Strong lab experience" not in page, url
        assert "Oscar Organiser" not in page, url
        assert "Score" not in page, url


@pytest.mark.parametrize(
    ("data", "field"),
    [({"score": "9"}, "score"), ({"body": "  "}, "body")],
)
def test_are_a_bad_score_and_an_empty_comment_refused(client, auth, school, data, field, submitted):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    action = "score" if field == "score" else "comments"
    response = client.post(school.application_url(enrolment, action), data=data)
    assert response.status_code == 422
    assert field_error(text(response), field)


# Deciding ------------------------------------------------------------------------------


def deadline_in_mexico(days: int = 5) -> str:
    """A datetime-local value at 17:00 in Mexico City, `days` from now."""
    day = utc_to_local(utcnow() + timedelta(days=days), "America/Mexico_City").date()
    return f"{day.isoformat()}T17:00"


def test_does_accepting_send_an_offer_with_the_deadline_in_the_cohorts_time_zone(
    client, auth, school, outbox, submitted
):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    page = text(client.get(school.application_url(enrolment)))
    assert "in Mexico City time" in page
    deadline = deadline_in_mexico()
    response = client.post(
        school.application_url(enrolment, "decide"),
        data={"action": "accept", "offer_deadline": deadline},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert enrolment.status == S.OFFERED
    expected = local_to_utc(datetime.fromisoformat(deadline), "America/Mexico_City")
    assert enrolment.offer_expires_at == expected
    db.session.refresh(school.cohort)
    assert school.cohort.seats_taken == 1
    [mail] = outbox("enrolment_offered")
    assert mail.recipient == enrolment.user.email
    assert "17:00 (Mexico City)" in mail.body_text


def test_is_the_deadline_prefilled_a_week_ahead_where_the_cohort_meets(
    client, auth, school, submitted
):
    submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    html = text(client.get(school.queue_url))
    value = re.search(r'id="offer_deadline"[^>]*value="([^"]+)"', html).group(1)
    week = utc_to_local(utcnow() + timedelta(days=7), "America/Mexico_City")
    assert value.startswith(week.date().isoformat()) or value.startswith(
        (week + timedelta(hours=1)).date().isoformat()
    )


@pytest.mark.parametrize(
    ("deadline", "message"),
    [("", "Give the date and time to answer by."), ("2001-01-01T10:00", "must be in the future")],
)
def test_must_an_offer_have_a_deadline_in_the_future(
    client, auth, school, deadline, message, submitted
):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    response = client.post(
        school.application_url(enrolment, "decide"),
        data={"action": "accept", "offer_deadline": deadline},
    )
    assert response.status_code == 422
    assert message in field_error(text(response), "offer_deadline")
    assert statuses(enrolment) == [S.SUBMITTED]


def test_is_a_bulk_offer_beyond_the_free_seats_refused_entirely(
    client, auth, school, outbox, submitted
):
    chosen = [submitted(name) for name in ("Ana Ruiz", "Bruno Díaz", "Carla Soto")]
    auth.login_as(school.lead)
    response = client.post(
        f"{school.queue_url}/decide?country=MX",
        data={
            "enrolment_ids": [str(e.id) for e in chosen],
            "action": "accept",
            "offer_deadline": deadline_in_mexico(),
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert (
        "These offers need 3 seats, but only 2 seats are free. No offer was made. "
        "Choose fewer applications, or add seats to the cohort."
    ) in html
    assert all(f'value="{e.id}" id="choose-{e.id}" checked' in html for e in chosen)
    assert statuses(*chosen) == [S.SUBMITTED] * 3
    db.session.refresh(school.cohort)
    assert school.cohort.seats_taken == 0
    assert outbox("enrolment_offered") == []


def test_can_the_team_offer_places_to_several_at_once(client, auth, school, outbox, submitted):
    chosen = [submitted(name) for name in ("Ana Ruiz", "Bruno Díaz")]
    auth.login_as(school.lead)
    response = client.post(
        f"{school.queue_url}/decide?status=submitted",
        data={
            "enrolment_ids": [str(e.id) for e in chosen],
            "action": "accept",
            "offer_deadline": deadline_in_mexico(),
        },
    )
    assert response.headers["Location"] == f"{school.queue_url}?status=submitted"
    assert statuses(*chosen) == [S.OFFERED, S.OFFERED]
    assert len(outbox("enrolment_offered")) == 2
    assert "2 offers are made" in text(client.get(school.queue_url))


def test_can_applications_be_waitlisted_together(client, auth, school, outbox, submitted):
    chosen = [submitted(name) for name in ("Ana Ruiz", "Bruno Díaz")]
    auth.login_as(school.organiser)
    client.post(
        f"{school.queue_url}/decide",
        data={"enrolment_ids": [str(e.id) for e in chosen], "action": "waitlist"},
    )
    assert statuses(*chosen) == [S.WAITLISTED, S.WAITLISTED]
    assert len(outbox("enrolment_waitlisted")) == 2


def test_does_a_rejection_send_the_message_as_edited(client, auth, school, outbox, submitted):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    html = text(client.get(school.application_url(enrolment)))
    assert "Thank you for applying to Research School — 2035 intake." in html  # prefilled
    message = "Dear Ana,\r\n\r\nThank you. The track you chose is full; please apply in 2036."
    response = client.post(
        school.application_url(enrolment, "decide"), data={"action": "reject", "message": message}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert enrolment.status == S.REJECTED
    assert enrolment.decision_message == message.replace("\r\n", "\n")
    [mail] = outbox("enrolment_rejected")
    assert "The track you chose is full; please apply in 2036." in mail.body_text
    assert "careful review" not in mail.body_text


def test_is_a_rejection_without_a_message_refused(client, auth, school, outbox, submitted):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    response = client.post(
        school.application_url(enrolment, "decide"), data={"action": "reject", "message": " "}
    )
    assert response.status_code == 422
    assert field_error(text(response), "message")
    assert statuses(enrolment) == [S.SUBMITTED]
    assert outbox() != []
    assert outbox("enrolment_rejected") == []


def test_is_a_decision_that_no_longer_applies_refused_as_a_whole(client, auth, school, submitted):
    ana, bruno = submitted("Ana Ruiz"), submitted("Bruno Díaz")
    with transaction():
        lifecycle.waitlist_applications([bruno])
    auth.login_as(school.organiser)
    response = client.post(
        f"{school.queue_url}/decide",
        data={"enrolment_ids": [str(ana.id), str(bruno.id)], "action": "waitlist"},
    )
    assert response.status_code == 422
    assert "Only submitted applications can go on the waitlist. Nothing was changed." in text(
        response
    )
    assert statuses(ana, bruno) == [S.SUBMITTED, S.WAITLISTED]


def test_must_at_least_one_application_be_chosen(client, auth, school, submitted):
    submitted("Ana Ruiz")
    auth.login_as(school.organiser)
    response = client.post(f"{school.queue_url}/decide", data={"action": "waitlist"})
    assert response.status_code == 422
    assert "Choose at least one application." in text(response)


# Who may do what -----------------------------------------------------------------------


@pytest.fixture
def other_school(make_user, make_programme, make_cohort, make_session):
    """Another team's application cohort, with a submitted application."""
    programme = make_programme(
        slug="other-school", kind=ProgrammeKind.SUMMER_SCHOOL, team=[(make_user(), TeamRole.LEAD)]
    )
    cohort = make_cohort(programme, enrolment_mode=EnrolmentMode.APPLICATION)
    make_session(cohort, utcnow() + timedelta(days=40))
    with transaction():
        enrolment = lifecycle.save_application(
            make_user(),
            cohort,
            ApplicationDetails("UNAM", "MX", "masters", STATEMENT, {}),
            submit=True,
        )
    return programme, cohort, enrolment


#: Every new team URL of an application cohort: (method, path with {q}, {e} and {other}).
REVIEW_URLS = [
    ("get", "applications"),
    ("get", "applications/{e}"),
    ("post", "applications/decide"),
    ("post", "applications/{e}/decide"),
    ("post", "applications/{e}/score"),
    ("post", "applications/{e}/comments"),
]
QUESTION_URLS = [
    ("get", "questions/new"),
    ("post", "questions/new"),
    ("get", "questions/{q}/edit"),
    ("post", "questions/{q}/edit"),
    ("get", "questions/{q}/remove"),
    ("post", "questions/{q}/remove"),
    ("post", "questions/{q}/move"),
]
#: Any field a request may need, so that only the permission decides.
EVERYTHING = {
    **question_form(),
    "direction": "up",
    "action": "reject",
    "message": "No.",
    "score": "1",
    "body": "Hm.",
}


def send(client, school: School, method, path, enrolment, *, cohort=None, question=None):
    """Request a URL of REVIEW_URLS or QUESTION_URLS under the school's programme."""
    cohort, question = cohort or school.cohort, question or school.track
    url = f"/organise/programmes/{school.programme.id}/cohorts/{cohort.id}/" + path.format(
        e=enrolment.id, q=question.id
    )
    if method == "get":
        return client.get(url)
    return client.post(url, data={**EVERYTHING, "enrolment_ids": [str(enrolment.id)]})


def nothing_changed(school: School, enrolment: Enrolment) -> None:
    assert statuses(enrolment) == [enrolment.status]
    assert db.session.scalar(select(func.count(ReviewComment.id))) == 0
    assert db.session.scalar(select(func.count(CohortQuestion.id))) == 3
    assert db.session.get(CohortQuestion, school.track.id).prompt == "Which track?"
    assert db.session.get(Enrolment, enrolment.id).score is None


@pytest.mark.parametrize(("method", "path"), REVIEW_URLS)
def test_does_a_helper_get_403_on_review_pages_and_decisions(
    client, auth, school, submitted, method, path
):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.helper)
    assert send(client, school, method, path, enrolment).status_code == 403
    nothing_changed(school, enrolment)


def test_does_a_helper_see_no_link_to_the_review_queue(client, auth, school):
    auth.login_as(school.helper)
    assert "/applications" not in text(client.get(f"{school.cohort_url}/"))


@pytest.mark.parametrize(("method", "path"), REVIEW_URLS + QUESTION_URLS)
def test_does_someone_outside_the_team_get_404_on_every_new_url(
    client, auth, school, submitted, method, path
):
    enrolment = submitted("Ana Ruiz")
    auth.login_as(school.outsider)
    response = send(client, school, method, path, enrolment)
    assert response.status_code == 404
    assert "Research School" not in text(response)
    nothing_changed(school, enrolment)


@pytest.mark.parametrize(("method", "path"), REVIEW_URLS[1:] + QUESTION_URLS[2:])
def test_is_an_object_of_another_programme_404_under_this_one(
    client, auth, school, other_school, make_user, method, path
):
    """A lead of this school cannot reach another team's applications or questions
    through its own URLs."""
    _, other_cohort, theirs = other_school
    foreign = CohortQuestion(
        cohort_id=other_cohort.id, prompt="Theirs?", kind=QuestionKind.TEXT, position=0
    )
    db.session.add(foreign)
    db.session.commit()
    auth.login_as(school.lead)
    response = send(client, school, method, path, theirs, question=foreign)
    db.session.expire_all()
    assert response.status_code == 404
    assert statuses(theirs) == [S.SUBMITTED]
    assert db.session.get(CohortQuestion, foreign.id).prompt == "Theirs?"
    assert db.session.scalar(select(func.count(ReviewComment.id))) == 0


@pytest.mark.parametrize(("method", "path"), REVIEW_URLS + QUESTION_URLS)
def test_is_another_programmes_cohort_404_under_this_programme(
    client, auth, school, other_school, method, path
):
    _, other_cohort, theirs = other_school
    auth.login_as(school.lead)
    assert send(client, school, method, path, theirs, cohort=other_cohort).status_code == 404
    assert statuses(theirs) == [S.SUBMITTED]


def test_is_the_queue_of_a_booking_cohort_a_404(client, auth, school, make_cohort):
    booking = make_cohort(school.programme)
    auth.login_as(school.lead)
    url = f"/organise/programmes/{school.programme.id}/cohorts/{booking.id}/applications"
    assert client.get(url).status_code == 404
