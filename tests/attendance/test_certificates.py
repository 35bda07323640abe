"""Can a teacher see, print and download their certificate, can anyone check that it is
genuine, and does nobody else see it?"""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.attendance import certificates
from app.attendance.completion import complete_cohort
from app.attendance.models import Certificate
from app.core.transaction import transaction
from app.extensions import db
from tests.attendance.after_sessions import book, make_course, mark


@pytest.fixture
def issue(make_programme, make_cohort, make_session, make_user):
    """Run a course to the end and certify `name` (the account's name): the certificate."""

    def make(name: str = "Ana Lucía Núñez", **cohort) -> Certificate:
        values = {"cpd_hours": Decimal("7.5"), "name": "Spring 2026", **cohort}
        course = make_course(make_programme, make_cohort, make_session, **values)
        course.programme.title = "Primary science with micro:bit"
        teacher = make_user(name=name)
        mark(book(course, teacher).attendees[0], course, "PPPL")
        with transaction():  # the pages read it from their own requests
            complete_cohort(course)
        return db.session.scalar(select(Certificate).order_by(Certificate.id.desc()))

    return make


def owner(certificate: Certificate):
    return certificate.attendee.enrolment.user


# The owner's page and PDF ---------------------------------------------------------------


def test_does_the_owner_see_a_printable_certificate(client, auth, issue):
    certificate = issue()
    auth.login_as(owner(certificate))
    response = client.get(f"/me/certificates/{certificate.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "Certificate of completion",
        "Ana Lucía Núñez",
        "Primary science with micro:bit",
        "Spring 2026",
        "7.5 CPD hours",
        certificate.code,
        f"http://localhost/certificates/verify/{certificate.code}",
        "<svg",  # the QR code of the verification link
        f"/me/certificates/{certificate.id}.pdf",
    ):
        assert text in html
    assert "style=" not in html  # the design lives in convene.css (CSP: style-src 'self')
    assert "<script>" not in html


def test_does_the_owner_download_a_pdf(client, auth, issue):
    certificate = issue()
    auth.login_as(owner(certificate))
    response = client.get(f"/me/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF")
    assert b"NotoSans" in response.data  # the vendored font, embedded


def test_does_a_chinese_name_print_in_the_cjk_font(app, issue):
    certificate = issue(name="陳美玲")
    with app.test_request_context():
        pdf = certificates.certificate_pdf(certificate, "http://convene.test/certificates/verify/x")
    assert b"NotoSansTC" in pdf


def test_does_the_pdf_fall_back_to_a_core_font_without_the_font_files(app, issue, monkeypatch):
    certificate = issue(name="Łucja Chén 陳")
    monkeypatch.setitem(certificates.FONT_FILES, ("NotoSans", ""), "missing.ttf")
    with app.test_request_context():
        pdf = certificates.certificate_pdf(certificate, "http://convene.test/certificates/verify/x")
    assert pdf.startswith(b"%PDF")
    assert b"Helvetica" in pdf
    assert b"NotoSans" not in pdf


@pytest.mark.parametrize(
    ("name", "printed"),
    [("José Núñez", "José Núñez"), ("Łucja Żak", "Lucja Zak"), ("陳美玲", "???")],
)
def test_are_names_reduced_to_latin_1_for_the_core_font(name, printed):
    assert certificates.latin1(name) == printed


@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_is_another_accounts_certificate_not_found(client, auth, issue, make_user, suffix):
    certificate = issue()
    auth.login_as(make_user())
    assert client.get(f"/me/certificates/{certificate.id}{suffix}").status_code == 404
    assert client.get(f"/me/certificates/999999{suffix}").status_code == 404


def test_must_one_log_in_to_see_ones_certificate(client, issue):
    certificate = issue()
    response = client.get(f"/me/certificates/{certificate.id}")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_does_the_me_page_list_attendance_and_certificates(client, auth, issue):
    certificate = issue()
    auth.login_as(owner(certificate))
    html = client.get("/me/").get_data(as_text=True)
    assert "Attendance and certificates" in html
    assert "attended 4 of 4 sessions (100%)" in html
    assert f"/me/certificates/{certificate.id}" in html


# The public check ----------------------------------------------------------------------


def test_can_anyone_check_a_certificate_without_logging_in(client, issue):
    certificate = issue()
    response = client.get(f"/certificates/verify/{certificate.code}")
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex"
    html = response.get_data(as_text=True)
    for text in (
        "Genuine certificate",
        "Ana Lucía Núñez",
        "Primary science with micro:bit",
        "Spring 2026",
        "7.5",
        "Issued on",
    ):
        assert text in html


def test_does_the_check_show_nothing_else_about_the_person(client, issue):
    certificate = issue()
    account = owner(certificate)
    html = client.get(f"/certificates/verify/{certificate.code}").get_data(as_text=True)
    assert account.email not in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]  # not the random form tokens
    assert "75" not in main.replace("7.5", "")  # no attendance share
    assert f"/me/certificates/{certificate.id}" not in html


@pytest.mark.parametrize("code", ["nope", "x" * 40, "%20"])
def test_is_an_unknown_code_a_404_that_says_so(client, issue, code):
    issue()
    response = client.get(f"/certificates/verify/{code}")
    assert response.status_code == 404
    assert "No certificate with this code" in response.get_data(as_text=True)
