"""Can a teacher see, print and download their certificate, can anyone check that it is
genuine, and does nobody else see it?"""

import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from app.attendance import certificates
from app.attendance.completion import complete_cohort
from app.attendance.models import Certificate
from app.core.transaction import transaction
from app.extensions import db
from app.programmes.models import Organisation
from tests.attendance.after_sessions import book, make_course, mark

PARTNERS = ["London Science University", "Hong Kong Digital Education Centre"]


@pytest.fixture
def issue(make_programme, make_cohort, make_session, make_user):
    """Run a course to the end and certify `name` (the account's name): the certificate.

    The programme is run with two partners and signed by its director of outreach,
    unless `partners` and `signatory` say otherwise."""

    def make(
        name: str = "Ana Lucía Núñez",
        partners=PARTNERS,
        signatory=("Dr Jane Smith", "Director of Outreach"),
        **cohort,
    ) -> Certificate:
        values = {"cpd_hours": Decimal("7.5"), "name": "Spring 2026", **cohort}
        course = make_course(make_programme, make_cohort, make_session, **values)
        programme = course.programme
        programme.title = "Primary science with micro:bit"
        programme.partners = [Organisation(name=n, country="GB") for n in partners]
        programme.signatory_name, programme.signatory_title = signatory
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


def test_does_the_page_name_the_organisations_and_the_signatory(client, auth, issue):
    certificate = issue()
    auth.login_as(owner(certificate))
    html = client.get(f"/me/certificates/{certificate.id}").get_data(as_text=True)
    issuers = "Hong Kong Digital Education Centre · London Science University"
    assert f'<p class="certificate__brand">{issuers}</p>' in html
    assert '<span class="certificate__signatory-name">Dr Jane Smith</span>' in html
    assert '<span class="certificate__signatory-title">Director of Outreach</span>' in html


def pdf_of(app, certificate: Certificate, locale: str = "en") -> PdfReader:
    with app.test_request_context(), force_locale(locale):
        pdf = certificates.certificate_pdf(
            certificate, "https://convene.test/certificates/verify/x"
        )
    return PdfReader(io.BytesIO(pdf))


def pdf_text(reader: PdfReader) -> str:
    return " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize(
    ("locale", "title", "hours"),
    [
        ("en", "Certificate of completion", "7.5 CPD hours"),
        ("es", "Certificado de finalización", "7.5 horas de CPD"),
        ("zh_Hant", "完成證書", "CPD 7.5 小時"),
    ],
)
def test_does_the_pdf_name_the_organisations_and_the_signatory(app, issue, locale, title, hours):
    reader = pdf_of(app, issue(), locale)
    assert len(reader.pages) == 1
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    text = pdf_text(reader)
    for stated in (
        "Hong Kong Digital Education Centre · London Science University",
        title,
        "Ana Lucía Núñez",
        "Primary science with micro:bit",
        hours,
        "Dr Jane Smith",
        "Director of Outreach",
        "https://convene.test/certificates/verify/x",
    ):
        assert stated in text, stated


def test_does_a_certificate_without_partners_or_signatory_name_convene_alone(app, issue):
    text = pdf_text(pdf_of(app, issue(partners=[], signatory=(None, None))))
    assert text.startswith("Convene Certificate of completion")
    assert "Dr Jane Smith" not in text


@pytest.mark.parametrize(("locale", "lang"), [("en", "en"), ("es", "es"), ("zh_Hant", "zh-Hant")])
def test_does_the_pdf_tell_a_screen_reader_its_language_and_title(app, issue, locale, lang):
    reader = pdf_of(app, issue(), locale)
    catalogue = reader.trailer["/Root"]
    assert catalogue["/Lang"] == lang
    assert catalogue["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata.title.endswith("— Ana Lucía Núñez")


def test_is_the_pdf_free_of_a_tag_tree_that_would_hide_its_text(app, issue):
    """fpdf2 tags images and links but never text: a tree with only the QR code in it
    would have screen readers that follow tags skip every word (see certificates.py)."""
    catalogue = pdf_of(app, issue()).trailer["/Root"]
    assert "/StructTreeRoot" not in catalogue
    assert "/MarkInfo" not in catalogue


def test_does_a_certificate_keep_who_issued_and_signed_it(client, issue):
    """A later change of partners or signatory does not rewrite certificates already out."""
    certificate = issue()
    programme = certificate.cohort.programme
    programme.partners = []
    programme.signatory_name, programme.signatory_title = "Prof Max Mustermann", "Dean"
    db.session.commit()
    stated = certificates.facts(certificate)
    assert stated.organisations == (
        "Hong Kong Digital Education Centre",
        "London Science University",
    )
    assert (stated.signatory_name, stated.signatory_title) == (
        "Dr Jane Smith",
        "Director of Outreach",
    )


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
        "Issued by",
        "Hong Kong Digital Education Centre · London Science University",
        "Signed by",
        "Dr Jane Smith, Director of Outreach",
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
