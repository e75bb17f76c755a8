"""The Kubernetes manifests: valid against the API's schemas, and consistent with the app.

kubernetes-validate carries the OpenAPI schemas of each Kubernetes release, so the
check needs no cluster and no network. Strict mode refuses fields the API does not
know (a typo like `replica:` would otherwise be dropped silently by the API server).
"""

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.urls import resolve

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
TEMPLATE = K8S.parent / ".env.production.template"
# The oldest Kubernetes release the manifests are written for (autoscaling/v2,
# policy/v1 and batch/v1 CronJobs are all GA there).
KUBERNETES = "1.29"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> dict[tuple[str, str], dict]:
    found = {}
    for path in MANIFESTS:
        for doc in documents(path):
            found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def pod_specs() -> dict[str, dict]:
    """Each workload's pod spec, by the workload's name."""
    specs = {}
    for (kind, name), doc in resources().items():
        if kind in ("Deployment", "Job"):
            specs[name] = doc["spec"]["template"]["spec"]
        elif kind == "CronJob":
            specs[name] = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return specs


def template_variables() -> set[str]:
    names = set()
    for line in TEMPLATE.read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_is_valid_against_the_kubernetes_schemas(path):
    for doc in documents(path):
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_the_check_refuses_a_field_the_api_does_not_know():
    web = resources()[("Deployment", "fitnesscrm-web")]
    broken = {**web, "spec": {**web["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_the_kustomization_lists_every_manifest_it_applies():
    listed = set(documents(K8S / "kustomization.yaml")[0]["resources"])
    on_disk = {p.name for p in MANIFESTS}
    # secret.yaml is the operator's filled-in copy of the template (never committed);
    # the migrate Job runs on its own before each rollout.
    assert listed == (on_disk - {"secret.template.yaml", "migrate-job.yaml"}) | {"secret.yaml"}


def test_web_worker_and_scheduler_run_the_commands_of_the_compose_stack():
    commands = {name: spec["containers"][0]["command"] for name, spec in pod_specs().items()}
    assert commands["fitnesscrm-web"][:2] == ["fitnesscrm", "serve"]
    assert commands["fitnesscrm-worker"] == ["fitnesscrm", "worker"]
    assert commands["fitnesscrm-scheduler"] == ["fitnesscrm", "scheduler"]
    assert commands["fitnesscrm-migrate"] == ["fitnesscrm", "migrate", "--noinput"]


def test_only_one_scheduler_ever_runs():
    scheduler = resources()[("Deployment", "fitnesscrm-scheduler")]["spec"]
    assert scheduler["replicas"] == 1
    assert scheduler["strategy"]["type"] == "Recreate"


def test_every_pod_runs_as_the_image_user_without_privileges():
    for name, spec in pod_specs().items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name


def test_the_probes_ask_pages_the_app_serves():
    web = pod_specs()["fitnesscrm-web"]["containers"][0]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        path = web[probe]["httpGet"]["path"]
        assert resolve(path).url_name in ("health-live", "health-ready"), path
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"


def test_the_service_hpa_and_pdb_select_the_web_pods():
    found = resources()
    web = found[("Deployment", "fitnesscrm-web")]
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert web["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert found[("Service", "fitnesscrm-web")]["spec"]["selector"].items() <= labels.items()
    pdb = found[("PodDisruptionBudget", "fitnesscrm-web")]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    hpa = found[("HorizontalPodAutoscaler", "fitnesscrm-web")]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "fitnesscrm-web",
    }
    # The disruption budget can always be met by the autoscaler's floor.
    assert hpa["minReplicas"] > pdb["minAvailable"]
    ingress = found[("Ingress", "fitnesscrm")]["spec"]
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "fitnesscrm-web"


def test_the_settings_given_to_the_pods_are_variables_the_app_reads():
    found = resources()
    config = set(found[("ConfigMap", "fitnesscrm-config")]["data"])
    secret = set(found[("Secret", "fitnesscrm-secrets")]["stringData"])
    assert config.isdisjoint(secret)
    assert (config | secret) - template_variables() == set()
    # Every secret the template marks as one is in the Secret, not in the ConfigMap.
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD", "STRIPE_SECRET_KEY"} <= secret
    for name, spec in pod_specs().items():
        refs = {
            source.get("configMapRef", source.get("secretRef"))["name"]
            for source in spec["containers"][0]["envFrom"]
        }
        assert refs == {"fitnesscrm-config", "fitnesscrm-secrets"}, name


def test_the_database_connections_of_the_largest_web_fleet_fit_in_postgresql():
    found = resources()
    hpa = found[("HorizontalPodAutoscaler", "fitnesscrm-web")]["spec"]
    command = pod_specs()["fitnesscrm-web"]["containers"][0]["command"]
    workers = int(command[command.index("--workers") + 1])
    pool = int(found[("ConfigMap", "fitnesscrm-config")]["data"]["DATABASE_POOL_MAX"])
    compose = yaml.safe_load((K8S.parent / "docker-compose.prod.yml").read_text())
    db_command = compose["services"]["db"]["command"]
    max_connections = int(
        next(arg for arg in db_command if arg.startswith("max_connections=")).split("=")[1]
    )
    # Room left for the worker, the scheduler, backups and an administrator.
    assert hpa["maxReplicas"] * workers * pool + 30 <= max_connections
