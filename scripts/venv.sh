#!/usr/bin/env bash
# Creates .venv (Python >= 3.11) and installs the project with its test extras, once per pyproject change.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    PY=${PYTHON:-}
    if [ -z "$PY" ]; then
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
                PY=$candidate; break
            fi
        done
    fi
    [ -n "$PY" ] || { echo "scanstation needs Python 3.11 or newer" >&2; exit 1; }
    "$PY" -m venv .venv
fi
stamp=.venv/.scanstation-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    echo "$want" > "$stamp"
fi
