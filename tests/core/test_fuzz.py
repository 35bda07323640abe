"""Does any input make the server fail? Every page and form of the demo site, sent
hostile values as every demo role.

For each role, on fresh demo data (each test is rolled back):

- every page of `tests.site_map` is opened; the query arguments it reads (the names
  in its GET forms and in its links back to itself, and common ones) are sent hostile
  values, then twice over with unknown ones and a hostile Accept-Language; each id,
  slug, code or token in its address is replaced in turn by a hostile one;
- every form found on those pages is sent with a hostile value in each field in turn
  (the other fields as a browser would send them, empty ones filled in plausibly, so
  that the form reaches its command), with each choice or hidden field left out,
  with every field twice, and at last as a person would fill it in;
- every route that only takes POST is sent hostile values under every field name the
  role's forms use, asking for JSON as the register's script does.

A refusal (400, 403, 404, 409, 422, ...) is a good answer; a 5xx never is. The test
fails with one report that lists each: role, method, address, field, value, status,
and the exception with the line of the app's code it came from.

Each form and each set of query arguments is tried once per route (not again for
every row or cohort it appears for), which keeps a role's run to about a thousand
requests: under a minute for the seven roles, so it runs in every `make test`.
"""

import re
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from flask import got_request_exception
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.core.transaction import transaction
from app.demo import DEMO_PASSWORD
from app.extensions import db, limiter
from app.programmes.commands import QuestionDetails, add_question
from app.programmes.models import Cohort, QuestionKind
from tests.site_map import ROLES, SAMPLE_COHORTS, demo_user, load_demo_site, site_pages


@dataclass(frozen=True)
class Hostile:
    """A value to send, and how the report names it."""

    label: str
    value: str


#: Hebrew after a right-to-left override, and an emoji.
RTL_TEXT = "\u202e\u05e9\u05dc\u05d5\u05dd \U0001f600"
WEIRD = Hostile(
    "HTML, RTL text, emoji, NUL, a header line and SQL's wildcards",
    f"<script>alert(1)</script>{RTL_TEXT}\x00\r\nSet-Cookie: fuzz=1\r'\";-- %_\\",
)
LONG = Hostile("10,000 characters", "x" * 10_000)
HUGE = Hostile("a huge number", "9" * 30)
NEGATIVE = Hostile("a negative number", "-1")
NAN = Hostile("NaN", "NaN")
INFINITY = Hostile("-Infinity", "-Infinity")
EXPONENT = Hostile("a number with a huge exponent", "1e400")
LEFT_OUT = Hostile("left out", "")
AS_SHOWN = Hostile("as a person would fill it in", "")
WRONG = Hostile("a value not offered", "not-a-choice")
DATES = [Hostile(text, text) for text in ("2026-02-30", "0000-00-00", "9999-99-99")]
EDGE_DATES = [Hostile(text, text) for text in ("9999-12-31", "0001-01-01")]
DATETIMES = [
    Hostile(text, text)
    for text in ("2026-02-30T10:00", "0000-00-00T00:00", "9999-12-31T23:59", "0001-01-01T00:00")
]
TIMES = [Hostile(text, text) for text in ("25:61", "99:99")]
TEXT = [WEIRD, LONG]
#: Controls whose value a form reads as empty text when it is left out.
TEXT_KINDS = {"text", "textarea", "email", "url", "tel", "password", "search"}
NUMBERS = [HUGE, NEGATIVE, NAN, INFINITY, EXPONENT]
CHOICES = [WRONG, HUGE, NEGATIVE]

#: What each kind of control is sent, besides being left out and sent twice.
VALUES_BY_KIND: dict[str, list[Hostile]] = {
    "url": [*TEXT, Hostile("an address that does not parse", "https://[example.org")],
    "email": [*TEXT, Hostile("an email address that does not parse", "fuzz@[example")],
    "number": NUMBERS,
    "date": DATES + EDGE_DATES,
    "datetime-local": DATETIMES,
    "time": TIMES,
    "hidden": [WEIRD, LONG, HUGE, NEGATIVE],
    "select": CHOICES,
    "radio": CHOICES,
    "checkbox": CHOICES,
    "button": CHOICES,
}
#: What the text parts of an address (a slug, a code, a token) are sent.
PATH_TEXT = [Hostile("NUL", "fuzz\x00"), LONG, Hostile("RTL text and emoji", RTL_TEXT)]
#: Query arguments: every name gets each value at once.
QUERY_VALUES = [WEIRD, LONG, HUGE, NEGATIVE, NAN, *DATES[:1], *EDGE_DATES]
#: Query arguments many views read, tried on every page besides those its HTML names.
COMMON_ARGS = ("q", "page", "status", "next", "lang", "sort", "kind")
#: Unknown arguments sent along with the known ones twice over.
EXTRA_ARGS = {"x" * 300: WEIRD.value, "page[]": HUGE.value, "": WEIRD.value}
#: Field names tried on routes that only take POST, besides those of the role's forms.
COMMON_FIELDS = ("next", "lang", "q", "action", "allowed", "enabled")
#: Values those routes get, under every name at once.
POST_VALUES = [WEIRD, HUGE]

