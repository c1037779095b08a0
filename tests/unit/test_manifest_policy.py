"""The manifest policy passes our rendered overlays and catches what it is meant to catch."""

import copy
import shutil
import subprocess
import sys

import pytest

from lifecycle.adapters.commands import CommandFailed
from lifecycle.adapters.kustomize import to_yaml
from lifecycle.settings import load_settings
from lifecycle.steps.manifests import render_environment, third_party_policy
from lifecycle.steps.policy import image_is_pinned, violations

KUBECTL = shutil.which("kubectl")

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl (for kustomize) not found")


def rendered(env: str) -> list[dict]:
    settings = load_settings(environ={})
    return render_environment(settings, settings.deploy.environment(env))


@pytest.fixture(scope="module")
def staging() -> list[dict]:
    return rendered("staging")


def workload(documents: list[dict], kind: str) -> dict:
    return next(doc for doc in documents if doc["kind"] == kind)


def test_rendered_overlays_follow_the_policy(staging):
    production = rendered("production")
    assert violations(staging) == []
    assert violations(production) == []


def test_missing_probe_is_caught(staging):
    broken = copy.deepcopy(staging)
    del workload(broken, "Deployment")["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert violations(broken) == ["Deployment/my-app container app: no livenessProbe"]


def test_writable_root_and_missing_limits_are_caught(staging):
    broken = copy.deepcopy(staging)
    container = workload(broken, "Job")["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    del container["resources"]["limits"]["memory"]
    assert violations(broken) == [
        "Job/my-app-migrate container migrate: no limits.memory",
        "Job/my-app-migrate container migrate: root filesystem is not read-only",
    ]


def test_root_user_and_unavailable_rollouts_are_caught(staging):
    broken = copy.deepcopy(staging)
    deployment = workload(broken, "Deployment")
    del deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = 1
    assert violations(broken) == [
        "Deployment/my-app container app: runAsNonRoot is not set",
        "Deployment/my-app: rolling updates may take serving pods away (maxUnavailable)",
    ]


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("registry.example.com/my-app:staging", True),
        ("registry.example.com/my-app@sha256:" + "a" * 64, True),
        ("registry.example.com:5000/my-app", False),
        ("my-app:latest", False),
        ("my-app", False),
    ],
)
def test_images_need_a_tag_or_digest_and_never_latest(image, pinned):
    assert image_is_pinned(image) is pinned


@pytest.fixture(scope="module")
def team_app_staging() -> list[dict]:
    settings = load_settings(environ={"INVOKE_RUNTIME_CONFIG": "tests/apps/team_app/invoke.yaml"})
    return render_environment(settings, settings.deploy.environment("staging"))


def test_process_types_render_from_the_web_pod(team_app_staging):
    web = workload(team_app_staging, "Deployment")
    alerts = next(d for d in team_app_staging if d["metadata"]["name"] == "my-app-alerts")
    cron = workload(team_app_staging, "CronJob")
    web_pod = web["spec"]["template"]["spec"]
    for pod in (
        alerts["spec"]["template"]["spec"],
        cron["spec"]["jobTemplate"]["spec"]["template"]["spec"],
    ):
        container = pod["containers"][0]
        assert container["image"] == web_pod["containers"][0]["image"]
        assert container["securityContext"] == web_pod["containers"][0]["securityContext"]
        assert pod["securityContext"] == web_pod["securityContext"]
        assert container["envFrom"] == web_pod["containers"][0]["envFrom"]
        assert "ports" not in container and "readinessProbe" not in container
    assert alerts["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "manage.py",
        "send_alerts",
    ]
    assert alerts["metadata"]["namespace"] == "my-app-staging"
    assert cron["spec"]["schedule"] == "30 3 * * *"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert violations(team_app_staging) == []


def test_a_serving_workload_without_probes_is_still_caught(team_app_staging):
    broken = copy.deepcopy(team_app_staging)
    container = workload(broken, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    del container["ports"], container["readinessProbe"]
    assert violations(broken) == ["Deployment/my-app container app: no readinessProbe"]


def test_process_types_pass_the_kubernetes_schemas(team_app_staging, tmp_path):
    rendered = tmp_path / "team-app-staging.yaml"
    rendered.write_text(to_yaml(team_app_staging))
    validate = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet", str(rendered)]
    result = subprocess.run(validate, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def web_pod(documents: list[dict]) -> dict:
    return workload(documents, "Deployment")["spec"]["template"]["spec"]


def set_replicas(docs):
    workload(docs, "Deployment")["spec"]["replicas"] = 3


def drop_spread(docs):
    del web_pod(docs)["topologySpreadConstraints"]


def min_available_budget(docs):
    spec = workload(docs, "PodDisruptionBudget")["spec"]
    del spec["maxUnavailable"]
    spec["minAvailable"] = 2


def budget_waits_for_unhealthy(docs):
    del workload(docs, "PodDisruptionBudget")["spec"]["unhealthyPodEvictionPolicy"]


def drop_network_policy(docs):
    docs.remove(workload(docs, "NetworkPolicy"))


def trust_every_proxy(docs):
    workload(docs, "ConfigMap")["data"]["FORWARDED_ALLOW_IPS"] = "*"


def unlabelled_namespace(docs):
    workload(docs, "Namespace")["metadata"]["labels"] = {}


def long_drain(docs):
    workload(docs, "ConfigMap")["data"]["GRACEFUL_SHUTDOWN_SECONDS"] = "35"


def job_without_deadline(docs):
    del workload(docs, "Job")["spec"]["activeDeadlineSeconds"]


@pytest.mark.parametrize(
    ("remove_safeguard", "violation"),
    [
        (set_replicas, "Deployment/my-app: sets replicas, which its HorizontalPodAutoscaler owns"),
        (drop_spread, "Deployment/my-app: replicas may all land on one node (no topology spread)"),
        (min_available_budget, "its PodDisruptionBudget should cap maxUnavailable"),
        (budget_waits_for_unhealthy, "a not-ready pod would block node drains"),
        (drop_network_policy, "any pod in the cluster can reach it (no NetworkPolicy)"),
        (trust_every_proxy, "trusts X-Forwarded-* from any address (FORWARDED_ALLOW_IPS)"),
        (unlabelled_namespace, "namespace my-app-staging: Pod Security Standard restricted"),
        (long_drain, "preStop 10s + drain 35s do not end before the 40s grace period"),
        (job_without_deadline, "Job/my-app-migrate: no activeDeadlineSeconds"),
    ],
)
def test_each_removed_safeguard_is_caught(staging, remove_safeguard, violation):
    broken = copy.deepcopy(staging)
    remove_safeguard(broken)
    found = violations(broken)
    assert any(violation in line for line in found), found


def test_trivy_passes_the_rendered_environments_and_catches_a_privileged_pod(staging, tmp_path):
    settings = load_settings(environ={})
    clean, broken = tmp_path / "clean.yaml", tmp_path / "broken.yaml"
    clean.write_text(to_yaml(staging))
    privileged = copy.deepcopy(staging)
    web_pod(privileged)["containers"][0]["securityContext"]["privileged"] = True
    broken.write_text(to_yaml(privileged))
    third_party_policy(settings, [clean])
    with pytest.raises(CommandFailed):
        third_party_policy(settings, [broken])
