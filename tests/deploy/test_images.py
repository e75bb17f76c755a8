"""The Dockerfile passes hadolint, and the compose file is valid Compose and fits the code."""

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.collecting import image_like_pythonpath

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_DIR / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.prod.yml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        assert found, f"{name} is missing: install the dev dependencies (make test does)"
        return found
    return str(path)


def compose() -> dict:
    return YAML(typ="safe").load(COMPOSE.read_text())


def validate_compose(path: Path) -> subprocess.CompletedProcess:
    """The Compose specification's JSON schema, as vendored by check-jsonschema."""
    return subprocess.run(  # noqa: S603
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_dockerfile_passes_hadolint_without_a_warning():
    result = subprocess.run(  # noqa: S603
        [tool("hadolint"), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_the_compose_file_is_valid_against_the_compose_specification():
    result = validate_compose(COMPOSE)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_compose_file_with_a_mistake(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    spec = compose()
    # A common slip: replicas belongs under deploy:.
    spec["services"]["web"]["replicas"] = 2
    broken.write_text(json.dumps(spec))  # JSON is YAML too

    result = validate_compose(broken)

    assert result.returncode != 0
    assert "replicas" in result.stdout


def test_web_worker_and_scheduler_run_from_one_image_with_different_commands():
    services = compose()["services"]
    image = services["web"]["image"]

    assert {services[name]["image"] for name in ("migrate", "static", "worker", "scheduler")} == {
        image
    }
    serve = ["fitnesscrm", "serve", "--host", "0.0.0.0"]  # noqa: S104 - inside the container
    assert services["web"]["command"][:4] == serve
    assert services["worker"]["command"] == ["fitnesscrm", "worker"]
    assert services["scheduler"]["command"] == ["fitnesscrm", "scheduler"]
    assert services["migrate"]["command"] == ["fitnesscrm", "migrate", "--noinput"]
    assert services["web"]["deploy"]["replicas"] >= 2
    # The image's default command is the web server.
    cmd = re.search(r"^CMD (.+)$", DOCKERFILE.read_text(), re.MULTILINE).group(1)
    assert cmd.startswith('["fitnesscrm", "serve", "--host", "0.0.0.0"')


def test_the_app_waits_for_migrations_and_nginx_for_a_healthy_web():
    services = compose()["services"]

    for name in ("web", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["env_file"] == [".env.production"], name
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "db", "redis", "nginx"):
        assert "test" in services[name]["healthcheck"], name


def test_paths_the_compose_file_names_exist_in_the_repository():
    spec = compose()
    services = spec["services"]

    build = services["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    mounts = [v.split(":")[0] for v in services["nginx"]["volumes"] if v.startswith("./")]
    assert mounts == ["./nginx/nginx.conf"]
    assert (DEPLOY / "nginx" / "nginx.conf").is_file()
    # The env file is made from the template next to it.
    assert (DEPLOY / ".env.production.template").is_file()
    # Every named volume a service mounts is declared.
    named = {
        v.split(":")[0]
        for service in services.values()
        for v in service.get("volumes", [])
        if not v.startswith(("./", "/"))
    }
    assert named <= set(spec["volumes"])


def test_nginx_gets_a_value_for_every_variable_of_its_template():
    template = (DEPLOY / "nginx" / "nginx.conf").read_text()
    environment = compose()["services"]["nginx"]["environment"]

    wanted = set(re.findall(r"\$\{(NGINX_[A-Z_]+)\}", template))
    assert wanted
    assert wanted <= set(environment)
    assert environment["NGINX_UPSTREAM"] == "web:8000"


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_secrets():
    patterns = [
        line.strip()
        for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def sent(path: str) -> bool:
        """Docker's rule: the last pattern that matches a path decides."""
        included = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/").removeprefix("**/")
            parts = path.split("/")
            prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
            candidates = prefixes if not pattern.lstrip("!").startswith("**/") else parts
            if any(fnmatch.fnmatchcase(candidate, bare) for candidate in candidates):
                included = negated
        return included

    copied = re.findall(r"^COPY (?:--\S+ )*(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    sources = [s for line in copied for s in line.split()]
    sources += ["requirements.lock"]  # bind-mounted in the runtime stage
    assert "fitnesscrm" in sources
    for source in sources:
        assert sent(source), f"{source} is copied by the Dockerfile but excluded"
    assert sent("fitnesscrm/settings.py")
    for secret in (".env", "deploy/.env.production", "deploy/secrets/postgres_password", ".git"):
        assert not sent(secret), secret
    assert not sent("fitnesscrm/__pycache__/settings.cpython-312.pyc")


@pytest.mark.parametrize("name", ["Dockerfile", "docker-compose.prod.yml", "nginx/nginx.conf"])
def test_deployment_files_name_no_host_specific_paths(name):
    text = (DEPLOY / name).read_text()

    assert "/work/" not in text
    assert "pytest-of-" not in text


def test_static_files_collect_with_only_the_settings_the_image_build_gives(tmp_path):
    """The image runs collectstatic with throwaway values and no database: prove it works.

    A new setting that refuses to start without some variable would otherwise break the
    image build only where Docker runs, not here.
    """
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    step = next(line for line in text.splitlines() if "fitnesscrm collectstatic" in line)
    build_env = dict(re.findall(r"\b([A-Z_]+)=(\S+)", step.split("fitnesscrm collectstatic")[0]))
    assert set(build_env) == {"SECRET_KEY", "ALLOWED_HOSTS", "DATA_DIR"}
    env = {
        "PATH": os.environ["PATH"],
        **build_env,
        "DATA_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path / "static"),  # the image's ENV, here in tmp
        "ENV_FILE": str(tmp_path / "absent.env"),
        "PYTHONPATH": image_like_pythonpath(tmp_path),
    }

    result = subprocess.run(
        [sys.executable, "-m", "fitnesscrm.cli", "collectstatic", "--noinput", "-v", "0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    # Hashed names from the manifest storage (DEBUG off), and no database was created.
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert not (tmp_path / "data" / "fitnesscrm.sqlite3").exists()
