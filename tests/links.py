"""Stored addresses that must never become links, and the links a page makes.

An address saved before addresses were checked, or imported, may be anything; pages
show it as text unless it is an http or https address (`app.core.security.is_web_address`).
"""

import re
from html import unescape
from urllib.parse import urlsplit

#: `javascript:` and `data:` addresses as a browser would still follow them: any case,
#: after spaces or control characters, with a tab inside the scheme.
HOSTILE_ADDRESSES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  \x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]

HREF = re.compile(r"""\shref=(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def unsafe_links(html: str) -> list[str]:
    """The targets of the page's links that are neither on this site nor web addresses
    (read as a browser reads them: leading spaces and control characters dropped)."""
    targets = [unescape("".join(groups)) for groups in HREF.findall(html)]
    return [target for target in targets if _scheme(target) not in ("", "http", "https")]


def _scheme(target: str) -> str | None:
    try:
        return urlsplit(target).scheme
    except ValueError:
        return None
