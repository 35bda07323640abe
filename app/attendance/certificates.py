"""Certificates: the owner's page and PDF, and the public check that one is genuine.

A certificate belongs to the account holder of the enrolment its attendee came
with (the teacher themself, or the guardian of a child); anyone else gets 404,
as if it did not exist. The verification page, at the code printed on the
certificate, is public and shows only what the certificate itself says: the
name as printed, programme, cohort, dates, CPD hours and issue date.

The PDF is drawn with fpdf2 in the vendored fonts under static/fonts (see the
README there): Noto Sans for Latin, Greek and Cyrillic names, with Noto Sans TC
as the fallback for Chinese characters, so "José Núñez" and "陳美玲" both print.
Should the files be missing, it falls back to Helvetica, a core PDF font, with
names reduced to Latin-1 (accents decomposed where possible, "?" otherwise).

For screen readers, the PDF states its language (/Lang) and title (shown instead of
the file name), and its text is real text in fonts with Unicode maps. It is not a
tagged PDF: fpdf2 puts only images with alt text, links and outline entries into a
structure tree, never the text drawn with cell() or multi_cell(). An alt text on the
QR code would mark the file as tagged with that one figure in its tree, and readers
that follow the tags would then skip every word of the certificate; so the QR code
has none. The certificate's page (HTML) is the accessible version of the same facts.
"""

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from flask import abort, current_app
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from fpdf import FPDF, ViewerPreferences
from fpdf.enums import XPos, YPos
from sqlalchemy import select

from app.accounts.models import User
from app.attendance.models import Certificate
from app.core.db import is_row_id
from app.core.i18n import html_lang
from app.core.qr import qr_image
from app.extensions import db

FONT = "NotoSans"
CJK_FONT = "NotoSansTC"
FONT_FILES = {
    (FONT, ""): "NotoSans-Regular.ttf",
    (FONT, "B"): "NotoSans-Bold.ttf",
    (CJK_FONT, ""): "NotoSansTC-Regular.ttf",
}
CORE_FONT = "Helvetica"

#: Colours of the site (static/css/convene.css), as RGB.
BRAND = (11, 92, 173)
ACCENT = (255, 209, 102)
INK = (27, 36, 48)
MUTED = (74, 85, 99)


def own_certificate_or_404(user: User, certificate_id: int) -> Certificate:
    """The user's own certificate; anyone else's is 404, as if it did not exist."""
    certificate = db.session.get(Certificate, certificate_id) if is_row_id(certificate_id) else None
    if certificate is None or certificate.attendee.enrolment.user_id != user.id:
        abort(404)
    return certificate


def certificate_by_code(code: str) -> Certificate | None:
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


@dataclass(frozen=True)
class Facts:
    """Everything a certificate states; the verification page shows exactly this."""

    name: str
    programme: str
    cohort: str
    first_day: date | None
    last_day: date | None
    cpd_hours: Decimal | None
    issued_on: date
    code: str
    #: Who issued it: the partner organisations' names (none: Convene alone).
    organisations: tuple[str, ...]
    #: Who signed it, and their role or title (None: nobody).
    signatory_name: str | None
    signatory_title: str | None


def facts(certificate: Certificate) -> Facts:
    cohort = certificate.cohort
    zone = ZoneInfo(cohort.timezone)
    sessions = cohort.sessions
    first = sessions[0].starts_at.astimezone(zone).date() if sessions else None
    last = max(s.ends_at for s in sessions).astimezone(zone).date() if sessions else None
    return Facts(
        name=certificate.name,
        programme=cohort.programme.title,
        cohort=cohort.name,
        first_day=first,
        last_day=last,
        cpd_hours=certificate.cpd_hours,
        issued_on=certificate.issued_at.astimezone(zone).date(),
        code=certificate.code,
        organisations=tuple(certificate.organisations),
        signatory_name=certificate.signatory_name,
        signatory_title=certificate.signatory_title,
    )


def days_text(stated: Facts) -> str:
    """The cohort's days ("14 Mar 2026", or a range of days), in the page's language."""
    if stated.first_day is None:
        return ""
    if stated.first_day == stated.last_day:
        return format_date(stated.first_day, "long")
    return format_interval(stated.first_day, stated.last_day, "yMMMd", locale=get_locale())


def issuers_text(stated: Facts) -> str:
    """Who issued it, in one line: the organisations, or Convene when there are none."""
    return " · ".join(stated.organisations) or "Convene"


def hours_text(hours: Decimal) -> str:
    """7.5 -> "7.5", 6.0 -> "6": CPD hours as people write them."""
    return f"{hours.normalize():f}"


# The PDF -------------------------------------------------------------------------------


def _font_dir() -> Path:
    return Path(current_app.static_folder) / "fonts"


def _use_vendored_fonts(pdf: FPDF) -> bool:
    """Register the vendored fonts; False (core font) when any file is missing."""
    paths = {key: _font_dir() / name for key, name in FONT_FILES.items()}
    if not all(path.is_file() for path in paths.values()):
        return False
    for (family, style), path in paths.items():
        pdf.add_font(family, style, str(path))
    pdf.set_fallback_fonts([CJK_FONT], exact_match=False)
    return True


