"""Entry points: `scanstation <command>`; each command lives in its own module under commands/."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from scanstation.private import restrict_process_umask

# command name -> (module under scanstation.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "config": ("config", "check the configuration file"),
    "parse": ("parse", "show the tracking number and match keys of scans or typed numbers"),
    "db": ("db", "create or upgrade the local database"),
    "operators": ("operators", "add operators, set PINs and roles, deactivate, unlock, issue and revoke badges"),
    "audit": ("audit", "read the audit trail (who did what, when) or export it as CSV"),
    "review": ("review", "the supervisor's queue of exceptions: list them, resolve one"),
    "report": ("report", "a shift's scans by outcome, operator and hour, and its exceptions; XLSX or CSV"),
    "sync": ("sync", "pull registrations and push events (the background loop, from the command line)"),
    "devserver": ("devserver", "run a simulator of the central server on loopback"),
    "ports": ("ports", "list serial ports, to tell which one is the scanner"),
    "headless": ("headless", "run scanners, receiving and sync with no window (conveyor, kiosk)"),
    "gui": ("gui", "run the clerk's scan screen"),
    "demo": ("demo", "start the simulator, a fresh database and the scan screen with sample labels"),
    "bench": ("bench", "benchmarks, each alone (bench NAME) or all as one table of figure, target and value"),
    "self-test": (
        "selftest",
        "try every part once on a fresh station in a temporary folder (offscreen); exit 1 names what failed",
    ),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the command it names with its options, the others with their help only.

    Only that command's module is imported: importing every one made every start, the scan screen's included,
    pay for all of them.
    """
    parser = argparse.ArgumentParser(prog="scanstation", description="Receiving-dock scanning station.")
    parser.add_argument("--version", action="version", version=f"scanstation {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    args = sys.argv[1:] if argv is None else list(argv)
    chosen = next((a for a in args if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"scanstation.commands.{module_name}")
            module.add_arguments(command_parser)
            command_parser.set_defaults(_run=module.run)
    return parser


def _version() -> str:
    from scanstation import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything is created: the station's files hold PIN hashes and customers' names.
    restrict_process_umask()
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        status = int(args._run(args))
        # A short output still sits in the buffer: flushed here, a reader that left is met inside the try,
        # not by the interpreter's own flush at exit (which prints "Exception ignored ... BrokenPipeError").
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """`scanstation parse ... | head -1`: the reader closed the pipe; end quietly as a shell command would."""
    # Point stdout at /dev/null so the interpreter's own flush at exit cannot raise a second time.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
    return 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


if __name__ == "__main__":
    sys.exit(main())
