#!/usr/bin/env bash
# The whole suite: lint, then pytest on SQLite, then again on PostgreSQL (with
# Redis as the cache) when they answer. REQUIRE_POSTGRES=1 makes a skipped
# PostgreSQL run a failure (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

echo "== ruff: lint and format check"
"$bin/ruff" check .
"$bin/ruff" format --check .

echo "== bandit: security lint (each '# nosec B<id>' on a line gives its reason)"
"$bin/bandit" -c pyproject.toml -r . --quiet

echo "== Django checks and migrations up to date"
DEBUG=true "$bin/python" manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Models changed without a migration: run 'fitnesscrm makemigrations'."; exit 1; }

echo "== pytest on SQLite"
env -u DATABASE_URL -u REDIS_URL "$bin/pytest" "$@"

pg_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fitnesscrm}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/15}
if "$bin/python" scripts/service-up.py postgres "$pg_url"; then
  if "$bin/python" scripts/service-up.py redis "$redis_url"; then
    echo "== pytest on PostgreSQL ($pg_url) with Redis ($redis_url)"
    DATABASE_URL=$pg_url REDIS_URL=$redis_url "$bin/pytest" "$@"
  else
    echo "== pytest on PostgreSQL ($pg_url); Redis is not reachable, so the cache stays local"
    DATABASE_URL=$pg_url "$bin/pytest" "$@"
  fi
else
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "FAILED: PostgreSQL is required (REQUIRE_POSTGRES=1) but does not answer at $pg_url"
    exit 1
  fi
  echo "== SKIPPED the PostgreSQL run: nothing answers at $pg_url (set DATABASE_URL to use another)."
fi
