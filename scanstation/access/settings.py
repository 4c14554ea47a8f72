"""Saving the station's settings: for admins only, and every change audited (a secret only as "token changed")."""

from __future__ import annotations

from typing import Protocol

from scanstation.access.refusals import check
from scanstation.config import Config
from scanstation.domain import Act, Actor, AuditKind, SettingChange
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction

__all__ = ["Saveable", "save_settings"]


class Saveable(Protocol):
    """What save_settings needs of an edit of the config file (config.write.SettingsEdit is one)."""

    def save(self) -> Config: ...

    def changes(self) -> tuple[SettingChange, ...]: ...


def save_settings(store: Store, actor: Actor, edit: Saveable, *, station: str) -> Config:
    """Save `edit` and audit one row per change; NotAllowedError (audited) unless `actor` may change settings."""
    check(store, actor, Act.CHANGE_SETTINGS, station=station)
    changes = edit.changes()  # before saving: what the file said before is what the changes compare with
    config = edit.save()
    with write_transaction(store) as conn:
        for change in changes:
            audit.append(
                conn,
                station=station,
                actor=actor,
                kind=AuditKind.SETTINGS_CHANGED,
                target=change.key,
                before=None if change.secret else change.before,
                after=None if change.secret else change.after,
                detail="token changed" if change.secret else ("needs a restart" if change.needs_restart else ""),
            )
    return config
