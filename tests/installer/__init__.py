"""Tests of the installer: the PyInstaller spec and the Linux install script (no build)."""
