"""Test-wide set-up: no real home directory, Qt offscreen, test tiers; database fixtures live in tests/dbfixtures.py."""

from __future__ import annotations

import inspect
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports Qt or platformdirs: nothing a test does may touch the real home or need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SCANSTATION_HOME"] = tempfile.mkdtemp(prefix="scanstation-test-home-")
os.environ.pop("SCANSTATION_CONFIG", None)

pytest_plugins = ["tests.dbfixtures", "tests.diskfull"]


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """A command run in-process (`cli.main`) sets up logging to the stderr pytest captures for that test: put
    the root logger back afterwards, or a later test's threads write to that closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    # Only the station's own handlers are taken away: pytest adds and removes its capturing ones per phase.
    for handler in list(root.handlers):
        if handler not in handlers and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


# Test tiers (`pytest -m unit`, `-m integration`, `-m e2e`), given here so a new test gets its tier without asking.
# Read from the test's code, its fixtures' and the helpers of tests/ they call:
#   e2e          in tests/e2e/, or starts the station's code as a process (`sys.executable ...`);
#   integration  a real database, server, port, pseudo-terminal, filesystem, other process or Qt application,
#                through one of the fixtures below (or one built on them) or by one of the names below;
#   unit         everything else: pure code, in memory, in seconds.
E2E_FOLDER = Path(__file__).parent / "e2e"
E2E_NAMES = frozenset({"executable"})
INTEGRATION_NAMES = frozenset(
    {"DevServer", "open_store", "create_engine", "sqlite3", "socket", "openpty", "subprocess", "Popen", "fork"}
)
INTEGRATION_FIXTURES = frozenset(
    {
        "sqlite_url",  # a database file (sqlite_engine, engine and the gui's station are built on it)
        "db_url",  # a database on each backend (engine, registrar)
        "pg_db_url",  # a PostgreSQL schema
        "qapp",  # a Qt application (qtbot is built on it)
    }
)
TIERS = ("unit", "integration", "e2e")


def _ours(thing: object) -> bool:
    module = inspect.getmodule(thing)
    return module is not None and module.__name__.split(".")[0] == "tests"


def _names_used(start: list[object]) -> set[str]:
    """The global and attribute names these functions use, with those of the tests/ functions and classes they call."""
    names: set[str] = set()
    todo = list(start)
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if inspect.isclass(current):
            todo.extend(vars(current).values())
            continue
        code = getattr(current, "__code__", None)
        if code is None:
            continue
        found: set[str] = set()
        codes = [code]
        while codes:  # nested functions and lambdas are code objects among the constants
            one = codes.pop()
            found.update(one.co_names)
            codes.extend(c for c in one.co_consts if inspect.iscode(c))
        names |= found
        module_globals = getattr(current, "__globals__", {})
        for name in found & module_globals.keys():
            helper = module_globals[name]
            if (inspect.isfunction(helper) or inspect.isclass(helper)) and _ours(helper):
                todo.append(helper)
    return names


def _tier(item: pytest.Item) -> str:
    if item.path.is_relative_to(E2E_FOLDER):
        return "e2e"
    if not isinstance(item, pytest.Function):
        return "unit"
    fixtures = [d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs[-1:] if _ours(d.func)]
    names = _names_used([item.function, *fixtures])
    if names & E2E_NAMES:
        return "e2e"
    if names & INTEGRATION_NAMES or INTEGRATION_FIXTURES & set(item.fixturenames):
        return "integration"
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test gets exactly one tier mark, unless it chose one itself."""
    for item in items:
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(getattr(pytest.mark, _tier(item)))
