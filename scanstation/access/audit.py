"""The audit trail for those who may read it: filtered reading, and a CSV export that is itself audited."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor, AuditEntry, AuditKind, rfc3339
from scanstation.private import write_private_atomically
from scanstation.store import audit
from scanstation.store.audit import AuditFilter
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction

__all__ = ["CSV_COLUMNS", "AuditFilter", "export_audit", "read_audit"]

CSV_COLUMNS = ("id", "at", "station", "actor", "role", "kind", "target", "before", "after", "detail")


def read_audit(store: Store, actor: Actor, flt: AuditFilter, *, station: str = "") -> list[AuditEntry]:
    """The rows `flt` selects, newest first; supervisors and admins only (a refusal is audited)."""
    check(store, actor, Act.VIEW_AUDIT, station=station)
    return audit.read(store, flt)


def _cell(value: object) -> str:
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # A spreadsheet runs a cell that starts with = + - @ as a formula: the trail holds text from outside.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_audit(store: Store, actor: Actor, flt: AuditFilter, path: Path, *, station: str) -> int:
    """Write the selected rows to `path` as CSV (atomically, owner-only); the export is audited; the row count."""
    check(store, actor, Act.EXPORT_AUDIT, station=station)
    entries = audit.read(store, flt)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                str(e.id),
                rfc3339(e.at),
                *(_cell(v) for v in (e.station, e.actor, e.role, e.kind, e.target, e.before, e.after, e.detail)),
            ]
        )
    write_private_atomically(path, out.getvalue().encode("utf-8"))
    with write_transaction(store) as conn:
        audit.append(
            conn,
            station=station,
            actor=actor,
            kind=AuditKind.EXPORTED,
            target=str(path),
            after={"rows": len(entries)},
            detail=f"audit trail: {len(entries)} rows to {path}",
        )
    return len(entries)
