"""`fitnesscrm serve` starts the real web server with production settings and stops cleanly."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from fitnesscrm.ops.management.commands.serve import gunicorn_options
from tests.collecting import image_like_pythonpath

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, *, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def production_env(tmp_path) -> dict:
    """DEBUG off, its own SQLite database under tmp_path, no .env and no test settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        ENV_FILE=str(tmp_path / "absent.env"),
        DEBUG="false",
        HTTPS="false",
        SECRET_KEY="serve-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATA_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_LEVEL="INFO",
    )
    return env


def fitnesscrm(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "fitnesscrm.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


@pytest.fixture
def server(tmp_path):
    """`fitnesscrm serve` on a free port, over a migrated database with one owner.

    Static files are collected first, as the image does at build time: pages name
    the hashed files from the manifest, so a server without it cannot render them.
    """
    env = production_env(tmp_path)
    collected = fitnesscrm(
        "collectstatic",
        "--noinput",
        env={**env, "PYTHONPATH": image_like_pythonpath(tmp_path)},
    )
    assert collected.returncode == 0, collected.stderr
    assert fitnesscrm("migrate", "--noinput", env=env).returncode == 0
    created = fitnesscrm(
        "createadmin",
        "--email",
        "owner@serve.test",
        "--password-stdin",
        env=env,
        input="serve-test-password-1\n",
    )
    assert created.returncode == 0, created.stderr
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "fitnesscrm.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health/live")
        yield port, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_server_signs_in_with_production_settings_and_stops_on_sigterm(server):
    port, process = server
    base = f"http://127.0.0.1:{port}"
    assert wait_for(f"{base}/health/ready") == 200

    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(f"{base}/account/login/", timeout=5) as response:
        form = response.read().decode()
        assert response.headers["X-Frame-Options"] == "DENY"
        assert not any(c.isdigit() for c in response.headers.get("Server", ""))  # no version
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "owner@serve.test",
            "password": "serve-test-password-1",
        }
    ).encode()
    signed_in = urllib.request.Request(
        f"{base}/account/login/", data=data, headers={"Referer": f"{base}/account/login/"}
    )
    with browser.open(signed_in, timeout=10) as response:
        home = response.read().decode()
    assert response.url == f"{base}/owner/"
    assert "Sign out" in home
    # A Host outside ALLOWED_HOSTS is refused by Django, not served.
    wrong_host = urllib.request.Request(f"{base}/health/live", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong_host, timeout=5)
    assert refused.value.code == 400

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    assert output.count("Booting worker") == 2  # gunicorn's own log
    assert '"POST /account/login/ HTTP/1.1" 302' in output  # an access log line at INFO
    assert output.rstrip().endswith("Stopped.")


def test_gunicorn_never_decides_https_from_headers_on_its_own():
    options = gunicorn_options(host="127.0.0.1", port=8000, workers=3)

    assert options["secure_scheme_headers"] == {}
    assert options["workers"] == 3
    assert options["bind"] == "127.0.0.1:8000"
    assert gunicorn_options(host="::1", port=8000, workers=1)["bind"] == "[::1]:8000"


def test_serve_refuses_zero_workers(tmp_path):
    result = fitnesscrm("serve", "--workers", "0", env=production_env(tmp_path))

    assert result.returncode != 0
    assert "--workers must be at least 1" in result.stderr


def test_serve_refuses_to_start_before_static_files_are_collected(tmp_path):
    result = fitnesscrm("serve", env=production_env(tmp_path))

    assert result.returncode != 0
    assert "Static files have not been collected" in result.stderr
    assert "fitnesscrm collectstatic --noinput" in result.stderr
