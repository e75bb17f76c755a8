#!/usr/bin/env bash
# Back up FitnessCRM's database and uploaded media: runs `fitnesscrm backup` with this
# environment (docs/DISASTER_RECOVERY.md). For cron, e.g. daily at 02:30:
#   30 2 * * * /srv/fitnesscrm/scripts/backup-database.sh >>/var/log/fitnesscrm-backup.log 2>&1
# Exits non-zero on any failure (the command has then called BACKUP_ALERT_COMMAND/_URL).
#   FITNESSCRM  the fitnesscrm command (default: the project's .venv, else the one on PATH)
#   ENV_FILE    the settings file the app reads (default: .env in the project)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${FITNESSCRM:-}" ]]; then
    if [[ -x "$here/../.venv/bin/fitnesscrm" ]]; then
        FITNESSCRM="$here/../.venv/bin/fitnesscrm"
    else
        FITNESSCRM="fitnesscrm"
    fi
fi

exec "$FITNESSCRM" backup "$@"
