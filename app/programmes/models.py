"""What is offered: organisations, programmes with their team, cohorts and sessions."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import UTCDateTime, enum_type, utcnow
from app.extensions import db


class ProgrammeKind(enum.StrEnum):
    FAMILY_WORKSHOP = "family_workshop"
    TEACHER_TRAINING = "teacher_training"
    SUMMER_SCHOOL = "summer_school"
    EXCHANGE_COHORT = "exchange_cohort"
    TASTER = "taster"
    COMMUNITY = "community"


class ProgrammeStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class TeamRole(enum.StrEnum):
    LEAD = "lead"  #: everything, including the team
    ORGANISER = "organiser"  #: edits the programme, its cohorts and sessions
    HELPER = "helper"  #: check-in and registers only


class EnrolmentMode(enum.StrEnum):
    BOOKING = "booking"  #: first come, first served, with a waitlist
    APPLICATION = "application"  #: reviewed, with offers


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


programme_partners = Table(
    "programme_partners",
    db.metadata,
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class Programme(db.Model):
    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", "age_range"),
        Index("ix_programmes_status_kind", "status", "kind"),
        # The catalogue walks this index in order and stops after a page.
        Index("ix_programmes_catalogue", "status", "next_starts_at", "id"),
        # The catalogue's filter choices: one probe per language or country.
        Index("ix_programmes_status_language", "status", "language"),
        Index("ix_programmes_status_online_country", "status", "is_online", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The URL name, unique; lower-case words joined by hyphens.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProgrammeKind] = mapped_column(enum_type(ProgrammeKind, "programme_kind"))
    #: One or two sentences for the catalogue card.
    summary: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who it is for, in words ("Families with children aged 7 to 11").
    audience: Mapped[str] = mapped_column(String(200), default="")
    #: Child attendees' age range in years on the first session day (None: no limit).
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    #: Only accounts with school details may enrol.
    teachers_only: Mapped[bool] = mapped_column(default=False)
    #: ISO country codes participants must come from; empty means anywhere.
    home_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Language of delivery, a short code ("en", "es", "zh").
    language: Mapped[str] = mapped_column(String(12))
    is_online: Mapped[bool] = mapped_column(default=False)
    #: Where it happens when in person (ISO country code and city).
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    #: File name under instance/uploads/programmes, when an image was uploaded.
    image: Mapped[str | None] = mapped_column(String(120))
    #: Who signs its certificates, as printed ("Dr Jane Smith"); a lead chooses.
    signatory_name: Mapped[str | None] = mapped_column(String(120))
    #: ...and their role or title under the name ("Director of Outreach").
    signatory_title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ProgrammeStatus] = mapped_column(
        enum_type(ProgrammeStatus, "programme_status"), default=ProgrammeStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The catalogue's order and membership, kept by app.programmes.listing whenever a
    # cohort's sessions change (and, as time passes, by the scheduled job):
    #: When the first cohort not yet over starts (None: no cohort to come).
    next_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When that stops being true: the earliest end among the cohorts not yet over.
    next_starts_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: When the last cohort ends; the programme is listed until then.
    listed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partners: Mapped[list[Organisation]] = relationship(
        secondary=programme_partners, order_by=Organisation.name
    )
    members: Mapped[list["ProgrammeMember"]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )
    cohorts: Mapped[list["Cohort"]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="Cohort.id"
    )

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.slug}>"

    @property
    def is_published(self) -> bool:
        return self.status == ProgrammeStatus.PUBLISHED


class ProgrammeMember(db.Model):
    """A user on a programme's team, with one role."""

    __tablename__ = "programme_members"
    __table_args__ = (UniqueConstraint("programme_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(enum_type(TeamRole, "team_role"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Cohort(db.Model):
    """One dated run of a programme that people enrol in."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("capacity >= 0", "capacity_not_negative"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", "seats_within_capacity"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", "age_range"),
        CheckConstraint(
            "enrol_opens_at IS NULL OR enrol_closes_at IS NULL OR enrol_opens_at < enrol_closes_at",
            "enrolment_window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    #: Seats held by confirmed and offered enrolments, kept by the enrolment rules
    #: with a conditional UPDATE so that it can never pass capacity.
    seats_taken: Mapped[int] = mapped_column(default=0)
    enrolment_mode: Mapped[EnrolmentMode] = mapped_column(
        enum_type(EnrolmentMode, "enrolment_mode"), default=EnrolmentMode.BOOKING
    )
    enrol_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrol_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Where the cohort's dates are entered and shown by default (IANA name).
    timezone: Mapped[str] = mapped_column(String(64))
    #: Eligibility overrides; None means "as the programme says".
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    teachers_only: Mapped[bool | None]
    home_countries: Mapped[list[str] | None] = mapped_column(JSON)
    #: Completion rule: share of sessions to attend (0-1) and CPD hours earned.
    completion_share: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0.75"))
    cpd_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    #: CPD hours in proportion to the minutes attended, instead of all or nothing.
    cpd_pro_rata: Mapped[bool] = mapped_column(default=False)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    #: Low-attendance warning: checked once this many sessions have ended (None: off)...
    warning_after_sessions: Mapped[int | None]
    #: ...for attendees whose share of attended sessions is below this (0-1).
    warning_below_share: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0.5"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The first session's start and the last session's end (None without sessions),
    #: kept by app.programmes.listing whenever sessions change.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    sessions: Mapped[list["CohortSession"]] = relationship(
        back_populates="cohort",
        cascade="all, delete-orphan",
        order_by="CohortSession.starts_at",
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name}>"

    @property
    def full_title(self) -> str:
        """ "Family STEM Saturdays — Kitchen Chemistry", as mail and pages name it."""
        return f"{self.programme.title} — {self.name}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class CohortSession(db.Model):
    """One meeting of a cohort ("session" in the interface)."""

    __tablename__ = "cohort_sessions"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", "ends_after_start"),
        Index("ix_cohort_sessions_cohort_starts", "cohort_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Where it happens, as an IANA zone; times are shown in it next to the viewer's.
    timezone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    #: Participants may mark themselves present with the register's rotating code.
    self_checkin: Mapped[bool] = mapped_column(default=False)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<CohortSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not self.venue


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"


class CohortQuestion(db.Model):
    """A question of the cohort's own that applicants answer."""

    __tablename__ = "cohort_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(String(300))
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "question_kind"))
    #: The options of a choice question.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=True)
