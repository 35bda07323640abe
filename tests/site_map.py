"""Every page of the demo site, with real ids, for the tests that walk them all.

`load_demo_site()` loads what `flask demo load` loads. `site_pages(role)` then
lists, for one demo role, an address for every route that answers GET: the
role's own enrolments, household and certificates under /me/, and each demo
programme in turn (booking, waiting list, application, online) wherever a
route takes a programme, cohort, session or enrolment. A role that may not
open an address gets 403 or 404 there, which the walking tests accept; what
they never accept is a 5xx.

`unmapped_endpoints()` names any GET route whose arguments this module cannot
fill, so that a new route cannot slip past the walks unseen.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app, url_for
from sqlalchemy import select

from app import demo
from app.accounts.commands import make_reset_token
from app.accounts.models import User
from app.attendance.models import Certificate
from app.attendance.rules import checkin_code
from app.core.models import OutboxMessage
from app.enrolment.models import Attendee, Enrolment, HouseholdMember
from app.extensions import db
from app.programmes.models import Cohort, CohortQuestion, Organisation, ProgrammeMember

#: The demo accounts by role, and "visitor" for someone not logged in.
ROLES = ("visitor", "guardian", "teacher", "student", "helper", "organiser", "admin")
ROLE_EMAILS = {account.role: account.email for account in demo.DEMO_ACCOUNTS}
#: Routes that are not pages: assets, uploaded images and the health check.
NOT_PAGES = {"static", "site.programme_image", "site.healthz"}
#: The demo cohorts whose programmes every team route is tried with: a family
#: booking, a full workshop with a waiting list, a teachers' online course, and
#: an application cohort.
SAMPLE_COHORTS = ("Build a Bristlebot", "Kitchen Chemistry", "Spring term cohort", "Summer 2027")


@dataclass(frozen=True)
class SitePage:
    """One address to open, and the route it belongs to."""

    endpoint: str
    url: str


@dataclass
class Ids:
    """Values for route arguments, each a list of alternatives."""

    values: dict[str, list] = field(default_factory=dict)

    def add(self, name: str, value) -> None:
        if value is not None and value not in self.values.setdefault(name, []):
            self.values[name].append(value)


def load_demo_site() -> None:
    """The demo accounts, catalogue and enrolments, as `flask demo load` makes them."""
    demo.load_demo_accounts()
    demo.load_demo_catalogue()
    demo.load_demo_enrolments()


def demo_user(role: str) -> User | None:
    """The demo account of a role; None for a visitor."""
    if role == "visitor":
        return None
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def _team_contexts() -> Iterator[dict]:
    """Argument sets for team routes, one per sample cohort."""
    cohorts = db.session.scalars(select(Cohort).where(Cohort.name.in_(SAMPLE_COHORTS))).all()
    for cohort in sorted(cohorts, key=lambda c: SAMPLE_COHORTS.index(c.name)):
        programme = cohort.programme
        session = cohort.sessions[0] if cohort.sessions else None
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
        )
        attendee = db.session.scalar(
            select(Attendee).where(Attendee.cohort_id == cohort.id).order_by(Attendee.id)
        )
        question = db.session.scalar(
            select(CohortQuestion).where(CohortQuestion.cohort_id == cohort.id)
        )
        member = db.session.scalar(
            select(ProgrammeMember).where(ProgrammeMember.programme_id == programme.id)
        )
        context = {
            "programme_id": programme.id,
            "slug": programme.slug,
            "cohort_id": cohort.id,
            "session_id": session.id if session else None,
            "enrolment_id": enrolment.id if enrolment else None,
            "attendee_id": attendee.id if attendee else None,
            "question_id": question.id if question else None,
            "member_id": member.id if member else None,
        }
        if session is not None:
            context["code"] = checkin_code(session)
        yield context


def _own_contexts(user: User | None) -> Iterator[dict]:
    """Argument sets for a participant's own routes under /me/."""
    if user is None:
        return
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id))
    for enrolment in enrolments:
        yield {"enrolment_id": enrolment.id}
    for member in db.session.scalars(
        select(HouseholdMember).where(HouseholdMember.owner_id == user.id)
    ):
        yield {"member_id": member.id}
    certificates = db.session.scalars(
        select(Certificate)
        .join(Certificate.attendee)
        .join(Attendee.enrolment)
        .where(Enrolment.user_id == user.id)
    )
    for certificate in certificates:
        yield {"certificate_id": certificate.id, "code": certificate.code}


def _other_contexts(user: User | None) -> Iterator[dict]:
    """Arguments that belong to no programme or participant."""
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
    organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
    certificate = db.session.scalar(select(Certificate).order_by(Certificate.id))
    yield {
        "message_id": message.id if message else None,
        "organisation_id": organisation.id if organisation else None,
        "code": certificate.code if certificate else "NOT-A-CODE",
        "token": make_reset_token(user) if user is not None else None,
        "user_id": user.id if user is not None else None,
    }


def _urls(rule, contexts: list[dict]) -> Iterator[str]:
    for context in contexts:
        values = {name: context.get(name) for name in rule.arguments}
        if all(value is not None for value in values.values()):
            yield url_for(rule.endpoint, **values)


def _rules(method: str = "GET"):
    return [
        rule
        for rule in current_app.url_map.iter_rules()
        if method in rule.methods and rule.endpoint not in NOT_PAGES
    ]


def site_pages(role: str, method: str = "GET") -> list[SitePage]:
    """Every address a role might open: each GET route with each set of ids that fits it
    (with `method="POST"`, each route that takes a form).

    Called in a request context (for url_for) after `load_demo_site()`.
    """
    user = demo_user(role)
    team = list(_team_contexts())
    own = list(_own_contexts(user))
    other = list(_other_contexts(user))
    pages: list[SitePage] = []
    seen: set[str] = set()
    for rule in _rules(method):
        if rule.rule.startswith("/me/"):
            contexts = own
        elif rule.arguments & {"programme_id", "cohort_id", "session_id", "slug"}:
            contexts = team
        else:
            contexts = other
        for url in _urls(rule, contexts):
            if url not in seen:
                seen.add(url)
                pages.append(SitePage(rule.endpoint, url))
    return pages


def unmapped_endpoints() -> set[str]:
    """GET routes that no demo role gets an address for."""
    mapped = {page.endpoint for role in ROLES for page in site_pages(role)}
    return {rule.endpoint for rule in _rules()} - mapped
