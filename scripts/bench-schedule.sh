#!/usr/bin/env bash
# `make bench-schedule`: the schedule's load tests (loadtests/schedule.py) against the app on
# 127.0.0.1, on PostgreSQL, with production settings (DEBUG off, gunicorn, Redis):
#   1. a class opens: 200 clients, each signed in, book the same 20-seat class at the same
#      moment; afterwards exactly 20 must be booked and 180 waitlisted (checked here);
#   2. trainers' week views with 1,000,000 sessions in the database.
# Prints bookings per second and p50/p95/p99 per request; docs/PERFORMANCE.md explains the
# figures. Settings (environment), besides those of scripts/bench-common.sh:
#   BENCH_SESSIONS        sessions the database should hold (default 1000000)
#   BENCH_CLASS_CLIENTS   clients after the class (default 200); BENCH_SEATS (default 20)
#   BENCH_USERS, BENCH_SPAWN_RATE, BENCH_RUN_TIME   the week view's -u, -r, --run-time (32, 8, 60s)
set -euo pipefail
cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-1000000}
class_clients=${BENCH_CLASS_CLIENTS:-200}
seats=${BENCH_SEATS:-20}
users=${BENCH_USERS:-32}
spawn_rate=${BENCH_SPAWN_RATE:-8}
run_time=${BENCH_RUN_TIME:-60s}
# shellcheck source=scripts/bench-common.sh
source scripts/bench-common.sh

have=$("$bin/fitnesscrm" shell --verbosity 0 -c \
  'from fitnesscrm.scheduling.models import Session; print(Session.objects.count())')
if [ "$have" -lt "$sessions" ]; then
  trainers=$("$bin/fitnesscrm" shell --verbosity 0 -c \
    'from fitnesscrm.trainers.models import Trainer; print(Trainer.objects.filter(is_active=True).count())')
  if [ "$trainers" -eq 0 ]; then
    "$bin/fitnesscrm" seed --clients "$class_clients" --trainers 20
  fi
  echo "== Seeding $((sessions - have)) sessions (the database has $have)"
  "$bin/fitnesscrm" seed_sessions --sessions $((sessions - have))
else
  echo "== The database already has $have sessions"
fi
vacuum_analyze scheduling_session scheduling_booking

bench_staff_login

