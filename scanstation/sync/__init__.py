"""Sync with the central server: the contract client, pull, push and the background loop."""

from scanstation.sync.client import CentralClient, SyncError, redact
from scanstation.sync.contract import ContractError
from scanstation.sync.loop import DISABLED, OFFLINE, ONLINE, TOKEN_REJECTED, SyncLoop

__all__ = [
    "DISABLED",
    "OFFLINE",
    "ONLINE",
    "TOKEN_REJECTED",
    "CentralClient",
    "ContractError",
    "SyncError",
    "SyncLoop",
    "redact",
]
