"""Can a programme's team run it from /organise, and nobody else?"""

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.programmes import images
from app.programmes.models import (
    Cohort,
    CohortSession,
    Organisation,
    Programme,
    ProgrammeMember,
    ProgrammeStatus,
    TeamRole,
)
from tests.conftest import counting_queries
from tests.links import HOSTILE_ADDRESSES, unsafe_links

pytestmark = pytest.mark.usefixtures("upload_folder")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Team:
    programme: Programme
    cohort: Cohort
    session: CohortSession
    lead: User
    organiser: User
    helper: User
    outsider: User

    def urls(self) -> dict[str, str]:
        p, c, s = self.programme.id, self.cohort.id, self.session.id
        cohort = f"/organise/programmes/{p}/cohorts/{c}"
        return {
            "programme": f"/organise/programmes/{p}/",
            "edit": f"/organise/programmes/{p}/edit",
            "status": f"/organise/programmes/{p}/status",
            "team": f"/organise/programmes/{p}/team",
            "role": f"/organise/programmes/{p}/team/{self.member(self.lead).id}/role",
            "remove": f"/organise/programmes/{p}/team/{self.member(self.lead).id}/remove",
            "new_cohort": f"/organise/programmes/{p}/cohorts/new",
            "cohort": f"{cohort}/",
            "edit_cohort": f"{cohort}/edit",
            "new_session": f"{cohort}/sessions/new",
            "weekly": f"{cohort}/sessions/weekly",
            "edit_session": f"{cohort}/sessions/{s}/edit",
            "delete_session": f"{cohort}/sessions/{s}/delete",
        }

    def member(self, user: User) -> ProgrammeMember:
        return next(m for m in self.programme.members if m.user_id == user.id)


@pytest.fixture
def team(make_user, make_programme, make_cohort, make_session) -> Team:
    """A draft programme with a lead, an organiser and a helper; a cohort with one session."""
    lead = make_user(name="Lena Lead", email="lead@example.org", may_create_programmes=True)
    organiser = make_user(name="Oscar Organiser", email="organiser@example.org")
    helper = make_user(name="Hana Helper", email="helper@example.org")
    outsider = make_user(name="Otto Outsider", email="outsider@example.org")
    programme = make_programme(
        title="Robot Lab",
        slug="robot-lab",
        status=ProgrammeStatus.DRAFT,
        team=[(lead, TeamRole.LEAD), (organiser, TeamRole.ORGANISER), (helper, TeamRole.HELPER)],
    )
    cohort = make_cohort(programme, name="Spring")
    session = make_session(cohort, datetime(2035, 3, 10, 10, tzinfo=UTC))
    return Team(programme, cohort, session, lead, organiser, helper, outsider)


@pytest.fixture
def other(make_user, make_programme, make_cohort, make_session):
    """Another team's programme, with its own cohort and session."""
    programme = make_programme(team=[(make_user(), TeamRole.LEAD)])
    cohort = make_cohort(programme)
    return programme, cohort, make_session(cohort)


def text(response) -> str:
    html = response.get_data(as_text=True)
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("&#39;", "'")


