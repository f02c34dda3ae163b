"""Documents rendered for people: the printable lease and the QR code that points at its verification."""

from __future__ import annotations

import hashlib
import io
import json

import segno
from markupsafe import Markup

from portal.i18n import render

__all__ = ["qr_svg", "render_lease_html"]


def qr_svg(text: str) -> Markup:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=3, xmldecl=False, svgns=True)
    return Markup(buffer.getvalue().decode())  # noqa: S704 — segno's own SVG, no user markup


def render_lease_html(content: bytes, verify_url: str, lang: str = "ru") -> str:
    """The human-readable lease: the same bytes' data, the hash, and a QR code for the verifier."""
    document = json.loads(content)
    return render(
        "lease.html",
        lang,
        doc=document,
        sha256=hashlib.sha256(content).hexdigest(),
        verify_url=verify_url,
        qr=qr_svg(verify_url),
    )
