"""All models, imported here so that Alembic and `create_app()` see every table."""

from app.models.mail import MessageStatus, OutboxMessage
from app.models.user import User

__all__ = ["MessageStatus", "OutboxMessage", "User"]
