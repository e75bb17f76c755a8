"""deploy/.env.production.template: every variable the app reads, none it does not, and
values that pass Django's deployment checks once the secrets are filled in."""

import json
import re
import secrets
import subprocess
import sys

from tests.core.test_env_example import ROOT, variables_read_by_settings

TEMPLATE = ROOT / "deploy" / ".env.production.template"
SECRETS = {"SECRET_KEY", "EMAIL_HOST_PASSWORD"}
# Silenced in settings.DEPLOY_CHECKS_SILENCED, each with its reason there.
SILENCED = {"security.W005", "security.W008", "security.W021"}


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


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """The filled-in template's environment, with the container's paths in `tmp_path`."""
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
        **overrides,
    )
    return env


def deploy_check(tmp_path, **overrides) -> subprocess.CompletedProcess:
    """`fitnesscrm check --deploy` in production's environment; any warning fails."""
    return subprocess.run(
        [sys.executable, "-m", "fitnesscrm.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def reported_checks(result: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\((\w+\.[A-Z]\d+)\)", result.stdout + result.stderr))


def test_the_filled_in_template_passes_the_deployment_checks_without_a_warning(tmp_path):
    result = deploy_check(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert reported_checks(result) == set()
    assert f"System check identified no issues ({len(SILENCED)} silenced)." in result.stdout


def test_each_silenced_deployment_check_gives_its_reason_in_the_settings(tmp_path):
    show = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SILENCED_SYSTEM_CHECKS, settings.DEPLOY_CHECKS_SILENCED]))"
    )
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="fitnesscrm.settings")
    result = subprocess.run(  # noqa: S603 - fixed code, our own settings
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    silenced, reasons = json.loads(result.stdout)

    assert set(silenced) == set(reasons) == SILENCED
    for check, reason in reasons.items():
        assert len(reason.split()) >= 8, f"{check}: say why it does not apply"


def test_without_a_proxy_in_front_the_missing_https_redirect_is_reported(tmp_path):
    # The W008 silence holds only where nginx redirects HTTP to HTTPS.
    result = deploy_check(tmp_path, BEHIND_PROXY="false")

    assert result.returncode != 0
    assert reported_checks(result) == {"security.W008"}
