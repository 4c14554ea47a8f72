"""Tests of scanstation.scanners."""
