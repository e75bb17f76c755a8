"""The alert hook: a command and/or a webhook told about a failed backup or restore."""

import json
import logging
import os
import shlex
import socket
import subprocess  # nosec B404 # runs the operator's alert command, without a shell
import urllib.request

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("fitnesscrm.backup")


def send_alert(event: str, message: str) -> list[str]:
    """Run BACKUP_ALERT_COMMAND with the message as its last argument and POST the message
    as JSON to BACKUP_ALERT_URL. Returns what went wrong while alerting (logged too)."""
    problems = []
    command = settings.BACKUP_ALERT_COMMAND
    url = settings.BACKUP_ALERT_URL
    if not command and not url:
        logger.warning("No alert hook is configured (BACKUP_ALERT_COMMAND, BACKUP_ALERT_URL).")
    if command:
        try:
            subprocess.run(  # noqa: S603 - the operator's own command, no shell  # nosec B603
                [*shlex.split(command), message],
                check=True,
                timeout=60,
                capture_output=True,
                env={**os.environ, "FITNESSCRM_ALERT_EVENT": event},
            )
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            problems.append(f"the alert command failed: {exc}")
    if url and not url.startswith(("https://", "http://")):
        problems.append("the alert URL must start with https:// or http://")
        url = ""
    if url:
        body = json.dumps(
            {
                "event": event,
                "message": message,
                "host": socket.gethostname(),
                "at": timezone.now().isoformat(),
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - an http(s) URL set by the operator
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http(s) only, checked above  # nosec B310
                if not 200 <= response.status < 300:
                    problems.append(f"the alert URL answered {response.status}")
        except (OSError, ValueError) as exc:
            problems.append(f"the alert URL could not be reached: {exc}")
    for problem in problems:
        logger.error("Alert not delivered: %s", problem)
    return problems
