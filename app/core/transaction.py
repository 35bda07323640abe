"""The one place a change is committed.

Commands change rows and flush; they never commit. The caller runs one or more of
them inside `transaction()`, which commits once at the end, or rolls everything
back when anything raises (a `Refusal` included). Mail and jobs a command queues
are written in the same transaction (`app.core.outbox`), so they happen exactly
when the change does.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

_DEPTH = "convene.transaction_depth"
_ON_COMMIT = "convene.on_commit"
_ON_ROLLBACK = "convene.on_rollback"


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit once around the commands run inside; roll back if any of them fails.

    Nested uses join the outer one: only the outermost commits, so a command that is
    composed of others still commits once.
    """
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def lock_row(model, row_id: int) -> None:
    """Hold one row until the transaction ends, so that changes to it (and to what hangs
    off it: a cohort's seats, a programme's team) happen one at a time. PostgreSQL locks
    the row; SQLite, with one writer at a time, takes its write lock by a no-op update."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    else:
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(id=model.id)
            .execution_options(synchronize_session=False)
        )


def after_commit(action: Callable[[], None], session: Session | None = None) -> None:
    """Run `action` once the current transaction commits (deliver its mail, delete a
    file it stopped using); never if it rolls back."""
    session = session or db.session()
    session.info.setdefault(_ON_COMMIT, []).append(action)


def after_rollback(action: Callable[[], None], session: Session | None = None) -> None:
    """Run `action` if the current transaction rolls back (delete a file it wrote)."""
    session = session or db.session()
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


# SQLAlchemy calls these hooks when a savepoint is released or rolled back too, while
# the transaction goes on: only the outermost end counts. Work registered inside a
# savepoint that rolled back still runs at the end; each action copes with that.


@event.listens_for(db.session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_ON_COMMIT, []):
        action()


@event.listens_for(db.session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return
    session.info.pop(_ON_COMMIT, None)
    for action in session.info.pop(_ON_ROLLBACK, []):
        action()
