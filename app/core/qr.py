"""QR codes, drawn on the server: full size (never a Micro QR, which phone cameras
often do not read) with medium error correction, so a creased printout still scans."""

import io

import segno
from markupsafe import Markup


def qr_code(text: str) -> segno.QRCode:
    return segno.make(text, error="m", micro=False)


def qr_inline_svg(text: str, title: str, *, border: int = 4, svgclass: str = "") -> Markup:
    """Inline SVG markup for a page: no request leaves it. Without width and height (a
    viewBox instead) so that CSS sizes it, on white with a quiet zone."""
    svg = qr_code(text).svg_inline(
        omitsize=True, border=border, light="#fff", title=title, svgclass=svgclass or None
    )
    return Markup(svg)  # segno writes only the path of the code and escapes the title


def qr_image(text: str, kind: str, *, scale: int = 8, border: int = 4) -> bytes:
    """The code as an image file: `kind` "svg" (dark on white) or "png"."""
    out = io.BytesIO()
    qr_code(text).save(out, kind=kind, scale=scale, border=border)
    return out.getvalue()
