"""Attendance as people read it: a cohort's matrix for its team, and a participant's
own attendance and certificates (the partial on /me/)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_time, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.attendance.certificates import hours_text, issuers_text
from app.attendance.commands import ScanOutcome, SelfOutcome
from app.attendance.models import AttendanceState, DoorOutcome, MarkMethod
from app.attendance.queries import CompletionStatus
from app.core.actions import action_verbs
from app.core.templating import template_helpers
from app.enrolment.models import EnrolmentStatus
from app.programmes.rules import utc_to_local
from app.programmes.words import format_moment

#: One character per state for the matrix; the label goes beside it for screen readers.
STATE_SYMBOLS = {
    AttendanceState.PRESENT: "✓",
    AttendanceState.LATE: "L",
    AttendanceState.EXCUSED: "E",
    AttendanceState.ABSENT: "✗",
}


COMPLETION_LABELS = {
    CompletionStatus.IN_PROGRESS: _l("In progress"),
    CompletionStatus.COMPLETED: _l("Completed"),
    CompletionStatus.DUE: _l("Met the rule, not marked yet"),
    CompletionStatus.NOT_COMPLETED: _l("Not completed"),
}


#: Registered as template globals by the blueprint.

#: The register's buttons, in the order people expect them.
MARK_ORDER = (
    AttendanceState.PRESENT,
    AttendanceState.LATE,
    AttendanceState.ABSENT,
    AttendanceState.EXCUSED,
)

STATE_LABELS = {
    AttendanceState.PRESENT: _l("Present"),
    AttendanceState.LATE: _l("Late"),
    AttendanceState.ABSENT: _l("Absent"),
    AttendanceState.EXCUSED: _l("Excused"),
}

METHOD_LABELS = {
    MarkMethod.REGISTER: _l("register"),
    MarkMethod.QR: _l("ticket"),
    MarkMethod.SELF: _l("self check-in"),
    MarkMethod.WALK_IN: _l("walk-in"),
}

NEED_LABELS = {
    "medical": _l("Medical"),
    "dietary": _l("Dietary"),
    "access": _l("Access"),
}

#: Why a ticket does not let its party in, by the enrolment's state.
NOT_CONFIRMED_REASONS = {
    EnrolmentStatus.CANCELLED: _l("This booking was cancelled."),
    EnrolmentStatus.WAITLISTED: _l("This booking is on the waitlist, not confirmed."),
    EnrolmentStatus.OFFERED: _l("This place is offered but not accepted yet."),
    EnrolmentStatus.DRAFT: _l("This application was never sent."),
    EnrolmentStatus.SUBMITTED: _l("This application has not been accepted."),
    EnrolmentStatus.REJECTED: _l("This application was not accepted."),
    EnrolmentStatus.DECLINED: _l("This offer was declined."),
    EnrolmentStatus.EXPIRED: _l("This offer expired."),
}


def state_label(state: AttendanceState | str | None) -> str:
    if state is None:
        return _("Not yet marked")
    return str(STATE_LABELS[AttendanceState(state)])


def state_labels() -> dict[str | None, str]:
    """Every state's label (None: not yet marked) in the current language, for labelling
    many marks: looked up by the state or its value, translated once."""
    return {None: _("Not yet marked")} | {
        state.value: str(label) for state, label in STATE_LABELS.items()
    }


def method_label(method: MarkMethod | str) -> str:
    return str(METHOD_LABELS[MarkMethod(method)])


def need_label(kind: str) -> str:
    return str(NEED_LABELS[kind])


def clock(moment: datetime, timezone: str) -> str:
    """The time of day on the session's clock: "10:02 AM"."""
    return format_time(utc_to_local(moment, timezone), "short", rebase=False)


def person(user) -> str:
    """Who did something; an account deleted since is "someone"."""
    return user.name if user is not None else _("someone")