def field_error(html: str, field_id: str) -> str:
    """The message shown under one field (empty when there is none)."""
    found = re.search(rf'<p class="field__error" id="{field_id}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def input_value(html: str, field_id: str) -> str | None:
    found = re.search(rf'<input[^>]*id="{field_id}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def programme_form(**overrides) -> dict:
    return {
        "title": "Coding Club",
        "slug": "",
        "kind": "family_workshop",
        "summary": "Children and parents code a game together.",
        "description": "",
        "audience": "Families with children aged 8 to 12",
        "min_age": "8",
        "max_age": "12",
        "language": "en",
        "mode": "in_person",
        "country": "GB",
        "city": "London",
        **overrides,
    }


def cohort_form(**overrides) -> dict:
    return {
        "name": "Autumn",
        "capacity": "24",
        "enrolment_mode": "booking",
        "waitlist_enabled": "y",
        "timezone": "Europe/London",
        "enrol_opens_at": "",
        "enrol_closes_at": "",
        "min_age": "",
        "max_age": "",
        "teachers_only": "",
        "countries_rule": "",
        "completion_share": "75",
        "cpd_hours": "",
        **overrides,
    }


def session_form(**overrides) -> dict:
    return {
        "day": "2035-03-17",
        "starts": "10:00",
        "ends": "12:00",
        "timezone": "Europe/London",
        "title": "",
        "venue": "Lab 2",
        "online_url": "",
        **overrides,
    }


# Who may come in


@pytest.mark.parametrize("path", ["/organise/", "/organise/programmes/new"])
def test_must_visitors_log_in_to_organise(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_does_someone_with_no_team_see_an_explanation(client, auth, make_user):
    auth.login_as(make_user(email="sam@example.org"))
    response = client.get("/organise/")
    html = text(response)
    assert response.status_code == 200
    assert "Nothing to organise yet" in html
    assert "sam@example.org" in html
    assert "New programme" not in html


def test_may_a_participant_create_a_programme(client, auth, make_user):
    auth.login_as(make_user())
    assert client.get("/organise/programmes/new").status_code == 403
    response = client.post("/organise/programmes/new", data=programme_form())
    assert response.status_code == 403
    assert "needs an admin's permission" in text(response)
    assert db.session.scalar(select(Programme)) is None


@pytest.mark.parametrize("rights", [{"may_create_programmes": True}, {"is_admin": True}])
def test_can_a_programme_creator_or_an_admin_create_a_programme(client, auth, make_user, rights):
    creator = auth.login_as(make_user(**rights))
    assert "New programme" in text(client.get("/organise/"))
    response = client.post(
        "/organise/programmes/new",
        data=programme_form(home_countries=["GB", "IE"], teachers_only="y"),
    )
    programme = db.session.scalar(select(Programme))
    assert response.headers["Location"] == f"/organise/programmes/{programme.id}/"
    assert programme.slug == "coding-club"
    assert programme.status == ProgrammeStatus.DRAFT
    assert (programme.min_age, programme.max_age, programme.teachers_only) == (8, 12, True)
    assert programme.home_countries == ["GB", "IE"]
    assert [(m.user_id, m.role) for m in programme.members] == [(creator.id, TeamRole.LEAD)]


def test_is_the_organise_link_shown_to_team_members_and_creators_only(
    client, auth, make_user, team
):
    for user, shown in [
        (team.helper, True),
        (make_user(may_create_programmes=True), True),
        (team.outsider, False),
    ]:
        auth.login_as(user)
        assert ('href="/organise/"' in text(client.get("/"))) is shown, user.name


# The dashboard


def test_does_the_dashboard_list_my_programmes_with_role_status_and_next_session(
    client, auth, team, other
):
    auth.login_as(team.helper)
    html = text(client.get("/organise/"))
    assert "Robot Lab" in html
    assert other[0].title not in html
    start = html.index("Robot Lab")
    row = html[start : html.index("</tr>", start)]
    assert 'data-label="Your role">Helper</td>' in row
    assert "badge--draft" in row
    assert 'data-label="Cohorts">1</td>' in row
    assert "Sat, 10 Mar 2035, 10:00\u201312:00" in row
    assert '<span class="zone">London Time</span>' in row


def test_does_the_dashboard_run_as_many_queries_for_five_programmes_as_for_one(
    client, auth, make_user, make_programme, make_cohort, make_session
):
    me = auth.login_as(make_user(may_create_programmes=True))

    def add_programme():
        programme = make_programme(team=[(me, TeamRole.ORGANISER)])
        for _ in range(2):
            make_session(make_cohort(programme))

    add_programme()
    with counting_queries() as one:
        client.get("/organise/")
    for _ in range(4):
        add_programme()
    with counting_queries() as five:
        html = text(client.get("/organise/"))
    assert html.count('data-label="Your role">Organiser') == 5
    assert len(five) == len(one)


# Roles: who may see and change what


@pytest.mark.parametrize("who", ["lead", "organiser"])
def test_can_a_lead_or_an_organiser_edit_the_programme(client, auth, team, who):
    auth.login_as(getattr(team, who))
    assert client.get(team.urls()["edit"]).status_code == 200
    response = client.post(
        team.urls()["edit"], data=programme_form(title="Robot Lab 2", slug="robot-lab")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (team.programme.title, team.programme.slug) == ("Robot Lab 2", "robot-lab")


# Who signs the certificates: the lead's choice

SIGNATORY = {"signatory_name": "Dr Jane Smith", "signatory_title": "Director of Outreach"}


def signatory(programme: Programme) -> tuple:
    db.session.expire_all()
    return programme.signatory_name, programme.signatory_title


def test_does_a_lead_choose_who_signs_the_certificates(client, auth, team):
    auth.login_as(team.lead)
    html = text(client.get(team.urls()["edit"]))
    assert 'id="signatory_name"' in html
    response = client.post(team.urls()["edit"], data=programme_form(**SIGNATORY))
    assert response.status_code == 302
    assert signatory(team.programme) == ("Dr Jane Smith", "Director of Outreach")
    html = text(client.get(team.urls()["edit"]))
    assert input_value(html, "signatory_title") == "Director of Outreach"
    client.post(team.urls()["edit"], data=programme_form(signatory_name=" ", signatory_title=""))
    assert signatory(team.programme) == (None, None)


def test_is_a_role_without_a_name_refused(client, auth, team):
    auth.login_as(team.lead)
    response = client.post(
        team.urls()["edit"], data=programme_form(signatory_title="Director of Outreach")
    )
    assert response.status_code == 422
    assert "Give the name of who signs" in field_error(text(response), "signatory_name")
    assert signatory(team.programme) == (None, None)


def test_does_an_organiser_see_who_signs_without_choosing(client, auth, team):
    team.programme.signatory_name, team.programme.signatory_title = "Dr Jane Smith", "Director"
    db.session.commit()
    auth.login_as(team.organiser)
    html = text(client.get(team.urls()["edit"]))
    assert 'id="signatory_name"' not in html
    assert "Signed by Dr Jane Smith, Director." in html
    data = programme_form(title="Robot Lab 2", slug="robot-lab", signatory_name="Oscar")
    assert client.post(team.urls()["edit"], data=data).status_code == 302
    db.session.expire_all()
    assert team.programme.title == "Robot Lab 2"
    assert signatory(team.programme) == ("Dr Jane Smith", "Director")


def test_can_a_helper_choose_who_signs(client, auth, team):
    auth.login_as(team.helper)
    response = client.post(team.urls()["edit"], data=programme_form(**SIGNATORY))
    assert response.status_code == 403
    assert signatory(team.programme) == (None, None)


def test_does_the_creator_of_a_programme_choose_who_signs(client, auth, make_user):
    auth.login_as(make_user(may_create_programmes=True))
    assert 'id="signatory_name"' in text(client.get("/organise/programmes/new"))
    client.post("/organise/programmes/new", data=programme_form(**SIGNATORY))
    programme = db.session.scalar(select(Programme))
    assert signatory(programme) == ("Dr Jane Smith", "Director of Outreach")


EDIT_PAGES = ["edit", "new_cohort", "edit_cohort", "new_session", "weekly", "edit_session"]
TEAM_POSTS = ["team", "role", "remove"]
EDIT_POSTS = [*EDIT_PAGES, "status", "delete_session", *TEAM_POSTS]


@pytest.mark.parametrize("page", EDIT_PAGES)
def test_can_a_helper_open_an_edit_page(client, auth, team, page):
    auth.login_as(team.helper)
    assert client.get(team.urls()[page]).status_code == 403


@pytest.mark.parametrize("page", EDIT_POSTS)
def test_can_a_helper_change_anything(client, auth, team, page):
    auth.login_as(team.helper)
    response = client.post(
        team.urls()[page],
        data={**programme_form(), **session_form(), "status": "published", "role": "helper"},
    )
    assert response.status_code == (404 if page in TEAM_POSTS else 403)
    db.session.expire_all()
    assert team.programme.status == ProgrammeStatus.DRAFT
    assert len(team.cohort.sessions) == 1


def test_does_a_helper_see_the_overview_without_edit_buttons(client, auth, team):
    auth.login_as(team.helper)
    response = client.get(team.urls()["programme"])
    html = text(response)
    assert response.status_code == 200
    assert "Spring" in html
    for hidden in ('value="published"', "New cohort", team.urls()["edit"], "/status"):
        assert hidden not in html
    cohort_page = text(client.get(team.urls()["cohort"]))
    assert "London Time" in cohort_page
    for hidden in ("/sessions/new", "/sessions/weekly", "/edit", "/delete"):
        assert hidden not in cohort_page


@pytest.mark.parametrize("page", ["programme", "cohort"])
def test_can_a_helper_see_the_programme_and_cohort(client, auth, team, page):
    auth.login_as(team.helper)
    assert client.get(team.urls()[page]).status_code == 200


def test_is_the_team_page_hidden_from_a_helper(client, auth, team):
    """Who else is on the team, with their emails, is not a helper's business: the page
    answers as if it did not exist, and no tab leads to it."""
    auth.login_as(team.helper)
    response = client.get(team.urls()["team"])
    assert response.status_code == 404
    assert "organiser@example.org" not in text(response)
    assert team.urls()["team"] not in text(client.get(team.urls()["programme"]))


@pytest.mark.parametrize("who", ["lead", "organiser"])
def test_do_leads_and_organisers_find_the_team_tab(client, auth, team, who):
    auth.login_as(getattr(team, who))
    assert f'href="{team.urls()["team"]}"' in text(client.get(team.urls()["programme"]))


ALL_PAGES = ["programme", "edit", "team", "new_cohort", "cohort", "edit_cohort"]
ALL_PAGES += ["new_session", "weekly", "edit_session", "delete_session"]


@pytest.mark.parametrize("page", ALL_PAGES)
def test_does_someone_outside_the_team_get_404_on_every_page(client, auth, team, page):
    auth.login_as(team.outsider)
    response = client.get(team.urls()[page])
    assert response.status_code == 404
    assert "Robot Lab" not in text(response)


@pytest.mark.parametrize("page", EDIT_POSTS)
def test_does_someone_outside_the_team_get_404_on_every_change(client, auth, team, page):
    auth.login_as(team.outsider)
    assert client.post(team.urls()[page], data={"status": "published"}).status_code == 404


BIG = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        "/organise/programmes/999/",
        f"/organise/programmes/{BIG}/",
        f"/organise/programmes/{{p}}/cohorts/{BIG}/",
        f"/organise/programmes/{{p}}/cohorts/{{c}}/sessions/{BIG}/edit",
        f"/admin/organisations/{BIG}/edit",
        f"/admin/outbox/{BIG}",
    ],
)
def test_is_an_unknown_or_impossible_id_a_404(client, auth, make_user, team, path):
    auth.login_as(make_user(is_admin=True))
    url = path.format(p=team.programme.id, c=team.cohort.id)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/organise/programmes/{p}/cohorts/{other_cohort}/"),
        ("get", "/organise/programmes/{p}/cohorts/{other_cohort}/edit"),
        ("post", "/organise/programmes/{p}/cohorts/{other_cohort}/edit"),
        ("post", "/organise/programmes/{p}/cohorts/{other_cohort}/sessions/new"),
        ("post", "/organise/programmes/{p}/cohorts/{other_cohort}/sessions/weekly"),
        ("get", "/organise/programmes/{p}/cohorts/{c}/sessions/{other_session}/edit"),
        ("post", "/organise/programmes/{p}/cohorts/{c}/sessions/{other_session}/edit"),
        ("post", "/organise/programmes/{p}/cohorts/{c}/sessions/{other_session}/delete"),
        ("post", "/organise/programmes/{p}/cohorts/{other_cohort}/sessions/{other_session}/delete"),
        ("post", "/organise/programmes/{p}/team/{other_member}/role"),
        ("post", "/organise/programmes/{p}/team/{other_member}/remove"),
    ],
)
def test_is_an_object_of_another_programme_404_under_this_one(
    client, auth, team, other, method, path
):
    """A lead of programme A cannot reach B's cohorts, sessions or team through A's URLs."""
    other_programme, other_cohort, other_session = other
    auth.login_as(team.lead)
    url = path.format(
        p=team.programme.id,
        c=team.cohort.id,
        other_cohort=other_cohort.id,
        other_session=other_session.id,
        other_member=other_programme.members[0].id,
    )
    data = {**cohort_form(), **session_form(), "count": "2", "every_weeks": "1"}
    data[f"member-{other_programme.members[0].id}-role"] = "helper"
    response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
    assert response.status_code == 404
    db.session.expire_all()
    assert other_cohort.name != "Autumn"
    assert len(other_cohort.sessions) == 1
    assert [m.role for m in other_programme.members] == [TeamRole.LEAD]