ROOT = Path(__file__).resolve().parents[2]


# Reading pages --------------------------------------------------------------------------


@dataclass
class Control:
    """One named control of a form, as the page has it."""

    name: str
    kind: str  # an input's type, or "textarea", "select", "button"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False
    minlength: int = 0


@dataclass
class Form:
    method: str
    action: str
    controls: list[Control] = field(default_factory=list)


class PageReader(HTMLParser):
    """The forms and the link addresses of a page."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.form: Form | None = None
        self.select: Control | None = None
        self.text: Control | None = None  # the textarea or option being read
        self.option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            self.form = Form(a.get("method", "get").lower(), urljoin(self.url, a.get("action", "")))
            self.forms.append(self.form)
        elif self.form is None or tag not in ("input", "button", "select", "option", "textarea"):
            return
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.text = Control("", "option")
            if "selected" in a:
                self.select.selected.append(a.get("value", ""))
        elif not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                kind = "button"
            self.form.controls.append(
                Control(
                    a["name"],
                    kind,
                    a.get("value", ""),
                    "checked" in a,
                    minlength=int(a.get("minlength") or 0),
                )
            )
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.form.controls.append(Control(a["name"], "button", a.get("value", "")))
        elif tag == "select":
            self.select = Control(a["name"], "select", multiple="multiple" in a)
            self.form.controls.append(self.select)
        elif tag == "textarea":
            self.text = Control(a["name"], "textarea", minlength=int(a.get("minlength") or 0))
            self.form.controls.append(self.text)

    def handle_data(self, data):
        if self.text is not None:
            # The line break just after <textarea> is not part of its value.
            first = self.text.kind == "textarea" and not self.text.value
            self.text.value += data.removeprefix("\r").removeprefix("\n") if first else data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "option" and self.select is not None and self.text is not None:
            value = self.option_value if self.option_value is not None else self.text.value
            self.select.options.append(value.strip() if self.option_value is None else value)
            self.text = None
        elif tag == "textarea":
            self.text = None


def read_page(url: str, html: str) -> PageReader:
    reader = PageReader(url)
    reader.feed(html)
    reader.close()
    return reader


def plausible(control: Control, n: int) -> str:
    """What a person might type into an empty field, so that the form goes through;
    the `n`th date or time of a form comes after the ones before it."""
    day = date.today() + timedelta(days=30 + n)
    return {
        "email": "fuzz@example.org",
        "url": "https://example.org/fuzz",
        "tel": "+44 20 7946 0000",
        "password": DEMO_PASSWORD,
        "number": "1",
        "date": day.isoformat(),
        "datetime-local": f"{day.isoformat()}T10:00",
        "time": f"{10 + n:02}:00",
        "textarea": "A few plain words. " * (control.minlength // 19 + 1),
    }.get(control.kind, "Fuzz")


def as_sent(form: Form) -> dict[str, list]:
    """The form's fields as a browser sends them when its first button is pressed,
    with empty fields filled in as a person would."""
    data: dict[str, list] = {}
    pressed = False
    for n, control in enumerate(form.controls):
        name, kind = control.name, control.kind
        if name == "csrf_token" or kind == "file":
            continue  # the client sends a valid token; files are tried on their own
        if kind == "button":
            if not pressed:
                data[name] = [control.value]
                pressed = True
        elif kind == "checkbox":
            if control.checked:
                data.setdefault(name, []).append(control.value or "on")
        elif kind == "radio":
            if control.checked or name not in data:
                data[name] = [control.value]
        elif kind == "select":
            chosen = control.selected or [option for option in control.options if option][:1]
            data[name] = chosen if control.multiple else chosen[:1]
        elif control.value.strip() or kind in ("hidden", "search"):
            data[name] = [control.value]
        else:
            data[name] = [plausible(control, n)]
    return data


#: Words of routes that take something away, in the order their forms are sent, after
#: all others: a place is moved before it is cancelled, a session deleted near the end.
TAKE_AWAY = ("move", "decline", "cancel", "remove", "delete", "status", "logout")


def last_words(endpoint: str | None) -> int:
    """Where a route's forms go in the order of sending: 0 for most, later for those that
    take something away."""
    words = (endpoint or "").split(".")[-1].split("_")
    return next((n + 1 for n, word in enumerate(TAKE_AWAY) if word in words), 0)


# Sending --------------------------------------------------------------------------------


@dataclass
class Failure:
    role: str
    method: str
    url: str
    field: str
    value: str
    status: int
    error: str

    def __str__(self) -> str:
        url = self.url if len(self.url) < 160 else self.url[:157] + "..."
        return (
            f"{self.role}: {self.method} {url}\n"
            f"    field: {self.field or '-'}  value: {self.value or '-'}  -> {self.status}"
            f"\n    {self.error or '(no exception recorded)'}"
        )


def where(error: BaseException) -> str:
    """The exception, and the deepest line of the app's own code it passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename.startswith(str(ROOT / "app"))]
    at = f" at {Path(ours[-1].filename).relative_to(ROOT)}:{ours[-1].lineno}" if ours else ""
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}{at}"


