"""Who may do what: every permission rule lives here, as plain functions.

Views call these (or the helpers built on them); templates use the same
functions through the `can` context helper, so that a link is shown exactly
when following it is allowed.

Programme rules take the viewer's team role, so that a page listing many
programmes can look the roles up in one query (`team_roles`).
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from app.accounts.models import User
from app.core.templating import template_rules
from app.extensions import db
from app.programmes.models import Programme, ProgrammeMember, TeamRole

EDITING_ROLES = frozenset({TeamRole.LEAD, TeamRole.ORGANISER})


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def may_create_programmes(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_admin or user.may_create_programmes))


def may_organise(user: User) -> bool:
    """Sees the organise area: may create programmes, or is on any programme's team."""
    if not user.is_authenticated:
        return False
    if may_create_programmes(user):
        return True
    return bool(db.session.scalar(select(exists().where(ProgrammeMember.user_id == user.id))))


def team_role(user: User, programme: Programme) -> TeamRole | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(ProgrammeMember.role).where(
            ProgrammeMember.programme_id == programme.id, ProgrammeMember.user_id == user.id
        )
    )


def team_roles(user: User) -> dict[int, TeamRole]:
    """The user's role on every programme whose team they are on, by programme id."""
    if not user.is_authenticated:
        return {}
    rows = db.session.execute(
        select(ProgrammeMember.programme_id, ProgrammeMember.role).where(
            ProgrammeMember.user_id == user.id
        )
    )
    return dict(rows.tuples().all())


def can_see_management(user: User, role: TeamRole | None) -> bool:
    """Any team member (helpers too) sees the programme's organise pages and drafts."""
    return role is not None or is_admin(user)


def can_edit_programme(user: User, role: TeamRole | None) -> bool:
    return role in EDITING_ROLES or is_admin(user)


def can_see_team(user: User, role: TeamRole | None) -> bool:
    """The team page (who is on it, with their emails): leads and organisers.

    Helpers need not know it: for them, as for people outside the team, it does not
    exist (404)."""
    return role in EDITING_ROLES or is_admin(user)


def can_manage_team(user: User, role: TeamRole | None) -> bool:
    return role == TeamRole.LEAD or is_admin(user)


def can_choose_signatory(user: User, role: TeamRole | None) -> bool:
    """Who signs the programme's certificates, in its name: its leads."""
    return role == TeamRole.LEAD or is_admin(user)


def can_manage_enrolments(user: User, role: TeamRole | None) -> bool:
    """Review applications, decide them, cancel and move places: leads and organisers.

    Helpers see who is coming (for check-in), nothing more.
    """
    return role in EDITING_ROLES or is_admin(user)


def can_take_attendance(user: User, role: TeamRole | None) -> bool:
    """Check people in, take the register, add walk-ins: the whole team, helpers too."""
    return can_see_management(user, role)


def can_correct_attendance(user: User, role: TeamRole | None) -> bool:
    """Change marks once a session is over: leads and organisers, not helpers."""
    return role in EDITING_ROLES or is_admin(user)


def can_export_attendance(user: User, role: TeamRole | None) -> bool:
    """Download registers and attendance matrices, with needs when asked: leads and
    organisers. Helpers export nothing: a file leaves the team's control for good."""
    return role in EDITING_ROLES or is_admin(user)


def admin_required(view):
    """Signed-in admins only; anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


template_rules(
    {
        "admin": is_admin,
        "create_programmes": may_create_programmes,
        "organise": may_organise,
        "see_management": can_see_management,
        "edit_programme": can_edit_programme,
        "see_team": can_see_team,
        "manage_team": can_manage_team,
        "choose_signatory": can_choose_signatory,
        "manage_enrolments": can_manage_enrolments,
        "take_attendance": can_take_attendance,
        "correct_attendance": can_correct_attendance,
        "export_attendance": can_export_attendance,
    }
)
