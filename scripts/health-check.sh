#!/usr/bin/env bash
# FitnessCRM's health, as the operator (or cron, or a monitoring agent) sees it:
# the app's readiness through its URL, the database, Redis, free disk space, the task
# queue (backlog and oldest task), the age of the last verified backup and the TLS
# certificate's expiry. Human lines, or one JSON object with --json.
# Exit status: 0 all OK, 1 a warning, 2 a critical problem.
#
#   scripts/health-check.sh --url https://crm.example.com --tls-host crm.example.com
#   scripts/health-check.sh --json
#
# Every option: fitnesscrm health_check --help. Settings come from the environment,
# as for the app (the same .env or env file).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/fitnesscrm ]; then
  exec .venv/bin/fitnesscrm health_check "$@"
fi
exec fitnesscrm health_check "$@"
