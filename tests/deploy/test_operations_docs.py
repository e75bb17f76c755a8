"""docs/PRODUCTION_DEPLOYMENT.md and docs/OPERATIONS_MANUAL.md match the code: every command
block says how it is checked, the `check: run` blocks run here from top to bottom, and the
others name tests that exist and services, resources and commands that exist."""

import ast
import base64
import hashlib
import hmac
import os
import re
import subprocess
import uuid

import pytest
from django.core.management import get_commands
from ruamel.yaml import YAML

from tests.deploy.docs_runner import (
    GUIDES,
    PROJECT_DIR,
    Sandbox,
    admin_connection,
    blocks,
    command_lines,
    compose_services,
    production_values,
)

pytestmark = pytest.mark.slow

K8S = PROJECT_DIR / "deploy" / "k8s"
NGINX_CONF = PROJECT_DIR / "deploy" / "nginx" / "nginx.conf"
# Options of docker compose that take a value.
VALUED = {"--scale", "--tail", "--since", "-u", "--user", "-e", "--env"}


def all_blocks():
    return [block for guide in GUIDES for block in blocks(guide)]


def k8s_names() -> set[tuple[str, str]]:
    names = set()
    for path in K8S.glob("*.yaml"):
        for doc in YAML(typ="safe").load_all(path.read_text()):
            if doc and "metadata" in doc:
                names.add((doc["kind"].lower(), doc["metadata"]["name"]))
    return names


@pytest.mark.parametrize("guide", GUIDES)
def test_the_guide_has_commands_and_each_block_says_how_it_is_checked(guide):
    found = blocks(guide)

    assert len(found) >= 8
    unchecked = [block.name for block in found if not block.check]
    assert unchecked == [], "blocks without a <!-- check: … --> line right above them"
    assert any(block.runs_here for block in found)


def test_every_test_a_block_names_exists():
    for block in all_blocks():
        for node in block.tests:
            path, _, name = node.partition("::")
            file = PROJECT_DIR / path
            assert file.is_file(), f"{block.name}: no test file {path}"
            if name:
                defined = {
                    item.name
                    for item in ast.walk(ast.parse(file.read_text()))
                    if isinstance(item, ast.FunctionDef)
                }
                assert name in defined, f"{block.name}: no test {name} in {path}"


def test_docker_compose_lines_name_the_compose_file_and_its_services_and_volumes():
    spec = compose_services()
    services, volumes = set(spec["services"]), set(spec["volumes"])
    checked = 0
    for block in all_blocks():
        for words in command_lines(block.code):
            if words[:2] == ["docker", "compose"]:
                assert words[2:4] == ["-f", "deploy/docker-compose.prod.yml"], block.name
                action, rest = words[4], words[5:]
                named = [
                    word
                    for index, word in enumerate(rest)
                    if not word.startswith("-") and (index == 0 or rest[index - 1] not in VALUED)
                ]
                if action in {"run", "exec"}:
                    named = named[:1]
                elif action == "build":
                    named = []
                assert set(named) <= services, f"{block.name}: {named}"
                checked += 1
            if words[:2] == ["docker", "run"]:
                for index, word in enumerate(words):
                    if word == "-v" and words[index + 1].startswith("fitnesscrm_"):
                        volume = words[index + 1].split(":")[0].removeprefix("fitnesscrm_")
                        assert volume in volumes | {"letsencrypt"}, f"{block.name}: {volume}"
    assert checked >= 10


def test_kubectl_lines_name_the_namespace_and_resources_of_deploy_k8s():
    names = k8s_names()
    checked = 0
    for block in all_blocks():
        for words in command_lines(block.code):
            if words[:1] != ["kubectl"]:
                continue
            if "-n" in words:
                assert words[words.index("-n") + 1] == "fitnesscrm", block.name
            for word in words:
                kind, slash, name = word.split("=")[-1].partition("/")
                if slash and kind in {"deployment", "cronjob", "job"}:
                    assert (kind, name) in names, f"{block.name}: {word}"
                    checked += 1
    assert checked >= 3


def test_every_fitnesscrm_subcommand_in_the_guides_exists():
    commands = set(get_commands())
    used = set()
    for block in all_blocks():
        for words in command_lines(block.code):
            for index, word in enumerate(words[:-1]):
                after_namespace = index > 0 and words[index - 1] in {"-n", "--namespace"}
                if word == "fitnesscrm" and not after_namespace and words[index + 1][0] != "-":
                    used.add(words[index + 1])
    assert used, "the guides use no fitnesscrm command"
    assert used - commands == set()


def test_the_certbot_webroot_is_the_directory_nginx_serves_the_challenge_from():
    conf = NGINX_CONF.read_text()
    served = re.search(r"location /\.well-known/acme-challenge/ \{\s*root (\S+);", conf)
    assert served, "nginx does not serve the ACME challenge"
    webroot = served.group(1)
    mounts = compose_services()["services"]["nginx"]["volumes"]
    assert f"acme:{webroot}:ro" in mounts
    certbot = [
        words
        for block in all_blocks()
        for words in command_lines(block.code)
        if "certbot/certbot" in words
    ]
    assert certbot, "the deployment guide has no certbot command"
    for words in certbot:
        assert words[words.index("-w") + 1] == webroot
        assert f"fitnesscrm_acme:{webroot}" in words


