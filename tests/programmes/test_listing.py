"""Are the dates the catalogue sorts by always those of the sessions, without any
request working them out?"""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.db import utcnow
from app.core.transaction import transaction
from app.extensions import db
from app.programmes import listing, queries
from app.programmes.queries import CatalogueFilters
from app.scheduled import run_scheduled

NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def day(n: float) -> datetime:
    return NOON + timedelta(days=n)


@pytest.fixture
def programme(make_programme):
    return make_programme(slug="robot-lab")


def stored(programme):
    db.session.expire_all()
    return programme.next_starts_at, programme.next_starts_until, programme.listed_until


def test_does_a_cohort_know_its_first_start_and_last_end(programme, make_cohort, make_session):
    cohort = make_cohort(programme)
    assert (cohort.starts_at, cohort.ends_at) == (None, None)
    make_session(cohort, day(9), hours=2)
    make_session(cohort, day(2), hours=3)
    assert (cohort.starts_at, cohort.ends_at) == (day(2), day(9) + timedelta(hours=2))


def test_does_a_programme_know_its_next_start_until_that_cohort_ends(
    programme, make_cohort, make_session
):
    soon, later = make_cohort(programme), make_cohort(programme)
    make_session(soon, day(3))
    make_session(later, day(10))
    make_session(later, day(40))
    assert stored(programme) == (day(3), day(3) + timedelta(hours=2), day(40) + timedelta(hours=2))


def test_are_ended_cohorts_left_out_of_the_next_start(programme, make_cohort, make_session):
    make_session(make_cohort(programme), day(-30))
    make_session(make_cohort(programme), day(12))
    assert stored(programme)[0] == day(12)


def test_do_moved_and_removed_sessions_change_the_dates(programme, make_cohort, make_session):
    cohort = make_cohort(programme)
    first = make_session(cohort, day(3))
    make_session(cohort, day(8))
    with transaction():
        first.starts_at, first.ends_at = day(5), day(5) + timedelta(hours=1)
    assert stored(programme)[0] == day(5)
    with transaction():
        db.session.delete(first)
    assert stored(programme)[0] == day(8)
    assert cohort.starts_at == day(8)


def test_does_removing_the_last_cohort_take_the_programme_out(
    client, programme, make_cohort, make_session
):
    cohort = make_cohort(programme)
    make_session(cohort, day(3))
    assert queries.catalogue_page(CatalogueFilters(), 1).cards
    with transaction():
        db.session.delete(cohort)
    assert stored(programme) == (None, None, None)
    assert not queries.catalogue_page(CatalogueFilters(), 1).cards


def test_does_the_scheduled_job_move_on_to_the_next_cohort_once_one_ends(
    programme, make_cohort, make_session, make_programme
):
    soon, later = make_cohort(programme), make_cohort(programme)
    make_session(soon, day(1))
    make_session(later, day(10))
    other = make_programme(slug="star-gazing")
    make_session(make_cohort(other), day(5))
    after_the_first = day(2)
    # Until the job runs, the order may lag; the programme is still listed.
    assert [
        card.programme.slug
        for card in queries.catalogue_page(CatalogueFilters(), 1, now=after_the_first).cards
    ] == ["robot-lab", "star-gazing"]
    report = run_scheduled(after_the_first)
    assert report.relisted == 1
    assert stored(programme)[0] == day(10)
    assert [
        card.programme.slug
        for card in queries.catalogue_page(CatalogueFilters(), 1, now=after_the_first).cards
    ] == ["star-gazing", "robot-lab"]


def test_is_a_programme_whose_cohorts_all_ended_unlisted_before_the_job_runs(
    programme, make_cohort, make_session
):
    make_session(make_cohort(programme), day(1))
    assert not queries.catalogue_page(CatalogueFilters(), 1, now=day(3)).cards
    assert listing.refresh_expired(day(3)) == 1
    assert stored(programme) == (None, None, day(1) + timedelta(hours=2))


def test_does_a_large_catalogue_count_only_so_far(
    client, monkeypatch, make_programme, make_cohort, make_session
):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)
    for n in range(5):
        make_session(make_cohort(make_programme()), utcnow() + timedelta(days=n + 1))
    page = queries.catalogue_page(CatalogueFilters(), 1, per_page=2)
    assert (page.pagination.total_is_exact, page.pagination.total) == (False, 3)
    assert page.pagination.has_next
    assert page.pagination.pages is None
    html = client.get("/programmes/").get_data(as_text=True)
    assert "More than 3 programmes" in html
    last = queries.catalogue_page(CatalogueFilters(), 3, per_page=2)
    assert len(last.cards) == 1
    assert not last.pagination.has_next
