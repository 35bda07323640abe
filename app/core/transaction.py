"""The one place a change is committed.

Commands change rows and flush; they never commit. The caller runs one or more of
them inside `transaction()`, which commits once at the end, or rolls everything
back when anything raises (a `Refusal` included). Mail and jobs a command queues
are written in the same transaction (`app.core.outbox`), so they happen exactly
when the change does.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.extensions import db

_DEPTH = "convene.transaction_depth"


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
