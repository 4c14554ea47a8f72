"""Database fixtures for every test folder: migrated Stores on a fresh SQLite file or PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.registrations import RegistrationRecord, upsert_registrations

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_DATABASE = "test"
PG_USER = "postgres"
PG_ADMIN_DSN = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={PG_DATABASE} connect_timeout=3"
BACKENDS = ("sqlite", "postgres")

_pg_problem: list[str | None] = []  # empty: not probed yet; [None]: reachable; [why]: not reachable


def _probe_postgres() -> str | None:
    if not _pg_problem:
        import psycopg

        try:
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                conn.execute("SELECT 1")
            _pg_problem.append(None)
        except psycopg.Error as err:
            reason = str(err).strip() or type(err).__name__
            _pg_problem.append(f"no PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE} ({reason})")
    return _pg_problem[0]


def require_postgres() -> None:
    """Skip the test when no server is reachable; in CI (where one must exist) fail instead."""
    problem = _probe_postgres()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{problem}; CI is set, so PostgreSQL tests must run, not skip", pytrace=False)
    pytest.skip(problem)


def pg_url(schema: str) -> str:
    """A URL (usable in a config file too) whose connections see only `schema`."""
    options = quote(f"-csearch_path={schema}")
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}?options={options}"


def _pg_schema() -> Iterator[str]:
    import psycopg

    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            # A connection a test leaked would hold locks: fail loudly rather than hang the suite.
            admin.execute("SET lock_timeout = '15s'")
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _pg_fresh_url() -> Iterator[str]:
    for schema in _pg_schema():
        yield pg_url(schema)


def _url_for(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'station.db'}"
    else:
        yield from _pg_fresh_url()


def _migrated(url: str) -> Iterator[Store]:
    from scanstation.store.connection import close_store, open_store

    engine = open_store(url)
    try:
        yield engine
    finally:
        close_store(engine)


_PG_ONLY_FIXTURES = frozenset({"pg_db_url", "pg_engine"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use a PostgreSQL-only fixture carry the `postgres` mark without having to say so."""
    for item in items:
        if _PG_ONLY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


def _backend_param(backend: str) -> object:
    return pytest.param(backend, id=backend, marks=[pytest.mark.postgres] if backend == "postgres" else [])


@pytest.fixture(params=[_backend_param(b) for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgres": tests using it (or `engine`/`db_url`) run once per backend."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (no tables yet) on each backend: a fresh file or a fresh schema."""
    yield from _url_for(backend, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Store]:
    """A migrated Store on each backend, fresh per test."""
    yield from _migrated(db_url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite file (not created yet)."""
    return f"sqlite:///{tmp_path / 'sqlite-station.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Store]:
    """A migrated Store on a fresh SQLite file."""
    yield from _migrated(sqlite_url)


@pytest.fixture
def pg_db_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL schema (skips, or fails under CI, when no server)."""
    yield from _pg_fresh_url()


@pytest.fixture
def pg_engine(pg_db_url: str) -> Iterator[Store]:
    """A migrated Store on a fresh PostgreSQL schema."""
    yield from _migrated(pg_db_url)


def registrar(engine: Store) -> Callable[..., RegistrationRecord]:
    """Registers parcels exactly as the sync puller would (store.registrations), with a customer's defaults."""
    counter = iter(range(1, 1_000_000))

    def _register(tracking: str, **fields: Any) -> RegistrationRecord:
        values: dict[str, Any] = {
            "id": f"p_{next(counter)}",
            "updated_at": datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC),
            "tracking_typed": tracking,
            "order_number": "113-4567890-1234567",
            "store": "amazon.com",
            "customer_id": "c_77",
            "customer_suite": "UN-1234",
            "customer_name": "Иван Петров",
        }
        values.update(fields)
        record = RegistrationRecord(**values)
        with write_transaction(engine.feed) as conn:
            upsert_registrations(conn, [record])
        return record

    return _register
