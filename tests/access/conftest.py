"""Access fixtures: operators of each role on a fresh store, and the audit rows of a kind."""

from __future__ import annotations

import pytest

from scanstation.domain import Actor, AuditEntry, Role
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store
from scanstation.store.operators import add_operator

STATION = "dock-7"
PIN = "4821"
ADMIN = Actor("olga", Role.ADMIN, "Olga")
SUPERVISOR = Actor("sven", Role.SUPERVISOR, "Sven")
CLERK = Actor("anna", Role.CLERK, "Anna")


@pytest.fixture
def people(engine: Store) -> Store:
    """`engine` with an admin, a supervisor and a clerk (all with PIN), added straight through the store."""
    for actor in (ADMIN, SUPERVISOR, CLERK):
        add_operator(engine, actor.name, PIN, role=actor.role.value, display_name=actor.display_name)
    return engine


def rows(store: Store, *kinds: str) -> list[AuditEntry]:
    """The audit rows of these kinds (all when none), oldest first."""
    return list(reversed(read(store, AuditFilter(kinds=kinds))))
