#!/usr/bin/env bash
# Sets up the project (first run only) and starts the demo: simulator + fresh database + scan screen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
exec .venv/bin/scanstation demo "$@"
