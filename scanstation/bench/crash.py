"""`scanstation bench crash`: SIGKILL a headless station again and again, then check that nothing it said was lost."""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import termios
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from scanstation.bench.common import (
    add_json_option,
    emit_json,
    machine_info,
    own_command,
    progress,
    write_pty_station_config,
)

TOKEN = "bench-crash-token-41d2"
STATION = "bench-crash"  # and a suffix of its own each run: a kept --server-db holds earlier runs' events
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
# Bytes a random "garbage" scan never holds: terminators and envelope marks would make it another kind of read.
FRAMING_BYTES = frozenset(b"\r\n\t\x02\x03\x04\x1d\x1e")
FINAL_DRAIN_S = 180.0  # the clean last run must pull and push everything within this
START_TIMEOUT_S = 120.0  # a station not connected (or not done pulling) by then is killed anyway
LEFTOVER_GRACE_S = 5.0  # how long a killed station's children get to notice and exit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kills", type=int, default=20, metavar="K", help="SIGKILLs of the station (20)")
    parser.add_argument(
        "--parcels", type=int, default=20_000, metavar="N", help="registrations on the server, pulled at start (20000)"
    )
    parser.add_argument(
        "--registered", type=int, default=500, metavar="R", help="of them, parcels whose labels are scanned (500)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments, the scans and the server (1)")
    parser.add_argument(
        "--max-life-s", type=float, default=4.0, help="longest a station scans before it is killed (4 s)"
    )
    parser.add_argument(
        "--refill-chance",
        type=float,
        default=0.3,
        help="chance that a restart must pull the whole feed again (cursors invalidated), so kills land in pulls (0.3)",
    )
    parser.add_argument(
        "--server-db", metavar="PATH", help="the simulator's database; kept, so a second run skips generating"
    )
    parser.add_argument("--keep", metavar="DIR", help="keep the station's files, logs and config in DIR")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_json_option(parser)


# ----------------------------------------------------------------------------------------- processes


@dataclass(frozen=True, slots=True)
class _Proc:
    """One process as /proc shows it; (pid, start) names it even after the pid is reused."""

    pid: int
    ppid: int
    state: str
    start: int  # clock ticks after boot
    rss_kb: int
    cmdline: str


