#!/usr/bin/env bash
# Starts the machine's PostgreSQL cluster when it is not answering on 127.0.0.1:5432.
set -euo pipefail
pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && exit 0
command -v pg_ctlcluster >/dev/null || { echo "PostgreSQL is not running on 127.0.0.1:5432" >&2; exit 1; }
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done
echo "PostgreSQL did not start" >&2
exit 1