# Editing the programme


def test_is_a_duplicate_slug_shown_next_to_the_field_with_what_was_typed(
    client, auth, team, make_programme
):
    make_programme(slug="coding-club")
    auth.login_as(team.lead)
    response = client.post(
        team.urls()["edit"], data=programme_form(title="My new title", slug="coding-club")
    )
    html = text(response)
    assert response.status_code == 422
    assert "Another programme uses this web address" in field_error(html, "slug")
    assert input_value(html, "title") == "My new title"
    assert input_value(html, "slug") == "coding-club"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "robot lab!"}, "slug", "Use lower-case letters"),
        ({"title": ""}, "title", "This field is required."),
        ({"city": ""}, "city", "Enter the city"),
        ({"country": ""}, "country", "Choose the country"),
        ({"min_age": "12", "max_age": "8"}, "max_age", "cannot be below the minimum"),
        ({"min_age": "eight"}, "min_age", "Not a valid integer value."),
        ({"language": "xx"}, "language", "Not a valid choice"),
        ({"home_countries": ["ZZ"]}, "home_countries", "'ZZ' is not a valid choice"),
        ({"partner_ids": ["abc"]}, "partner_ids", "could not be coerced"),
    ],
)
def test_is_a_programme_that_breaks_a_rule_refused_with_422(
    client, auth, make_user, make_organisation, changes, field, message
):
    make_organisation()
    auth.login_as(make_user(may_create_programmes=True))
    response = client.post("/organise/programmes/new", data=programme_form(**changes))
    html = text(response)
    assert response.status_code == 422
    assert message in field_error(html, field)
    assert "Children and parents code a game together." in html  # the summary is kept
    assert db.session.scalar(select(Programme)) is None


