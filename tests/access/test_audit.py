"""The audit trail: append-only on both backends, read with filters, exported as CSV, settings changes recorded."""

from __future__ import annotations

import csv
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

from scanstation.access.audit import CSV_COLUMNS, export_audit, read_audit
from scanstation.access.settings import save_settings
from scanstation.config import Config
from scanstation.config.load import parse_config
from scanstation.domain import Actor, AuditKind, Json, Role, SettingChange
from scanstation.store import audit
from scanstation.store.audit import AuditFilter, kinds_present
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import AuditLog

from .conftest import ADMIN, CLERK, STATION, SUPERVISOR, rows

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _append(
    store: Store,
    actor: Actor,
    kind: AuditKind,
    target: str = "",
    at: datetime = T0,
    *,
    before: Json = None,
    after: Json = None,
    detail: str = "",
) -> None:
    with write_transaction(store) as conn:
        audit.append(
            conn,
            station=STATION,
            actor=actor,
            kind=kind,
            target=target,
            at=at,
            before=before,
            after=after,
            detail=detail,
        )


@pytest.mark.parametrize(
    "change",
    [update(AuditLog).values(detail="nothing happened"), delete(AuditLog)],
    ids=["update", "delete"],
)
def test_the_trail_refuses_update_and_delete(engine: Store, change: Executable) -> None:
    _append(engine, ADMIN, AuditKind.OPERATOR_ADDED, "zed", detail="added")
    with pytest.raises(DBAPIError, match="append-only"), write_transaction(engine) as conn:
        conn.execute(change)
    [row] = rows(engine)
    assert row.detail == "added"


def test_postgres_refuses_truncate_too(pg_engine: Store) -> None:
    _append(pg_engine, ADMIN, AuditKind.LOGIN)
    with pytest.raises(DBAPIError, match="append-only"), write_transaction(pg_engine) as conn:
        conn.execute(text("TRUNCATE audit_log"))
    assert len(rows(pg_engine)) == 1


def test_filters_by_operator_kind_time_and_newest_first(engine: Store) -> None:
    _append(engine, ADMIN, AuditKind.OPERATOR_CHANGED, "anna", at=T0)
    _append(engine, SUPERVISOR, AuditKind.SCAN_UNDONE, "scan-1", at=T0 + timedelta(hours=1))
    _append(engine, CLERK, AuditKind.LOGIN, "anna", at=T0 + timedelta(hours=2))
    assert [e.kind for e in audit.read(engine, AuditFilter())] == ["login", "scan.undone", "operator.changed"]
    assert [e.actor for e in audit.read(engine, AuditFilter(operator="anna"))] == ["anna", "olga"]
    assert [e.actor for e in audit.read(engine, AuditFilter(kinds=("scan.undone",)))] == ["sven"]
    window = AuditFilter(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=2))
    assert [e.actor for e in audit.read(engine, window)] == ["sven"]
    assert [e.actor for e in audit.read(engine, AuditFilter(limit=1))] == ["anna"]
    assert kinds_present(engine) == ["login", "operator.changed", "scan.undone"]


def test_a_piece_of_the_target_in_any_case_and_like_wildcards_taken_as_text(engine: Store) -> None:
    _append(engine, ADMIN, AuditKind.OPERATOR_CHANGED, "Anna.K", at=T0)
    _append(engine, ADMIN, AuditKind.OPERATOR_CHANGED, "boris", at=T0)
    _append(engine, ADMIN, AuditKind.SETTINGS_CHANGED, "server.page_limit", at=T0)
    _append(engine, ADMIN, AuditKind.EXPORTED, "/tmp/100%_done.csv", at=T0)
    assert [e.target for e in audit.read(engine, AuditFilter(target_contains="anna"))] == ["Anna.K"]
    assert [e.target for e in audit.read(engine, AuditFilter(target_contains="E_L"))] == ["server.page_limit"]
    assert [e.target for e in audit.read(engine, AuditFilter(target_contains="%_"))] == ["/tmp/100%_done.csv"]
    assert audit.read(engine, AuditFilter(target_contains="r_s")) == []  # "_" is no wildcard: boris stays out
    assert len(audit.read(engine, AuditFilter(target_contains=""))) == 4


def test_a_supervisor_reads_and_exports_and_the_export_is_audited(engine: Store, tmp_path: Path) -> None:
    _append(engine, ADMIN, AuditKind.OPERATOR_CHANGED, "=HYPERLINK(1)", before={"role": "clerk"}, after={"role": "x"})
    assert len(read_audit(engine, SUPERVISOR, AuditFilter())) == 1
    out = tmp_path / "trail.csv"
    assert export_audit(engine, SUPERVISOR, AuditFilter(), out, station=STATION) == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == CSV_COLUMNS
    assert table[1][6] == "'=HYPERLINK(1)", "a formula from outside is written as text"
    assert table[1][7:9] == ['{"role": "clerk"}', '{"role": "x"}']
    exported = rows(engine, AuditKind.EXPORTED)[-1]
    assert (exported.actor, exported.target, exported.after) == ("sven", str(out), {"rows": 1})


class _Edit:
    def __init__(self, changes: tuple[SettingChange, ...]) -> None:
        self._changes = changes
        self.saved = False

    def save(self) -> Config:
        self.saved = True
        return parse_config({"station": {"id": STATION}})

    def changes(self) -> tuple[SettingChange, ...]:
        return self._changes


def test_saved_settings_are_audited_one_row_each_and_a_secret_only_as_changed(engine: Store) -> None:
    edit = _Edit(
        (
            SettingChange("server.url", "http://a", "http://b"),
            SettingChange("server.token", None, None, secret=True),
            SettingChange("database.url", "sqlite:///a", "sqlite:///b", needs_restart=True),
        )
    )
    save_settings(engine, ADMIN, edit, station=STATION)
    assert edit.saved
    trail = [(r.target, r.before, r.after, r.detail) for r in rows(engine, AuditKind.SETTINGS_CHANGED)]
    assert trail == [
        ("server.url", "http://a", "http://b", ""),
        ("server.token", None, None, "token changed"),
        ("database.url", "sqlite:///a", "sqlite:///b", "needs a restart"),
    ]


def test_a_failed_save_audits_nothing(engine: Store) -> None:
    class _Broken(_Edit):
        def save(self) -> Config:
            raise ValueError("the file says no")

    with pytest.raises(ValueError, match="says no"):
        save_settings(engine, Actor("olga", Role.ADMIN), _Broken((SettingChange("a.b", 1, 2),)), station=STATION)
    assert rows(engine) == []
