"""Attendance per attendee per session, its audit trail, completion and certificates."""

import enum
import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import UTCDateTime, enum_type, utcnow
from app.enrolment.models import Attendee
from app.extensions import db
from app.programmes.models import Cohort, CohortSession


class AttendanceState(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"  #: counts as attended
    EXCUSED = "excused"  #: left out of the completion total
    ABSENT = "absent"


class MarkMethod(enum.StrEnum):
    REGISTER = "register"  #: tapped on the register
    QR = "qr"  #: ticket scanned or its code typed at the door
    SELF = "self"  #: the participant, with the session's rotating code
    WALK_IN = "walk_in"  #: added at the door without a booking


class Attendance(db.Model):
    """One attendee at one session. At most one row per pair: scans are idempotent."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "attendee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True
    )
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[AttendanceState] = mapped_column(enum_type(AttendanceState, "attendance_state"))
    method: Mapped[MarkMethod] = mapped_column(enum_type(MarkMethod, "mark_method"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The phone the mark was made on, by the name its team gave it (see DoorAction);
    #: None for the register in a browser online.
    marked_on: Mapped[str | None] = mapped_column(String(60))
    #: When the row last changed, on the server's clock: the door's phones ask for
    #: the marks changed since they last looked.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Children leave with a named adult from the booking's authorised collectors.
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_by: Mapped[str | None] = mapped_column(String(120))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[CohortSession] = relationship()
    attendee: Mapped[Attendee] = relationship()
    marked_by: Mapped[User | None] = relationship(foreign_keys=[marked_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    #: The mark's history, oldest first (read only: changes are added as rows of their own).
    changes: Mapped[list["AttendanceChange"]] = relationship(
        order_by="(AttendanceChange.changed_at, AttendanceChange.id)", viewonly=True
    )


class AttendanceChange(db.Model):
    """The audit trail of corrections: who changed a mark, when, from what to what."""

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(
        ForeignKey("attendances.id", ondelete="CASCADE"), index=True
    )
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[AttendanceState] = mapped_column(
        enum_type(AttendanceState, "attendance_change_from")
    )
    to_state: Mapped[AttendanceState] = mapped_column(
        enum_type(AttendanceState, "attendance_change_to")
    )

    changed_by: Mapped[User] = relationship()


class DoorActionKind(enum.StrEnum):
    SCAN = "scan"  #: a ticket's code, scanned or typed
    MARK = "mark"  #: a mark button tapped
    CHECK_OUT = "check_out"  #: a child handed to an adult of the booking


class DoorOutcome(enum.StrEnum):
    APPLIED = "applied"  #: it changed the register
    ALREADY = "already"  #: the register said so already
    CONFLICT = "conflict"  #: it let in someone let in on another phone too (a DoorConflict)
    SUPERSEDED = "superseded"  #: older than the mark in effect, which stands
    REFUSED = "refused"  #: a rule refused it (`reason`)


class DoorAction(db.Model):
    """Something a helper did on a phone at the door, sent by the phone when it could
    (at once, or later from its queue when it was offline): received once by its key,
    however often and in whatever order it arrives, with what became of it."""

    __tablename__ = "door_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The phone's idempotency key: a second arrival of the same key is a replay.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True
    )
    #: The helper, logged in on the phone.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The phone: a random id it keeps, and the name its team gave it, if any.
    device_id: Mapped[str] = mapped_column(String(64))
    device_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[DoorActionKind] = mapped_column(enum_type(DoorActionKind, "door_action_kind"))
    #: A scan's code, as scanned or typed.
    code: Mapped[str | None] = mapped_column(String(200))
    #: Whom a mark or a check-out is for, the state tapped, the adult chosen.
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    state: Mapped[AttendanceState | None] = mapped_column(
        enum_type(AttendanceState, "door_action_state")
    )
    collector: Mapped[str | None] = mapped_column(String(120))
    #: When it was done by the phone's clock, and by the server's: the phone's time
    #: moved by how far its clock was off when it sent it. The register goes by this.
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None only inside the transaction that applies it.
    outcome: Mapped[DoorOutcome | None] = mapped_column(enum_type(DoorOutcome, "door_outcome"))
    #: Why it was refused: the refusal's code, or a scan's outcome ("unknown", ...).
    reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class DoorConflict(db.Model):
    """Someone let in twice, on two phones that could not know of each other (they
    were offline): the register keeps the first by the time it happened, this row
    both. Either side may be a mark made online (no phone name)."""

    __tablename__ = "door_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True
    )
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    #: The action whose arrival found it.
    action_id: Mapped[int] = mapped_column(ForeignKey("door_actions.id", ondelete="CASCADE"))
    #: The admission the register keeps: who, when, on which phone.
    first_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_on: Mapped[str | None] = mapped_column(String(60))
    #: The other, later one.
    second_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_at: Mapped[datetime] = mapped_column(UTCDateTime)
    second_on: Mapped[str | None] = mapped_column(String(60))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendee: Mapped[Attendee] = relationship()
    first_by: Mapped[User | None] = relationship(foreign_keys=[first_by_id])
    second_by: Mapped[User | None] = relationship(foreign_keys=[second_by_id])


def _verification_code() -> str:
    return secrets.token_urlsafe(12)


class Certificate(db.Model):
    """Proof of completion for one attendee of one cohort, verifiable by anyone."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("attendee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    #: The name as printed on the certificate.
    name: Mapped[str] = mapped_column(String(120))
    cpd_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    #: Share of the counted sessions attended, 0-1.
    attendance_share: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who issues and signs it, as printed: the programme's partners and signatory when
    # it was issued, so that a later change does not rewrite certificates already out.
    #: The issuing organisations' names.
    organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    signatory_name: Mapped[str | None] = mapped_column(String(120))
    signatory_title: Mapped[str | None] = mapped_column(String(200))
    #: In the public verification link; unguessable.
    code: Mapped[str] = mapped_column(String(32), unique=True, default=_verification_code)

    attendee: Mapped[Attendee] = relationship()
    cohort: Mapped[Cohort] = relationship()


class AttendanceWarning(db.Model):
    """A low-attendance email sent; at most one per attendee per cohort."""

    __tablename__ = "attendance_warnings"
    __table_args__ = (UniqueConstraint("attendee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    attendance_share: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportLog(db.Model):
    """Who exported which register or matrix, and whether sensitive fields were in it."""

    __tablename__ = "export_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE")
    )
    #: "register" or "matrix", and the file format.
    what: Mapped[str] = mapped_column(String(20))
    file_format: Mapped[str] = mapped_column(String(8))
    sensitive: Mapped[bool] = mapped_column(default=False)
    rows: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
