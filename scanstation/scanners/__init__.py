"""scanstation.scanners."""
