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

from markupsafe import Markup

from app.core.qr import qr_inline_svg

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


def ticket_codes(enrolment) -> list[str]:
    """Every code that opens the booking's ticket at the door, as `read_ticket` takes
    them: the door's phones keep these to match tickets while they are offline."""
    return [enrolment.ticket_token]


def token_groups(token: str, size: int = 4) -> str:
    """The token in groups of four ("abcd efgh ..."), easier to read out and type."""
    return " ".join(token[i : i + size] for i in range(0, len(token), size))


def qr_svg(token: str, title: str) -> Markup:
    """The ticket's QR code as inline SVG markup, sized by CSS (`.ticket__qr-code`)."""
    return qr_inline_svg(ticket_payload(token), title, svgclass="ticket__qr-code")