def test_may_an_online_programme_leave_country_and_city_blank(client, auth, make_user):
    auth.login_as(make_user(may_create_programmes=True))
    response = client.post(
        "/organise/programmes/new", data=programme_form(mode="online", country="", city="")
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Programme.is_online)) is True


def test_are_country_and_language_names_localised(client, auth, make_user):
    auth.login_as(make_user(may_create_programmes=True, locale="es"))
    html = text(client.get("/organise/programmes/new"))
    assert '<option value="MX">México</option>' in html
    assert '<option value="yue">cantonés</option>' in html
    assert 'value="EU"' not in html
    assert 'value="001"' not in html


def test_can_partners_be_chosen(client, auth, make_user, make_organisation):
    ipn = make_organisation(name="Instituto Politécnico Nacional", country="MX")
    auth.login_as(make_user(may_create_programmes=True))
    client.post("/organise/programmes/new", data=programme_form(partner_ids=[str(ipn.id)]))
    assert db.session.scalar(select(Programme)).partners == [ipn]


# Images


def upload(client, team, data: bytes, filename: str):
    return client.post(
        team.urls()["edit"],
        data={**programme_form(slug="robot-lab"), "image": (io.BytesIO(data), filename)},
    )


def test_is_an_uploaded_image_kept_and_served_with_a_long_cache(client, auth, team, upload_folder):
    auth.login_as(team.lead)
    assert upload(client, team, PNG, "robot.png").status_code == 302
    db.session.expire_all()
    name = team.programme.image
    assert (upload_folder / "programmes" / name).exists()
    assert f"/media/programmes/{name}" in text(client.get(team.urls()["programme"]))
    with client.get(f"/media/programmes/{name}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.data == PNG
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<?php echo 'hi';", "This file is not a PNG, JPEG or WebP image."),
        (PNG + b"\x00" * 1024, "The image is larger than 2 MB."),
    ],
)
def test_is_a_file_that_is_not_a_small_image_refused(
    client, auth, team, upload_folder, monkeypatch, data, message
):
    # A small limit stands in for 2 MB, so that the test client keeps the upload in memory.
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 1024)
    auth.login_as(team.lead)
    response = upload(client, team, data, "robot.png")
    assert response.status_code == 422
    assert message in field_error(text(response), "image")
    db.session.expire_all()
    assert team.programme.image is None
    assert not upload_folder.exists() or not list(upload_folder.glob("**/*.*"))


