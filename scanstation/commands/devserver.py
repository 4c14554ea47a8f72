"""`scanstation devserver`: run the simulator of the central server until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    parser.add_argument("--token", default="dev-token", help="the bearer token stations must send (default: dev-token)")
    parser.add_argument(
        "--parcels", type=int, default=0, metavar="N", help="registrations to generate into a new database (default: 0)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated registrations (default: 1)")
    parser.add_argument(
        "--db", metavar="PATH", help="the simulator's SQLite file (default: devserver.sqlite3 in the data directory)"
    )
    parser.add_argument("--fresh", action="store_true", help="delete the database first and start over")


def run(args: argparse.Namespace) -> int:
    import signal
    import sqlite3
    import threading
    import time
    from pathlib import Path

    from scanstation import paths
    from scanstation.devserver import DevServer

    if args.parcels < 0:
        print("scanstation devserver: --parcels must be 0 or more", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print("scanstation devserver: --port must be from 0 to 65535", file=sys.stderr)
        return 2
    db_path = Path(args.db) if args.db else paths.data_dir() / "devserver.sqlite3"
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    server = DevServer(db_path, token=args.token, host=args.host, port=args.port, parcels=args.parcels, seed=args.seed)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    class GenerationStoppedError(Exception):
        """A signal arrived while registrations were being generated."""

    def progress(done: int, total: int) -> None:
        if stop.is_set():
            raise GenerationStoppedError  # rolls the generation back: the next start generates afresh
        print(f"\rgenerating registrations: {done}/{total}", end="", file=sys.stderr, flush=True)

    started = time.monotonic()
    try:
        server.store  # noqa: B018 - opens (or creates) the database first: its problems are not the port's
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        print(f"scanstation devserver: cannot use the database {db_path}: {exc}", file=sys.stderr)
        return 1
    try:
        server.start(on_progress=progress)
    except OSError as exc:
        server.stop()
        where = f"{args.host}:{args.port}"
        print(f"\nscanstation devserver: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except GenerationStoppedError:
        server.stop()
        print("\nscanstation devserver: stopped while generating; nothing was kept", file=sys.stderr)
        return 130
    try:
        live, deleted = server.store.registration_count()
        if server.generated:
            print(
                f"\ngenerated {server.generated} registrations in {time.monotonic() - started:.1f} s", file=sys.stderr
            )
        elif args.parcels and live + deleted:
            print(
                f"database {db_path} already has {live} registrations: --parcels ignored (use --fresh to start over)",
                file=sys.stderr,
            )
        print(f"url:   {server.url}")
        print(f"token: {server.token}")
        print(f"admin: {server.admin_url} (loopback only)")
        print(f"db:    {db_path} ({live} registrations, {deleted} deleted)")
        print("Ctrl+C stops the server.", flush=True)
        stop.wait()
    finally:
        server.stop()
    print("devserver stopped", file=sys.stderr)
    return 0
