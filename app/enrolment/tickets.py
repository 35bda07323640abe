"""Tickets: what the QR code on a confirmed place carries, and how to read it back.

The format
----------
The QR code holds one line of text::

    CONVENE:<ticket_token>

`<ticket_token>` is the enrolment's `ticket_token`: 24 URL-safe base64
characters (A-Z, a-z, 0-9, "-" and "_") from `secrets.token_urlsafe(18)`, so it
is unguessable and says nothing about the person. The prefix tells a scanner
that the code is ours. The ticket page also shows the token as text, in groups
of four, for typing at the door when a code does not scan: `read_ticket` takes
either form, ignores spaces and the prefix's case, and gives back the bare token
to look up (`Enrolment.ticket_token`).
"""

import re

import segno
from markupsafe import Markup

PREFIX = "CONVENE:"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def ticket_payload(token: str) -> str:
    """The text the QR code carries."""
    return f"{PREFIX}{token}"


def read_ticket(text: str) -> str | None:
    """The token from a scanned code or a typed one, or None when it is not a ticket."""
    compact = re.sub(r"\s+", "", text or "")
    if compact[: len(PREFIX)].upper() == PREFIX:
        compact = compact[len(PREFIX) :]
    return compact if _TOKEN.match(compact) else None


def token_groups(token: str, size: int = 4) -> str:
    """The token in groups of four ("abcd efgh ..."), easier to read out and type."""
    return " ".join(token[i : i + size] for i in range(0, len(token), size))


def qr_code(token: str) -> segno.QRCode:
    # A full-size code (never a Micro QR, which phone cameras often do not read),
    # with medium error correction: a creased printout still scans.
    return segno.make(ticket_payload(token), error="m", micro=False)


def qr_svg(token: str, title: str) -> Markup:
    """The code as inline SVG markup, drawn on the server: no request leaves the page.

    Without width and height (a viewBox instead), so that CSS sizes it; on a
    white background with the standard quiet zone, so that it scans on any page.
    """
    svg = qr_code(token).svg_inline(
        omitsize=True, border=4, light="#fff", title=title, svgclass="ticket__qr-code"
    )
    return Markup(svg)  # segno writes only the path of the code and escapes the title
