#!/usr/bin/env bash
# `make bench`: the Locust scenario of loadtests/ against the app on 127.0.0.1, on
# PostgreSQL with 100,000 clients, with production settings (DEBUG off, gunicorn with two sync
# workers). Prints requests/s and p50/p95/p99 per endpoint; docs/PERFORMANCE.md
# explains the figures. Settings (environment):
#   DATABASE_URL   default postgres://postgres@127.0.0.1:5432/fitnesscrm_bench
#                  (created if missing; never point it at a real gym's database:
#                  100,000 made-up clients are added to it)
#   REDIS_URL      default redis://127.0.0.1:6379/14: the cache and session store, as in
#                  production (its database is emptied at the start of the run)
#   BENCH_CLIENTS  clients the database should hold (default 100000)
#   BENCH_USERS, BENCH_SPAWN_RATE, BENCH_RUN_TIME   Locust's -u, -r, --run-time (32, 8, 60s)
#   BENCH_WORKERS  gunicorn worker processes (default 2)
#   BENCH_OUT      where Locust's CSV and HTML reports go (default var/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fitnesscrm_bench}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
clients=${BENCH_CLIENTS:-100000}
users=${BENCH_USERS:-32}
spawn_rate=${BENCH_SPAWN_RATE:-8}
run_time=${BENCH_RUN_TIME:-60s}
workers=${BENCH_WORKERS:-2}
out=${BENCH_OUT:-var/bench}

case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "bench: DATABASE_URL must be a PostgreSQL URL (the benchmark is about PostgreSQL)."; exit 1 ;;
esac

