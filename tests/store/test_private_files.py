"""The station's files (PIN hashes, customers' names) are owner-only whatever the umask it starts with."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from scanstation.store.connection import close_store, open_store
from scanstation.store.feedfile import feed_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("usual_umask")
def test_a_new_station_database_and_its_journals_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "data" / "scanstation" / "station.db"
    engine = open_store(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT count(*) FROM operators"))
        written = [db, feed_path(db), *(p for p in db.parent.iterdir() if p.name.endswith(("-wal", "-shm")))]
        assert any(p.name.endswith("-wal") for p in written), "the WAL exists while the store is open"
        assert {p.name: oct(_mode(p)) for p in written} == {p.name: "0o600" for p in written}
        assert oct(_mode(db.parent)) == "0o700" and oct(_mode(db.parent.parent)) == "0o700"
    finally:
        close_store(engine)


@pytest.mark.usefixtures("usual_umask")
def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    close_store(open_store(f"sqlite:///{db}"))
    for path in (db, feed_path(db)):
        os.chmod(path, 0o644)
    close_store(open_store(f"sqlite:///{db}"))
    assert oct(_mode(db)) == "0o600" and oct(_mode(feed_path(db))) == "0o600"


def test_every_file_a_station_command_writes_is_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = tmp_path / "station.toml"
    config.write_text('[station]\nid = "st-1"\n[logging]\nfile = true\n', encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.umask(0o022); from scanstation.cli import main; sys.exit(main())",
            "db",
            "upgrade",
            "--config",
            str(config),
        ],
        env={**os.environ, "SCANSTATION_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    made = [p for p in home.rglob("*")]
    assert any(p.suffix == ".db" for p in made)
    loose = {str(p.relative_to(home)): oct(_mode(p)) for p in made if _mode(p) & 0o077}
    assert loose == {}, "nothing the station wrote is readable by group or others"
