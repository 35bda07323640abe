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
