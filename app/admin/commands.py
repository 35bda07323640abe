"""Admin actions. They flush; the caller commits (`app.core.transaction`)."""

from app.accounts.models import User
from app.core.models import OutboxMessage
from app.core.outbox import requeue
from app.extensions import db


def set_may_create_programmes(user: User, allowed: bool) -> None:
    user.may_create_programmes = allowed
    db.session.flush()


def retry_message(message: OutboxMessage) -> None:
    requeue(message)
    db.session.flush()