def _processes() -> dict[int, _Proc]:
    procs: dict[int, _Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        rss_kb = int(statm[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024) if len(statm) > 1 else 0
        procs[int(entry)] = _Proc(int(entry), int(stat[1]), stat[0], int(stat[19]), rss_kb, cmdline.strip())
    return procs


def _subtree(procs: dict[int, _Proc], root: int) -> set[int]:
    """root and every live process below it."""
    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found & set(procs)


def _become_subreaper() -> bool:
    """Orphans of a killed station come to this process instead of init, so none escapes the count (Linux)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _reap_orphans(procs: dict[int, _Proc], own: set[int]) -> None:
    """Wait for dead orphans handed to this process (not the Popen children, which subprocess waits for)."""
    me = os.getpid()
    for proc in procs.values():
        if proc.ppid == me and proc.state == "Z" and proc.pid not in own:
            try:
                os.waitpid(proc.pid, os.WNOHANG)
            except ChildProcessError:
                pass


# --------------------------------------------------------------------------------------- the scans


@dataclass
class _ScanMix:
    """Raw scans: registered labels, numbers nobody registered, re-scans of either, and garbage."""

    rng: random.Random
    registered: list[str]  # a label scan of each registered parcel, in the order they are first scanned
    written: list[str] = field(default_factory=list)
    _next_registered: int = 0
    _seen: set[str] = field(default_factory=set)

    def next(self) -> str:
        roll = self.rng.random()
        if roll < 0.40 and self._next_registered < len(self.registered):
            raw = self.registered[self._next_registered]
            self._next_registered += 1
        elif roll < 0.60:
            raw = self._unknown()
        elif roll < 0.82 and self.written:
            raw = self.rng.choice(self.written)  # a re-scan: a duplicate of a matched or of an unknown parcel
        else:
            raw = self._garbage()
        self.written.append(raw)
        return raw

    def _unknown(self) -> str:
        from scanstation.tracking.samples import sample_number

        while True:
            raw = self.rng.choice(sample_number(self.rng).label_scans)
            if raw not in self._seen and not FRAMING_BYTES & set(raw.encode("utf-8", "surrogateescape")):
                self._seen.add(raw)
                return raw

    def _garbage(self) -> str:
        kind = self.rng.randrange(3)
        if kind == 0:
            data = bytes(b for b in self.rng.randbytes(self.rng.randint(1, 24)) if b not in FRAMING_BYTES)
            return (data or b"?").decode("utf-8", "surrogateescape")
        if kind == 1:
            return str(self.rng.randint(0, 10 ** self.rng.randint(1, 9)))
        return self.rng.choice(["hello", "NOREAD", "1Z", "]C0", "TBA", "  ", "\x00\x00"])


class _PtyWriter:
    """Writes scans into the pty's master side without ever blocking: what does not fit waits for the next turn."""

    def __init__(self, master: int) -> None:
        self._master = master
        os.set_blocking(master, False)
        self._queue: deque[bytes] = deque()
        self.written = 0  # scans whose last byte (the terminator) was written

    def add(self, raw: str) -> None:
        self._queue.append(raw.encode("utf-8", "surrogateescape") + b"\r")

    def flush(self) -> None:
        while self._queue:
            data = self._queue[0]
            try:
                n = os.write(self._master, data)
            except BlockingIOError:
                return
            if n < len(data):
                self._queue[0] = data[n:]
                return
            self._queue.popleft()
            self.written += 1


# ------------------------------------------------------------------------------------- the station


@dataclass
class _Output:
    """What every station run printed, line by line."""

    verdicts: list[dict[str, Any]] = field(default_factory=list)  # scan lines and late matches' scans
    late_matches: int = 0
    error_lines: int = 0
    cut_lines: int = 0  # a line the kill cut in half: never a whole verdict, so nothing the clerk was told
    unreadable_lines: int = 0


class _Station:
    """One `scanstation headless` process; its stdout read without blocking from the harness's one thread."""

    def __init__(self, command: list[str], env: dict[str, str], stderr_path: Path, output: _Output) -> None:
        now = datetime.now(UTC)
        self._started_at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # statuses give milliseconds
        with stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env, bufsize=0)
        assert self.proc.stdout is not None
        self._stdout = self.proc.stdout
        self._fd = self._stdout.fileno()
        os.set_blocking(self._fd, False)
        self._buffer = bytearray()
        self._output = output
        self._eof = False
        self.connected = False
        self.pulled = False  # a pull finished in this run (the status at start carries the last run's time)

    def read(self, timeout: float) -> None:
        """Take the lines waiting on stdout, waiting up to `timeout` for the first."""
        if self._eof:
            time.sleep(max(0.0, timeout))
            return
        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        if not ready:
            return
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                self._eof = True
                break
            self._buffer += chunk
        *lines, rest = bytes(self._buffer).split(b"\n")
        self._buffer = bytearray(rest)
        for line in lines:
            self._take(line)

    def _take(self, raw: bytes) -> None:
        try:
            line = json.loads(raw)
        except ValueError:
            self._output.unreadable_lines += 1
            return
        if not isinstance(line, dict):
            self._output.unreadable_lines += 1
            return
        kind = line.get("type")
        if kind == "scan":
            self._output.verdicts.append(line)
        elif kind == "notice" and isinstance(line.get("scan"), dict):
            self._output.verdicts.append(line["scan"])
            self._output.late_matches += 1
        elif kind == "error":
            # Not a verdict: the clerk was told the scan was not recorded (or, until headless can print a
            # duplicate, that a duplicate was not): nothing to find in the database.
            self._output.error_lines += 1
        elif kind == "status" and line.get("component") == "scanner" and line.get("state") == "connected":
            self.connected = True
        elif kind == "status" and line.get("component") == "sync" and isinstance(line.get("last_pull_at"), str):
            self.pulled = self.pulled or datetime.fromisoformat(line["last_pull_at"]) >= self._started_at

    def finish(self) -> None:
        """After the process is gone: the rest of stdout, then the read end closed.

        Not read to EOF: a surviving child may hold the write end open for ever. The process is dead, so
        all it wrote is in the pipe already.
        """
        self.read(0)
        while not self._eof and select.select([self._fd], [], [], 0)[0]:
            self.read(0)
        if self._buffer:
            self._output.cut_lines += 1
            self._buffer.clear()
        self._stdout.close()


# ---------------------------------------------------------------------------------------- the files


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def _integrity(path: Path) -> str:
    """'ok' or what `PRAGMA integrity_check` (or opening the file) says is wrong."""
    if not path.exists():
        return "ok"  # not made yet (a station killed before it opened its store)
    try:
        conn = _read_only(path)
        try:
            rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"cannot be checked: {exc}"
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def _fill_cut(feed_file: Path) -> bool:
    """Whether the feed file carries the marker of a fill that was running when the station died."""
    from scanstation.store.feedfile import FEED_FILLING_KEY

    if not feed_file.exists():
        return False
    try:
        conn = _read_only(feed_file)
        try:
            return conn.execute("SELECT 1 FROM feed_state WHERE key = ?", (FEED_FILLING_KEY,)).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False  # no tables yet


def _outbox_waiting(station_db: Path) -> int:
    try:
        conn = _read_only(station_db)
        try:
            return int(conn.execute("SELECT count(*) FROM outbox WHERE state IN ('pending', 'held')").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return -1  # not readable yet


# ---------------------------------------------------------------------------------------- the run


@dataclass
class _Crashes:
    """What the kills did, counted as they happen."""

    kills: int = 0
    during_fill: int = 0
    with_children: int = 0
    own_exits: list[int] = field(default_factory=list)  # status of a station that ended before its kill
    killed_children: set[tuple[int, int]] = field(default_factory=set)  # (pid, start) alive at a kill
    integrity: list[str] = field(default_factory=list)  # what was wrong, file by file, check by check
    integrity_checks: int = 0
    own: set[int] = field(default_factory=set)  # the stations' pids (subprocess waits for them)
    tracebacks: int = 0  # station runs whose log holds a traceback (a kill leaves none)


def run(args: argparse.Namespace) -> int:
    from scanstation.bench.common import running_simulator

    if not sys.platform.startswith("linux"):
        print(
            "scanstation bench crash: needs Linux (it reads /proc to find what a killed station left behind)",
            file=sys.stderr,
        )
        return 2
    if args.kills < 1 or args.parcels < 0 or args.registered < 0 or args.max_life_s <= 0.1:
        print("scanstation bench crash: --kills must be 1 or more, --parcels and --registered 0 or more, "
              "--max-life-s more than 0.1", file=sys.stderr)  # fmt: skip
        return 2
    subreaper = _become_subreaper()
    keep = Path(args.keep) if args.keep else None
    with tempfile.TemporaryDirectory(prefix="scanstation-bench-crash-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        server_db = Path(args.server_db) if args.server_db else Path(tmp) / "central.db"
        with running_simulator(
            "crash", parcels=args.parcels, seed=args.seed, db=server_db, token=TOKEN, quiet=args.quiet
        ) as server:
            return _bench(args, server.url, server.port, server.process.pid, folder, server_db, subreaper)


def _register(port: int, count: int, rng: random.Random) -> list[str]:
    """`count` new registrations on the server; a label scan of each, to be scanned."""
    import requests

    from scanstation.tracking.samples import sample_number

    session = requests.Session()
    session.trust_env = False
    raws: list[str] = []
    numbers: set[str] = set()
    while len(raws) < count:
        sample = sample_number(rng)
        labels = [s for s in sample.label_scans if not FRAMING_BYTES & set(s.encode("utf-8", "surrogateescape"))]
        if sample.tracking_number in numbers or not labels:
            continue
        numbers.add(sample.tracking_number)
        answer = session.post(
            f"http://127.0.0.1:{port}/admin/api/registrations",
            json={"tracking_number": sample.tracking_number, "suite": f"UN-{len(raws) + 1}", "name": "Crash Test"},
            timeout=30,
        )
        answer.raise_for_status()
        raws.append(rng.choice(labels))
    return raws


def _bench(
    args: argparse.Namespace, url: str, port: int, simulator_pid: int, folder: Path, server_db: Path, subreaper: bool
) -> int:
    import requests

    from scanstation.bench.common import remove_station_files
    from scanstation.store.feedfile import feed_path

    quiet = args.quiet
    started = time.monotonic()
    rng = random.Random(args.seed)
    station_db = folder / "station.db"
    feed_db = feed_path(station_db)
    remove_station_files(station_db)
    progress(f"registering {args.registered} parcels to scan ...", quiet=quiet)
    mix = _ScanMix(rng, _register(port, args.registered, random.Random(args.seed + 1)))
    admin = requests.Session()
    admin.trust_env = False

    master, slave = os.openpty()
    writer = _PtyWriter(master)
    station_id = f"{STATION}-{secrets.token_hex(3)}"
    config = write_pty_station_config(
        folder, station_id=station_id, server_url=url, port=os.ttyname(slave), operator="crash", scanner="crash-pty"
    )
    command = [*own_command(), "headless", "--config", str(config)]
    env = {**os.environ, "SCANSTATION_SERVER_TOKEN": TOKEN, "SCANSTATION_HOME": str(folder / "home")}
    output = _Output()
    crashes = _Crashes()
    me = os.getpid()
    life = 0
    stations: list[_Station] = []
    try:
        # Until the kills are done; a station that ends by itself is counted and replaced (but not for ever).
        while crashes.kills < args.kills and len(crashes.own_exits) <= args.kills:
            life += 1
            moment = rng.choices(list(_Moment), weights=(0.2, 0.25, 0.55))[0]
            life_s = rng.uniform(0.05, 2.0) if moment is _Moment.START else rng.uniform(0.1, args.max_life_s)
            station = _Station(command, env, folder / f"stderr-{life:03d}.log", output)
            crashes.own.add(station.proc.pid)
            stations.append(station)
            _live(station, writer, mix, rng, moment, life_s)
            if station.proc.poll() is not None:
                station.finish()
                crashes.own_exits.append(station.proc.returncode)
                progress(f"run {life}: the station ended by itself (status {station.proc.returncode})", quiet=quiet)
                continue
            procs = _processes()
            children = _subtree(procs, station.proc.pid) - {station.proc.pid}
            crashes.killed_children |= {(pid, procs[pid].start) for pid in children}
            crashes.with_children += bool(children)
            os.kill(station.proc.pid, signal.SIGKILL)
            station.proc.wait()
            crashes.kills += 1
            station.finish()
            crashes.during_fill += _fill_cut(feed_db)
            for path in (station_db, feed_db):
                crashes.integrity_checks += 1
                if (verdict := _integrity(path)) != "ok":
                    crashes.integrity.append(f"{path.name} after kill {crashes.kills}: {verdict}")
            refill = rng.random() < args.refill_chance
            if refill:
                admin.post(f"http://127.0.0.1:{port}/admin/api/invalidate-cursors", timeout=30).raise_for_status()
            progress(
                f"kill {crashes.kills}/{args.kills} {life_s:.2f} s after {moment.value}: "
                f"{writer.written} scans written, "
                f"{len(output.verdicts)} verdicts{', next start pulls everything' if refill else ''}",
                quiet=quiet,
            )
            _reap_orphans(_processes(), crashes.own)
        # Scans still in the line from the last kill would be decided after the drain check: the last run starts empty.
        termios.tcflush(slave, termios.TCIFLUSH)
        final = _Station(command, env, folder / "stderr-final.log", output)
        crashes.own.add(final.proc.pid)
        stations.append(final)
        final_clean, drained = _final_run(final, station_db)
        leftovers = _leftovers(crashes, simulator_pid, folder, me)
        crashes.tracebacks = sum("Traceback" in p.read_text(errors="replace") for p in folder.glob("stderr-*.log"))
    finally:
        for station in stations:  # interrupted (Ctrl+C, an error): no station outlives the harness
            if station.proc.poll() is None:
                station.proc.kill()
                station.proc.wait()
        os.close(master)
        os.close(slave)
    for path in (station_db, feed_db):
        crashes.integrity_checks += 1
        if (verdict := _integrity(path)) != "ok":
            crashes.integrity.append(f"{path.name} at the end: {verdict}")
    check = _check(output, station_db, server_db, station_id)
    return _report(args, output, crashes, writer, check, station_db, leftovers, final_clean, drained,
                   subreaper, time.monotonic() - started)  # fmt: skip


class _Moment(Enum):
    """What a kill's delay counts from."""

    START = "the start"  # opening the store, the first pull
    PULLED = "its first pull"  # scanning with the whole feed at hand
    CONNECTED = "connecting"  # scanning, a pull perhaps under way


def _live(
    station: _Station, writer: _PtyWriter, mix: _ScanMix, rng: random.Random, moment: _Moment, life_s: float
) -> None:
    """Let the station live until `life_s` after `moment`, writing bursts of scans while its scanner is connected.

    Waiting for the end of a pull is what lets some lives match registered parcels at once: a fill cut
    short starts again from the beginning, so with kills every few seconds a big feed may never be whole.
    """
    started = time.monotonic()
    deadline = started + (life_s if moment is _Moment.START else START_TIMEOUT_S)
    counting = moment is _Moment.START
    next_burst = 0.0
    while (left := deadline - time.monotonic()) > 0:
        station.read(min(left, 0.02))
        if station.proc.poll() is not None:
            return
        now = time.monotonic()
        if not counting and (station.pulled if moment is _Moment.PULLED else station.connected):
            counting = True
            deadline = now + life_s
        if not station.connected:
            continue
        if now >= next_burst:
            for _ in range(rng.randint(1, 20)):
                writer.add(mix.next())
            next_burst = now + rng.uniform(0.05, 0.6)
        writer.flush()


def _final_run(station: _Station, station_db: Path) -> tuple[bool, bool]:
    """A last run nobody kills: it pulls, pushes every event waiting, and stops on SIGTERM. (clean, drained)."""
    deadline = time.monotonic() + FINAL_DRAIN_S
    drained = False
    while time.monotonic() < deadline and station.proc.poll() is None:
        station.read(0.2)
        if station.pulled and _outbox_waiting(station_db) == 0:
            drained = True
            break
    if station.proc.poll() is None:
        station.proc.send_signal(signal.SIGTERM)
    try:
        status = station.proc.wait(60)
    except subprocess.TimeoutExpired:
        station.proc.kill()
        status = station.proc.wait()
    station.finish()
    return status == 0, drained


def _leftovers(crashes: _Crashes, simulator_pid: int, folder: Path, me: int) -> list[_Proc]:
    """Processes a station left behind: children alive at a kill, anything naming the station's folder, orphans.

    They get LEFTOVER_GRACE_S to notice their parent is gone; the ones still there are counted, then killed.
    """
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while True:
        procs = _processes()
        _reap_orphans(procs, crashes.own)
        keep = _subtree(procs, simulator_pid) | {me}
        found = {
            p.pid
            for p in procs.values()
            if p.state != "Z"
            and p.pid not in keep
            and ((p.pid, p.start) in crashes.killed_children or str(folder) in p.cmdline)
        }
        found |= {pid for pid in _subtree(procs, me) - keep if procs[pid].state != "Z"}
        if not found or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    left = [procs[pid] for pid in sorted(found)]
    for proc in left:
        try:
            os.kill(proc.pid, signal.SIGKILL)  # they are this run's own processes' children
        except ProcessLookupError:
            pass
    return left


@dataclass
class _Check:
    """The verdicts and events held against the two databases."""

    verdicts_checked: int = 0
    verdicts_missing: list[str] = field(default_factory=list)
    verdicts_other_outcome: list[str] = field(default_factory=list)
    events_missing: list[str] = field(default_factory=list)  # a printed verdict's event not in the outbox
    events: int = 0
    events_sent: int = 0
    events_rejected: int = 0
    sent_not_at_server: list[str] = field(default_factory=list)
    not_drained: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)  # applied more than once at the server
    resent: int = 0  # copies the server answered duplicate (harmless: it de-duplicates by id)
    unknown_at_station: list[str] = field(default_factory=list)  # at the server, not in the outbox
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return (
            len(self.verdicts_missing)
            + len(self.verdicts_other_outcome)
            + len(self.events_missing)
            + len(self.sent_not_at_server)
            + len(self.not_drained)
        )


def _check(output: _Output, station_db: Path, server_db: Path, station_id: str) -> _Check:
    check = _Check()
    with _read_only(station_db) as conn:
        scans = dict(conn.execute("SELECT id, outcome FROM scan_log").fetchall())
        outbox = dict(conn.execute("SELECT id, state FROM outbox").fetchall())
    conn.close()
    with _read_only(server_db) as server:
        rows = server.execute(
            "SELECT event_id, sum(result = 'accepted'), sum(result = 'duplicate') FROM events"
            " WHERE station_id = ? GROUP BY event_id",
            (station_id,),
        ).fetchall()
    server.close()
    accepted = {str(r[0]): int(r[1]) for r in rows}
    check.resent = sum(int(r[2]) for r in rows)
    for verdict in output.verdicts:
        check.verdicts_checked += 1
        scan_id, outcome = str(verdict.get("scan_id")), str(verdict.get("outcome"))
        check.outcomes[outcome] = check.outcomes.get(outcome, 0) + 1
        if scan_id not in scans:
            check.verdicts_missing.append(scan_id)
        elif scans[scan_id] != outcome:
            check.verdicts_other_outcome.append(f"{scan_id}: printed {outcome}, stored {scans[scan_id]}")
        check.events_missing += [str(e) for e in verdict.get("events") or () if str(e) not in outbox]
    check.events = len(outbox)
    for event_id, state in outbox.items():
        times = accepted.get(event_id, 0)
        if state == "sent":
            check.events_sent += 1
            if event_id not in accepted:
                check.sent_not_at_server.append(event_id)
        elif state == "rejected":
            check.events_rejected += 1
        elif state in ("pending", "held"):
            check.not_drained.append(event_id)
        if times > 1:
            check.twice.append(event_id)
    check.unknown_at_station = sorted(set(accepted) - set(outbox))
    return check


def _report(
    args: argparse.Namespace,
    output: _Output,
    crashes: _Crashes,
    writer: _PtyWriter,
    check: _Check,
    station_db: Path,
    leftovers: list[_Proc],
    final_clean: bool,
    drained: bool,
    subreaper: bool,
    seconds: float,
) -> int:
    leftover_mb = sum(p.rss_kb for p in leftovers) / 1024
    print(f"kills             {crashes.kills:>7}   ({crashes.during_fill} cut a fill of the feed short, "
          f"{crashes.with_children} with child processes running; seed {args.seed})")  # fmt: skip
    print(f"scans written     {writer.written:>7}")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(check.outcomes.items()))
    print(f"verdicts checked  {check.verdicts_checked:>7}   ({outcomes}; {output.late_matches} late matches)")
    print(f"error lines       {output.error_lines:>7}   (not verdicts; {output.cut_lines} lines cut by a kill, "
          f"{output.unreadable_lines} unreadable)")  # fmt: skip
    print(f"events            {check.events:>7}   ({check.events_sent} sent, {check.events_rejected} rejected; "
          f"{check.resent} resent copies the server answered duplicate)")  # fmt: skip
    print(f"twice at server   {len(check.twice):>7}   ({len(check.unknown_at_station)} at the server "
          "that the station has no record of)")  # fmt: skip
    print(f"lost              {check.lost:>7}   (verdicts not stored {len(check.verdicts_missing)}, "
          f"stored with another outcome {len(check.verdicts_other_outcome)}, events of a verdict missing "
          f"{len(check.events_missing)}, sent but not at the server {len(check.sent_not_at_server)}, "
          f"not delivered at the end {len(check.not_drained)})")  # fmt: skip
    print(f"left behind       {len(leftovers):>7}   processes, {leftover_mb:.0f} MiB"
          f"{'' if subreaper else ' (orphans not followed: no child subreaper)'}")  # fmt: skip
    for proc in leftovers[:5]:
        print(f"  pid {proc.pid}: {proc.cmdline[:120]}")
    integrity = "ok" if not crashes.integrity else f"{len(crashes.integrity)} FAILED"
    print(
        f"integrity_check   {integrity:>7}   ({crashes.integrity_checks} checks of {station_db.name} and its feed file)"
    )
    for problem in crashes.integrity[:5]:
        print(f"  {problem}")
    if crashes.tracebacks:
        print(f"station runs with a traceback in their log: {crashes.tracebacks} (stderr-*.log; see --keep)")
    if crashes.own_exits:
        print(f"stations that ended before their kill: {len(crashes.own_exits)} (status {crashes.own_exits[:5]})")
    print(f"last run          {'clean' if final_clean else 'NOT CLEAN'}, outbox "
          f"{'drained' if drained else 'NOT DRAINED'}; {seconds:.0f} s in all")  # fmt: skip
    ok = not (
        check.lost
        or check.twice
        or check.unknown_at_station
        or leftovers
        or crashes.integrity
        or crashes.own_exits
        or not final_clean
        or not drained
    )
    print(f"nothing lost, nothing twice, nothing left behind: {'yes' if ok else 'NO'}")
    if args.json:
        emit_json(
            {
                "benchmark": "crash",
                "seed": args.seed,
                "parcels": args.parcels,
                "kills": crashes.kills,
                "kills_during_fill": crashes.during_fill,
                "kills_with_children": crashes.with_children,
                "scans_written": writer.written,
                "verdicts_checked": check.verdicts_checked,
                "outcomes": check.outcomes,
                "late_matches": output.late_matches,
                "error_lines": output.error_lines,
                "cut_lines": output.cut_lines,
                "unreadable_lines": output.unreadable_lines,
                "events": check.events,
                "events_sent": check.events_sent,
                "events_rejected": check.events_rejected,
                "resent": check.resent,
                "twice": len(check.twice),
                "unknown_at_station": len(check.unknown_at_station),
                "lost": check.lost,
                "lost_verdicts_missing": len(check.verdicts_missing),
                "lost_verdicts_other_outcome": len(check.verdicts_other_outcome),
                "lost_events_of_verdicts": len(check.events_missing),
                "lost_sent_not_at_server": len(check.sent_not_at_server),
                "lost_not_drained": len(check.not_drained),
                "leftovers": len(leftovers),
                "leftover_rss_mb": round(leftover_mb, 1),
                "integrity_failures": len(crashes.integrity),
                "integrity_checks": crashes.integrity_checks,
                "own_exits": len(crashes.own_exits),
                "runs_with_traceback": crashes.tracebacks,
                "final_clean": final_clean,
                "drained": drained,
                "seconds": round(seconds, 1),
                "ok": ok,
                "machine": machine_info(),
            }
        )
    return 0 if ok else 1