# Production-like settings, from here only: a local .env must not change the figures.
export ENV_FILE=/nonexistent/.env
export DEBUG=false HTTPS=false ALLOWED_HOSTS=127.0.0.1
SECRET_KEY=$("$bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
# One log line per request would cost CPU that the two cores need for the app.
export LOG_LEVEL=${LOG_LEVEL:-WARNING}

"$bin/python" scripts/service-up.py redis "$REDIS_URL" \
  || { echo "bench: Redis does not answer at $REDIS_URL (production runs with Redis; so does the benchmark)."; exit 1; }

echo "== PostgreSQL database ${DATABASE_URL##*/}"
"$bin/python" - <<'PY'
import os

import dj_database_url
import psycopg
from psycopg import sql

cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
params = dict(
    host=cfg["HOST"] or None,
    port=cfg["PORT"] or None,
    user=cfg["USER"] or None,
    password=cfg["PASSWORD"] or None,
    connect_timeout=5,
)
try:
    conn = psycopg.connect(dbname="postgres", autocommit=True, **params)
except psycopg.Error as exc:
    raise SystemExit(f"bench: PostgreSQL does not answer: {exc}") from exc
with conn:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
        print(f"Created database {cfg['NAME']}.")
PY
"$bin/fitnesscrm" migrate --noinput --verbosity 0
"$bin/fitnesscrm" collectstatic --noinput --verbosity 0

have=$("$bin/fitnesscrm" shell --verbosity 0 -c \
  'from fitnesscrm.clients.models import Client; print(Client.objects.count())')
if [ "$have" -lt "$clients" ]; then
  echo "== Seeding $((clients - have)) clients (the database has $have)"
  trainers=$("$bin/fitnesscrm" shell --verbosity 0 -c \
    'from fitnesscrm.trainers.models import Trainer; print(Trainer.objects.filter(is_active=True).count())')
  if [ "$trainers" -eq 0 ]; then trainers=20; else trainers=0; fi
  "$bin/fitnesscrm" seed --clients $((clients - have)) --trainers "$trainers"
else
  echo "== The database already has $have clients"
fi
# What autovacuum does a little later on a live server: fresh statistics, and the
# visibility map that lets counts and far pages read the indexes alone.
"$bin/python" - <<'PY'
import os

import dj_database_url
import psycopg

cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
with psycopg.connect(
    host=cfg["HOST"] or None,
    port=cfg["PORT"] or None,
    user=cfg["USER"] or None,
    password=cfg["PASSWORD"] or None,
    dbname=cfg["NAME"],
    autocommit=True,
) as conn:
    for table in ("clients_client", "clients_client_tags", "clients_assignment", "clients_timelineentry"):
        conn.execute(f"VACUUM (ANALYZE) {table}")
PY

echo "== Bench user and API key (and an empty cache)"
"$bin/fitnesscrm" shell --verbosity 0 -c 'from django.core.cache import cache; cache.clear()'
FCRM_PASSWORD=$("$bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
export FCRM_EMAIL=bench@bench.fitnesscrm.test FCRM_PASSWORD
# A manager sees every client, as the front desk and owners do. One new key per run; the
# previous run's key is revoked. Prints "<key> <lowest client id> <highest client id>".
read -r FCRM_API_KEY FCRM_ID_MIN FCRM_ID_MAX < <("$bin/fitnesscrm" shell --verbosity 0 -c '
import os
from django.db.models import Max, Min
from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import User
from fitnesscrm.clients.models import Client
from fitnesscrm.core.roles import Role

user, _ = User.objects.get_or_create(
    email=os.environ["FCRM_EMAIL"], defaults={"full_name": "Bench Manager", "role": Role.MANAGER}
)
user.role, user.is_active = Role.MANAGER, True
user.set_password(os.environ["FCRM_PASSWORD"])
user.save()
for old in user.api_keys.filter(name="bench", revoked_at__isnull=True):
    services.api_key_revoke(key_id=old.pk, actor=user)
_key, raw = services.api_key_create(user=user, name="bench")
ids = Client.objects.filter(archived_at__isnull=True).aggregate(low=Min("pk"), high=Max("pk"))
print(raw, ids["low"], ids["high"])
')
[ -n "${FCRM_API_KEY:-}" ] || { echo "bench: could not create the bench user and API key."; exit 1; }
export FCRM_API_KEY FCRM_ID_MIN FCRM_ID_MAX

port=$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== Starting the app on 127.0.0.1:$port (gunicorn, $workers workers)"
"$bin/fitnesscrm" serve --host 127.0.0.1 --port "$port" --workers "$workers" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
"$bin/python" - "$port" <<'PY'
import sys
import time
import urllib.request

url = f"http://127.0.0.1:{sys.argv[1]}/health/live"
for _ in range(60):
    try:
        urllib.request.urlopen(url, timeout=2)
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit("bench: the app did not answer within 30 s.")
PY

mkdir -p "$out"
stamp=$(date +%Y%m%d-%H%M%S)
echo "== Locust: $users users (spawn rate $spawn_rate/s) for $run_time"
status=0
"$bin/locust" -f loadtests/locustfile.py --headless -u "$users" -r "$spawn_rate" \
  --run-time "$run_time" --host "http://127.0.0.1:$port" --only-summary --reset-stats \
  --csv "$out/$stamp" --html "$out/$stamp.html" --loglevel WARNING || status=$?

kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
trap - EXIT

"$bin/python" - "$out/${stamp}_stats.csv" <<'PY'
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print()
print(f"{'endpoint':<22}{'requests':>9}{'fails':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  (ms)")
by_name = {}
for row in rows:
    name = row["Name"] if row["Name"] != "Aggregated" else "all"
    by_name[name] = row
    print(
        f"{name:<22}{row['Request Count']:>9}{row['Failure Count']:>7}"
        f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
    )
print()
for prefix in ("page", "api"):
    for what in ("list p1", "list p500", "search", "detail"):
        row = by_name.get(f"{prefix}: {what}")
        if row:
            p95 = int(row["95%"])
            verdict = "ok" if p95 < 50 else f"MISSED by {p95 - 50} ms"
            print(f"target p95 < 50 ms   {prefix}: {what:<10} p95 {p95:>4} ms  {verdict}")
    first, deep = by_name.get(f"{prefix}: list p1"), by_name.get(f"{prefix}: list p500")
    if first and deep:
        a, b = int(first["95%"]), int(deep["95%"])
        verdict = "ok" if b <= a else f"MISSED: page 500 is {b - a} ms slower"
        print(f"target p500 <= p1    {prefix}: p95 {b} ms vs {a} ms  {verdict}")
PY
echo
echo "Reports: $out/${stamp}_stats.csv and $out/$stamp.html"
exit "$status"
