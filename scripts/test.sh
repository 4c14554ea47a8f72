#!/usr/bin/env bash
# The whole test suite on any Debian machine: the system packages and the PostgreSQL server it needs (installed
# when missing), the venv, then lint, format, types, layer contracts and pytest (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/packages.sh tests
bash scripts/postgres.sh
bash scripts/venv.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest "$@"
