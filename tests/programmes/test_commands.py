"""Do the programme services keep the rules, called as plain functions without HTTP?"""

import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.extensions import db
from app.programmes import commands, images
from app.programmes.commands import CohortDetails, ProgrammeDetails, SessionDetails
from app.programmes.models import ProgrammeKind, ProgrammeStatus, TeamRole

pytestmark = pytest.mark.usefixtures("upload_folder")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def details(**overrides) -> ProgrammeDetails:
    values = {
        "title": "Robot Lab",
        "kind": ProgrammeKind.FAMILY_WORKSHOP,
        "language": "en",
        "summary": "Build a robot with your children.",
        "country": "GB",
        "city": "London",
        **overrides,
    }
    return ProgrammeDetails(**values)


def cohort_details(**overrides) -> CohortDetails:
    return CohortDetails(
        **{"name": "Spring", "capacity": 20, "timezone": "Europe/London", **overrides}
    )


def session_details(**overrides) -> SessionDetails:
    values = {
        "day": date(2026, 3, 14),
        "starts": time(10, 0),
        "ends": time(12, 0),
        "timezone": "Europe/London",
        "venue": "Main hall",
        **overrides,
    }
    return SessionDetails(**values)


@pytest.fixture
def creator(make_user):
    return make_user(name="Priya Raman", may_create_programmes=True)


@pytest.fixture
def programme(creator):
    return commands.create_programme(creator, details())


# Creating and editing programmes


def test_does_creating_a_programme_make_its_creator_the_lead_of_a_draft(creator):
    programme = commands.create_programme(creator, details())
    assert programme.status == ProgrammeStatus.DRAFT
    assert [(m.user, m.role) for m in programme.members] == [(creator, TeamRole.LEAD)]
    assert programme.slug == "robot-lab"


def test_may_a_participant_create_a_programme(make_user):
    with pytest.raises(Refusal) as refused:
        commands.create_programme(make_user(), details())
    assert refused.value.code == "not_allowed"


def test_may_an_admin_create_a_programme(make_user):
    programme = commands.create_programme(make_user(is_admin=True), details())
    assert programme.id is not None


def test_is_a_suggested_slug_made_unique(creator):
    first = commands.create_programme(creator, details())
    second = commands.create_programme(creator, details())
    assert (first.slug, second.slug) == ("robot-lab", "robot-lab-2")


def test_does_a_title_without_latin_letters_still_get_a_slug(creator):
    assert commands.create_programme(creator, details(title="家庭科學工作坊")).slug == "programme"


def test_is_a_slug_taken_by_another_programme_refused(creator, programme):
    with pytest.raises(Refusal) as refused:
        commands.create_programme(creator, details(slug="robot-lab"))
    assert refused.value.code == "slug_taken"
    assert set(refused.value.errors) == {"slug"}


def test_may_a_programme_keep_its_own_slug_when_edited(programme):
    commands.update_programme(programme, details(slug="robot-lab", summary="New words."))
    assert (programme.slug, programme.summary) == ("robot-lab", "New words.")


@pytest.mark.parametrize("slug", ["Robot Lab", "robot--lab", "-robot", "robot_lab", "x" * 81])
def test_is_a_slug_that_is_not_url_safe_refused(creator, slug):
    with pytest.raises(Refusal) as refused:
        commands.create_programme(creator, details(slug=slug))
    assert refused.value.code == "invalid"
    assert "slug" in refused.value.errors


def test_does_an_in_person_programme_need_a_country_and_city(creator):
    with pytest.raises(Refusal) as refused:
        commands.create_programme(creator, details(country=None, city=""))
    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == {"country", "city"}


def test_does_an_online_programme_drop_its_place(creator):
    programme = commands.create_programme(creator, details(is_online=True))
    assert (programme.country, programme.city) == (None, None)


def test_are_all_broken_rules_reported_at_once(creator, make_programme):
    make_programme(slug="taken")
    with pytest.raises(Refusal) as refused:
        commands.create_programme(
            creator,
            details(
                slug="taken", min_age=12, max_age=7, home_countries=["MX", "XX"], language="xx"
            ),
        )
    assert refused.value.code == "slug_taken"
    assert set(refused.value.errors) == {"slug", "max_age", "home_countries", "language"}


def test_are_unknown_partner_organisations_refused(creator, make_organisation):
    known = make_organisation()
    with pytest.raises(Refusal) as refused:
        commands.create_programme(creator, details(partner_ids=[known.id, 999]))
    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == {"partner_ids"}