def test_is_a_request_too_large_for_any_image_refused_before_it_is_read(app, client, auth, team):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    auth.login_as(team.lead)
    response = upload(client, team, PNG + b"\x00" * 8192, "huge.png")
    assert response.status_code == 413
    assert "Images can be at most 2 MB." in text(response)


@pytest.mark.parametrize("name", ["missing0123456789abcdef.png", "..%2Fconvene.db", "x.png"])
def test_are_only_stored_images_served(client, name):
    with client.get(f"/media/programmes/{name}") as response:
        assert response.status_code == 404


# Status


def test_can_an_organiser_publish_archive_and_bring_back_a_programme(client, auth, team):
    auth.login_as(team.organiser)
    for status in ("published", "archived", "draft"):
        response = client.post(team.urls()["status"], data={"status": status})
        assert response.status_code == 302
        db.session.expire_all()
        assert team.programme.status == status
    assert "The programme is now: Draft." in text(client.get(team.urls()["programme"]))


def test_does_the_overview_offer_only_the_next_steps(client, auth, team):
    auth.login_as(team.lead)
    html = text(client.get(team.urls()["programme"]))
    assert 'value="published">Publish</button>' in html
    assert 'value="archived"' not in html


def test_is_publishing_without_a_summary_refused_with_a_message(client, auth, team):
    team.programme.summary = ""
    db.session.commit()
    auth.login_as(team.lead)
    response = client.post(team.urls()["status"], data={"status": "published"})
    assert response.status_code == 422
    assert "Add a title and a summary before publishing." in text(response)
    db.session.expire_all()
    assert team.programme.status == ProgrammeStatus.DRAFT


def test_is_an_unknown_status_a_bad_request(client, auth, team):
    auth.login_as(team.lead)
    assert client.post(team.urls()["status"], data={"status": "deleted"}).status_code == 400


# The team


def test_can_a_lead_add_an_existing_account_by_email(client, auth, team, make_user):
    make_user(name="Wong Ka-yan", email="wong@example.org")
    auth.login_as(team.lead)
    response = client.post(
        team.urls()["team"], data={"email": "WONG@example.org", "role": "helper"}
    )
    assert response.status_code == 302
    assert "Wong Ka-yan is on the team as Helper." in text(client.get(team.urls()["team"]))


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "No account uses this email"),
        ("organiser@example.org", "This person is on the team already."),
        ("not-an-email", "Enter an email address like name@example.org."),
    ],
)
def test_is_adding_someone_who_cannot_be_added_refused(client, auth, team, email, message):
    auth.login_as(team.lead)
    response = client.post(team.urls()["team"], data={"email": email, "role": "organiser"})
    html = text(response)
    assert response.status_code == 422
    assert message in field_error(html, "email")
    assert input_value(html, "email") == email
    db.session.expire_all()
    assert len(team.programme.members) == 3


