"""`scanstation parse`: show the tracking number and match keys of scans or typed numbers, as JSON lines."""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from collections.abc import Iterable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw", nargs="*", metavar="RAW", help="scanner output(s); without any, one per line from stdin")
    parser.add_argument("--typed", action="store_true", help="read as typed by a person (web form, torn label)")
    parser.add_argument(
        "--escapes",
        action="store_true",
        help=r"interpret backslash escapes such as \x1d (GS), \r, \u0002 in the inputs",
    )


def _unescape(text: str) -> str:
    """Backslash escapes to characters; text outside the escapes keeps its non-ASCII characters."""
    # unicode_escape decodes bytes as Latin-1, so go through it only for the escapes, not for the rest.
    return codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")


def _inputs(args: argparse.Namespace) -> Iterable[str]:
    if args.raw:
        yield from args.raw
        return
    for line in sys.stdin:
        yield line.rstrip("\n").removesuffix("\r") if not args.escapes else line.rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    from scanstation.tracking import parse_scan, parse_typed

    status = 0
    for text in _inputs(args):
        if args.escapes:
            try:
                text = _unescape(text)
            except UnicodeDecodeError as exc:
                print(f"scanstation parse: bad escape in {text!r}: {exc.reason}", file=sys.stderr)
                status = 2
                continue
        parsed = parse_typed(text) if args.typed else parse_scan(text)
        record = {
            "raw": parsed.raw,
            "tracking_number": parsed.tracking_number,
            "carrier": parsed.carrier,
            "keys": sorted(parsed.keys),
            "symbology": parsed.symbology,
            "note": parsed.note,
        }
        print(json.dumps(record, ensure_ascii=True), flush=True)
    return status
