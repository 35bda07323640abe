"""The emails enrolment changes send: one per event, in the recipient's language,
with session times on the clock where each session happens."""

from flask_babel import lazy_gettext

from app.core.address import absolute_url
from app.core.i18n import N_
from app.core.outbox import queue_mail
from app.enrolment import tickets
from app.enrolment.models import Enrolment
from app.enrolment.queries import waitlist_position
from app.programmes import ical

SUBJECTS = {
    "confirmed": N_("Your place is confirmed: %(title)s"),
    "waitlisted": N_("You are on the waitlist: %(title)s"),
    "promoted": N_("Good news, a place is yours: %(title)s"),
    "submitted": N_("We have your application: %(title)s"),
    "offered": N_("You have an offer: %(title)s"),
    "offer_reminder": N_("Your offer expires soon: %(title)s"),
    "expired": N_("Your offer has expired: %(title)s"),
    "rejected": N_("About your application: %(title)s"),
    "cancelled": N_("Your place is cancelled: %(title)s"),
    "moved": N_("Your place has moved: %(title)s"),
}

#: Events whose email carries the calendar file of the cohort's sessions.
WITH_CALENDAR = {"confirmed", "promoted", "moved"}


def notify(enrolment: Enrolment, event: str, **context) -> None:
    """Queue the email for `event` in the caller's transaction (walk-ins get none)."""
    if enrolment.user is None:
        return
    cohort = enrolment.cohort
    programme = cohort.programme
    title = cohort.full_title
    attachments = []
    if event in WITH_CALENDAR and cohort.sessions:
        calendar = ical.cohort_calendar_text(
            cohort,
            page_url=absolute_url("enrolment_public.programme", slug=programme.slug),
            with_online_links=True,
        )
        attachments.append(
            {
                "filename": ical.calendar_filename(cohort),
                "content_type": "text/calendar",
                "content": calendar,
            }
        )
    queue_mail(
        enrolment.user,
        kind=f"enrolment_{event}",
        subject=lazy_gettext(SUBJECTS[event], title=title),
        template="enrolment",
        attachments=attachments,
        event=event,
        enrolment=enrolment,
        cohort=cohort,
        programme=programme,
        position=waitlist_position(enrolment) if event == "waitlisted" else None,
        enrolment_url=absolute_url("enrolment_participant.detail", enrolment_id=enrolment.id),
        ticket_url=absolute_url("enrolment_participant.ticket", enrolment_id=enrolment.id),
        ticket_code=tickets.code_groups(enrolment.ticket_code),
        **context,
    )
