"""Demo data for `make run`: an account for each role and a living catalogue.

Loading twice changes nothing: accounts are matched by email, organisations by
name and programmes by slug. Dates are set relative to the first load, so a
fresh `make run` always shows sessions in the coming months, a family drop-in
with a session today and tomorrow whose register the demo helper can take at
once, and a teachers' course that ended a few weeks ago, its attendance taken
and the demo teacher's certificate issued.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.accounts.models import User, user_by_email
from app.attendance import commands as attendance
from app.attendance.completion import complete_cohort
from app.attendance.models import AttendanceState
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import commands as enrolment_commands
from app.enrolment import lifecycle
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, HouseholdMember, PersonKind
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes import commands as programme_commands
from app.programmes.commands import QuestionDetails
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    CohortSession,
    EnrolmentMode,
    Organisation,
    Programme,
    ProgrammeKind,
    ProgrammeMember,
    ProgrammeStatus,
    QuestionKind,
    TeamRole,
)
from app.programmes.queries import questions_of
from app.programmes.rules import local_to_utc, utc_to_local

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
    DemoAccount("admin", "Ada Okafor", "admin@convene.example.org", is_admin=True),
    DemoAccount(
        "organiser", "Priya Raman", "organiser@convene.example.org", may_create_programmes=True
    ),
    DemoAccount("helper", "Tom Price", "helper@convene.example.org"),
    DemoAccount("guardian", "Sam Lewis", "guardian@convene.example.org", timezone="Europe/London"),
    DemoAccount(
        "teacher",
        "Wong Ka-yan",
        "teacher@convene.example.org",
        locale="zh_Hant",
        timezone="Asia/Hong_Kong",
    ),
    DemoAccount(
        "student",
        "Valentina Rojas",
        "student@convene.example.org",
        locale="es",
        timezone="America/Bogota",
    ),
]

ORGANISATIONS = [
    ("London Science University", "GB", "https://science-university.example.org"),
    ("Hong Kong Digital Education Centre", "HK", "https://hk-digital-education.example.org"),
    ("Instituto Politécnico de México", "MX", "https://politecnico-mexico.example.org"),
    ("Munich Technical University", "DE", "https://munich-technical.example.org"),
    ("Indian Institute of Digital Health", "IN", "https://digital-health-india.example.org"),
    ("Camden Mathematics School", "GB", "https://camden-maths.example.org"),
    ("Age Connect London", "GB", "https://age-connect-london.example.org"),
]


#: Days apart in a schedule: every weekday, Monday to Friday.
WEEKDAYS = 0


@dataclass
class DemoCohort:
    name: str
    capacity: int
    timezone: str
    #: (first day, start, end, how many sessions, days apart or WEEKDAYS)
    schedule: tuple[date, time, time, int, int]
    mode: EnrolmentMode = EnrolmentMode.BOOKING
    venue: str | None = None
    online_url: str | None = None
    closes_days_before: int | None = None
    #: Enrolment opened this many days before the first session (None: a day ago).
    opens_days_before: int | None = None
    cpd_hours: Decimal | None = None
    completion_share: Decimal = Decimal("0.75")
    questions: list[QuestionDetails] = field(default_factory=list)


@dataclass
class DemoProgramme:
    slug: str
    title: str
    kind: ProgrammeKind
    summary: str
    description: str
    audience: str
    language: str
    partners: list[str]
    cohorts: list[DemoCohort]
    is_online: bool = False
    country: str | None = None
    city: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    teachers_only: bool = False
    home_countries: list[str] = field(default_factory=list)
    status: ProgrammeStatus = ProgrammeStatus.PUBLISHED
    helpers: bool = False
    #: Who signs its certificates: (name, role).
    signatory: tuple[str, str] | None = None


def _next_weekday(start: date, weekday: int, weeks_ahead: int = 0) -> date:
    """The first `weekday` (Monday 0) on or after `start`, `weeks_ahead` weeks later."""
    return start + timedelta(days=(weekday - start.weekday()) % 7, weeks=weeks_ahead)


#: The family drop-in whose register is open today: the door can be tried at once.
DOOR_COHORT = "Science week drop-in"
#: The teachers' course that is over, with attendance taken and certificates issued.
FINISHED_COHORT = "Autumn term cohort"


def door_schedule(now: datetime, timezone: str) -> tuple[date, time, time, int, int]:
    """Today and tomorrow, "today" where the cohort meets: two hours from the next full
    hour (10:00 at the earliest), when that ends before midnight; else 10:00 to 12:00,
    earlier today, its register still open until the day ends."""
    local = utc_to_local(now, timezone)
    morning = local.replace(hour=10, minute=0, second=0, microsecond=0)
    start = max((local + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0), morning)
    if (start + timedelta(hours=2)).date() != local.date():
        start = morning
    return (local.date(), start.time(), (start + timedelta(hours=2)).time(), 2, 1)


def demo_programmes(now: datetime) -> list[DemoProgramme]:
    today = now.date()

    def saturday(weeks_ahead: int) -> date:
        return _next_weekday(today, 5, weeks_ahead)

    campus = "Great Hall, London Science University, Exhibition Road, London SW7"
    return [
        DemoProgramme(
            slug="family-stem-saturdays",
            title="Family STEM Saturdays",
            kind=ProgrammeKind.FAMILY_WORKSHOP,
            summary="Hands-on science and engineering mornings on campus for children and "
            "the grown-ups who bring them.",
            description="Build, test and take home: each Saturday workshop is led by "
            "researchers and student ambassadors.\n\nEvery child comes with an adult. "
            "Materials, snacks and step-free access are provided.",
            audience="Families with children aged 6 to 11",
            language="en",
            country="GB",
            city="London",
            min_age=6,
            max_age=11,
            partners=["London Science University"],
            helpers=True,
            cohorts=[
                DemoCohort(
                    "Build a Bristlebot",
                    30,
                    "Europe/London",
                    (saturday(2), time(10), time(12, 30), 1, 7),
                    venue=campus,
                ),
                DemoCohort(
                    "Kitchen Chemistry",
                    24,
                    "Europe/London",
                    (saturday(5), time(10), time(12, 30), 1, 7),
                    venue=campus,
                ),
                DemoCohort(
                    "Coding with Micro-robots",
                    24,
                    "Europe/London",
                    (saturday(9), time(10), time(12, 30), 1, 7),
                    venue=campus,
                ),
                DemoCohort(
                    DOOR_COHORT,
                    20,
                    "Europe/London",
                    door_schedule(now, "Europe/London"),
                    venue="Science Library, London Science University, Exhibition Road, London SW7",
                ),
            ],
        ),
        DemoProgramme(
            slug="primary-science-digital-classrooms",
            title="Primary Science for Digital Classrooms",
            kind=ProgrammeKind.TEACHER_TRAINING,
            summary="A six-week online course for primary teachers on inquiry-based science "
            "with digital tools. Earns 12 CPD hours.",
            description="Run with a Hong Kong digital-education partner. Weekly live "
            "sessions after school, Hong Kong time, with recordings and classroom tasks "
            "between sessions.",
            audience="Primary school teachers",
            language="en",
            is_online=True,
            teachers_only=True,
            partners=["Hong Kong Digital Education Centre", "London Science University"],
            signatory=("Dr Helen Chan", "Director of Teacher Education"),
            cohorts=[
                DemoCohort(
                    FINISHED_COHORT,
                    40,
                    "Asia/Hong_Kong",
                    (_next_weekday(today, 2, -9), time(16), time(17, 30), 6, 7),
                    online_url="https://meet.example.org/primary-science",
                    opens_days_before=30,
                    cpd_hours=Decimal("12"),
                    completion_share=Decimal("0.80"),
                ),
                DemoCohort(
                    "Spring term cohort",
                    40,
                    "Asia/Hong_Kong",
                    (_next_weekday(today, 2, 3), time(16), time(17, 30), 6, 7),
                    online_url="https://meet.example.org/primary-science",
                    cpd_hours=Decimal("12"),
                    completion_share=Decimal("0.80"),
                ),
            ],
        ),
        DemoProgramme(
            slug="international-school-scientific-research",
            title="International School of Scientific Research",
            kind=ProgrammeKind.SUMMER_SCHOOL,
            summary="Two weeks of research projects in London labs for 60 undergraduates "
            "from Mexico, Colombia and Chile.",
            description="Run with a Mexican polytechnic. Students join a research group, "
            "present a poster on the final day and meet London's science community. "
            "Travel grants are available.",
            audience="Undergraduate students in science and engineering",
            language="en",
            country="GB",
            city="London",
            home_countries=["MX", "CO", "CL"],
            partners=["Instituto Politécnico de México", "London Science University"],
            cohorts=[
                DemoCohort(
                    "Summer 2027",
                    60,
                    "Europe/London",
                    (_next_weekday(today, 0, 30), time(9, 30), time(16, 30), 10, WEEKDAYS),
                    mode=EnrolmentMode.APPLICATION,
                    venue="Research labs, London Science University, London SW7",
                    closes_days_before=90,
                    questions=[
                        QuestionDetails(
                            "Which research area would you like to join?",
                            QuestionKind.CHOICE,
                            choices=RESEARCH_AREAS,
                        ),
                        QuestionDetails(
                            "Will you apply for a travel grant?",
                            QuestionKind.YES_NO,
                            required=False,
                        ),
                    ],
                )
            ],
        ),
        DemoProgramme(
            slug="joint-doctoral-academy-ai-health-robotics",
            title="London-Munich Joint Doctoral Academy",
            kind=ProgrammeKind.EXCHANGE_COHORT,
            summary="A doctoral cohort in AI, healthcare and robotics that spends a week in "
            "Munich and a week in London.",
            description="Doctoral candidates from both universities work in mixed teams "
            "on a shared challenge, with mentors from industry and hospitals.",
            audience="Doctoral candidates",
            language="en",
            country="DE",
            city="Munich",
            partners=["Munich Technical University", "London Science University"],
            cohorts=[
                DemoCohort(
                    "2027 cohort — Munich week",
                    20,
                    "Europe/Berlin",
                    (_next_weekday(today, 0, 12), time(9), time(17), 5, WEEKDAYS),
                    mode=EnrolmentMode.APPLICATION,
                    venue="Garching campus, Munich Technical University",
                    closes_days_before=30,
                )
            ],
        ),
        DemoProgramme(
            slug="digital-health-exchange",
            title="Digital Health Exchange",
            kind=ProgrammeKind.EXCHANGE_COHORT,
            summary="An exchange on digital health for master's students from London and "
            "India: online seminars, then project work together.",
            description="Weekly online seminars in Indian Standard Time lead to a joint "
            "project on telemedicine for rural clinics.",
            audience="Master's students in health, computing or engineering",
            language="en",
            is_online=True,
            home_countries=["GB", "IN"],
            partners=["Indian Institute of Digital Health", "London Science University"],
            cohorts=[
                DemoCohort(
                    "Spring seminars",
                    16,
                    "Asia/Kolkata",
                    (_next_weekday(today, 3, 6), time(17), time(18, 30), 8, 7),
                    mode=EnrolmentMode.APPLICATION,
                    online_url="https://meet.example.org/digital-health",
                    closes_days_before=14,
                )
            ],
        ),
        DemoProgramme(
            slug="maths-school-taster-day",
            title="Maths School Taster Day",
            kind=ProgrammeKind.TASTER,
            summary="A day of problem solving at a specialist maths school, for students "
            "from groups under-represented in mathematics.",
            description="Puzzles, a lecture and lunch with current students. Free, with "
            "travel costs refunded.",
            audience="Students aged 14 to 16",
            language="en",
            country="GB",
            city="London",
            min_age=14,
            max_age=16,
            partners=["Camden Mathematics School"],
            helpers=True,
            cohorts=[
                DemoCohort(
                    "Winter taster",
                    50,
                    "Europe/London",
                    (saturday(7), time(9, 30), time(15, 30), 1, 7),
                    venue="Camden Mathematics School, London NW1",
                )
            ],
        ),
        DemoProgramme(
            slug="get-online-by-phone",
            title="Get Online by Phone",
            kind=ProgrammeKind.COMMUNITY,
            summary="Friendly one-hour phone sessions that help older residents use email, "
            "video calls and online services with confidence.",
            description="A student volunteer calls you each week at the same time. "
            "No computer needed to start: just a phone.",
            audience="Residents aged 65 and over",
            language="en",
            is_online=True,
            partners=["Age Connect London"],
            cohorts=[
                DemoCohort(
                    "Tuesday afternoons",
                    12,
                    "Europe/London",
                    (_next_weekday(today, 1, 1), time(14), time(15), 8, 7),
                    online_url="tel:+442079460000",
                )
            ],
        ),
        DemoProgramme(
            slug="robotics-club-for-teens",
            title="Robotics Club for Teens",
            kind=ProgrammeKind.FAMILY_WORKSHOP,
            summary="An after-school robotics club, still being planned.",
            description="Draft: dates and venue to be confirmed.",
            audience="Young people aged 12 to 15",
            language="en",
            country="GB",
            city="London",
            min_age=12,
            max_age=15,
            status=ProgrammeStatus.DRAFT,
            partners=["London Science University"],
            cohorts=[],
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


RESEARCH_AREAS = [
    "Catalysts for clean fuels",
    "Materials for batteries",
    "Computational biology",
    "Soft robotics",
]


def load_demo_catalogue(now: datetime | None = None) -> int:
    """Create the demo organisations and programmes that are missing; return how many."""
    now = now or utcnow()
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name, country, website in ORGANISATIONS:
        if name not in organisations:
            organisations[name] = Organisation(name=name, country=country, website=website)
            db.session.add(organisations[name])
    lead = user_by_email("organiser@convene.example.org")
    helper = user_by_email("helper@convene.example.org")
    existing = set(db.session.scalars(select(Programme.slug)))
    created = 0
    for spec in demo_programmes(now):
        if spec.slug in existing:
            continue
        programme = Programme(
            slug=spec.slug,
            title=spec.title,
            kind=spec.kind,
            summary=spec.summary,
            description=spec.description,
            audience=spec.audience,
            language=spec.language,
            is_online=spec.is_online,
            country=spec.country,
            city=spec.city,
            min_age=spec.min_age,
            max_age=spec.max_age,
            teachers_only=spec.teachers_only,
            home_countries=spec.home_countries,
            status=spec.status,
            partners=[organisations[name] for name in spec.partners],
            members=[ProgrammeMember(user=lead, role=TeamRole.LEAD)],
            cohorts=[_demo_cohort(c) for c in spec.cohorts],
        )
        programme.signatory_name, programme.signatory_title = spec.signatory or (None, None)
        if spec.helpers:
            programme.members.append(ProgrammeMember(user=helper, role=TeamRole.HELPER))
        db.session.add(programme)
        db.session.flush()
        for cohort, cohort_spec in zip(programme.cohorts, spec.cohorts, strict=True):
            for question in cohort_spec.questions:
                programme_commands.add_question(cohort, question)
        created += 1
    db.session.commit()
    return created


def load_demo_enrolments() -> int:
    """Bookings and applications through the real lifecycle, so that seats, waitlists
    and the review queue have something to show. Skipped once any enrolment exists."""
    if db.session.scalar(select(Enrolment.id).limit(1)) is not None:
        return 0
    cohorts = {c.name: c for c in db.session.scalars(select(Cohort))}
    guardian = user_by_email("guardian@convene.example.org")
    family = _household(guardian, [("Maya Lewis", date(2017, 3, 14)), ("Leo Lewis", None)])
    with transaction():
        lifecycle.book(
            guardian,
            cohorts["Build a Bristlebot"],
            Party(members=tuple(family[:1]), account_holder=True),
            emergency_contact_name="Alex Lewis",
            emergency_contact_phone="+44 20 7946 0123",
            photo_consent=True,
        )
    # A full workshop with a family waiting for three seats.
    kitchen = cohorts["Kitchen Chemistry"]
    for n in range(8):
        parent = _demo_user(f"Parent {n + 1}", f"family{n + 1}@convene.example.org")
        children = _household(
            parent, [(f"Child {n + 1}A", date(2016, 5, 1)), (f"Child {n + 1}B", date(2018, 9, 1))]
        )
        with transaction():
            lifecycle.book(
                parent,
                kitchen,
                Party(members=tuple(children), account_holder=True),
                emergency_contact_name="Emergency contact",
                emergency_contact_phone="+44 20 7946 0999",
                photo_consent=n % 2 == 0,
            )
    with transaction():
        lifecycle.book(
            guardian,
            kitchen,
            Party(members=tuple(family[:1]), account_holder=True),
            emergency_contact_name="Alex Lewis",
            emergency_contact_phone="+44 20 7946 0123",
        )
    _book_the_door_cohort(cohorts[DOOR_COHORT], guardian, family)
    teacher = user_by_email("teacher@convene.example.org")
    _school(teacher, "Kowloon Bay Primary School")
    with transaction():
        lifecycle.book(teacher, cohorts["Spring term cohort"], Party(account_holder=True))
    _finish_the_course(cohorts[FINISHED_COHORT], teacher)
    student = user_by_email("student@convene.example.org")
    summer = cohorts["Summer 2027"]
    questions = questions_of(summer)
    with transaction():
        enrolment_commands.apply(
            student,
            summer,
            _demo_application("CO", "Universidad Nacional de Colombia", questions, 0),
            questions,
            submit=True,
        )
    for n, country in enumerate(["MX", "CL", "MX"]):
        applicant = _demo_user(f"Applicant {n + 1}", f"applicant{n + 1}@convene.example.org")
        details = _demo_application(country, "Instituto Politécnico", questions, n + 1)
        with transaction():
            enrolment_commands.apply(applicant, summer, details, questions, submit=True)
    return db.session.scalar(select(func.count(Enrolment.id)))


def _booked_before(cohort: Cohort) -> datetime:
    """When a place was booked: now, or an hour before the first session when that has
    begun (the door cohort late in the evening, the finished course): the lifecycle
    closes booking at the first session's start."""
    return min(utcnow(), cohort.sessions[0].starts_at - timedelta(hours=1))


