#!/usr/bin/env bash
# The database tests' PostgreSQL on 127.0.0.1:5432 (user postgres, trust, database `test`): installed,
# initialised and started when none answers there. Needs root (it installs and starts a system service).
set -euo pipefail
if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    exit 0
fi
echo "postgres.sh: no PostgreSQL answers on 127.0.0.1:5432; installing and starting one for the tests" >&2
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
        echo "postgres.sh: installing and starting it needs root (apt-get, pg_ctlcluster): asking sudo" >&2
        exec sudo bash "$0"
    fi
    echo "postgres.sh: that needs root (apt-get, pg_ctlcluster); run as root or start a server yourself" >&2
    exit 2
fi
if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ ! -d "/etc/postgresql/$version/main" ]; then
    pg_createcluster "$version" main >/dev/null
fi
hba="/etc/postgresql/$version/main/pg_hba.conf"
# Trust on loopback only: a throwaway test server on a machine of its own.
if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
fi
conf="/etc/postgresql/$version/main/postgresql.conf"
grep -q "^listen_addresses = 'localhost'" "$conf" || echo "listen_addresses = 'localhost'" >>"$conf"
grep -q '^port = 5432' "$conf" || sed -i 's/^port = .*/port = 5432/' "$conf"
pg_ctlcluster --skip-systemctl-redirect "$version" main restart || pg_ctlcluster --skip-systemctl-redirect "$version" main start
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "postgres.sh: the server did not start" >&2; exit 1; }
if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != 1 ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
fi
echo "postgres.sh: PostgreSQL $version runs on 127.0.0.1:5432 with a database test" >&2
