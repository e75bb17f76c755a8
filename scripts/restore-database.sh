#!/usr/bin/env bash
# Restore FitnessCRM from a backup set: runs `fitnesscrm restore` with this environment
# (docs/DISASTER_RECOVERY.md). Without arguments, the newest set (in BACKUP_DIR or the
# bucket); or --file PATH/TO/fitnesscrm-....tar, or --s3-key backups/fitnesscrm-....tar.
# Asks for confirmation unless --yes. Exits non-zero if anything failed; the current
# database and media are then as they were.
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

exec "$FITNESSCRM" restore "$@"
