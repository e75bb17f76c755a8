# Shared by the benchmarks (scripts/bench.sh, scripts/bench-schedule.sh); sourced, not run.
# Sets up what both need: production-like settings, Redis, the PostgreSQL database
# (created if missing, migrated, static files collected), and functions to create the
# bench staff login and to start and stop the app. Settings (environment):
#   DATABASE_URL   default postgres://postgres@127.0.0.1:5432/fitnesscrm_bench
#                  (never point it at a real gym's database: made-up data is added to it)
#   REDIS_URL      default redis://127.0.0.1:6379/14: the cache and session store, as in
#                  production (its database is emptied by bench_staff_login)
#   BENCH_WORKERS  gunicorn worker processes (default 2)
#   BENCH_OUT      where Locust's CSV and HTML reports go (default var/bench)
bin=.venv/bin

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fitnesscrm_bench}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
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
# Simulated users come from one address and a handful of accounts: the app's own rate
# limits (docs/SECURITY_HARDENING.md) would answer 429 to most of them and measure nothing.
export RATE_LIMITS_ENABLED=false
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


# vacuum_analyze TABLE...: what autovacuum does a little later on a live server: fresh
# statistics, and the visibility map that lets counts read the indexes alone.
vacuum_analyze() {
  "$bin/python" - "$@" <<'PY'
import os
import sys

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
    for table in sys.argv[1:]:
        conn.execute(f"VACUUM (ANALYZE) {table}")
PY
}

# bench_staff_login: empties the cache, then exports FCRM_EMAIL, FCRM_PASSWORD and
# FCRM_API_KEY of a manager (who sees every client, as the front desk and owners do).
# One new key per run; the previous run's key is revoked.
bench_staff_login() {
  echo "== Bench user and API key (and an empty cache)"
  "$bin/fitnesscrm" shell --verbosity 0 -c 'from django.core.cache import cache; cache.clear()'
  FCRM_PASSWORD=$("$bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
  export FCRM_EMAIL=bench@bench.fitnesscrm.test FCRM_PASSWORD
  FCRM_API_KEY=$("$bin/fitnesscrm" shell --verbosity 0 -c '
import os
from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import User
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
print(raw)
')
  [ -n "${FCRM_API_KEY:-}" ] || { echo "bench: could not create the bench user and API key."; exit 1; }
  export FCRM_API_KEY
}

# start_server: the app under gunicorn on a free loopback port; sets $port and $server.
start_server() {
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
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  trap - EXIT
}