def shape(names) -> frozenset[str]:
    """Field or argument names with their digits left out: the register's buttons are
    named by attendee, a team's role selects by member."""
    return frozenset(re.sub(r"\d+", "#", name) for name in names)


class Fuzzer:
    """Sends one role's requests and keeps every 5xx."""

    def __init__(self, app, client, role: str):
        self.client = client
        self.role = role
        self.user = demo_user(role)
        self.adapter = app.url_map.bind("localhost")
        self.failures: list[Failure] = []
        self.errors: list[BaseException] = []  # raised while the last request was served
        self.tried: set[tuple] = set()
        self.requests = 0

    def record(self, sender, exception, **extra) -> None:
        """Flask's `got_request_exception`: what made the last request fail."""
        self.errors.append(exception)

    def first_time(self, *key) -> bool:
        """Whether this is the first try of a route with these names (see `shape`)."""
        if key in self.tried:
            return False
        self.tried.add(key)
        return True

    def endpoint(self, url: str, method: str) -> str | None:
        try:
            return self.adapter.match(urlsplit(url).path, method=method)[0]
        except HTTPException:
            return None

    def send(self, method: str, url: str, field_name: str, hostile: Hostile, **kwargs):
        self.errors.clear()
        self.requests += 1
        if method == "GET":
            response = self.client.get(url, **kwargs)
        else:
            response = self.client.post(url, **kwargs)
            self.stay_signed_in()
        if response.status_code >= 500:
            error = "; ".join(where(e) for e in self.errors)
            self.failures.append(
                Failure(
                    self.role, method, url, field_name, hostile.label, response.status_code, error
                )
            )
        return response

    def stay_signed_in(self) -> None:
        """A form that logs out (log out, a password reset) must not end the role's run,
        nor one that signs up; after a password change, the role goes on under the new one."""
        with self.client.session_transaction() as session:
            signed_in = session.get("_user_id") or ""
            if self.user is None:
                session.pop("_user_id", None)
            elif not signed_in.startswith(f"{self.user.id}:"):
                db.session.refresh(self.user)
                session["_user_id"] = self.user.get_id()
                session["_fresh"] = True

    # Pages and their query arguments

    def open_pages(self, pages) -> list[Form]:
        """Each page, and the query arguments of each route; the forms found on the way."""
        forms: list[Form] = []
        for page in pages:
            response = self.send("GET", page.url, "", AS_SHOWN)
            names = set(COMMON_ARGS)
            if response.mimetype == "text/html":
                reader = read_page(page.url, response.get_data(as_text=True))
                path = urlsplit(page.url).path
                for link in reader.links:
                    if urlsplit(link).path == path:
                        names |= {name for name, _ in parse_qsl(urlsplit(link).query)}
                for form in reader.forms:
                    if form.method == "get" and urlsplit(form.action).path == path:
                        names |= {control.name for control in form.controls}
                    else:
                        forms.append(form)
            if response.status_code < 400:  # else the view refused before reading them
                self.fuzz_query(page.url, page.endpoint, names)
            self.fuzz_path(page.url)
        return forms

    def fuzz_path(self, url: str) -> None:
        """Each part of the address the route reads, in turn: a number too large for any
        id, or text with NUL, 10,000 characters or RTL text; once for each route."""
        endpoint, args = self.adapter.match(urlsplit(url).path)
        if not self.first_time("address", endpoint):
            return
        for name, value in args.items():
            for hostile in [HUGE] if isinstance(value, int) else PATH_TEXT:
                address = self.adapter.build(endpoint, {**args, name: hostile.value})
                self.send("GET", address, f"<{name}> in the address", hostile)

    def fuzz_query(self, url: str, endpoint: str, names: set[str]) -> None:
        """Every argument with each hostile value, then each twice and unknown ones too;
        once for each route and set of names."""
        if not self.first_time("query", endpoint, shape(names)):
            return
        base = url.split("?")[0]
        for hostile in QUERY_VALUES:
            args = dict.fromkeys(names, hostile.value)
            self.send("GET", base, ", ".join(sorted(names)), hostile, query_string=args)
        twice = {name: [WEIRD.value, HUGE.value] for name in names} | EXTRA_ARGS
        self.send(
            "GET",
            base,
            "every argument twice, unknown ones, and Accept-Language",
            WEIRD,
            query_string=twice,
            headers={"Accept-Language": f"{RTL_TEXT}, <script>, {LONG.value};q=NaN"},
        )

    # Forms

    def fuzz_forms(self, forms: list[Form]) -> None:
        """Each form once; those that take something away last, so that the others
        still find what they act on."""
        routes = [(self.endpoint(form.action, form.method.upper()), form) for form in forms]
        routes.sort(key=lambda route: last_words(route[0]))
        for endpoint, form in routes:
            method = form.method.upper()
            names = {control.name for control in form.controls}
            if endpoint is None:
                continue
            if method == "GET":
                self.fuzz_query(form.action, endpoint, names)
            elif self.first_time("form", endpoint, shape(names)):
                self.fuzz_form(form)

    def fuzz_form(self, form: Form) -> None:
        """A hostile value in each field in turn, each field left out, every field twice;
        then as shown (last: it is the likeliest to change what the others act on)."""
        url = form.action
        sent = as_sent(form)
        fuzzed: set[str] = set()
        for control in form.controls:
            name = control.name
            if name == "csrf_token" or name in fuzzed:
                continue
            if control.kind == "button" and name not in sent:
                continue  # another button of the form, not pressed
            fuzzed.add(name)
            if control.kind == "file":
                upload = (BytesIO(b"<svg onload=alert(1)>"), "picture.png")
                self.send("POST", url, name, WEIRD, data={**sent, name: [upload]})
                continue
            for hostile in VALUES_BY_KIND.get(control.kind, TEXT):
                self.send("POST", url, name, hostile, data={**sent, name: [hostile.value]})
            if name in sent and control.kind not in TEXT_KINDS:  # a text left out is empty
                missing = {key: value for key, value in sent.items() if key != name}
                self.send("POST", url, name, LEFT_OUT, data=missing)
        twice = {name: [*values, WEIRD.value] for name, values in sent.items()}
        self.send("POST", url, "every field twice", WEIRD, data=twice)
        self.send("POST", url, "", AS_SHOWN, data=sent)

    # Routes that take only POST

    def fuzz_posts(self, addresses, names: set[str]) -> None:
        """Hostile values under every name, asking for JSON as the register's script does;
        routes that are also pages had their forms sent from the page."""
        for address in addresses:
            if self.endpoint(address.url, "GET") or not self.first_time("post", address.endpoint):
                continue
            for hostile in POST_VALUES:
                data = {name: [hostile.value] for name in names}
                json = {"Accept": "application/json"}
                self.send("POST", address.url, "every field name", hostile, data=data, headers=json)

    def report(self) -> str:
        return "\n".join(str(failure) for failure in self.failures)


