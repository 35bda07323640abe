"""Who may do what: every permission rule lives here, as plain functions.

Views call these (or the decorators built on them); templates use the same
functions through the `can` context helper, so that a link is shown exactly
when following it is allowed.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.models import User


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def may_create_programmes(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_admin or user.may_create_programmes))


def admin_required(view):
    """Signed-in admins only; anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


#: Exposed to templates as `can.<rule>(user)`.
TEMPLATE_RULES = {
    "admin": is_admin,
    "create_programmes": may_create_programmes,
}
