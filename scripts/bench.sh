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

clients=${BENCH_CLIENTS:-100000}
users=${BENCH_USERS:-32}
spawn_rate=${BENCH_SPAWN_RATE:-8}
run_time=${BENCH_RUN_TIME:-60s}
# shellcheck source=scripts/bench-common.sh
source scripts/bench-common.sh

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
vacuum_analyze clients_client clients_client_tags clients_assignment clients_timelineentry

bench_staff_login
# The range of client ids the scenario opens at random.
read -r FCRM_ID_MIN FCRM_ID_MAX < <("$bin/fitnesscrm" shell --verbosity 0 -c '
from django.db.models import Max, Min
from fitnesscrm.clients.models import Client

ids = Client.objects.filter(archived_at__isnull=True).aggregate(low=Min("pk"), high=Max("pk"))
print(ids["low"], ids["high"])
')
export FCRM_ID_MIN FCRM_ID_MAX

start_server

mkdir -p "$out"
stamp=$(date +%Y%m%d-%H%M%S)
echo "== Locust: $users users (spawn rate $spawn_rate/s) for $run_time"
status=0
"$bin/locust" -f loadtests/locustfile.py --headless -u "$users" -r "$spawn_rate" \
  --run-time "$run_time" --host "http://127.0.0.1:$port" --only-summary --reset-stats \
  --csv "$out/$stamp" --html "$out/$stamp.html" --loglevel WARNING || status=$?

stop_server

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