#: Asked by every sample cohort the walk visits (`ask_questions`).
QUESTIONS = [
    QuestionDetails("Which track?", QuestionKind.CHOICE, choices=["Robots", "Rivers"]),
    QuestionDetails("Why this track?", QuestionKind.TEXT, required=False),
]


def ask_questions() -> None:
    """Only the demo's summer school asks questions of its own: each sample cohort the
    walk visits (booking ones too) gets two, so that every cohort's question pages and
    forms, and the answers on its application form, are sent hostile values."""
    with transaction():
        for cohort in db.session.scalars(select(Cohort).where(Cohort.name.in_(SAMPLE_COHORTS))):
            for question in QUESTIONS:
                add_question(cohort, question)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.usefixtures("upload_folder")
def test_does_no_input_make_a_server_error(app, client, auth, monkeypatch, role):
    load_demo_site()
    ask_questions()
    fuzzer = Fuzzer(app, client, role)
    if fuzzer.user is not None:
        auth.login_as(fuzzer.user)
    with app.test_request_context():
        pages = site_pages(role)
        post_addresses = site_pages(role, "POST")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 page, as in production
    monkeypatch.setattr(limiter, "enabled", False)  # every form is reached, however often
    with got_request_exception.connected_to(fuzzer.record, app):
        forms = fuzzer.open_pages(pages)
        fuzzer.fuzz_forms(forms)
        names = {control.name for form in forms for control in form.controls}
        fuzzer.fuzz_posts(post_addresses, (names | set(COMMON_FIELDS)) - {"csrf_token"})
    if fuzzer.failures:
        pytest.fail(
            f"{len(fuzzer.failures)} server errors in {fuzzer.requests} requests as {role}:\n"
            f"{fuzzer.report()}",
            pytrace=False,
        )
