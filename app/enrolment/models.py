"""Who comes: households, enrolments with their attendees, and application questions."""

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import UTCDateTime, enum_type, utcnow
from app.enrolment.tickets import CODE_LENGTH, new_ticket_code
from app.extensions import db
from app.programmes.models import Cohort


class PersonKind(enum.StrEnum):
    CHILD = "child"
    ADULT = "adult"


class HouseholdMember(db.Model):
    """Someone a guardian books for: a child, or another adult who may come."""

    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[PersonKind] = mapped_column(enum_type(PersonKind, "person_kind"))
    name: Mapped[str] = mapped_column(String(120))
    #: Required for children: eligibility is checked on their age.
    date_of_birth: Mapped[date | None]
    school_year: Mapped[str | None] = mapped_column(String(40))
    medical_needs: Mapped[str | None] = mapped_column(Text)
    dietary_needs: Mapped[str | None] = mapped_column(Text)
    access_needs: Mapped[str | None] = mapped_column(Text)
    photo_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()

    @property
    def is_child(self) -> bool:
        return self.kind == PersonKind.CHILD


class EnrolmentStatus(enum.StrEnum):
    DRAFT = "draft"  #: an application being written
    SUBMITTED = "submitted"  #: an application waiting for review
    OFFERED = "offered"  #: a seat held until the offer's deadline
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    EXPIRED = "expired"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


S = EnrolmentStatus

# The enum's own sets, set on the class once its members exist: `EnrolmentStatus.ACTIVE`.

#: States in which the enrolment still wants or holds its seats.
EnrolmentStatus.ACTIVE = frozenset({S.DRAFT, S.SUBMITTED, S.OFFERED, S.CONFIRMED, S.WAITLISTED})
#: States whose attendees hold seats (counted in Cohort.seats_taken).
EnrolmentStatus.HOLDING_SEATS = frozenset({S.OFFERED, S.CONFIRMED})
#: States whose attendees are on a session's register (completed people stay on it).
EnrolmentStatus.ON_REGISTER = frozenset({S.CONFIRMED, S.COMPLETED})
#: States in which an application is in the team's review queue (drafts are not).
EnrolmentStatus.REVIEWABLE = frozenset(set(S) - {S.DRAFT})

ACTIVE_STATUSES = EnrolmentStatus.ACTIVE
SEAT_HOLDING_STATUSES = EnrolmentStatus.HOLDING_SEATS


def _new_ticket_token() -> str:
    return secrets.token_urlsafe(18)


class Enrolment(db.Model):
    """An account holder's place request in a cohort, for one or more attendees."""

    __tablename__ = "enrolments"
    __table_args__ = (
        Index("ix_enrolments_cohort_status", "cohort_id", "status", "id"),
        Index("ix_enrolments_offer_expiry", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    #: The account holder; None for a walk-in added at the door.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        Enum(
            EnrolmentStatus,
            native_enum=False,
            create_constraint=True,
            length=16,
            name="enrolment_status",
            values_callable=lambda members: [m.value for m in members],
        )
    )
    #: Seats the party needs: its number of attendees.
    seats: Mapped[int] = mapped_column(default=1)
    #: Proves a ticket at the door, in its QR code or read out and typed: unguessable
    #: (app.enrolment.tickets), stored without its hyphens (7K3M9QXD2HB17).
    ticket_code: Mapped[str] = mapped_column(
        String(CODE_LENGTH), unique=True, default=new_ticket_code
    )
    #: What proved a ticket before codes: a place booked then still checks in with it.
    ticket_token: Mapped[str] = mapped_column(String(32), unique=True, default=_new_ticket_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When it joined the waitlist; the line is ordered by this, then by id.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once the "offer expiring soon" reminder is queued, so it goes once.
    offer_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Booking details (family workshops).
    emergency_contact_name: Mapped[str | None] = mapped_column(String(120))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(40))
    photo_consent: Mapped[bool | None]
    #: Adults (names) who may collect the children at check-out, besides the party's adults.
    authorised_collectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Added at the door by a team member (`added_by`), without an account.
    is_walk_in: Mapped[bool] = mapped_column(default=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Application details (summer schools, exchanges).
    home_institution: Mapped[str | None] = mapped_column(String(200))
    home_country: Mapped[str | None] = mapped_column(String(2))
    study_level: Mapped[str | None] = mapped_column(String(40))
    statement: Mapped[str | None] = mapped_column(Text)
    #: Answers to the cohort's own questions, by question id (as a string).
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: The team's review: a score from 1 to 5.
    score: Mapped[int | None]
    #: The message sent with a rejection, as the organiser last edited it.
    decision_message: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    attendees: Mapped[list["Attendee"]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="Attendee.id"
    )
    comments: Mapped[list["ReviewComment"]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="ReviewComment.id"
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} cohort={self.cohort_id} {self.status} x{self.seats}>"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def holds_seats(self) -> bool:
        return self.status in SEAT_HOLDING_STATUSES


class Attendee(db.Model):
    """One person of an enrolment's party; takes one seat.

    A household member, the account holder themself, or (both ids empty) a
    walk-in known only by name. `active` mirrors the enrolment's state so that a partial
    unique index refuses a second active place for the same person in a cohort.
    """

    __tablename__ = "attendees"
    __table_args__ = (
        Index(
            "uq_attendees_active_member",
            "cohort_id",
            "household_member_id",
            unique=True,
            sqlite_where=text("active AND household_member_id IS NOT NULL"),
            postgresql_where=text("active AND household_member_id IS NOT NULL"),
        ),
        Index(
            "uq_attendees_active_self",
            "cohort_id",
            "user_id",
            unique=True,
            sqlite_where=text("active AND user_id IS NOT NULL"),
            postgresql_where=text("active AND user_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    #: Indexed for the register: a session's attendees are read by their cohort.
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    household_member_id: Mapped[int | None] = mapped_column(ForeignKey("household_members.id"))
    #: Set when the account holder attends themself (teacher, student, adult).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The name at the time of enrolment, for registers and certificates.
    name: Mapped[str] = mapped_column(String(120))
    is_child: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    enrolment: Mapped[Enrolment] = relationship(back_populates="attendees")
    household_member: Mapped[HouseholdMember | None] = relationship()


class ReviewComment(db.Model):
    """A team-only note on an application."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
