"""`scanstation operators`: add operators, set PINs and roles, deactivate, unlock, badges; each change audited."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanstation.commands.common import add_config_option, config_or_exit, redact_url

if TYPE_CHECKING:
    from datetime import datetime

    from scanstation.domain import Actor
    from scanstation.store.connection import Store
    from scanstation.store.operators import OperatorRecord

EXIT_STORE = 1
EXIT_BAD_INPUT = 2
# The roles are checked by the store (one list, scanstation.store.operators.ROLES); this is help text only.
ROLE_HELP = "clerk, supervisor or admin"
FIRST_ADMIN = "scanstation operators add NAME --role admin"


class InputError(Exception):
    """A request refused before anything was changed; the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="operators_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="add an operator; the PIN is asked twice (or read with --pin-stdin)")
    add.add_argument("name", metavar="NAME", help="the log-in name")
    add.add_argument("--role", required=True, metavar="ROLE", help=ROLE_HELP)
    add.add_argument("--display-name", default="", metavar="TEXT", help="the name shown on screen (default: NAME)")
    _add_pin_option(add)

    listing = sub.add_parser("list", help="show the operators: name, display name, role, active")
    listing.add_argument("--all", action="store_true", help="include deactivated operators")
    listing.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    add_config_option(listing)

    pin = sub.add_parser("set-pin", help="give an operator a new PIN")
    pin.add_argument("name", metavar="NAME")
    _add_pin_option(pin)

    role = sub.add_parser("set-role", help="give an operator another role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", metavar="ROLE", help=ROLE_HELP)
    _add_force_option(role, "take the admin role from the last active admin")
    add_config_option(role)

    deactivate = sub.add_parser("deactivate", help="stop an operator from logging in (their scans keep the name)")
    deactivate.add_argument("name", metavar="NAME")
    _add_force_option(deactivate, "deactivate the last active admin")
    add_config_option(deactivate)

    activate = sub.add_parser("activate", help="let a deactivated operator log in again")
    activate.add_argument("name", metavar="NAME")
    add_config_option(activate)

    unlock = sub.add_parser("unlock", help="lift a lock-out after wrong PINs, and forget the wrong PINs")
    unlock.add_argument("name", metavar="NAME")
    add_config_option(unlock)

    badge = sub.add_parser(
        "badge", help="issue a new log-in badge (an earlier one stops working) and write it as an SVG to print"
    )
    badge.add_argument("name", metavar="NAME")
    badge.add_argument("--out", required=True, metavar="FILE.svg", help="where to write the badge (owner-only)")
    add_config_option(badge)

    revoke = sub.add_parser("revoke-badge", help="make an operator's badge stop logging anyone in")
    revoke.add_argument("name", metavar="NAME")
    add_config_option(revoke)


def _add_pin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the PIN from one line of standard input (for scripts) instead of asking at the terminal",
    )
    add_config_option(parser)