def latin1(text: str) -> str:
    """Text a core PDF font can print: accents kept where Latin-1 has them, letters
    decomposed where it does not ("Łódź" -> "Lodz"), "?" for the rest."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            char = base if base and base.isascii() else {"Ł": "L", "ł": "l"}.get(char, "?")
        out.append(char)
    return "".join(out)


#: In millimetres on A4 landscape: the text's margin (inside the frame), the QR code's side.
MARGIN = 24
QR_SIZE = 30


class _Certificate(FPDF):
    def __init__(self):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.has_unicode = _use_vendored_fonts(self)
        self.face = FONT if self.has_unicode else CORE_FONT
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, 20, MARGIN)

    def printable(self, text: str) -> str:
        return text if self.has_unicode else latin1(text)

    def style(self, size: float, *, bold=False, colour=INK) -> None:
        self.set_font(self.face, "B" if bold else "", size)
        self.set_text_color(*colour)

    def fitting_size(self, text: str, size: float, smallest: float, width: float, bold=False):
        """The largest font size from `size` down to `smallest` at which `text` fits
        on one line of `width` (a long name shrinks instead of pushing the foot off)."""
        while size > smallest:
            self.set_font(self.face, "B" if bold else "", size)
            if self.get_string_width(self.printable(text)) <= width:
                break
            size -= 1
        return max(size, smallest)

    def write_line(self, text: str, size: float, *, bold=False, colour=INK, height=None):
        """Centred text across the page, wrapped onto more lines when it is long."""
        self.style(size, bold=bold, colour=colour)
        self.multi_cell(
            0,
            height or size * 0.5,
            self.printable(text),
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def rule(self, y: float, half_width: float, colour, thickness: float) -> None:
        """A horizontal line centred on the page."""
        self.set_draw_color(*colour)
        self.set_line_width(thickness)
        self.line(self.w / 2 - half_width, y, self.w / 2 + half_width, y)


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as a one-page landscape A4 PDF, in the current language."""
    stated = facts(certificate)
    pdf = _Certificate()
    pdf.set_title(_("Certificate of completion") + f" — {stated.name}")
    pdf.set_subject(stated.programme)
    pdf.set_author(issuers_text(stated))
    pdf.set_creator("Convene")
    pdf.set_lang(html_lang(str(get_locale())))
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    _draw_frame(pdf)
    _draw_statement(pdf, stated)
    _draw_foot(pdf, stated, verify_url)
    return bytes(pdf.output())


def _draw_frame(pdf: _Certificate) -> None:
    """A double frame in the brand's blue, with gold corners inside it."""
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.4)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, width - 28, height - 28)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.9)
    inset, arm = 17, 14
    for x, dx in ((inset, arm), (width - inset, -arm)):
        for y, dy in ((inset, arm), (height - inset, -arm)):
            pdf.line(x, y, x + dx, y)
            pdf.line(x, y, x, y + dy)


def _draw_statement(pdf: _Certificate, stated: Facts) -> None:
    """Who issues it, the title, the name, and what was completed when."""
    pdf.set_y(26)
    pdf.write_line(issuers_text(stated), 12, bold=True, colour=BRAND, height=6)
    pdf.rule(pdf.get_y() + 3, 12, ACCENT, 0.6)
    pdf.ln(12)
    pdf.write_line(_("Certificate of completion"), 30, bold=True, height=14)
    pdf.ln(5)
    pdf.write_line(_("This certifies that"), 13, colour=MUTED)
    pdf.ln(4)
    size = pdf.fitting_size(stated.name, 32, 18, pdf.epw, bold=True)
    pdf.write_line(stated.name, size, bold=True, height=size * 0.5)
    name_width = pdf.get_string_width(pdf.printable(stated.name))
    pdf.rule(pdf.get_y() + 1.5, min(max(60, name_width / 2 + 8), pdf.epw / 2), ACCENT, 0.9)
    pdf.ln(8)
    pdf.write_line(_("has completed"), 13, colour=MUTED)
    pdf.ln(2)
    pdf.write_line(stated.programme, 18, bold=True, height=9)
    cohort_line = stated.cohort
    if days := days_text(stated):
        cohort_line = f"{stated.cohort} · {days}"
    pdf.write_line(cohort_line, 12, colour=MUTED, height=7)
    if stated.cpd_hours is not None:
        pdf.ln(5)
        pdf.write_line(
            _("%(hours)s CPD hours", hours=hours_text(stated.cpd_hours)),
            16,
            bold=True,
            colour=BRAND,
            height=8,
        )


def _draw_foot(pdf: _Certificate, stated: Facts, verify_url: str) -> None:
    """The signatory on the left; when and how to check it, beside the QR code, right."""
    top = pdf.h - 22 - QR_SIZE
    if stated.signatory_name:
        left, width, line_y = MARGIN + 6, 85, top + 16
        pdf.set_xy(left, line_y - 8)
        size = pdf.fitting_size(stated.signatory_name, 14, 10, width, bold=True)
        pdf.style(size, bold=True)
        pdf.cell(width, 7, pdf.printable(stated.signatory_name), align="C")
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        pdf.line(left, line_y, left + width, line_y)
        if stated.signatory_title:
            pdf.set_xy(left, line_y + 1.5)
            pdf.style(10, colour=MUTED)
            pdf.multi_cell(width, 5, pdf.printable(stated.signatory_title), align="C")

    qr_x = pdf.w - MARGIN - QR_SIZE
    right = qr_x - 5
    left = MARGIN + 100
    pdf.set_y(top + 6)
    issued = _("Issued on %(date)s", date=format_date(stated.issued_on, "long"))
    code = _("Certificate code: %(code)s", code=stated.code)
    for line in (issued, code, _("Check that it is genuine")):
        pdf.set_x(left)
        pdf.style(10, colour=MUTED)
        pdf.cell(right - left, 5.5, pdf.printable(line), align="R", new_y=YPos.NEXT)
    pdf.set_x(left)
    pdf.style(pdf.fitting_size(verify_url, 9, 6, right - left), colour=BRAND)
    pdf.cell(right - left, 5.5, verify_url, align="R", link=verify_url)
    png = io.BytesIO(qr_image(verify_url, "png", border=2))
    pdf.image(png, x=qr_x, y=top, w=QR_SIZE, h=QR_SIZE, link=verify_url)