class RowWords:
    """The words of the register's rows, translated once per page, and the rows'
    sentences built from them with plain string formatting: for 500 people,
    translating and formatting times with Babel in each row took longer than all
    the rest. Times are on the session's clock (`timezone`)."""

    def __init__(self, timezone: str):
        self._zone = ZoneInfo(timezone)
        self._locale = get_locale()
        # The locale's short time pattern, parsed once (as format_time would, each time).
        self._time = self._locale.time_formats["short"]
        self._timezone = timezone
        self.states = {state: state_label(state) for state in (None, *MARK_ORDER)}
        self.needs = {kind: need_label(kind) for kind in NEED_LABELS}
        self.walk_in = _("Walk-in")
        self.child = _("Child")
        self.no_photos = _("No photos")
        self.check_out = _("Check out")
        self._methods = {method: method_label(method) for method in MarkMethod}
        self._someone = _("someone")
        self._booked_by = _("Booked by %(name)s", name="%(name)s")
        self._mark = _("Mark %(name)s", name="%(name)s")
        self._marked = _(
            "%(time)s by %(who)s (%(method)s)", time="%(time)s", who="%(who)s", method="%(method)s"
        )

    def clock(self, moment: datetime) -> str:
        return self._time.apply(moment.astimezone(self._zone), self._locale)

    def booked_by(self, name: str) -> str:
        return self._booked_by % {"name": name}

    def mark(self, name: str) -> str:
        """The label of an attendee's mark buttons."""
        return self._mark % {"name": name}

    def marked(self, row) -> str:
        """When, by whom and how a row's mark was made: "3:07 PM by Tom (ticket)"."""
        return self._marked % {
            "time": self.clock(row.marked_at),
            "who": row.marked_by or self._someone,
            "method": self._methods[row.method],
        }

    def left(self, row) -> str:
        return _(
            "Left at %(time)s with %(collector)s; released by %(who)s.",
            time=self.clock(row.checked_out_at),
            collector=row.collected_by,
            who=row.released_by or self._someone,
        )

    def changes(self, row) -> str:
        """How many times a row's mark was changed."""
        return ngettext("%(num)d change", "%(num)d changes", len(row.changes))

    def change(self, change) -> str:
        return _(
            "%(when)s, %(who)s: %(old)s → %(new)s",
            when=format_moment(change.at, self._timezone),
            who=change.by or self._someone,
            old=self.states[change.old],
            new=self.states[change.new],
        )


@dataclass(frozen=True)
class Answer:
    """What the door shows after a scan or a self check-in."""

    #: ok, again, bad: the colour.
    tone: str
    #: A symbol shown large beside the words (hidden from screen readers).
    icon: str
    title: str
    detail: str = ""


def scan_answer(result, session) -> Answer:
    """The words for a `commands.CheckIn` at `session`."""
    outcome = result.outcome
    if outcome == ScanOutcome.CHECKED_IN:
        names = ", ".join(attendee.name for attendee in result.attendees)
        detail = ""
        if result.earlier:
            detail = _(
                "Already here: %(names)s.",
                names=", ".join(mark.attendee.name for mark in result.earlier),
            )
        return Answer("ok", "✓", _("Checked in: %(names)s", names=names), detail)
    if outcome == ScanOutcome.ALREADY:
        first = result.first_earlier
        return Answer(
            "again",
            "↻",
            _(
                "Already checked in at %(time)s by %(who)s",
                time=clock(first.marked_at, session.timezone),
                who=person(first.marked_by),
            ),
            ", ".join(mark.attendee.name for mark in result.earlier),
        )
    if outcome == ScanOutcome.WRONG_COHORT:
        other = result.enrolment.cohort
        detail = _("It is not valid for this session.")
        if other.programme_id == session.cohort.programme_id:
            detail = _("It is for %(cohort)s.", cohort=other.name)
        return Answer("bad", "⇄", _("This ticket is for another cohort"), detail)
    if outcome == ScanOutcome.NOT_TODAY:
        return Answer(
            "bad",
            "◷",
            _("This session is not today"),
            _("Open the register of today's session to check people in."),
        )
    if outcome == ScanOutcome.NOT_CONFIRMED:
        reason = NOT_CONFIRMED_REASONS.get(
            result.enrolment.status, _l("This place is not confirmed.")
        )
        return Answer("bad", "⊘", _("Not confirmed: do not check in"), str(reason))
    if outcome == ScanOutcome.MISTYPED:
        return Answer(
            "bad",
            "✎",
            _("This code has a typing mistake: check it again"),
            _("Read it again from the ticket and type it once more."),
        )
    return Answer(
        "bad",
        "?",
        _("Unknown code"),
        _("No ticket has this code. Check it, or look the name up in the list."),
    )


