"""All models, imported here so that Alembic and `create_app()` see every table."""

from app.models.attendance import (
    Attendance,
    AttendanceChange,
    AttendanceState,
    AttendanceWarning,
    Certificate,
    ExportLog,
    MarkMethod,
)
from app.models.enrolment import (
    ACTIVE_STATUSES,
    SEAT_HOLDING_STATUSES,
    Attendee,
    CohortQuestion,
    Enrolment,
    EnrolmentStatus,
    HouseholdMember,
    PersonKind,
    QuestionKind,
    ReviewComment,
)
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
    "ACTIVE_STATUSES",
    "SEAT_HOLDING_STATUSES",
    "Attendance",
    "AttendanceChange",
    "AttendanceState",
    "AttendanceWarning",
    "Attendee",
    "Certificate",
    "Cohort",
    "CohortQuestion",
    "CohortSession",
    "Enrolment",
    "EnrolmentMode",
    "EnrolmentStatus",
    "ExportLog",
    "HouseholdMember",
    "MarkMethod",
    "MessageStatus",
    "Organisation",
    "OutboxMessage",
    "PersonKind",
    "Programme",
    "ProgrammeKind",
    "ProgrammeMember",
    "ProgrammeStatus",
    "QuestionKind",
    "ReviewComment",
    "TeamRole",
    "User",
]
