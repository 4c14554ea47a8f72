"""Allows `python -m scanstation`."""

from scanstation.cli import main

# Guarded so that a spawned worker process importing this module does not run the CLI again.
if __name__ == "__main__":
    raise SystemExit(main())
