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
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select

from app.accounts.models import User
from app.attendance.models import Certificate
from app.core.db import is_row_id
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
    )


def days_text(stated: Facts) -> str:
    """The cohort's days ("14 Mar 2026", or a range of days), in the page's language."""
    if stated.first_day is None:
        return ""
    if stated.first_day == stated.last_day:
        return format_date(stated.first_day, "long")
    return format_interval(stated.first_day, stated.last_day, "yMMMd", locale=get_locale())


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


class _Certificate(FPDF):
    def __init__(self):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.has_unicode = _use_vendored_fonts(self)
        self.face = FONT if self.has_unicode else CORE_FONT
        self.set_auto_page_break(False)
        self.set_margins(24, 20, 24)

    def printable(self, text: str) -> str:
        return text if self.has_unicode else latin1(text)

    def write_line(self, text: str, size: float, *, bold=False, colour=INK, height=None):
        self.set_font(self.face, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(
            0,
            height or size * 0.5,
            self.printable(text),
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as a one-page landscape A4 PDF, in the current language."""
    stated = facts(certificate)
    pdf = _Certificate()
    pdf.set_title(_("Certificate of completion") + f" — {stated.name}")
    pdf.set_author("Convene")
    pdf.set_creator("Convene")
    pdf.add_page()
    width, height = pdf.w, pdf.h

    # A double frame in the brand's blue, with a gold rule under the name below.
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.4)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, width - 28, height - 28)

    pdf.set_y(26)
    pdf.write_line("CONVENE", 11, bold=True, colour=BRAND)
    pdf.ln(6)
    pdf.write_line(_("Certificate of completion"), 30, bold=True, height=14)
    pdf.ln(4)
    pdf.write_line(_("This certifies that"), 13, colour=MUTED)
    pdf.ln(3)
    pdf.write_line(stated.name, 28, bold=True, height=14)
    rule_y = pdf.get_y() + 1
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.9)
    pdf.line(width / 2 - 55, rule_y, width / 2 + 55, rule_y)
    pdf.ln(6)
    pdf.write_line(_("has completed"), 13, colour=MUTED)
    pdf.ln(2)
    pdf.write_line(stated.programme, 18, bold=True, height=9)
    cohort_line = stated.cohort
    if days := days_text(stated):
        cohort_line = f"{stated.cohort} · {days}"
    pdf.write_line(cohort_line, 12, colour=MUTED, height=7)
    if stated.cpd_hours is not None:
        pdf.ln(4)
        pdf.write_line(
            _("%(hours)s CPD hours", hours=hours_text(stated.cpd_hours)),
            16,
            bold=True,
            colour=BRAND,
        )

    # The foot: when it was issued and its code on the left, the check on the right.
    qr_size = 30
    foot_y = height - 22 - qr_size
    pdf.set_xy(24, foot_y + 6)
    pdf.set_font(pdf.face, "", 10)
    pdf.set_text_color(*MUTED)
    issued = _("Issued on %(date)s", date=format_date(stated.issued_on, "long"))
    code = _("Certificate code: %(code)s", code=stated.code)
    for line in (issued, code):
        pdf.cell(150, 6, pdf.printable(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.face, "", 8)
    check = _("Check that it is genuine: %(url)s", url=verify_url)
    pdf.cell(160, 6, pdf.printable(check), new_x=XPos.LMARGIN)
    png = io.BytesIO(qr_image(verify_url, "png", border=2))
    pdf.image(png, x=width - 24 - qr_size, y=foot_y, w=qr_size, h=qr_size)
    return bytes(pdf.output())
