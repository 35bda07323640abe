"""iCalendar files for a cohort's sessions (RFC 5545), for any calendar app.

Each session is one event whose UID never changes, so that downloading the
file again updates the events instead of adding copies: "session-<id>@<domain>",
where the domain is the site's (`calendar_domain`: kept when the site moves, set
to "convene" by a site whose files were out before UIDs named its domain).
An online session's LOCATION and URL are its joining link, for those allowed to
see it; an in-person session's LOCATION is its venue. Times are written on
the session's own local clock with its TZID, and the matching VTIMEZONE
definitions are included, so that a calendar in any zone shows them right.
"""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from flask_babel import get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.core.address import calendar_domain
from app.core.security import is_web_address
from app.programmes.models import Cohort, CohortSession
from app.programmes.rules import slugify

PRODID = "-//Convene//Programme calendar//EN"


def session_uid(session: CohortSession) -> str:
    return f"session-{session.id}@{calendar_domain()}"


def cohort_uid(cohort: Cohort) -> str:
    return f"cohort-{cohort.id}@{calendar_domain()}"


def _joining_link(session: CohortSession, with_online_link: bool) -> str | None:
    """The session's joining link where it may be given and is a web address: a stored
    `javascript:` one (from before links were checked, or imported) never is."""
    if with_online_link and session.online_url and is_web_address(session.online_url):
        return session.online_url
    return None


def _location(session: CohortSession, link: str | None) -> str | None:
    """The venue; for an online session its joining link, or "Online" where there is none
    to give."""
    if session.venue or not session.online_url:
        return session.venue or None
    return link or _("Online")


def session_event(
    session: CohortSession, *, page_url: str, stamp: datetime, with_online_link: bool
) -> Event:
    """One session as a VEVENT, on its local clock."""
    cohort = session.cohort
    zone = ZoneInfo(session.timezone)
    summary = f"{cohort.programme.title} — {session.title or cohort.name}"
    link = _joining_link(session, with_online_link)
    description = [link, page_url] if link else [page_url]
    return Event.new(
        uid=session_uid(session),
        stamp=stamp,
        start=session.starts_at.astimezone(zone),
        end=session.ends_at.astimezone(zone),
        summary=summary,
        location=_location(session, link),
        description="\n\n".join(description),
        url=link or page_url,
    )


def cohort_calendar(
    cohort: Cohort, *, page_url: str, with_online_links: bool = False, now: datetime | None = None
) -> Calendar:
    """A calendar with every session of the cohort.

    Joining links of online sessions are left out unless `with_online_links`:
    this file is public, and the links are for the people enrolled.
    """
    stamp = now or datetime.now(UTC)
    calendar = Calendar.new(
        prodid=PRODID,
        uid=cohort_uid(cohort),
        name=cohort.full_title,
        subcomponents=[
            session_event(
                session,
                page_url=page_url,
                stamp=stamp,
                with_online_link=with_online_links,
            )
            for session in cohort.sessions
        ],
    )
    # Zone definitions for a year either side of the cohort (so both summer and
    # winter time appear), rather than every change from 1970 to 2038.
    first = min(s.starts_at for s in cohort.sessions).date() - timedelta(days=366)
    last = max(s.ends_at for s in cohort.sessions).date() + timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


#: Calendar files already written, by everything they show (see `cohort_calendar_text`).
_WRITTEN: LRUCache = LRUCache(maxsize=256)
_WRITTEN_LOCK = threading.Lock()


def cohort_calendar_text(cohort: Cohort, *, page_url: str, with_online_links: bool) -> str:
    """`cohort_calendar` as text, written once for as long as what it shows stays the same.

    Every booking's confirmation carries the same file, and writing the zone definitions
    is most of a booking's work; the key holds every value the file shows, so a change
    to the cohort, a session or the settings writes it again.
    """
    key = (
        calendar_domain(),
        str(get_locale()),
        cohort.id,
        cohort.full_title,
        page_url,
        with_online_links,
        tuple(
            (s.id, s.starts_at, s.ends_at, s.timezone, s.title, s.venue, s.online_url)
            for s in cohort.sessions
        ),
    )
    with _WRITTEN_LOCK:
        text = _WRITTEN.get(key)
    if text is None:
        calendar = cohort_calendar(cohort, page_url=page_url, with_online_links=with_online_links)
        text = calendar.to_ical().decode()
        with _WRITTEN_LOCK:
            _WRITTEN[key] = text
    return text


def calendar_filename(cohort: Cohort) -> str:
    return f"{cohort.programme.slug}-{slugify(cohort.name, 60) or cohort.id}.ics"
