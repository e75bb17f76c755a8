#!/usr/bin/env python3
"""The container's health check: exit 0 when the app answers 200 at the given URL, else 1.

Django refuses a Host that is not in ALLOWED_HOSTS, so the probe names the first allowed
host (".example.com" allows example.com; "*" allows any) instead of 127.0.0.1.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host(allowed_hosts: str) -> str:
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "localhost")
    if first == "*":
        return "localhost"
    return first.removeprefix(".")


def main(url: str) -> int:
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - our own URL
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - the image's own http URL  # nosec B310
            ok = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/health/live"))
