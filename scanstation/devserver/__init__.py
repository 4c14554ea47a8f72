"""Simulator of the central server: the contract of central-api.md on loopback, for tests and the demo."""

from scanstation.devserver.server import DevServer

__all__ = ["DevServer"]
