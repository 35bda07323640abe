"""The dates the catalogue sorts and filters by, stored so that no request computes them.

- `Cohort.starts_at` / `ends_at`: its first session's start and last session's end.
- `Programme.next_starts_at`: when its first cohort not yet over starts, valid until
  `Programme.next_starts_until` (when the earliest of those cohorts ends);
  `Programme.listed_until`: when its last cohort ends.

Every flush that adds, changes or removes a session or a cohort brings them up to date
in the same transaction (`_flushed`), so commands, the demo data and tests alike keep
them exact without calling anything. Time passing is the one other change: once a
cohort ends, its programme's next start moves to the following cohort. The scheduled
job calls `refresh_expired` for that; until it runs, `listed_until` still keeps a
programme whose cohorts have all ended out of the catalogue, and only the order of a
programme with a later cohort can be behind.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session, aliased

from app.core import page_cache
from app.core.db import utcnow
from app.extensions import db
from app.programmes.models import Cohort, CohortSession, Organisation, Programme

_TOUCHED = "convene.listing_touched"
_TO_EXPIRE = "convene.listing_to_expire"

# What public pages show (a programme's team and its cohorts' questions they do not).
page_cache.watch(Programme, Cohort, CohortSession, Organisation)


def refresh_cohorts(session: Session, cohort_ids: Iterable[int]) -> None:
    """Store the first start and last end of these cohorts' sessions, then their
    programmes' catalogue dates."""
    ids = sorted(set(cohort_ids))
    if not ids:
        return
    s = aliased(CohortSession.__table__)
    cohorts = Cohort.__table__
    of_cohort = s.c.cohort_id == cohorts.c.id
    connection = session.connection()
    connection.execute(
        update(cohorts)
        .where(cohorts.c.id.in_(ids))
        .values(
            starts_at=select(func.min(s.c.starts_at)).where(of_cohort).scalar_subquery(),
            ends_at=select(func.max(s.c.ends_at)).where(of_cohort).scalar_subquery(),
        )
    )
    programme_ids = connection.scalars(
        select(cohorts.c.programme_id).where(cohorts.c.id.in_(ids)).distinct()
    ).all()
    refresh_programmes(session, programme_ids)


def refresh_programmes(
    session: Session, programme_ids: Iterable[int], now: datetime | None = None
) -> None:
    """Store each programme's next start, how long it holds, and its last end."""
    ids = sorted(set(programme_ids))
    if not ids:
        return
    now = now or utcnow()
    c = aliased(Cohort.__table__)
    programmes = Programme.__table__
    of_programme = c.c.programme_id == programmes.c.id
    not_over = (of_programme, c.c.ends_at > now)
    session.connection().execute(
        update(programmes)
        .where(programmes.c.id.in_(ids))
        .values(
            next_starts_at=select(func.min(c.c.starts_at)).where(*not_over).scalar_subquery(),
            next_starts_until=select(func.min(c.c.ends_at)).where(*not_over).scalar_subquery(),
            listed_until=select(func.max(c.c.ends_at)).where(of_programme).scalar_subquery(),
            # Not an edit of the programme: keep when it was last edited.
            updated_at=programmes.c.updated_at,
        )
    )


def refresh_expired(now: datetime | None = None) -> int:
    """Move on the next start of programmes whose next cohort has ended since it was
    stored; returns how many. Called by the scheduled job; flushes, never commits."""
    now = now or utcnow()
    session = db.session()
    ids = session.scalars(select(Programme.id).where(Programme.next_starts_until <= now)).all()
    refresh_programmes(session, ids, now)
    if ids:
        page_cache.changed()
        _expire_loaded(session, set(), set(ids))
    return len(ids)


# Kept at flush time -----------------------------------------------------------------------


@event.listens_for(db.session, "before_flush")
def _note_touched(session: Session, flush_context, instances) -> None:
    """Before a flush: remember what it writes that moves the dates: sessions added,
    removed or given other times, and cohorts removed (new objects have no id yet,
    so the objects are kept). An edit of anything else leaves the dates as they are."""
    touched = session.info.setdefault(_TOUCHED, [])
    touched += [i for i in (*session.new, *session.deleted) if isinstance(i, CohortSession)]
    touched += [i for i in session.deleted if isinstance(i, Cohort)]
    touched += [i for i in session.dirty if isinstance(i, CohortSession) and _times_changed(i)]


def _times_changed(cohort_session: CohortSession) -> bool:
    attributes = inspect(cohort_session).attrs
    return attributes.starts_at.history.has_changes() or attributes.ends_at.history.has_changes()


@event.listens_for(db.session, "after_flush")
def _flushed(session: Session, flush_context) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    cohort_ids: set[int] = set()
    programme_ids: set[int] = set()
    for instance in touched:
        if isinstance(instance, CohortSession):
            if instance.cohort_id is not None:
                cohort_ids.add(instance.cohort_id)
        elif instance.id is not None:
            cohort_ids.add(instance.id)
            if instance.programme_id is not None:
                programme_ids.add(instance.programme_id)  # a cohort removed
    refresh_cohorts(session, cohort_ids)
    refresh_programmes(session, programme_ids)
    session.info[_TO_EXPIRE] = (cohort_ids, programme_ids)


def _expire_loaded(session: Session, cohort_ids: set[int], programme_ids: set[int]) -> None:
    """Loaded cohorts and programmes read their stored dates again when next used."""
    for instance in session.identity_map.values():
        if isinstance(instance, Cohort) and instance.id in cohort_ids:
            session.expire(instance, ["starts_at", "ends_at"])
            programme_ids.add(instance.programme_id)
        elif isinstance(instance, Programme) and instance.id in programme_ids:
            session.expire(instance, ["next_starts_at", "next_starts_until", "listed_until"])


@event.listens_for(db.session, "after_flush_postexec")
def _expire_after_flush(session: Session, flush_context) -> None:
    if expire := session.info.pop(_TO_EXPIRE, None):
        _expire_loaded(session, *expire)