def run_guide(sandbox: Sandbox, guide: str) -> list[str]:
    """Runs the guide's `check: run` blocks in order; returns what each printed."""
    printed = []
    for block in blocks(guide):
        if not block.runs_here:
            if re.search(r"docker compose \S+ \S+ up\b", block.code):
                sandbox.start_one_shot_services()
            continue
        result = sandbox.run(block)
        output = result.stdout + result.stderr
        assert result.returncode in block.expected_exits, (
            f"{block.name} exited {result.returncode}:\n{block.code}\n--- output ---\n{output}"
        )
        printed.append(output)
    return printed


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """A scratch install made by the deployment guide's own steps, and what they printed.
    The operations manual then runs in it (its commands assume that installation)."""
    sandbox = Sandbox.create(tmp_path_factory.mktemp("srv"))
    try:
        yield sandbox, "\n".join(run_guide(sandbox, "PRODUCTION_DEPLOYMENT.md"))
    finally:
        sandbox.remove()


def test_the_deployment_guide_runs_from_top_to_bottom(deployed):
    sandbox, printed = deployed

    settings = (sandbox.root / "deploy" / ".env.production").read_text()
    assert not re.search(r"^[A-Z0-9_]+=.*CHANGE_ME", settings, flags=re.MULTILINE)
    assert "ALLOWED_HOSTS=crm.yourgym.com" in settings
    assert "complete" in printed
    assert "Backup succeeded" in printed
    assert list((sandbox.root / "data" / "backups").glob("fitnesscrm-*.tar.sha256"))
    assert "manifests render" in printed


def test_the_operations_manual_runs_from_top_to_bottom_after_the_deployment_guide(deployed):
    sandbox, _ = deployed
    settings = sandbox.root / "deploy" / ".env.production"
    key_before = production_values(settings)["SECRET_KEY"]

    printed = "\n".join(run_guide(sandbox, "OPERATIONS_MANUAL.md"))

    assert "Backup succeeded" in printed  # the log's tail, and the full-disk runbook's backup
    assert "Tasks: ready" in printed
    assert '"failed_last_24h_by_task"' in printed
    assert "Restore succeeded" in printed or "restored" in printed.lower()
    assert "0 task(s) put back in the queue" in printed
    assert re.search(r"Revoked \S+ \(Leaked integration\)", printed)
    values = production_values(settings)
    assert values["SECRET_KEY"] != key_before
    assert values["SECRET_KEY_FALLBACKS"] == ""


def scram_matches(stored: str, password: str) -> bool:
    """PostgreSQL's SCRAM-SHA-256 verifier (RFC 5802, RFC 7677) against a password."""
    method, _, rest = stored.partition("$")
    iterations_salt, _, keys = rest.partition("$")
    iterations, _, salt = iterations_salt.partition(":")
    stored_key, _, _ = keys.partition(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        method == "SCRAM-SHA-256"
        and base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
    )


def test_the_database_password_rotation_changes_the_role_and_the_settings(tmp_path):
    """The manual's block, with the role of a scratch login instead of the stack's and
    psql connecting here instead of in the `db` container; the recreate line is the
    compose file's business (test_images.py)."""
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        pytest.skip("needs PostgreSQL (the suite's second pass)")
    (block,) = [
        block
        for block in blocks("OPERATIONS_MANUAL.md")
        if "test_the_database_password_rotation" in block.check
    ]
    role = f"fcrm_docs_role_{uuid.uuid4().hex[:8]}"
    psql_in_the_container = (
        "docker compose -f deploy/docker-compose.prod.yml exec -T db "
        "psql -q -U fitnesscrm -d fitnesscrm"
    )
    assert psql_in_the_container in block.code
    code = block.code.replace(
        psql_in_the_container, f'sed "s/ROLE fitnesscrm /ROLE {role} /" | psql -q "$ADMIN_URL"'
    )
    code = "\n".join(line for line in code.splitlines() if "up -d" not in line)
    assert "docker" not in code
    (tmp_path / "deploy" / "secrets").mkdir(parents=True)
    template = (PROJECT_DIR / "deploy" / ".env.production.template").read_text()
    (tmp_path / "deploy" / ".env.production").write_text(template.replace("CHANGE_ME", "old"))
    maintenance_url = admin_url.rsplit("/", 1)[0] + "/postgres"
    connection = admin_connection(admin_url)
    try:
        connection.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'old'")
        result = subprocess.run(  # noqa: S603
            ["/bin/bash", "-c", "set -euo pipefail\n" + code],
            cwd=tmp_path,
            env={
                "PATH": os.environ["PATH"],
                "ADMIN_URL": maintenance_url,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        (stored,) = connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role]
        ).fetchone()
    finally:
        connection.execute(f"DROP ROLE IF EXISTS {role}")
        connection.close()

    new = (tmp_path / "deploy" / "secrets" / "postgres_password").read_text().strip()
    assert len(new) >= 40
    url = production_values(tmp_path / "deploy" / ".env.production")["DATABASE_URL"]
    assert url == f"postgres://fitnesscrm:{new}@db:5432/fitnesscrm"
    assert scram_matches(stored, new)
    assert not scram_matches(stored, "old")
