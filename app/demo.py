"""Demo data for `make run`: an account for each role. Loading twice changes nothing."""

from dataclasses import dataclass

from app.extensions import db
from app.models import User
from app.models.user import user_by_email

DEMO_PASSWORD = "convene-demo"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    name: str
    email: str
    is_admin: bool = False
    may_create_programmes: bool = False
    locale: str | None = None
    timezone: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", "Ada Okafor", "admin@convene.test", is_admin=True),
    DemoAccount("organiser", "Priya Raman", "organiser@convene.test", may_create_programmes=True),
    DemoAccount("helper", "Tom Price", "helper@convene.test"),
    DemoAccount("guardian", "Sam Lewis", "guardian@convene.test", timezone="Europe/London"),
    DemoAccount(
        "teacher",
        "Wong Ka-yan",
        "teacher@convene.test",
        locale="zh_Hant",
        timezone="Asia/Hong_Kong",
    ),
    DemoAccount(
        "student", "Valentina Rojas", "student@convene.test", locale="es", timezone="America/Bogota"
    ),
]


def load_demo_accounts() -> list[DemoAccount]:
    for account in DEMO_ACCOUNTS:
        if user_by_email(account.email) is not None:
            continue
        user = User(
            name=account.name,
            email=account.email,
            is_admin=account.is_admin,
            may_create_programmes=account.may_create_programmes,
            locale=account.locale,
            timezone=account.timezone,
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.commit()
    return DEMO_ACCOUNTS