def _book_the_door_cohort(cohort: Cohort, guardian: User, family: list[HouseholdMember]) -> None:
    """Four families on today's register: the demo guardian's and three others."""
    parties = [(guardian, family[:1], "Alex Lewis", "+44 20 7946 0123")]
    for n in range(3):
        parent = user_by_email(f"family{n + 1}@convene.example.org")
        children = db.session.scalars(
            select(HouseholdMember).where(HouseholdMember.owner_id == parent.id)
        ).all()
        parties.append((parent, children, "Emergency contact", "+44 20 7946 0999"))
    for parent, children, contact, phone in parties:
        with transaction():
            lifecycle.book(
                parent,
                cohort,
                Party(members=tuple(children), account_holder=True),
                now=_booked_before(cohort),
                emergency_contact_name=contact,
                emergency_contact_phone=phone,
                photo_consent=True,
            )


_P, _L, _E, _A = (
    AttendanceState.PRESENT,
    AttendanceState.LATE,
    AttendanceState.EXCUSED,
    AttendanceState.ABSENT,
)
#: Each teacher's marks at the finished course's six sessions. 80% are needed (an
#: excused session is not counted): the first two complete, the third does not.
FINISHED_MARKS = ((_P, _P, _L, _P, _P, _P), (_P, _P, _P, _P, _P, _A), (_P, _A, _P, _A, _E, _A))