def test_are_partners_saved(creator, make_organisation):
    ipn, unam = make_organisation(name="IPN", country="MX"), make_organisation(name="UNAM")
    programme = commands.create_programme(creator, details(partner_ids=[unam.id, ipn.id]))
    assert programme.partners == [ipn, unam]


# Images


def test_is_an_uploaded_image_stored_under_a_random_name(creator, upload_folder):
    programme = commands.create_programme(creator, details(), image=io.BytesIO(PNG))
    assert images.NAME_PATTERN.match(programme.image)
    assert programme.image.endswith(".png")
    assert (upload_folder / "programmes" / programme.image).read_bytes() == PNG


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 64, "not a PNG, JPEG or WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a PNG, JPEG or WebP"),
        (PNG + b"\x00" * images.MAX_IMAGE_BYTES, "larger than 2 MB"),
    ],
)
def test_is_a_file_that_is_not_a_small_image_refused(creator, upload_folder, data, message):
    with pytest.raises(Refusal) as refused:
        commands.create_programme(creator, details(), image=io.BytesIO(data))
    assert refused.value.code == "invalid_image"
    assert message in str(refused.value.errors["image"])
    assert not list(upload_folder.glob("**/*.*"))


def test_does_a_new_image_replace_the_old_file(creator, upload_folder):
    programme = commands.create_programme(creator, details(), image=io.BytesIO(PNG))
    old = programme.image
    with transaction():
        commands.update_programme(programme, details(), image=io.BytesIO(WEBP))
    assert programme.image.endswith(".webp")
    assert [p.name for p in (upload_folder / "programmes").iterdir()] == [programme.image]
    assert programme.image != old


def test_can_an_image_be_removed(creator, upload_folder):
    programme = commands.create_programme(creator, details(), image=PNG)
    with transaction():
        commands.update_programme(programme, details(), remove_image=True)
    assert programme.image is None
    assert not list((upload_folder / "programmes").iterdir())


def test_does_a_change_rolled_back_keep_the_old_image_and_drop_the_new(
    creator, upload_folder, make_programme, monkeypatch
):
    with transaction():
        programme = commands.create_programme(creator, details(), image=PNG)
    old = programme.image
    make_programme(slug="taken")
    monkeypatch.setattr(commands, "_slug_is_free", lambda slug, programme: True)  # a race
    with pytest.raises(Refusal) as refused, transaction():
        commands.update_programme(programme, details(slug="taken"), image=WEBP)
    assert (refused.value.code, set(refused.value.errors)) == ("slug_taken", {"slug"})
    assert [p.name for p in (upload_folder / "programmes").iterdir()] == [old]


# Status


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (ProgrammeStatus.DRAFT, ProgrammeStatus.PUBLISHED),
        (ProgrammeStatus.PUBLISHED, ProgrammeStatus.ARCHIVED),
        (ProgrammeStatus.PUBLISHED, ProgrammeStatus.DRAFT),
        (ProgrammeStatus.ARCHIVED, ProgrammeStatus.DRAFT),
    ],
)
def test_can_a_programme_move_along_its_lifecycle(make_programme, start, target):
    programme = make_programme(status=start)
    commands.set_status(programme, target)
    db.session.expire_all()
    assert programme.status == target


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (ProgrammeStatus.DRAFT, ProgrammeStatus.ARCHIVED),
        (ProgrammeStatus.ARCHIVED, ProgrammeStatus.PUBLISHED),
        (ProgrammeStatus.DRAFT, ProgrammeStatus.DRAFT),
    ],
)
def test_are_other_status_changes_refused(make_programme, start, target):
    programme = make_programme(status=start)
    with pytest.raises(Refusal) as refused:
        commands.set_status(programme, target)
    assert refused.value.code == "status_change_refused"
    assert programme.status == start


def test_does_publishing_need_a_summary(make_programme):
    programme = make_programme(status=ProgrammeStatus.DRAFT, summary="  ")
    with pytest.raises(Refusal) as refused:
        commands.set_status(programme, ProgrammeStatus.PUBLISHED)
    assert refused.value.code == "status_change_refused"
    assert "summary" in str(refused.value.errors[""])


def test_does_archiving_keep_the_cohorts_and_sessions(make_programme, make_cohort, make_session):
    programme = make_programme()
    make_session(make_cohort(programme))
    commands.set_status(programme, ProgrammeStatus.ARCHIVED)
    db.session.expire_all()
    assert len(programme.cohorts) == 1
    assert len(programme.cohorts[0].sessions) == 1


# Team


