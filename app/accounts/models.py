"""Accounts. Everyone is a participant; admins and programme creators are flags."""

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.db import UTCDateTime, utcnow
from app.extensions import db, login_manager


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-case; the unique index makes sign-up races safe.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Runs the platform: organisations, who may create programmes, the outbox.
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Granted by an admin; such a user may create programmes and lead them.
    may_create_programmes: Mapped[bool] = mapped_column(default=False)
    #: One of config LANGUAGES, or English with its region (en_GB, en_US); None to
    #: follow the browser. ("en" alone takes the browser's region.)
    locale: Mapped[str | None] = mapped_column(String(16))
    #: An IANA zone name, or None for the platform default.
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: Teacher profile, asked for at a teacher-training enrolment and kept for next time.
    school_name: Mapped[str | None] = mapped_column(String(200))
    school_phase: Mapped[str | None] = mapped_column(String(40))
    school_subject: Mapped[str | None] = mapped_column(String(120))
    professional_ref: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @property
    def has_school_details(self) -> bool:
        return bool(self.school_name and self.school_phase)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def password_fingerprint(self) -> str:
        """Changes whenever the password does: ends old sessions and reset links."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        return f"{self.id}:{self.password_fingerprint}"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.password_fingerprint, fingerprint):
        return None
    return user
