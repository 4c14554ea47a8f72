#!/usr/bin/env bash
# Installs the Debian packages of scripts/debian-packages.txt that are missing, for `station` or `tests`.
# As root with apt-get; otherwise through sudo, saying what and why; exit 2 when neither is possible.
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:?usage: packages.sh station|tests}
list=scripts/debian-packages.txt

# The names a purpose needs: `station` lines always, `tests` lines for the tests too.
names() {
    awk -v want="$want" '!/^[[:space:]]*(#|$)/ { if ($2 == "station" || $2 == want) print $1 }' "$list"
}

if ! command -v dpkg-query >/dev/null; then
    echo "packages.sh: no dpkg here (not Debian or Ubuntu): install the packages of $list yourself" >&2
    exit 0
fi
missing=()
while read -r name; do
    status=$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$name")
done < <(names)
[ ${#missing[@]} -eq 0 ] && exit 0

why="the $want need them ($list)"
if [ "$(id -u)" = 0 ]; then
    run=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    run=(sudo)
    echo "packages.sh: installing with sudo: ${missing[*]}: $why" >&2
elif command -v sudo >/dev/null && [ -t 0 ]; then
    run=(sudo)
    echo "packages.sh: sudo will ask for your password to install: ${missing[*]}: $why" >&2
else
    echo "packages.sh: missing Debian packages: ${missing[*]}" >&2
    echo "packages.sh: $why; install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
fi
echo "packages.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A bare machine has no package lists yet: update them first when an install cannot find a package.
if ! "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    "${run[@]}" apt-get update -qq
    "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
