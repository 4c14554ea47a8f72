"""Tracking numbers: what a scanner sends or a customer types, turned into the keys a registration matches on."""

from scanstation.tracking.parsing import ParsedScan, parse_scan, parse_typed, registration_keys
from scanstation.tracking.printed import group_for_print

__all__ = ["ParsedScan", "group_for_print", "parse_scan", "parse_typed", "registration_keys"]