def _finish_the_course(cohort: Cohort, teacher: User) -> None:
    """The teachers' course that ended: booked before it began, the register taken by
    its lead at each session, and completed by the real completion (which issues the
    demo teacher's certificate, signed as the programme says)."""
    lead = user_by_email("organiser@convene.example.org")
    teachers = [teacher]
    for n, school in enumerate(["Sha Tin Methodist Primary", "Tsuen Wan Catholic Primary"]):
        colleague = _demo_user(f"Teacher {n + 1}", f"teacher{n + 1}@convene.example.org")
        teachers.append(_school(colleague, school))
    for person, marks in zip(teachers, FINISHED_MARKS, strict=True):
        with transaction():
            enrolment = lifecycle.book(
                person, cohort, Party(account_holder=True), now=_booked_before(cohort)
            )
            for session, state in zip(cohort.sessions, marks, strict=True):
                attendance.mark(
                    enrolment.attendees[0],
                    session,
                    state,
                    lead,
                    now=session.starts_at + timedelta(minutes=5),
                )
    with transaction():
        complete_cohort(cohort)


def _school(teacher: User, school: str) -> User:
    teacher.school_name, teacher.school_phase, teacher.school_subject = school, "primary", "Science"
    db.session.commit()
    return teacher


def _demo_user(name: str, email: str) -> User:
    user = user_by_email(email)
    if user is None:
        user = User(name=name, email=email)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
    return user


