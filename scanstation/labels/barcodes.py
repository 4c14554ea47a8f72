"""Code 128 and GS1-128 barcodes rendered in memory with python-barcode (SVG; no Pillow, no files)."""

from __future__ import annotations

import io
import re
from typing import Final

from barcode.codex import Code128, Gs1_128
from barcode.writer import SVGWriter

GS: Final = "\x1d"  # what a scanner sends for an FNC1 after the first one
_FNC1: Final = Gs1_128.FNC1_CHAR


class LabelError(ValueError):
    """Data that cannot be put in a Code 128 barcode (says which character)."""


def code128_svg(data: str, *, gs1: bool = False, text: str | None = None, module_height_mm: float = 16.0) -> bytes:
    """An SVG of `data` as Code 128, or as GS1-128 when `gs1` (GS in `data` becomes an FNC1 separator).

    `text` is the human-readable line under the bars (default: the data with GS shown as a space).
    """
    for ch in data:
        if ord(ch) > 127 or (ord(ch) < 32 and ch != GS):
            raise LabelError(f"character {ch!r} cannot be encoded in Code 128")
    if gs1:
        symbol: Code128 = Gs1_128(data.replace(GS, _FNC1), writer=SVGWriter())
    else:
        if GS in data:
            raise LabelError("a GS separator needs a GS1-128 barcode (gs1=True)")
        symbol = Code128(data, writer=SVGWriter())
    out = io.BytesIO()
    options = {
        "module_height": module_height_mm,
        "module_width": 0.3,
        "font_size": 9,
        "text_distance": 4,
        "quiet_zone": 4,
        "compress": False,
    }
    symbol.write(out, options=options, text=text if text is not None else data.replace(GS, " "))
    return _user_units(out.getvalue().decode("utf-8")).encode("utf-8")


_ROOT_SIZE = re.compile(r'<svg ([^>]*)width="([\d.]+)mm" height="([\d.]+)mm"')
_MM_ATTR = re.compile(r'(\s(?:x|y|width|height))="([\d.]+)mm"')
_FONT_PT = re.compile(r"font-size:([\d.]+)pt")
_MM_PER_PT = 25.4 / 72


def _user_units(svg: str) -> str:
    """Give the SVG a millimetre viewBox and unitless shapes.

    python-barcode writes every coordinate in "mm", which some renderers (Qt's SVG module among
    them) do not scale, so the bars come out squeezed; a viewBox in millimetres renders the same everywhere.
    """
    root = _ROOT_SIZE.search(svg)
    if root is None:
        return svg
    width, height = root.group(2), root.group(3)
    head = svg[: root.end()] + f' viewBox="0 0 {width} {height}"'
    body = _MM_ATTR.sub(r'\1="\2"', svg[root.end() :])
    body = _FONT_PT.sub(lambda m: f"font-size:{float(m.group(1)) * _MM_PER_PT:.3f}px", body)
    return head + body