def _add_force_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--force", action="store_true", help=f"{what}, although nobody can set up the station afterwards"
    )


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    # Heavy imports here, not at module top: the CLI imports every command module to build --help.
    from sqlalchemy.exc import DBAPIError

    from scanstation.labels.barcodes import LabelError
    from scanstation.logs import setup_logging
    from scanstation.store.connection import close_store, open_store
    from scanstation.store.errors import StoreError
    from scanstation.store.operators import LastAdminError, OperatorError

    setup_logging(config.logging, log_file="operators.log")
    # Alembic's lines for every connection ("Context impl SQLiteImpl.") would bury the one line that says
    # what was done; the station's own migration and backup messages still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        store = open_store(config.database.url)
    except StoreError as err:
        print(f"scanstation operators: {err}", file=sys.stderr)
        return EXIT_STORE
    except DBAPIError as err:
        url = redact_url(config.database.url)
        print(f"scanstation operators: {url} is not a usable database: {err.orig}", file=sys.stderr)
        return EXIT_STORE
    try:
        done = _ACTIONS[args.operators_command](_Command(store, shell_actor(), config.station.id), args)
    except LastAdminError as err:
        print(f"scanstation operators: {err} (or add --force)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OperatorError, InputError, LabelError, PermissionError) as err:
        print(f"scanstation operators: {err}; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DBAPIError as err:
        url = redact_url(config.database.url)
        print(f"scanstation operators: the database {url} refused the change: {err.orig}", file=sys.stderr)
        return EXIT_STORE
    finally:
        close_store(store)
    if done:
        print(done)
    return 0


@dataclass(frozen=True)
class _Command:
    """What every action needs: the store, who acts (the shell account), and the station the trail names."""

    store: Store
    actor: Actor
    station: str


def shell_actor() -> Actor:
    """Whoever runs the command: the OS account, an admin (it can read the database file anyway)."""
    import getpass
    import os

    from scanstation.domain import Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return Actor.shell(user)


def _add(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import add_operator
    from scanstation.store.operators import check_new_operator

    # Everything that can be refused is checked before the PIN is asked, so nobody types it for nothing.
    check_new_operator(cmd.store, args.name, args.role, args.display_name)
    pin = _read_pin(args, f"PIN for {args.name.strip()}")
    added = add_operator(
        cmd.store, cmd.actor, args.name, pin, role=args.role, display_name=args.display_name, station=cmd.station
    )
    return f"added operator {added.name!r} ({added.display_name}) as {added.role}: they can log in now"


def _list(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import list_operators
    from scanstation.store.operators import active_admin_count

    operators = list_operators(cmd.store, cmd.actor, include_inactive=args.all, station=cmd.station)
    if args.json:
        print(json.dumps([_as_json(o) for o in operators], ensure_ascii=False))
    elif operators:
        _print_table(operators)
    else:
        print("no operators" if args.all else "no active operators")
    if active_admin_count(cmd.store) == 0:
        print(f"no active admin: nobody can set up this station; add one with `{FIRST_ADMIN}`", file=sys.stderr)
    return ""


def _set_pin(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import set_pin
    from scanstation.store.operators import require_operator

    operator = require_operator(cmd.store, args.name)  # before the PIN is asked
    pin = _read_pin(args, f"new PIN for {operator.name}")
    changed = set_pin(cmd.store, cmd.actor, operator.name, pin, station=cmd.station)
    inactive = "" if changed.active else " (still deactivated: `scanstation operators activate` lets them in)"
    return f"new PIN set for {changed.name!r}{inactive}"


def _set_role(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import set_role

    changed = set_role(cmd.store, cmd.actor, args.name, args.role, force=args.force, station=cmd.station)
    _warn_if_no_admin(cmd.store)
    return f"{changed.name!r} is now {changed.role}"


def _deactivate(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import deactivate_operator

    changed = deactivate_operator(cmd.store, cmd.actor, args.name, force=args.force, station=cmd.station)
    _warn_if_no_admin(cmd.store)
    return f"{changed.name!r} is deactivated: they cannot log in (their scans keep their name)"


def _activate(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import activate_operator

    changed = activate_operator(cmd.store, cmd.actor, args.name, station=cmd.station)
    return f"{changed.name!r} is active: they can log in as {changed.role}"


def _unlock(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import unlock_operator

    changed = unlock_operator(cmd.store, cmd.actor, args.name, station=cmd.station)
    return f"{changed.name!r} is unlocked: they can try their PIN again"


def _badge(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import issue_badge
    from scanstation.labels.badge import badge_svg
    from scanstation.private import write_private_atomically
    from scanstation.store.operators import require_operator

    operator = require_operator(cmd.store, args.name)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise InputError(f"{out.parent} is not a directory")
    secret = issue_badge(cmd.store, cmd.actor, operator.name, station=cmd.station)
    # Written after the badge is stored: a file that failed to write costs one more `badge`, not a stray secret.
    write_private_atomically(out, badge_svg(operator.display_name, secret))
    return (
        f"new badge for {operator.name!r} written to {out}: print it and delete the file "
        "(anyone holding it can log in as them); any earlier badge no longer works"
    )


def _revoke_badge(cmd: _Command, args: argparse.Namespace) -> str:
    from scanstation.access.operators import revoke_badge

    changed = revoke_badge(cmd.store, cmd.actor, args.name, station=cmd.station)
    return f"{changed.name!r}'s badge no longer logs anyone in"


_ACTIONS = {
    "add": _add,
    "list": _list,
    "set-pin": _set_pin,
    "set-role": _set_role,
    "deactivate": _deactivate,
    "activate": _activate,
    "unlock": _unlock,
    "badge": _badge,
    "revoke-badge": _revoke_badge,
}


def _warn_if_no_admin(store: Store) -> None:
    from scanstation.store.operators import active_admin_count

    if active_admin_count(store) == 0:
        print(f"warning: no active admin is left; `{FIRST_ADMIN}` adds one", file=sys.stderr)


def _read_pin(args: argparse.Namespace, prompt: str) -> str:
    """The PIN from one line of stdin (--pin-stdin), or typed twice at the terminal without echo."""
    from scanstation.store.operators import PIN_MAX, PIN_MIN, check_pin

    if args.pin_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("--pin-stdin was given but standard input is empty")
        pin = line.rstrip("\r\n")
        check_pin(pin)
        return pin
    pin = _ask(f"{prompt} ({PIN_MIN}-{PIN_MAX} digits): ")
    check_pin(pin)  # before the second prompt: a PIN of the wrong form need not be typed twice
    if _ask("the same PIN again: ") != pin:
        raise InputError("the two PINs differ")
    return pin


def _ask(prompt: str) -> str:
    import getpass
    import warnings

    with warnings.catch_warnings():
        # getpass falls back to reading with echo when there is no terminal; a PIN must never show.
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(prompt)
        except getpass.GetPassWarning:
            raise InputError("there is no terminal to type the PIN at; --pin-stdin reads it from stdin") from None
        except EOFError:
            raise InputError("no PIN was typed") from None


def _as_json(operator: OperatorRecord) -> dict[str, object]:
    from scanstation.domain import rfc3339

    def when(at: datetime | None) -> str | None:
        return rfc3339(at) if at is not None else None

    return {
        "name": operator.name,
        "display_name": operator.display_name,
        "role": operator.role.value,
        "active": operator.active,
        "locked_until": when(operator.locked_until),
        "failed_pins": operator.failed_pins,
        "has_badge": operator.has_badge,
        "badge_issued_at": when(operator.badge_issued_at),
        "last_login_at": when(operator.last_login_at),
    }


def _locked(operator: OperatorRecord) -> str:
    from scanstation.domain import utcnow

    if operator.locked_until is None or operator.locked_until <= utcnow():
        return ""
    return "until " + operator.locked_until.astimezone().strftime("%H:%M")


def _print_table(operators: list[OperatorRecord]) -> None:
    rows = [("NAME", "DISPLAY NAME", "ROLE", "ACTIVE", "BADGE", "LOCKED")]
    rows += [
        (o.name, o.display_name, o.role.value, "yes" if o.active else "no", "yes" if o.has_badge else "no", _locked(o))
        for o in operators
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
