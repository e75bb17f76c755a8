"""deploy/prometheus: the scrape config and alert rules are valid, and their alerts fire
when they should (promtool's rule unit tests), on metrics the app really exposes."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client as Browser

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: install Debian's prometheus package (.ci/run does)")
    return subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [tool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60
    )


def test_the_alert_rules_pass_promtools_check():
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scrape_config_is_valid_and_loads_the_rules():
    result = promtool("check", "config", "--syntax-only", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"


def test_each_alert_fires_when_it_should_and_not_before():
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "alerts.test.yml").read_text()))
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    assert tested == {rule["alert"] for rule in rules}, "every alert has a unit test"


def test_a_rule_that_never_fires_would_fail_its_unit_test(tmp_path):
    rules = (PROMETHEUS / "alerts.yml").read_text().replace("> 900", "> 90000")
    (tmp_path / "alerts.yml").write_text(rules)
    shutil.copy(PROMETHEUS / "alerts.test.yml", tmp_path / "alerts.test.yml")
    tool = shutil.which("promtool")
    result = subprocess.run(  # noqa: S603
        [tool, "test", "rules", "alerts.test.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "FitnessCRMTaskQueueStuck" in result.stdout + result.stderr


@pytest.mark.django_db
def test_every_metric_the_alerts_use_is_one_the_app_exposes():
    exposed = Browser().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    families = set(re.findall(r"^# TYPE (\w+) ", exposed, flags=re.MULTILINE))
    names = set()
    for family in families:
        names |= {family, f"{family}_total", f"{family}_bucket", f"{family}_count"}
    used = set(re.findall(r"\b(fitnesscrm_\w+)", (PROMETHEUS / "alerts.yml").read_text()))
    assert used, "the rules use the app's metrics"
    assert used - names == set()
