"""Loading what an organise URL names, for every domain's team pages.

Every page of a programme goes through `load()`: people outside its team get 404
(as if it did not exist, and also for a cohort, session or member id that belongs
to another programme), team members without the right get 403."""

from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from app.core.web import child_or_404, get_or_404
from app.programmes.models import (
    Cohort,
    CohortSession,
    Programme,
    TeamRole,
)
from app.programmes.permissions import (
    can_see_management,
    programme_for,
)

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
) -> Loaded:
    """The programme, cohort and session a URL names, if the signed-in user may use them.

    404 for anyone outside the team and for ids that do not belong together;
    then 403 when `rule(user, role)` refuses (a helper on an edit page).
    """
    programme, role = programme_for(
        current_user, get_or_404(Programme, programme_id), can_see_management
    )
    cohort = session = None
    if cohort_id is not None:
        cohort = child_or_404(Cohort, cohort_id, "programme_id", programme.id)
    if session_id is not None:
        session = child_or_404(CohortSession, session_id, "cohort_id", cohort.id)
    if not rule(current_user, role):
        abort(403)
    return Loaded(programme, role, cohort, session)