def test_can_a_lead_add_someone_by_email_whatever_its_case(programme, make_user):
    helper = make_user(email="tom@example.org")
    member = commands.add_member(programme, "  Tom@Example.org ", TeamRole.HELPER)
    assert (member.user, member.role) == (helper, TeamRole.HELPER)


def test_is_an_unknown_email_refused(programme):
    with pytest.raises(Refusal) as refused:
        commands.add_member(programme, "nobody@example.org", TeamRole.ORGANISER)
    assert (refused.value.code, set(refused.value.errors)) == ("unknown_user", {"email"})


def test_is_someone_already_on_the_team_refused(programme, creator):
    with pytest.raises(Refusal) as refused:
        commands.add_member(programme, creator.email, TeamRole.HELPER)
    assert (refused.value.code, set(refused.value.errors)) == ("already_on_team", {"email"})


def test_can_the_only_lead_step_down_or_be_removed(programme):
    (lead,) = programme.members
    with pytest.raises(Refusal) as refused:
        commands.change_role(lead, TeamRole.ORGANISER)
    assert (refused.value.code, set(refused.value.errors)) == ("last_lead", {"role"})
    with pytest.raises(Refusal) as refused:
        commands.remove_member(lead)
    assert (refused.value.code, set(refused.value.errors)) == ("last_lead", {"role"})
    db.session.expire_all()
    assert [(m.role) for m in programme.members] == [TeamRole.LEAD]


def test_can_a_lead_step_down_once_there_is_another(programme, make_user):
    (first,) = programme.members
    commands.add_member(programme, make_user(email="ada@example.org").email, TeamRole.LEAD)
    commands.change_role(first, TeamRole.ORGANISER)
    assert first.role == TeamRole.ORGANISER
    second = next(m for m in programme.members if m.role == TeamRole.LEAD)
    with pytest.raises(Refusal) as refused:
        commands.remove_member(second)
    assert refused.value.code == "last_lead"


def test_can_an_organiser_be_removed(programme, make_user):
    member = commands.add_member(programme, make_user().email, TeamRole.ORGANISER)
    commands.remove_member(member)
    db.session.expire_all()
    assert len(programme.members) == 1


# Cohorts


def test_are_naive_enrolment_dates_read_in_the_cohorts_time_zone(programme):
    cohort = commands.create_cohort(
        programme,
        cohort_details(
            timezone="Asia/Hong_Kong",
            enrol_opens_at=datetime(2026, 3, 1, 9, 0),
            enrol_closes_at=datetime(2026, 3, 20, 17, 0),
        ),
    )
    assert cohort.enrol_opens_at == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert cohort.enrol_closes_at == datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def test_is_capacity_below_the_seats_taken_refused(programme):
    cohort = commands.create_cohort(programme, cohort_details(capacity=20))
    cohort.seats_taken = 12
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        commands.update_cohort(cohort, cohort_details(capacity=11))
    assert refused.value.code == "capacity_below_seats_taken"
    assert "12 seats are taken" in str(refused.value.errors["capacity"])
    commands.update_cohort(cohort, cohort_details(capacity=12))
    assert cohort.capacity == 12


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"name": " "}, "name"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        (
            {"enrol_opens_at": datetime(2026, 3, 2), "enrol_closes_at": datetime(2026, 3, 1)},
            "enrol_closes_at",
        ),
        ({"min_age": 12, "max_age": 7}, "max_age"),
        ({"min_age": -1}, "min_age"),
        ({"completion_share": Decimal("1.5")}, "completion_share"),
        ({"completion_share": Decimal("-0.1")}, "completion_share"),
        ({"cpd_hours": Decimal("-1")}, "cpd_hours"),
        ({"home_countries": ["ZZ"]}, "home_countries"),
    ],
)
def test_are_cohort_settings_that_break_a_rule_refused(programme, overrides, field):
    with pytest.raises(Refusal) as refused:
        commands.create_cohort(programme, cohort_details(**overrides))
    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == {field}
    assert programme.cohorts == []


def test_does_an_empty_country_list_mean_anywhere_and_none_the_programmes(programme):
    anywhere = commands.create_cohort(programme, cohort_details(home_countries=[]))
    inherit = commands.create_cohort(programme, cohort_details(home_countries=None))
    assert (anywhere.home_countries, inherit.home_countries) == ([], None)


# Sessions


