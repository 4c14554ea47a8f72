"""`scanstation bench [NAME]`: each benchmark lives in scanstation/bench/<name>.py; alone, all of them as one table."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Protocol, cast

from scanstation.bench.common import add_json_option

# name -> one-line help; the module scanstation.bench.<name> provides add_arguments(parser) and run(args).
BENCHMARKS: dict[str, str] = {
    "receive": "time scans through the receiving rules on a large database, against a plain-sqlite3 floor",
    "sync": "time pulling the feed and pushing the outbox against the simulator",
    "scanners": "time reads from serial and socket scanners to a verdict",
    "gui": "time a scan to the banner on the clerk's screen",
    "crash": "SIGKILL a headless station again and again while it scans and pulls; check nothing was lost",
    "supervisor": "time the supervisor's queue, counts and shift report at 1M registrations and 500k scans",
}


class _Benchmark(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from scanstation.bench import table

    table.add_arguments(parser)
    add_json_option(parser)
    sub = parser.add_subparsers(dest="bench_name", metavar="BENCHMARK", required=False)
    for name, help_text in BENCHMARKS.items():
        bench_parser = sub.add_parser(name, help=help_text, description=help_text)
        module = _module(name)
        if module is None:
            # Keep the name visible in --help; running it says what is missing.
            bench_parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        else:
            module.add_arguments(bench_parser)


def _module(name: str) -> _Benchmark | None:
    """The benchmark module, or None when it is not installed yet (cheap: benchmarks import heavy things in run)."""
    try:
        return cast(_Benchmark, importlib.import_module(f"scanstation.bench.{name}"))
    except ModuleNotFoundError as err:
        if err.name == f"scanstation.bench.{name}":
            return None
        raise


def run(args: argparse.Namespace) -> int:
    if args.bench_name is None:
        from scanstation.bench import table

        return table.run(args)
    module = _module(args.bench_name)
    if module is None:
        print(
            f"scanstation bench: the {args.bench_name!r} benchmark is not part of this build "
            f"(no module scanstation.bench.{args.bench_name})",
            file=sys.stderr,
        )
        return 1
    return int(module.run(args))