def test_can_a_lead_change_a_role_and_remove_someone(client, auth, team):
    auth.login_as(team.lead)
    organiser = team.member(team.organiser)
    url = f"{team.urls()['team']}/{organiser.id}"
    assert (
        client.post(f"{url}/role", data={f"member-{organiser.id}-role": "lead"}).status_code == 302
    )
    db.session.expire_all()
    assert organiser.role == TeamRole.LEAD
    helper = team.member(team.helper)
    assert client.post(f"{team.urls()['team']}/{helper.id}/remove").status_code == 302
    db.session.expire_all()
    assert {m.user.name for m in team.programme.members} == {"Lena Lead", "Oscar Organiser"}


def test_can_the_last_lead_step_down(client, auth, team):
    auth.login_as(team.lead)
    lead = team.member(team.lead)
    response = client.post(team.urls()["role"], data={f"member-{lead.id}-role": "organiser"})
    html = text(response)
    assert response.status_code == 422
    assert "A programme needs at least one lead." in field_error(html, f"member-{lead.id}-role")
    assert re.search(r'<option selected value="organiser">', html)  # what was chosen is kept
    db.session.expire_all()
    assert lead.role == TeamRole.LEAD


def test_can_the_last_lead_be_removed(client, auth, team):
    auth.login_as(team.lead)
    response = client.post(team.urls()["remove"])
    assert response.status_code == 422
    assert "Lena Lead is the only lead." in text(response)
    db.session.expire_all()
    assert len(team.programme.members) == 3


def test_does_an_organiser_see_the_team_without_changing_it(client, auth, team):
    auth.login_as(team.organiser)
    html = text(client.get(team.urls()["team"]))
    assert "Lena Lead" in html
    assert "Add to the team" not in html
    assert "/remove" not in html
    response = client.post(team.urls()["team"], data={"email": "x@example.org", "role": "lead"})
    assert response.status_code == 403


# Cohorts


def test_can_an_organiser_create_a_cohort(client, auth, team):
    auth.login_as(team.organiser)
    response = client.post(
        team.urls()["new_cohort"],
        data=cohort_form(
            timezone="Asia/Hong_Kong",
            enrol_opens_at="2035-03-01T09:00",
            enrol_closes_at="2035-03-20T17:00",
            completion_share="80",
            cpd_hours="12.5",
            countries_rule="listed",
            home_countries=["HK"],
            teachers_only="yes",
        ),
    )
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Autumn"))
    assert (
        response.headers["Location"]
        == f"/organise/programmes/{team.programme.id}/cohorts/{cohort.id}/"
    )
    assert cohort.enrol_opens_at == datetime(2035, 3, 1, 1, 0, tzinfo=UTC)
    assert cohort.enrol_closes_at == datetime(2035, 3, 20, 9, 0, tzinfo=UTC)
    assert str(cohort.completion_share) == "0.80"
    assert str(cohort.cpd_hours) == "12.5"
    assert (cohort.home_countries, cohort.teachers_only) == (["HK"], True)


def test_does_the_cohort_form_show_enrolment_dates_in_the_cohorts_time_zone(client, auth, team):
    team.cohort.timezone = "America/Bogota"
    team.cohort.enrol_opens_at = datetime(2035, 2, 1, 14, 0, tzinfo=UTC)
    db.session.commit()
    auth.login_as(team.lead)
    html = text(client.get(team.urls()["edit_cohort"]))
    assert input_value(html, "enrol_opens_at") == "2035-02-01T09:00"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"capacity": "abc"}, "capacity", "Not a valid integer value."),
        ({"capacity": "0"}, "capacity", "at least one seat"),
        ({"capacity": "99999999999999999999"}, "capacity", "at most 100000 seats"),
        ({"timezone": "Mars/Base"}, "timezone", "Not a valid choice"),
        (
            {"enrol_opens_at": "2035-03-02T09:00", "enrol_closes_at": "2035-03-01T09:00"},
            "enrol_closes_at",
            "Enrolment must close after it opens.",
        ),
        ({"enrol_opens_at": "next week"}, "enrol_opens_at", "Not a valid datetime value."),
        ({"min_age": "12", "max_age": "7"}, "max_age", "cannot be below the minimum"),
        ({"completion_share": "120"}, "completion_share", "from 0 to 100 percent"),
        ({"cpd_hours": "-2"}, "cpd_hours", "from 0 to 9999.9"),
        ({"cpd_hours": "lots"}, "cpd_hours", "Not a valid decimal value."),
        ({"cpd_hours": "NaN"}, "cpd_hours", "Not a valid decimal value."),
        ({"cpd_hours": "-Infinity"}, "cpd_hours", "Not a valid decimal value."),
        ({"countries_rule": "listed"}, "home_countries", "Choose at least one country"),
    ],
)
def test_is_a_cohort_that_breaks_a_rule_refused_with_422(
    client, auth, team, changes, field, message
):
    auth.login_as(team.lead)
    response = client.post(team.urls()["new_cohort"], data=cohort_form(**changes))
    html = text(response)
    assert response.status_code == 422
    assert message in field_error(html, field)
    assert input_value(html, "name") == "Autumn"
    assert db.session.scalar(select(Cohort).where(Cohort.name == "Autumn")) is None


