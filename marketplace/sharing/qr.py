"""QR codes as SVG, made by segno from the absolute short link."""

import io

import segno


def qr_svg(url: str) -> bytes:
    """The same URL always gives the same bytes (tests regenerate and compare)."""
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    # Dark on white with a quiet zone: phone cameras read it from a notice board.
    code.save(out, kind="svg", scale=6, border=4, dark="#000", light="#fff", xmldecl=True)
    return out.getvalue()