def _household(owner: User, children: list[tuple[str, date | None]]) -> list[HouseholdMember]:
    members = [
        HouseholdMember(
            owner=owner,
            kind=PersonKind.CHILD if born else PersonKind.ADULT,
            name=name,
            date_of_birth=born,
            photo_consent=True,
        )
        for name, born in children
    ]
    db.session.add_all(members)
    db.session.commit()
    return members


def _demo_application(
    country: str, institution: str, questions: list[CohortQuestion], n: int
) -> ApplicationDetails:
    """An application answering the cohort's questions (the nth research area, and a
    travel grant every other time)."""
    answers = {}
    for question in questions:
        if question.kind == QuestionKind.CHOICE:
            answers[str(question.id)] = question.choices[n % len(question.choices)]
        elif question.kind == QuestionKind.YES_NO:
            answers[str(question.id)] = "yes" if n % 2 == 0 else "no"
    return ApplicationDetails(
        home_institution=institution,
        home_country=country,
        study_level="undergraduate",
        statement=(
            "I study chemical engineering and want to spend two weeks in a research group "
            "working on catalysts for clean fuels. I have worked in my university's lab for "
            "a year, and I would bring what I learn back to the student research club I lead."
        ),
        answers=answers,
    )


def _session_days(first_day: date, count: int, days_apart: int) -> list[date]:
    if days_apart != WEEKDAYS:
        return [first_day + timedelta(days=n * days_apart) for n in range(count)]
    days, day = [], first_day
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _demo_cohort(spec: DemoCohort) -> Cohort:
    first_day, start, end, count, every_days = spec.schedule
    sessions = [
        CohortSession(
            starts_at=local_to_utc(datetime.combine(day, start), spec.timezone),
            ends_at=local_to_utc(datetime.combine(day, end), spec.timezone),
            timezone=spec.timezone,
            venue=spec.venue,
            online_url=spec.online_url,
        )
        for day in _session_days(first_day, count, every_days)
    ]
    closes_at = None
    if spec.closes_days_before is not None:
        closes_at = sessions[0].starts_at - timedelta(days=spec.closes_days_before)
    opens_at = utcnow() - timedelta(days=1)
    if spec.opens_days_before is not None:
        opens_at = sessions[0].starts_at - timedelta(days=spec.opens_days_before)
    return Cohort(
        name=spec.name,
        capacity=spec.capacity,
        enrolment_mode=spec.mode,
        timezone=spec.timezone,
        enrol_opens_at=opens_at,
        enrol_closes_at=closes_at,
        cpd_hours=spec.cpd_hours,
        completion_share=spec.completion_share,
        sessions=sessions,
    )
