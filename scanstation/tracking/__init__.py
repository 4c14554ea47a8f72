"""Tracking numbers: what a scanner sends or a customer types, turned into the keys a registration matches on."""

from scanstation.tracking.parsing import ParsedScan, parse_scan, parse_typed, registration_keys
from scanstation.tracking.printed import printed

__all__ = ["ParsedScan", "parse_scan", "parse_typed", "printed", "registration_keys"]
