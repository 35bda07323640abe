"""All models, imported here so that Alembic and `create_app()` see every table."""

from app.models.mail import MessageStatus, OutboxMessage
from app.models.programme import (
    Cohort,
    CohortSession,
    EnrolmentMode,
    Organisation,
    Programme,
    ProgrammeKind,
    ProgrammeMember,
    ProgrammeStatus,
    TeamRole,
)
from app.models.user import User

__all__ = [
    "Cohort",
    "CohortSession",
    "EnrolmentMode",
    "MessageStatus",
    "Organisation",
    "OutboxMessage",
    "Programme",
    "ProgrammeKind",
    "ProgrammeMember",
    "ProgrammeStatus",
    "TeamRole",
    "User",
]
