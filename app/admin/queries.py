"""Admin read models: platform counts, people, and the mail outbox, a page at a time."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.core.models import MessageStatus, OutboxMessage
from app.extensions import db

PER_PAGE = 25


@dataclass(frozen=True)
class PlatformCounts:
    users: int
    programme_creators: int
    admins: int
    mail_by_status: dict[str, int]


def platform_counts() -> PlatformCounts:
    users, creators, admins = db.session.execute(
        select(
            func.count(User.id),
            func.count(User.id).filter(User.may_create_programmes),
            func.count(User.id).filter(User.is_admin),
        )
    ).one()
    by_status = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )
    return PlatformCounts(
        users=users,
        programme_creators=creators,
        admins=admins,
        mail_by_status={status.value: by_status.get(status, 0) for status in MessageStatus},
    )


def users_page(query: str, page: int):
    statement = select(User).order_by(User.name, User.id)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def outbox_page(status: MessageStatus | None, page: int):
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)