def self_check_in_answer(result, session) -> Answer:
    """The words for a `commands.self_check_in` result, for the participant."""
    outcome = result.outcome
    names = ", ".join(attendee.name for attendee in result.attendees)
    if outcome == SelfOutcome.READY:
        return Answer("ready", "→", _("Check in: %(names)s", names=names))
    if outcome == SelfOutcome.CHECKED_IN:
        return Answer("ok", "✓", _("You are checked in: %(names)s", names=names))
    if outcome == SelfOutcome.ALREADY:
        first = result.first_earlier
        return Answer(
            "again",
            "↻",
            _(
                "Already checked in at %(time)s",
                time=clock(first.marked_at, session.timezone),
            ),
            ", ".join(mark.attendee.name for mark in result.earlier),
        )
    if outcome == SelfOutcome.TOO_EARLY:
        opens = clock(result.opens_at, session.timezone)
        return Answer(
            "bad",
            "◷",
            _("Check-in has not opened yet"),
            _("It opens at %(time)s, 30 minutes before the session.", time=opens),
        )
    title, detail = {
        SelfOutcome.OFF: (
            _l("Self check-in is not open for this session"),
            _l("Please check in with the team at the door."),
        ),
        SelfOutcome.BAD_CODE: (
            _l("This check-in code has expired"),
            _l("The code changes every 30 seconds. Scan the code on the screen again."),
        ),
        SelfOutcome.ENDED: (
            _l("This session has ended"),
            _l("Check-in closed when the session ended."),
        ),
        SelfOutcome.NOT_ENROLLED: (
            _l("You have no confirmed place in this cohort"),
            _l("Check that you are logged in with the account you booked with."),
        ),
    }[outcome]
    return Answer("bad", "✗", str(title), str(detail))


# The door's phones -------------------------------------------------------------------


def on_phone(name: str | None, phone: str | None) -> str:
    """Who did something and on which phone: "Ana on phone 2" (just "Ana" online)."""
    who = name or _("someone")
    return _("%(name)s on %(phone)s", name=who, phone=phone) if phone else who


def conflict_line(conflict, timezone: str) -> str:
    """Someone let in twice by phones that were offline, both admissions."""
    return _(
        "%(name)s: checked in by %(first)s at %(first_time)s; also checked in by "
        "%(second)s at %(second_time)s",
        name=conflict.attendee.name,
        first=on_phone(conflict.first_by and conflict.first_by.name, conflict.first_on),
        first_time=clock(conflict.first_at, timezone),
        second=on_phone(conflict.second_by and conflict.second_by.name, conflict.second_on),
        second_time=clock(conflict.second_at, timezone),
    )


#: The tone of an answer to an action received before, by what became of it then.
_REPLAY_TONES = {
    DoorOutcome.APPLIED: ("ok", "✓"),
    DoorOutcome.ALREADY: ("ok", "✓"),
    DoorOutcome.CONFLICT: ("again", "⚠"),
    DoorOutcome.SUPERSEDED: ("again", "↻"),
    DoorOutcome.REFUSED: ("bad", "✗"),
}


def door_answer(received, session) -> Answer:
    """The words for what became of an action a phone sent (`commands.Received`)."""
    action = received.action
    if received.replay:
        tone, icon = _REPLAY_TONES[action.outcome]
        return Answer(tone, icon, _("This was received before: nothing was done again."))
    if action.outcome == DoorOutcome.CONFLICT:
        return _conflict_answer(received, session)
    if action.outcome == DoorOutcome.SUPERSEDED:
        standing = "; ".join(
            _(
                "%(name)s: %(state)s at %(time)s by %(who)s",
                name=mark.attendee.name,
                state=state_label(mark.state),
                time=clock(mark.marked_at, session.timezone),
                who=on_phone(mark.marked_by and mark.marked_by.name, mark.marked_on),
            )
            for mark in received.standing
        )
        return Answer("again", "↻", _("Not changed: a later mark stands"), standing)
    if received.refusal is not None:
        return Answer("bad", "✗", str(received.refusal.message))
    if received.check_in is not None:
        return scan_answer(received.check_in, session)
    attendee = received.attendee
    if received.released is not None:
        collector = received.released.collected_by
        return Answer(
            "ok",
            "✓",
            _("%(name)s left with %(collector)s.", name=attendee.name, collector=collector),
        )
    title = _("%(name)s: %(state)s", name=attendee.name, state=state_label(action.state))
    return Answer("ok", "✓", title)


