"""Account rules and state changes. Each public function flushes its change; the caller
commits (`app.core.transaction`). A refusal is a `Refusal` next to its field."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import User, normalise_email, user_by_email
from app.core.address import absolute_url
from app.core.db import utcnow
from app.core.i18n import interface_language
from app.core.outbox import queue_mail
from app.core.refusal import Refusal
from app.extensions import db

_RESET_SALT = "convene.password-reset"
#: Checked against when the email is unknown, so that a miss costs as long as a hit.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def email_taken() -> Refusal:
    """An account with this email exists already."""
    return Refusal(
        "email_taken",
        _l("An account with this email exists already. Log in or reset the password."),
        field="email",
    )


def wrong_password() -> Refusal:
    """The current password given does not match."""
    return Refusal(
        "wrong_password", _l("That is not your current password."), field="current_password"
    )


def register(*, name: str, email: str, password: str) -> User:
    user = User(name=name.strip(), email=normalise_email(email))
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:  # two sign-ups with one email at once
        raise email_taken() from error
    return user


def authenticate(email: str, password: str) -> User | None:
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if user.check_password(password) else None


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


def update_profile(user: User, *, name: str, locale: str | None, timezone: str) -> None:
    user.name = name.strip()
    user.locale = locale or None
    user.timezone = timezone
    db.session.flush()


def set_language(user: User, locale: str) -> None:
    """The footer's language buttons: a change of language, while an English reader
    who chose their region keeps it."""
    if interface_language(user.locale or "") != interface_language(locale):
        user.locale = locale
    db.session.flush()


def change_password(user: User, *, current: str, new: str) -> User:
    if not user.check_password(current):
        raise wrong_password()
    _set_password_and_notify(user, new)
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def make_reset_token(user: User) -> str:
    """Signed, expiring, and single-use: it names the password it may replace."""
    return _serializer().dumps({"id": user.id, "pw": user.password_fingerprint})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.password_fingerprint != data.get("pw"):
        return None
    return user


def reset_link_minutes() -> int:
    return current_app.config["PASSWORD_RESET_MAX_AGE"] // 60


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = user_by_email(email)
    if user is None:
        return
    queue_mail(
        user,
        kind="password_reset",
        subject=_l("Reset your Convene password"),
        template="reset_password",
        reset_url=absolute_url("accounts_public.reset_password", token=make_reset_token(user)),
        valid_minutes=reset_link_minutes(),
    )
    db.session.flush()


def reset_password(user: User, password: str) -> None:
    _set_password_and_notify(user, password)


def _set_password_and_notify(user: User, password: str) -> None:
    user.set_password(password)
    queue_mail(
        user,
        kind="password_changed",
        subject=_l("Your Convene password was changed"),
        template="password_changed",
        reset_url=absolute_url("accounts_public.reset_request"),
    )
    db.session.flush()