def test_is_a_session_stored_in_utc_with_its_time_zone(make_programme, make_cohort):
    cohort = make_cohort(make_programme())
    session = commands.add_session(
        cohort, session_details(day=date(2026, 7, 4), timezone="America/Mexico_City")
    )
    assert session.starts_at == datetime(2026, 7, 4, 16, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 7, 4, 18, 0, tzinfo=UTC)
    assert session.timezone == "America/Mexico_City"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts": time(12, 0), "ends": time(10, 0)}, "ends"),
        ({"starts": time(10, 0), "ends": time(10, 0)}, "ends"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"venue": None, "online_url": None}, "venue"),
        ({"venue": "  ", "online_url": ""}, "venue"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"online_url": "zoom.us/j/123"}, "online_url"),
    ],
)
def test_are_sessions_that_break_a_rule_refused(make_programme, make_cohort, overrides, field):
    cohort = make_cohort(make_programme())
    with pytest.raises(Refusal) as refused:
        commands.add_session(cohort, session_details(**overrides))
    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == {field}


def test_may_a_session_be_online_only(make_programme, make_cohort):
    cohort = make_cohort(make_programme())
    session = commands.add_session(
        cohort, session_details(venue=None, online_url="https://meet.example.org/abc")
    )
    assert session.is_online


def test_do_weekly_sessions_keep_their_local_time_across_the_clock_change(
    make_programme, make_cohort
):
    """UK clocks go back on Sunday 25 October 2026: 10:00 is 09:00 UTC before, 10:00 after."""
    cohort = make_cohort(make_programme())
    sessions = commands.add_weekly_sessions(
        cohort, date(2026, 10, 17), time(10), time(12), "Europe/London", 3, venue="Lab 2"
    )
    assert [(s.starts_at, s.ends_at) for s in sessions] == [
        (datetime(2026, 10, 17, 9, tzinfo=UTC), datetime(2026, 10, 17, 11, tzinfo=UTC)),
        (datetime(2026, 10, 24, 9, tzinfo=UTC), datetime(2026, 10, 24, 11, tzinfo=UTC)),
        (datetime(2026, 10, 31, 10, tzinfo=UTC), datetime(2026, 10, 31, 12, tzinfo=UTC)),
    ]
    assert {s.venue for s in sessions} == {"Lab 2"}


def test_can_sessions_repeat_every_other_week(make_programme, make_cohort):
    cohort = make_cohort(make_programme())
    sessions = commands.add_weekly_sessions(
        cohort, date(2026, 3, 7), time(10), time(12), "UTC", 3, every_weeks=2, venue="Hall"
    )
    assert [s.starts_at.day for s in sessions] == [7, 21, 4]


@pytest.mark.parametrize(
    ("count", "every_weeks", "field"), [(0, 1, "count"), (53, 1, "count"), (6, 0, "every_weeks")]
)
def test_are_impossible_repeats_refused(make_programme, make_cohort, count, every_weeks, field):
    cohort = make_cohort(make_programme())
    with pytest.raises(Refusal) as refused:
        commands.add_weekly_sessions(
            cohort, date(2026, 3, 7), time(10), time(12), "UTC", count, every_weeks, venue="Hall"
        )
    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == {field}
    assert cohort.sessions == []


def test_can_a_session_be_moved_and_deleted(make_programme, make_cohort):
    cohort = make_cohort(make_programme())
    session = commands.add_session(cohort, session_details())
    commands.update_session(session, session_details(starts=time(14), ends=time(15, 30)))
    assert session.starts_at == datetime(2026, 3, 14, 14, tzinfo=UTC)
    commands.delete_session(session)
    db.session.expire_all()
    assert cohort.sessions == []


# Organisations


def test_can_an_organisation_be_created_and_renamed():
    organisation = commands.create_organisation("IPN", "MX", "https://www.ipn.mx")
    commands.update_organisation(organisation, "Instituto Politécnico Nacional", "MX", None)
    assert (organisation.name, organisation.website) == ("Instituto Politécnico Nacional", None)


def test_is_an_organisation_name_unique_whatever_its_case(make_organisation):
    make_organisation(name="UNAM", country="MX")
    with pytest.raises(Refusal) as refused:
        commands.create_organisation("unam", "MX")
    assert (refused.value.code, set(refused.value.errors)) == ("organisation_name_taken", {"name"})


@pytest.mark.parametrize(
    ("country", "website", "fields"),
    [("XX", None, {"country"}), ("EU", None, {"country"}), ("MX", "ipn.mx", {"website"})],
)
def test_are_organisations_with_bad_details_refused(country, website, fields):
    with pytest.raises(Refusal) as refused:
        commands.create_organisation("IPN", country, website)
    assert refused.value.code == "invalid"
    assert set(refused.value.errors) == fields
