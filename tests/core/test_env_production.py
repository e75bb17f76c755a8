"""deploy/.env.production.template: every variable the app reads, none it does not, and
values that pass Django's deployment checks once the secrets are filled in."""

import re
import secrets
import subprocess
import sys

from tests.core.test_env_example import ROOT, variables_read_by_settings

TEMPLATE = ROOT / "deploy" / ".env.production.template"
SECRETS = {"SECRET_KEY", "EMAIL_HOST_PASSWORD"}
# Deliberate in production, and said so in the template: nginx redirects HTTP to HTTPS
# (W008); HSTS for subdomains and the browsers' preload list are the owner's choice
# for their own domain (W005, W021).
ACCEPTED_DEPLOY_WARNINGS = {"security.W005", "security.W008", "security.W021"}


def template_values() -> dict[str, str]:
    pairs = re.findall(r"^([A-Z0-9_]+)=(.*)$", TEMPLATE.read_text(), flags=re.MULTILINE)
    return dict(pairs)


def test_the_template_lists_exactly_the_variables_the_settings_read():
    listed = set(template_values())

    assert variables_read_by_settings() - listed == set(), "missing from the template"
    assert listed - variables_read_by_settings() == set(), "the settings do not read these"


def test_each_variable_has_an_explanation_above_it_or_its_group():
    lines = TEMPLATE.read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z0-9_]+=", line):
            above = [item for item in lines[max(0, index - 4) : index] if item.strip()]
            assert above, line
            assert above[-1].startswith("#") or re.match(r"^[A-Z0-9_]+=", above[-1]), line


def test_secrets_are_placeholders_and_production_switches_are_on():
    values = template_values()

    for name in SECRETS:
        assert values[name] == "CHANGE_ME", name
    assert "CHANGE_ME" in values["DATABASE_URL"]
    assert values["DEBUG"] == "false"
    assert values["HTTPS"] == "true"
    assert values["BEHIND_PROXY"] == "true"
    assert values["REDIS_URL"].startswith("redis://")
    assert values["DATABASE_URL"].startswith("postgres://")


def test_the_filled_in_template_passes_the_deployment_checks(tmp_path):
    env = {
        name: value.replace("CHANGE_ME", "filled-in") for name, value in template_values().items()
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        # Paths of the container, moved to a scratch directory here.
        DATA_DIR=str(tmp_path),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        ENV_FILE=str(tmp_path / "absent.env"),
        PATH="/usr/bin:/bin",
    )
    result = subprocess.run(
        [sys.executable, "-m", "fitnesscrm.cli", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    reported = set(re.findall(r"\((\w+\.[A-Z]\d+)\)", result.stdout + result.stderr))
    assert reported <= ACCEPTED_DEPLOY_WARNINGS, reported - ACCEPTED_DEPLOY_WARNINGS
