#!/usr/bin/env bash
# Sets up what the station needs (Debian packages, .venv; first run only) and starts the demo: simulator +
# fresh database + scan screen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/packages.sh station
bash scripts/venv.sh
exec .venv/bin/scanstation demo "$@"
