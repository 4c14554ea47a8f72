"""Allows `python -m scanstation`."""

from scanstation.cli import main

raise SystemExit(main())