def test_is_capacity_below_the_seats_taken_refused_with_422(client, auth, team):
    team.cohort.seats_taken = 15
    db.session.commit()
    auth.login_as(team.lead)
    response = client.post(team.urls()["edit_cohort"], data=cohort_form(capacity="10"))
    html = text(response)
    assert response.status_code == 422
    assert "15 seats are taken already" in field_error(html, "capacity")
    assert input_value(html, "capacity") == "10"
    db.session.expire_all()
    assert team.cohort.capacity == 20


def test_does_the_overview_list_cohorts_with_dates_seats_and_state(client, auth, team):
    team.cohort.seats_taken = 5
    db.session.commit()
    auth.login_as(team.helper)
    html = text(client.get(team.urls()["programme"]))
    row = html[html.index(">Spring</a>") :]
    assert "Sat, 10 Mar 2035" in row
    assert "5 of 20" in row
    assert "Open" in row


# Sessions


def test_does_the_cohort_page_show_sessions_where_they_happen(client, auth, team, make_session):
    make_session(
        team.cohort, datetime(2035, 3, 17, 2, tzinfo=UTC), timezone="Asia/Hong_Kong", venue="HKU"
    )
    auth.login_as(team.helper)
    html = text(client.get(team.urls()["cohort"]))
    assert "Sat, 10 Mar 2035, 10:00" in html
    assert "London Time" in html
    assert "Sat, 17 Mar 2035, 10:00" in html  # 02:00 UTC is 10:00 in Hong Kong
    assert "Hong Kong Time" in html


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_is_a_stored_joining_link_that_is_no_web_address_shown_as_text(client, auth, team, address):
    """Saved before links were checked, or imported: never a link the team might follow."""
    team.session.online_url = address
    db.session.commit()
    auth.login_as(team.helper)
    html = text(client.get(team.urls()["cohort"]))
    assert unsafe_links(html) == []
    assert "alert(1)" in html


def test_can_an_organiser_add_a_session(client, auth, team):
    auth.login_as(team.organiser)
    form = text(client.get(team.urls()["new_session"]))
    assert input_value(form, "day") == "2035-03-17"  # a week after the last one
    response = client.post(
        team.urls()["new_session"],
        data=session_form(timezone="America/Mexico_City", title="Week 2", venue=""),
        follow_redirects=False,
    )
    assert response.status_code == 422  # neither a venue nor a link
    response = client.post(
        team.urls()["new_session"],
        data=session_form(
            timezone="America/Mexico_City",
            title="Week 2",
            venue="",
            online_url="https://meet.example.org/x",
        ),
    )
    assert response.status_code == 302
    session = db.session.scalar(select(CohortSession).where(CohortSession.title == "Week 2"))
    assert session.starts_at == datetime(2035, 3, 17, 16, tzinfo=UTC)
    assert session.is_online


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts": "12:00", "ends": "10:00"}, "ends", "The session must end after it starts."),
        ({"timezone": "Europe/Atlantis"}, "timezone", "Not a valid choice"),
        ({"venue": "", "online_url": ""}, "venue", "Give a venue, an online link, or both."),
        ({"online_url": "meet.example.org"}, "online_url", "starting with https://"),
        ({"online_url": "https://[meet.example.org"}, "online_url", "starting with https://"),
        ({"day": "31/02/2035"}, "day", "Not a valid date value."),
        ({"starts": "ten"}, "starts", "Not a valid time value."),
    ],
)
def test_is_a_session_that_breaks_a_rule_refused_with_422(
    client, auth, team, changes, field, message
):
    auth.login_as(team.lead)
    response = client.post(team.urls()["new_session"], data=session_form(title="Kept", **changes))
    html = text(response)
    assert response.status_code == 422
    assert message in field_error(html, field)
    assert input_value(html, "title") == "Kept"
    db.session.expire_all()
    assert len(team.cohort.sessions) == 1


def test_does_repeat_weekly_add_every_session_across_the_clock_change(client, auth, team):
    """UK clocks go back on 28 October 2035: 10:00 is 09:00 UTC before and 10:00 UTC after."""
    auth.login_as(team.lead)
    response = client.post(
        team.urls()["weekly"],
        data={
            "first_day": "2035-10-13",
            "starts": "10:00",
            "ends": "12:00",
            "count": "6",
            "every_weeks": "1",
            "timezone": "Europe/London",
            "venue": "Lab 2",
        },
    )
    assert response.status_code == 302
    assert "6 sessions are added." in text(client.get(response.headers["Location"]))
    db.session.expire_all()
    added = [s for s in team.cohort.sessions if s.venue == "Lab 2"]
    assert [s.starts_at.strftime("%d %H:%M") for s in added] == [
        "13 09:00",
        "20 09:00",
        "27 09:00",
        "03 10:00",
        "10 10:00",
        "17 10:00",
    ]