echo "== $class_clients client logins and a $seats-seat class"
FCRM_CLIENT_PASSWORD=$("$bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
export FCRM_CLIENT_PASSWORD FCRM_CLIENT_EMAIL='bench-client-{n}@bench.fitnesscrm.test'
# Prints "<session id> <trainer ids of the five busiest calendars>".
read -r FCRM_SESSION_ID FCRM_TRAINERS < <(BENCH_CLASS_CLIENTS=$class_clients BENCH_SEATS=$seats \
  "$bin/fitnesscrm" shell --verbosity 0 -c '
import os
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.clients.models import Client, Status
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling.models import ClassType, Kind, Session
from fitnesscrm.trainers.models import Trainer

pattern = os.environ["FCRM_CLIENT_EMAIL"]
count = int(os.environ["BENCH_CLASS_CLIENTS"])
probe = User(email="probe@bench.fitnesscrm.test")
probe.set_password(os.environ["FCRM_CLIENT_PASSWORD"])  # hashed once, shared by all
for n in range(1, count + 1):
    email = pattern.format(n=n)
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={"full_name": f"Bench Client {n}", "role": Role.CLIENT, "is_active": True,
                  "password": probe.password},
    )
    Client.objects.update_or_create(
        user=user,
        defaults={"first_name": "Bench", "last_name": f"Client {n}", "email": email,
                  "status": Status.ACTIVE, "archived_at": None},
    )
coach = Trainer.objects.filter(is_active=True).order_by("pk").first()
spin, _ = ClassType.objects.get_or_create(name="Bench spin", defaults={"capacity": 20})
# A class an hour ahead of anything the coach has: free by construction.
latest = Session.objects.filter(trainer=coach).order_by("-ends_at").first()
starts = max(timezone.now() + timedelta(days=1), latest.ends_at if latest else timezone.now())
starts = starts.replace(microsecond=0) + timedelta(hours=1)
session = Session.objects.create(
    kind=Kind.CLASS, class_type=spin, title="Bench spin", trainer=coach,
    starts_at=starts, ends_at=starts + timedelta(minutes=45),
    capacity=int(os.environ["BENCH_SEATS"]),
)
busiest = (
    Session.objects.values("trainer").annotate(n=Count("id")).order_by("-n")[:5]
)
print(session.pk, ",".join(str(row["trainer"]) for row in busiest))
')
export FCRM_SESSION_ID FCRM_TRAINERS

start_server
mkdir -p "$out"
stamp=$(date +%Y%m%d-%H%M%S)
status=0

echo "== Locust: a class opens ($class_clients clients sign in, then book $seats seats at once)"
# Long enough for every client to sign in first (Argon2 costs each login ~50 ms of CPU).
FCRM_OPENS_AT=$("$bin/python" -c "import time; print(time.time() + 20 + $class_clients / 20)")
export FCRM_OPENS_AT
"$bin/locust" -f loadtests/schedule.py ClassOpens --headless -u "$class_clients" \
  -r "$class_clients" --run-time "$((30 + class_clients / 20))s" --stop-timeout 10 \
  --host "http://127.0.0.1:$port" --only-summary --csv "$out/$stamp-class-opens" \
  --loglevel WARNING || status=$?

echo "== What the class holds afterwards"
BENCH_CLASS_CLIENTS=$class_clients BENCH_SEATS=$seats "$bin/fitnesscrm" shell --verbosity 0 -c '
import os
import sys

from fitnesscrm.scheduling.models import Booking, Session

session = Session.objects.get(pk=int(os.environ["FCRM_SESSION_ID"]))
booked = Booking.objects.filter(session=session, status="booked").count()
waiting = Booking.objects.filter(session=session, status="waitlisted").count()
seats = int(os.environ["BENCH_SEATS"])
expected_waiting = int(os.environ["BENCH_CLASS_CLIENTS"]) - seats
print(f"booked {booked}, waitlisted {waiting}; counts on the session: "
      f"{session.booked_count} and {session.waitlist_count}")
if (booked, waiting, session.booked_count, session.waitlist_count) != (
    seats, expected_waiting, seats, expected_waiting
):
    sys.exit(f"MISSED: expected {seats} booked and {expected_waiting} waitlisted")
print("ok: exactly the seats were given, everyone else is on the waitlist")
' || status=$?

echo "== Locust: week views, $users users (spawn rate $spawn_rate/s) for $run_time"
"$bin/locust" -f loadtests/schedule.py WeekView --headless -u "$users" -r "$spawn_rate" \
  --run-time "$run_time" --host "http://127.0.0.1:$port" --only-summary --reset-stats \
  --csv "$out/$stamp-week" --loglevel WARNING || status=$?

stop_server

"$bin/python" - "$out/$stamp-class-opens_stats.csv" "$out/$stamp-week_stats.csv" <<'PY'
import csv
import sys

print()
print(f"{'request':<26}{'requests':>9}{'fails':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  (ms)")
by_name = {}
for path in sys.argv[1:]:
    for row in csv.DictReader(open(path, encoding="utf-8")):
        if row["Name"] == "Aggregated":
            continue
        by_name[row["Name"]] = row
        print(
            f"{row['Name']:<26}{row['Request Count']:>9}{row['Failure Count']:>7}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
        )
print()
for name in ("week: calendar events", "week: calendar page", "week: API sessions"):
    row = by_name.get(name)
    if row:
        p95 = int(row["95%"])
        verdict = "ok" if p95 < 50 else f"MISSED by {p95 - 50} ms"
        print(f"target p95 < 50 ms   {name:<22} p95 {p95:>4} ms  {verdict}")
PY
echo
echo "Reports: $out/$stamp-class-opens_stats.csv and $out/$stamp-week_stats.csv"
exit "$status"
