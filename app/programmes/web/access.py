"""Loading what an organise URL names, for every domain's team pages.

Every page of a programme goes through `load()`: people outside its team get 404
(as if it did not exist, and also for a cohort, session or member id that belongs
to another programme), team members without the right get 403. A page some of the
team need not know about (the team list, for helpers) is 404 for them too."""

from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.core.db import is_row_id
from app.extensions import db
from app.programmes.models import (
    Cohort,
    CohortSession,
    Programme,
    ProgrammeMember,
    TeamRole,
)
from app.programmes.permissions import can_see_management

# Loading what a URL names ------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    programme: Programme
    role: TeamRole | None
    cohort: Cohort | None = None
    session: CohortSession | None = None


def load(
    programme_id: int,
    rule=can_see_management,
    cohort_id: int | None = None,
    session_id: int | None = None,
    *,
    see=can_see_management,
) -> Loaded:
    """The programme, cohort and session a URL names, if the signed-in user may use them.

    404 when `see(user, role)` refuses (anyone outside the team; on a need-to-know
    page, team members without the need) and for ids that do not belong together;
    then 403 when `rule(user, role)` refuses (a helper on an edit page). One query,
    with the user's role: a scan at a busy door goes through here too.
    """
    ids = [i for i in (programme_id, cohort_id, session_id) if i is not None]
    found = None
    if all(is_row_id(i) for i in ids):
        statement = (
            select(Programme, ProgrammeMember.role)
            .outerjoin(
                ProgrammeMember,
                (ProgrammeMember.programme_id == Programme.id)
                & (ProgrammeMember.user_id == current_user.id),
            )
            .where(Programme.id == programme_id)
        )
        if cohort_id is not None:
            statement = statement.add_columns(Cohort).join(
                Cohort, (Cohort.programme_id == Programme.id) & (Cohort.id == cohort_id)
            )
        if session_id is not None:
            statement = statement.add_columns(CohortSession).join(
                CohortSession,
                (CohortSession.cohort_id == Cohort.id) & (CohortSession.id == session_id),
            )
        found = db.session.execute(statement).first()
    if found is None or not see(current_user, found.role):
        abort(404)
    if not rule(current_user, found.role):
        abort(403)
    row = found._mapping
    return Loaded(found.Programme, found.role, row.get(Cohort), row.get(CohortSession))
