"""Core tables: the mail outbox (every message a row written in the transaction that
caused it) and the action log (every decision, who made it and when)."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, enum_type, utcnow
from app.extensions import db


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  #: waiting for its first or next attempt
    SENDING = "sending"  #: claimed by one deliverer
    SENT = "sent"
    FAILED = "failed"  #: gave up after MAIL_MAX_ATTEMPTS


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What caused the message ("password_reset", ...), for the admin list.
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    #: The language it is written in (a Babel locale: "es", "zh_Hant"), for Content-Language.
    locale: Mapped[str] = mapped_column(String(16))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Text attachments: [{"filename": ..., "content_type": "text/calendar", "content": ...}].
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[MessageStatus] = mapped_column(
        enum_type(MessageStatus, "message_status", length=16),
        default=MessageStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not tried before this time (back-off after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a deliverer claimed it; a claim older than a few minutes was abandoned.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class Action(db.Model):
    """One decision in the action log: who made it, when, about which cohort and
    enrolment, and what changed (`detail`, e.g. {"reason": ...} or {"from": 20, "to": 25}).

    Written by the command that makes the change, in the same transaction
    (`app.core.actions.record`), and shown to the team as the history of an
    enrolment or a cohort.
    """

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_cohort_at", "cohort_id", "at"),
        Index("ix_actions_enrolment_at", "enrolment_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who decided; None for Convene itself (a scheduled job, an expiry).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: What was done: a verb of `app.core.actions.VERBS` ("offer", "cancel", ...).
    verb: Mapped[str] = mapped_column(String(40))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE")
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User")

    def __repr__(self) -> str:
        return (
            f"<Action {self.id} {self.verb} cohort={self.cohort_id} enrolment={self.enrolment_id}>"
        )
