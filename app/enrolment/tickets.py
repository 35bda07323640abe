"""Tickets: the code a confirmed place is let in with, what its QR code carries, and
how a scanned or typed code is read back. Plain functions, no database.

The code
--------
`Enrolment.ticket_code` is twelve random symbols of Crockford's base 32 (the digits
and the capital letters without I, L, O and U) and one check symbol: thirteen
characters, shown in groups as ``7K3M-9QXD-2HB1-7`` so that a person can read it
out and a helper can type it. The QR code holds ``CONVENE:7K3M9QXD2HB17``; the
prefix tells a scanner that the code is ours.

Reading a code back forgives what people do when they copy one: any case, spaces
and hyphens anywhere, O for 0, and I or L for 1 (Crockford's own rule). The check
symbol is Crockford's: the value of the twelve symbols modulo 37, written with the
32 symbols and ``*~$=U`` for 32 to 36. As 37 is a prime larger than 32, changing one
symbol, or swapping two neighbours, always changes that remainder: such a typing
mistake is told as one ("check it again") rather than as an unknown ticket. Codes
are only issued with a check symbol among the 32 letters and digits, so that each
can be read aloud and typed on a phone's letter keyboard.

Why it is unguessable: 32**12 = 2**60 values, of which 32/37 are issued, some
10**18 codes. Only a programme's team can try a code (the register needs a login)
and each member at most `DOOR_RATE_LIMIT` times (2,000 an hour): with a million
tickets on the platform, a year of guessing without pause finds one with a chance
of 2 in 100,000, and then most likely a ticket of some other cohort. A code made up
at the door matches one of those million tickets with a chance of 1 in 10**12.

Tickets issued before codes
---------------------------
Places booked earlier had only `Enrolment.ticket_token`: 24 URL-safe base64
characters from `secrets.token_urlsafe(18)`, in a QR code as ``CONVENE:<token>``
and on the ticket page in groups of four separated by spaces. Every place still
has a token, and a token (scanned or typed, in any case) still checks in.
"""

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

from app.core.qr import qr_inline_svg

if TYPE_CHECKING:
    from app.enrolment.models import Enrolment

PREFIX = "CONVENE:"
#: Crockford's base 32: no I, L, O (they look like 1 and 0) and no U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Crockford's check symbols: the alphabet, then the values 32 to 36.
CHECK_SYMBOLS = ALPHABET + "*~$=U"
#: Random symbols in a code, before its check symbol (60 bits).
DATA_SYMBOLS = 12
CODE_LENGTH = DATA_SYMBOLS + 1
#: What Crockford reads as something else: letters people type for digits.
_ALIASES = str.maketrans("OIL", "011")
#: A token of a ticket issued before codes: exactly what `token_urlsafe(18)` makes.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")
#: Near enough to a code to be one mistyped: a symbol too many or too few at most.
_CODE_LIKE = re.compile(rf"[0-9A-Z*~$=]{{{CODE_LENGTH - 1},{CODE_LENGTH + 1}}}")


def check_symbol(data: str) -> str:
    """Crockford's check symbol of `data` (symbols of `ALPHABET`): its value mod 37."""
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_SYMBOLS[value % 37]


def new_ticket_code() -> str:
    """A fresh code: twelve random symbols and their check symbol, which is always
    one of the 32 letters and digits (the draw is repeated otherwise, 5 times in 37)."""
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
        check = check_symbol(data)
        if check in ALPHABET:
            return data + check


def code_groups(code: str) -> str:
    """The code as people read it: ``7K3M-9QXD-2HB1-7``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class TicketText:
    """What a scanned or typed text names (`read_ticket`)."""

    #: A ticket code, in its stored form (`Enrolment.ticket_code`), its check symbol right.
    code: str | None = None
    #: A ticket issued before codes (`Enrolment.ticket_token`), as it was written.
    token: str | None = None
    #: A code with a typing mistake: its check symbol is wrong, or a symbol is missing
    #: or one too many.
    mistyped: bool = False


def read_ticket(text: str | None) -> TicketText | None:
    """What a scanned QR code or a code typed at the door names; None when the text
    is not a ticket at all."""
    compact = re.sub(r"\s+", "", text or "")
    if compact[: len(PREFIX)].upper() == PREFIX:
        compact = compact[len(PREFIX) :]
    if _TOKEN.fullmatch(compact):
        return TicketText(token=compact)
    symbols = compact.replace("-", "").upper().translate(_ALIASES)
    if not _CODE_LIKE.fullmatch(symbols):
        return None
    data, check = symbols[:DATA_SYMBOLS], symbols[DATA_SYMBOLS:]
    if len(symbols) == CODE_LENGTH and set(data) <= set(ALPHABET) and check_symbol(data) == check:
        return TicketText(code=symbols)
    return TicketText(mistyped=True)


def codes_for(enrolment: "Enrolment") -> tuple[str, str]:
    """What a device that holds a session's register must match for this place: its
    ticket code and the token of tickets issued before codes.

    A device matching offline reads a scanned or typed text as `read_ticket` does:
    take out all white space and a leading ``CONVENE:`` in any case; 24 characters
    of ``A-Za-z0-9_-`` are a token (compared exactly, then ignoring case); otherwise
    take out the hyphens, make it upper case and read O as 0 and I or L as 1, then
    compare with the code. Text of 12 to 14 such symbols that is not a code with
    the right check symbol (`check_symbol`) is a typing mistake.
    """
    return enrolment.ticket_code, enrolment.ticket_token


def ticket_payload(code: str) -> str:
    """The text the QR code carries."""
    return f"{PREFIX}{code}"


def qr_svg(code: str, title: str) -> Markup:
    """The ticket's QR code as inline SVG markup, sized by CSS (`.ticket__qr-code`)."""
    return qr_inline_svg(ticket_payload(code), title, svgclass="ticket__qr-code")
