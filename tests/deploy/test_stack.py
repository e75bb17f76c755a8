"""The production stack on loopback: nginx with deploy/nginx/nginx.conf, `fitnesscrm serve`
under production settings, and the worker, checked from outside through nginx.

Containers cannot run here, so this starts the processes the containers run. The tests
share one stack and run in file order: the rate-limit bursts and the shutdown come last.
"""

import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.collecting import image_like_pythonpath

PROJECT_DIR = Path(__file__).resolve().parents[2]
NGINX_TEMPLATE = PROJECT_DIR / "deploy" / "nginx" / "nginx.conf"
HEALTHCHECK = PROJECT_DIR / "deploy" / "healthcheck.py"
OWNER_EMAIL = "owner@stack.test"
OWNER_PASSWORD = "stack-test-password-1"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"nothing listens on {port} after {seconds} s:\n{log.read_text()}")
            time.sleep(0.1)


def render_nginx_conf(values: dict[str, str]) -> str:
    """What envsubst (or the nginx image at start) makes of the template."""
    template = NGINX_TEMPLATE.read_text()
    names = set(re.findall(r"\$\{(NGINX_[A-Z_]+)\}", template))
    assert names == set(values), f"the template's variables are {sorted(names)}"
    return re.sub(r"\$\{(NGINX_[A-Z_]+)\}", lambda m: values[m.group(1)], template)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def recreate_database(url: str, name: str, *, create: bool) -> None:
    """Drop `name` on the server of `url` (whoever is still connected), then maybe create it."""
    import psycopg

    admin = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Stack:
    tmp: Path
    env: dict
    http_port: int
    https_port: int
    app_port: int
    context: ssl.SSLContext
    api_key: str = ""
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def start(self, name: str, args: list[str], **kwargs) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        process = subprocess.Popen(  # noqa: S603 - our own commands
            args,
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self.processes[name] = process
        return process

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One HTTPS request through nginx; redirects are not followed."""
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=self.context, timeout=20
        )
        try:
            # nginx may answer (413) before it has read the whole body.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def browser(self) -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self.context),
            urllib.request.HTTPCookieProcessor(jar),
        )
        return opener, jar

    def post_form(self, opener, path: str, fields: dict) -> tuple[str, str]:
        """GET the form at `path`, POST it with its CSRF token as a browser would."""
        with opener.open(f"{self.origin}{path}", timeout=10) as response:
            page = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        posted = urllib.request.Request(
            f"{self.origin}{path}",
            data=data,
            headers={"Origin": self.origin, "Referer": f"{self.origin}{path}"},
        )
        with opener.open(posted, timeout=15) as response:
            return response.url, response.read().decode()


def _fitnesscrm(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "fitnesscrm.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"fitnesscrm {' '.join(args)}:\n{result.stderr}"
    return result.stdout


def _self_signed_certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    # fmt: off
    args = [
        shutil.which("openssl") or "openssl",
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(key), "-out", str(cert),
    ]
    # fmt: on
    subprocess.run(  # noqa: S603
        args,
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None
    )
    if nginx is None:
        reason = "The production-stack test needs nginx (apt-get install nginx)."
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)

    tmp = tmp_path_factory.mktemp("stack")
    cert, key = _self_signed_certificate(tmp)
    context = ssl.create_default_context(cafile=str(cert))
    http_port, https_port, app_port = free_port(), free_port(), free_port()

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL"))
    }
    # Production settings as in deploy/.env.production.template. No CSRF_TRUSTED_ORIGINS:
    # the Host that nginx forwards alone must make a sign-in behind the proxy work.
    env.update(
        ENV_FILE=str(tmp / "absent.env"),
        DEBUG="false",
        HTTPS="true",
        BEHIND_PROXY="true",
        SECURE_SSL_REDIRECT="false",
        SECRET_KEY="stack-test-" + "s" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATA_DIR=str(tmp / "data"),
        STATIC_ROOT=str(tmp / "static"),
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        CACHE_KEY_PREFIX="fitnesscrm-stack",
    )
    pg_url = postgres_url()
    database = None
    if pg_url:
        # Its own database beside the one the other tests use (e.g. fitnesscrm_stack).
        database = urllib.parse.urlsplit(pg_url).path.lstrip("/") + "_stack"
        recreate_database(pg_url, database, create=True)
        env["DATABASE_URL"] = urllib.parse.urlsplit(pg_url)._replace(path=f"/{database}").geturl()
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]

    stack = Stack(tmp, env, http_port, https_port, app_port, context)
    try:
        # What the image build (collectstatic) and the one-shot migrate service do
        # (nginx serves only the .gz copies, as from the image, which has no brotli).
        _fitnesscrm(
            {**env, "PYTHONPATH": image_like_pythonpath(tmp)},
            "collectstatic",
            "--noinput",
            "--verbosity",
            "0",
        )
        _fitnesscrm(env, "migrate", "--noinput", "--verbosity", "0")
        _fitnesscrm(
            env, "createadmin", "--email", OWNER_EMAIL, "--password-stdin", stdin=OWNER_PASSWORD
        )
        stack.api_key = _fitnesscrm(
            env, "apikey", "create", "--user", OWNER_EMAIL, "--name", "stack"
        ).strip()

        cli = [sys.executable, "-m", "fitnesscrm.cli"]
        app = stack.start(
            "app", [*cli, "serve", "--host", "127.0.0.1", "--port", str(app_port), "--workers", "2"]
        )
        stack.start("worker", [*cli, "worker", "--no-startup-delay", "--interval", "0.2"])

        conf = tmp / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                {
                    "NGINX_HTTP_LISTEN": f"127.0.0.1:{http_port}",
                    "NGINX_HTTPS_LISTEN": f"127.0.0.1:{https_port}",
                    "NGINX_TLS_CERTIFICATE": str(cert),
                    "NGINX_TLS_CERTIFICATE_KEY": str(key),
                    "NGINX_UPSTREAM": f"127.0.0.1:{app_port}",
                    "NGINX_STATIC_ROOT": str(tmp / "static"),
                }
            )
        )
        # In the foreground, with its pid file and error log here. As root, its workers
        # would run as www-data, which may not read pytest's private temporary folders.
        directives = f"daemon off; pid {tmp / 'nginx.pid'};"
        if os.geteuid() == 0:
            directives += " user root;"
        nginx_args = [nginx, "-p", f"{tmp}/", "-e", str(tmp / "nginx-error.log"), "-c", str(conf)]
        checked = subprocess.run(  # noqa: S603
            [*nginx_args, "-t", "-g", directives], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        proxy = stack.start("nginx", [*nginx_args, "-g", directives])

        wait_for_port(app_port, app, stack.logs["app"])
        wait_for_port(https_port, proxy, tmp / "nginx-error.log")
        yield stack
    finally:
        for process in stack.processes.values():
            # The whole group (each was started in its own session): nginx's workers, and
            # gunicorn's for a while, outlive a killed master.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if database:
            recreate_database(pg_url, database, create=False)
        if env.get("REDIS_URL"):
            import redis

            client = redis.Redis.from_url(env["REDIS_URL"])
            for key in client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*"):
                client.delete(key)


def test_plain_http_is_redirected_to_https(stack):
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    conn.request("GET", "/clients/?q=ann", headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    conn.close()

    assert response.status == 301
    assert response.headers["Location"] == "https://127.0.0.1/clients/?q=ann"


def test_nginx_answers_its_own_health_check_over_plain_http(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.http_port}/nginx-health") as response:
        assert response.status == 200
        assert response.read() == b"ok\n"


def test_https_negotiates_http2(stack):
    context = ssl.create_default_context(cafile=str(stack.tmp / "cert.pem"))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        # The HTTP/2 preface and an empty SETTINGS frame; the server's first frame is its
        # own SETTINGS (type 4).
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
        frame = tls.recv(9)
    assert frame[3] == 4


def test_the_app_answers_through_nginx_with_its_security_headers_once(stack):
    status, headers, body = stack.request("GET", "/health/ready")
    assert status == 200
    checks = json.loads(body)["checks"]
    assert {name for name, check in checks.items() if check["status"] == "ok"} >= {
        "database",
        "cache",
        "task_queue",
    }

    status, headers, body = stack.request("GET", "/account/login/")
    assert status == 200
    assert b'name="csrfmiddlewaretoken"' in body
    # Set by the app, which sees the request as HTTPS through X-Forwarded-Proto, and not
    # added a second time by nginx.
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
    assert headers.get_all("X-Frame-Options") == ["DENY"]
    assert len(headers.get_all("Content-Security-Policy")) == 1
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    assert len(headers.get_all("Permissions-Policy")) == 1
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers.get_all("Cross-Origin-Resource-Policy") == ["same-origin"]
    assert "no-store" in headers["Cache-Control"]
    assert headers["Server"] == "nginx"  # no version, and not gunicorn's


def test_the_container_health_check_passes_against_the_app(stack):
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(HEALTHCHECK), f"http://127.0.0.1:{stack.app_port}/health/live"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 0, result.stderr


def test_a_sign_in_with_csrf_works_behind_the_proxy(stack):
    opener, jar = stack.browser()

    url, page = stack.post_form(
        opener, "/account/login/", {"username": OWNER_EMAIL, "password": OWNER_PASSWORD}
    )

    assert url == f"{stack.origin}/owner/"
    assert "Sign out" in page
    cookies = {cookie.name: cookie for cookie in jar}
    # Over HTTPS the cookies carry the __Host- prefix: Secure, Path=/ and no Domain.
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        assert cookies[name].secure
        assert cookies[name].path == "/"
        assert not cookies[name].domain_specified
    with opener.open(f"{stack.origin}/clients/", timeout=10) as response:
        assert response.status == 200
        assert "Sign out" in response.read().decode()


def test_the_api_answers_json_with_a_key_and_refuses_without_one(stack):
    status, headers, body = stack.request(
        "GET", "/api/v1/clients", headers={"Authorization": f"Bearer {stack.api_key}"}
    )
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert "items" in json.loads(body)

    status, _, body = stack.request("GET", "/api/v1/clients")
    assert status == 401
    assert json.loads(body)["code"] == "not_authenticated"


def test_static_files_come_from_nginx_with_long_cache_headers(stack):
    _, _, page = stack.request("GET", "/account/login/")
    stylesheet = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page).group(1).decode()

    status, headers, _ = stack.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"  # the .gz file collectstatic wrote
    assert "X-Request-ID" not in headers  # nginx's answer: the app never saw it
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "camera=()" in headers["Permissions-Policy"]
    # nginx's own policy for what it serves: nothing runs, no <base> can redirect links.
    assert headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )

    unhashed = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", stylesheet)
    status, headers, _ = stack.request("GET", unhashed)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=3600"

    status, headers, _ = stack.request("GET", "/static/no-such-file.0123456789ab.css")
    assert status == 404
    assert "X-Request-ID" not in headers


def test_a_body_over_10_mb_gets_413_before_it_reaches_the_app(stack):
    too_big = b"x" * (10 * 1024 * 1024 + 1)

    status, headers, _ = stack.request(
        "POST", "/clients/", body=too_big, headers={"Content-Type": "text/plain"}
    )
    assert status == 413
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["X-Frame-Options"] == "DENY"

    status, headers, body = stack.request(
        "POST",
        "/api/v1/clients",
        body=too_big,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {stack.api_key}"},
    )
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "payload_too_large"
    app_log = stack.logs["app"].read_text()
    # nginx answered alone: neither request reached the app
    assert '"POST /clients/ ' not in app_log
    assert '"POST /api/v1/clients ' not in app_log


def test_the_worker_sends_the_password_reset_email_with_https_links(stack):
    opener, _ = stack.browser()

    url, _ = stack.post_form(opener, "/account/password/reset/", {"email": OWNER_EMAIL})

    assert url == f"{stack.origin}/account/password/reset/sent/"
    deadline = time.monotonic() + 15
    link = re.compile(rf"{re.escape(stack.origin)}/account/password/reset/\S+/\S+/")
    # The console email backend prints the message; "=\n" is a quoted-printable line break.
    while not link.search(stack.logs["worker"].read_text().replace("=\n", "")):
        assert time.monotonic() < deadline, stack.logs["worker"].read_text()[-3000:]
        time.sleep(0.2)


def test_a_burst_of_sign_in_attempts_gets_429(stack):
    statuses = [
        stack.request("POST", "/account/login/", body=b"username=a&password=b")[0]
        for _ in range(25)
    ]

    assert 429 in statuses
    assert statuses[0] != 429
    # Showing the sign-in form is never limited.
    assert stack.request("GET", "/account/login/")[0] == 200


def test_a_burst_on_the_api_gets_429_as_json(stack):
    conn = http.client.HTTPSConnection(
        "127.0.0.1", stack.https_port, context=stack.context, timeout=20
    )
    answers = []
    try:
        # Bounded: 20 pass at once, then 10 a second; a slow machine needs a few more.
        while len(answers) < 300 and not any(status == 429 for status, _, _ in answers):
            conn.request("GET", "/api/v1/clients")
            response = conn.getresponse()
            answers.append((response.status, response.headers["Content-Type"], response.read()))
    finally:
        conn.close()

    limited = [answer for answer in answers if answer[0] == 429]
    assert limited, f"no 429 in {len(answers)} requests"
    assert answers[0][0] == 401  # the app's answer, until the burst is spent
    _, content_type, body = limited[0]
    assert content_type == "application/json"
    assert json.loads(body)["code"] == "rate_limited"


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def _count(metrics: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} (\S+)$", metrics, flags=re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_add_up_every_web_worker_and_are_not_served_through_nginx(stack):
    series = 'fitnesscrm_http_requests_total{method="GET",route="/health/live",status="200"}'
    before = _count(_scrape(stack.app_port), series)
    for _ in range(20):
        with urllib.request.urlopen(
            f"http://127.0.0.1:{stack.app_port}/health/live", timeout=10
        ) as response:
            assert response.status == 200

    # Each scrape is answered by whichever of the two workers is free: every one of
    # them sees the requests both workers served.
    for _ in range(4):
        assert _count(_scrape(stack.app_port), series) - before == 20

    status, _, _ = stack.request("GET", "/metrics")
    assert status == 404


def _health_check(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [
            str(PROJECT_DIR / "scripts" / "health-check.sh"),
            "--url",
            stack.origin,
            "--tls-host",
            f"127.0.0.1:{stack.https_port}",
            "--ca-file",
            str(stack.tmp / "cert.pem"),
            *args,
        ],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_health_check_script_sees_the_whole_stack_and_names_a_failing_check(stack):
    _fitnesscrm(stack.env, "backup")

    # The test certificate is valid for two days: with limits below that, all is well.
    healthy = _health_check(
        stack, "--json", "--certificate-warning-days", "1", "--certificate-critical-days", "0.5"
    )
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    report = json.loads(healthy.stdout)
    assert report["status"] == "ok"
    assert set(report["checks"]) == {
        "app",
        "database",
        "redis",
        "disk",
        "task_queue",
        "backup",
        "certificate",
    }
    assert {check["status"] for check in report["checks"].values()} == {"ok"}

    # With the usual limits, a certificate expiring in two days is critical, and only it.
    failing = _health_check(stack)
    assert failing.returncode == 2, failing.stdout + failing.stderr
    lines = failing.stdout.splitlines()
    assert any(line.startswith("CRITICAL  certificate  expires in") for line in lines), lines
    assert [line.split()[0] for line in lines[:-1]].count("OK") == 6
    assert lines[-1] == "FitnessCRM health: CRITICAL"


def test_sigterm_stops_the_app_and_the_worker_cleanly(stack):
    app, worker, proxy = (stack.processes[name] for name in ("app", "worker", "nginx"))

    app.send_signal(signal.SIGTERM)
    worker.send_signal(signal.SIGTERM)
    proxy.send_signal(signal.SIGQUIT)  # nginx's graceful stop

    assert app.wait(timeout=30) == 0, stack.logs["app"].read_text()[-3000:]
    assert worker.wait(timeout=30) == 0, stack.logs["worker"].read_text()[-3000:]
    assert proxy.wait(timeout=30) == 0
    assert stack.logs["app"].read_text().rstrip().endswith("Stopped.")