def _conflict_answer(received, session) -> Answer:
    """Let in on this phone and on another: who else, when; the register keeps the first."""
    action = received.action
    names = ", ".join(conflict.attendee.name for conflict in received.conflicts)
    others = dict.fromkeys(
        _(
            "Also checked in by %(who)s at %(time)s.",
            who=on_phone(by and by.name, on),
            time=clock(at, session.timezone),
        )
        for by, at, on in (
            (c.second_by, c.second_at, c.second_on)
            if c.first_at == action.happened_at and c.first_by_id == action.user_id
            else (c.first_by, c.first_at, c.first_on)
            for c in received.conflicts
        )
    )
    detail = " ".join([*others, _("The register keeps the first.")])
    return Answer("again", "⚠", _("Checked in twice: %(names)s", names=names), detail)


def door_words() -> dict:
    """What the door's script says by itself, offline, in the page's language: each
    sentence with its blanks as {name} for the script to fill."""
    return {
        "states": {state.value: str(label) for state, label in STATE_LABELS.items()},
        "waiting": _("Saved on this phone, not yet sent (%(num)s waiting)", num="{n}"),
        "pending": _("Saved on this phone, not yet sent"),
        "offline": _("No connection: what you do is saved on this phone."),
        "sent": _("Everything is sent."),
        "failed": _("Could not send just now: the phone will try again."),
        "log_in": _("Could not send: log in again, then send what is waiting."),
        "limited": _(
            "Too many check-ins in a short time: what you did is saved on this phone"
            " and is sent by itself in a moment."
        ),
        "log_out_first": _("Send what is waiting before you log out."),
        "needs_network": _("This needs a connection: try again when the phone is online."),
        "checked_in": _("Checked in: %(names)s", names="{names}"),
        "already": _("Already checked in at %(time)s by %(who)s", time="{time}", who="{who}"),
        "unknown": _("Not on this phone's list"),
        "unknown_detail": _(
            "No ticket on this phone's list has this code. Check it, or look the name "
            "up in the list."
        ),
        "not_today": _("This session is not today"),
        "not_today_detail": _("Open the register of today's session to check people in."),
        "marked": _("%(name)s: %(state)s", name="{name}", state="{state}"),
        "left": _("%(name)s left with %(collector)s.", name="{name}", collector="{collector}"),
        "choose": _("Choose who collects %(name)s.", name="{name}"),
        "no_collector": _("No one is named on the booking to collect %(name)s.", name="{name}"),
        "not_here": _("%(name)s is not marked as here.", name="{name}"),
        "check_out": _("Check out"),
        "cancel": _("Cancel"),
        "someone": _("someone"),
    }


#: Template globals of the attendance pages.
template_helpers({"attendance_state_label": state_label})


template_helpers(
    {
        "attendance_state_label": state_label,  # the same as the door's pages
        "attendance_state_symbols": STATE_SYMBOLS,
        "completion_labels": COMPLETION_LABELS,
        "hours_text": hours_text,
        "issuers_text": issuers_text,
    }
)


template_helpers({"CompletionStatus": CompletionStatus, "SelfOutcome": SelfOutcome})


#: The decisions attendance records in the action log (`app.core.actions.record`).
action_verbs(
    {
        "complete": _l("Completed; certificates issued: %(certificates)s"),
        "certificates": _l("Certificates issued: %(certificates)s"),
        "attendance_corrected": _l(
            "Mark of %(name)s at the session of %(session)s corrected from %(from_state)s "
            "to %(to_state)s"
        ),
    },
    shown={
        "attendance_corrected": lambda detail: {
            **detail,
            "session": format_date(date.fromisoformat(detail["session"])),
            "from_state": state_label(detail["from_state"]),
            "to_state": state_label(detail["to_state"]),
        }
    },
)
