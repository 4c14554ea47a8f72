"""`scanstation self-test`: a fresh station in a temporary folder, each part tried once, one line per check."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from scanstation.domain import Outcome, Scan, Verdict, utcnow

if TYPE_CHECKING:
    from scanstation.config import Config
    from scanstation.store.connection import Store

# A check does its work and answers its line's words; raising (any exception) makes it a failure.
CheckRun = Callable[[], str]
Check = tuple[str, CheckRun]

EXIT_FAILED = 1
SELF_TEST_STATION = "self-test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--display",
        action="store_true",
        help="draw on the display Qt finds (DISPLAY, QT_QPA_PLATFORM); by default offscreen",
    )
    parser.add_argument("--keep", metavar="DIR", help="keep the test station's files (database, config, PDF) in DIR")


def run(args: argparse.Namespace) -> int:
    if not args.display:
        # Set before Qt is loaded: the self-test runs where there is no screen (an installer, CI, a service).
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="scanstation-self-test-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return self_test(folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def self_test(folder: Path, *, out: TextIO | None = None) -> int:
    """Every check on a fresh station under `folder`: 0 when all passed, 1 naming each that failed."""
    from scanstation import paths

    # Every platform directory (state, logs, compiled catalogues, window state) moves into the folder.
    os.environ[paths.HOME_ENV] = str(folder / "home")
    world = World(folder)
    checks: list[Check] = [
        ("config", world.check_config),
        ("migrations", world.check_migrations),
        ("parse", check_parse),
        ("outcomes", world.check_outcomes),
    ]
    try:
        passed = run_checks(checks, out)
    finally:
        world.close()  # the station the GUI checks build opens the database itself
    from scanstation.gui.selftest import gui_checks

    passed = run_checks(gui_checks(world.config_path, world.config, world.verdicts), out) and passed
    return 0 if passed else EXIT_FAILED


def run_checks(checks: Sequence[Check], out: TextIO | None = None) -> bool:
    """Run each check whatever the ones before did; print `ok   name: words` or `FAIL name: why`."""
    stream = out if out is not None else sys.stdout
    passed = True
    for name, check in checks:
        try:
            words = check()
        except Exception as exc:  # a self-test reports every broken part, and goes on to the next
            passed = False
            problem = str(exc).strip().splitlines()
            print(f"FAIL {name}: {type(exc).__name__}: {problem[0] if problem else 'no message'}", file=stream)
        else:
            print(f"ok   {name}: {words}", file=stream)
        stream.flush()
    return passed


def seconds_since(started: float) -> str:
    return f"{time.perf_counter() - started:.2f} s"


def check_parse() -> str:
    """The demo's sample labels (each carrier's forms, GS1 separators) read to the tracking numbers printed."""
    from scanstation.labels.samples import demo_labels
    from scanstation.tracking import parse_scan

    labels = demo_labels()
    wrong = []
    for label in labels:
        parsed = parse_scan(label.scan)
        if parsed.tracking_number != label.tracking_number:
            wrong.append(f"{label.key}: {parsed.tracking_number!r}, not {label.tracking_number!r}")
    if wrong:
        raise AssertionError("; ".join(wrong))
    carriers = sorted({label.carrier for label in labels if label.carrier})
    return f"{len(labels)} sample labels read ({', '.join(carriers)}, and one that is no tracking number)"


@dataclass
class World:
    """The test station: its folder, config, store, and the verdicts its scans got (the GUI shows them)."""

    folder: Path
    config: Config | None = None
    store: Store | None = None
    verdicts: dict[Outcome, Verdict] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.folder / "config.toml"

    def check_config(self) -> str:
        from scanstation.config import load_config

        # The language is Russian, as on most stations: the screens are drawn through the compiled catalogue.
        self.config_path.write_text(
            f"""# Written by `scanstation self-test`: a station of its own, no server, no scanners.
[station]
id = "{SELF_TEST_STATION}"

[database]
url = "sqlite:///{(self.folder / "station.db").as_posix()}"

[gui]
language = "ru"
sound = true

[logging]
file = false
""",
            encoding="utf-8",
        )
        self.config = load_config(self.config_path)
        return f"station {self.config.station.id}, database in {self.folder}"

    def check_migrations(self) -> str:
        from alembic.script import ScriptDirectory

        from scanstation.store.connection import open_store
        from scanstation.store.migrate import alembic_config, current_revision, head_revision

        if self.config is None:
            raise RuntimeError("no config (see the config check)")
        started = time.perf_counter()
        self.store = open_store(self.config.database.url)
        took = seconds_since(started)
        with self.store.connect() as conn:
            current = current_revision(conn)
        if current != head_revision():
            raise AssertionError(f"the database is at {current}, not at head {head_revision()}")
        revisions = len(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
        return f"{revisions} revisions to head ({current}) in {took}"

    def check_outcomes(self) -> str:
        """The demo's labels and registrations through the real Receiver: every outcome once, in one database."""
        from scanstation.labels.samples import demo_labels, demo_registrations
        from scanstation.receiving import Receiver
        from scanstation.store.engine import write_transaction
        from scanstation.store.registrations import RegistrationRecord, upsert_registrations

        if self.store is None:
            raise RuntimeError("no database (see the migrations check)")
        labels = demo_labels()
        now = utcnow()
        records = [
            RegistrationRecord(
                id=f"self-test-{n}",
                updated_at=now,
                tracking_typed=reg.typed,
                order_number=reg.order_number,
                store=reg.store,
                customer_suite=reg.suite,
                customer_name=reg.name,
                services=reg.services,
                status=reg.status,
            )
            for n, reg in enumerate(demo_registrations(labels))
        ]
        with write_transaction(self.store.feed) as conn:
            upsert_registrations(conn, records)
        receiver = Receiver(self.store, station_id=SELF_TEST_STATION, undo_window_s=10)
        started = time.perf_counter()
        try:
            # The first label again at the end: a second scan of a received parcel is a duplicate.
            for label in [*labels, labels[0]]:
                verdict = receiver.receive(Scan(label.scan, "self-test"), "self-test")
                self.verdicts.setdefault(verdict.outcome, verdict)
        finally:
            receiver.close()
        took = seconds_since(started)
        missing = [str(outcome) for outcome in Outcome if outcome not in self.verdicts]
        if missing:
            raise AssertionError(f"no {', '.join(missing)} among {len(labels) + 1} scans")
        return f"{', '.join(str(o) for o in Outcome)} from {len(labels) + 1} scans in {took}"

    def close(self) -> None:
        if self.store is not None:
            from scanstation.store.connection import close_store

            close_store(self.store)
            self.store = None