def test_is_a_repeat_with_too_many_weeks_refused_with_422(client, auth, team):
    auth.login_as(team.lead)
    response = client.post(
        team.urls()["weekly"],
        data={
            "first_day": "2035-10-13",
            "starts": "10:00",
            "ends": "12:00",
            "count": "60",
            "every_weeks": "1",
            "timezone": "Europe/London",
            "venue": "Lab 2",
        },
    )
    assert response.status_code == 422
    assert "from 1 to 52" in field_error(text(response), "count")
    assert input_value(text(response), "count") == "60"


def test_can_a_session_be_edited_in_its_own_time_zone(client, auth, team):
    auth.login_as(team.lead)
    html = text(client.get(team.urls()["edit_session"]))
    assert input_value(html, "starts") == "10:00"
    response = client.post(
        team.urls()["edit_session"],
        data=session_form(day="2035-03-10", starts="14:00", ends="16:00"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert team.session.starts_at == datetime(2035, 3, 10, 14, tzinfo=UTC)


def test_is_a_session_deleted_only_after_confirming(client, auth, team):
    auth.login_as(team.lead)
    confirm = client.get(team.urls()["delete_session"])
    assert confirm.status_code == 200
    assert "Delete this session?" in text(confirm)
    db.session.expire_all()
    assert len(team.cohort.sessions) == 1
    response = client.post(team.urls()["delete_session"])
    assert response.status_code == 302
    db.session.expire_all()
    assert team.cohort.sessions == []


# Pages are well formed


def test_do_organise_pages_have_no_inline_script_or_style(client, auth, team):
    auth.login_as(team.lead)
    for page, url in team.urls().items():
        if page in ("status", "role", "remove"):
            continue
        html = text(client.get(url))
        assert "<script" not in html, page
        assert " style=" not in html, page
        assert " onclick=" not in html, page


# Admin: organisations


ADMIN_ORGANISATION_PAGES = ["/admin/organisations", "/admin/organisations/new"]


@pytest.mark.parametrize("path", ADMIN_ORGANISATION_PAGES)
def test_are_organisations_closed_to_non_admins(client, auth, make_user, path):
    auth.login_as(make_user(may_create_programmes=True))
    assert client.get(path).status_code == 403
    assert client.post(path, data={"name": "X", "country": "GB"}).status_code in (403, 405)
    assert db.session.scalar(select(Organisation)) is None


def test_can_an_admin_add_list_and_edit_organisations(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    assert 'href="/admin/organisations"' in text(client.get("/admin/"))
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "Instituto Politécnico Nacional",
            "country": "MX",
            "website": "https://www.ipn.mx",
        },
    )
    assert response.headers["Location"] == "/admin/organisations"
    listing = text(client.get("/admin/organisations"))
    assert "Instituto Politécnico Nacional" in listing
    assert "Mexico" in listing
    organisation = db.session.scalar(select(Organisation))
    edit = f"/admin/organisations/{organisation.id}/edit"
    assert input_value(text(client.get(edit)), "name") == "Instituto Politécnico Nacional"
    client.post(edit, data={"name": "IPN", "country": "MX", "website": ""})
    db.session.expire_all()
    assert (organisation.name, organisation.website) == ("IPN", None)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "unam", "country": "MX"}, "name", "exists already"),
        ({"name": "IPN", "country": ""}, "country", "Choose a country"),
        ({"name": "IPN", "country": "MX", "website": "ipn.mx"}, "website", "https://"),
        ({"name": "IPN", "country": "MX", "website": "https://[ipn.mx"}, "website", "https://"),
        ({"name": "", "country": "MX"}, "name", "This field is required."),
    ],
)
def test_is_an_organisation_with_bad_details_refused_with_422(
    client, auth, make_user, make_organisation, data, field, message
):
    make_organisation(name="UNAM", country="MX")
    auth.login_as(make_user(is_admin=True))
    response = client.post("/admin/organisations/new", data=data)
    assert response.status_code == 422
    assert message in field_error(text(response), field)


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_is_a_stored_website_that_is_no_web_address_shown_as_text(
    client, auth, make_user, make_organisation, address
):
    make_organisation(name="UNAM", website=address)
    make_organisation(name="IPN", website="https://www.ipn.mx")
    auth.login_as(make_user(is_admin=True))
    html = text(client.get("/admin/organisations"))
    assert unsafe_links(html) == []
    assert "alert(1)" in html
    assert 'href="https://www.ipn.mx"' in html


def test_is_an_unknown_organisation_a_404(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    assert client.get("/admin/organisations/999/edit").status_code == 404
