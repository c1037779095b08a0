"""invoke deploy / rollback against a STAND-IN kubectl (tests/standins/kubectl): no Kubernetes
cluster can exist here. The stand-in records every call and can fail the migration Job or the
rollout; rendering goes through the real `kubectl kustomize`."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.invoke_cli import PROJECT, error_line, run_invoke

STANDINS = PROJECT / "tests" / "standins"
DIGEST = "sha256:" + "ab" * 32
REAL_KUBECTL = shutil.which("kubectl")

pytestmark = pytest.mark.skipif(REAL_KUBECTL is None, reason="kubectl (for kustomize) not found")


class Deployer:
    def __init__(self, tmp_path: Path) -> None:
        self.log = tmp_path / "kubectl-calls.jsonl"
        self.record = tmp_path / "pushed.json"
        self.record.write_text(
            json.dumps(
                {
                    "repository": "registry.test/my-app",
                    "tag": "0123456789ab",
                    "digest": DIGEST,
                    "pushed_at": "2026-11-27T00:00:00+00:00",
                }
            )
        )

    def invoke(self, *args: str, fail: str = "", **env: str) -> subprocess.CompletedProcess:
        return run_invoke(
            *args,
            PATH=f"{STANDINS}{os.pathsep}{os.environ['PATH']}",
            STANDIN_KUBECTL_LOG=str(self.log),
            STANDIN_REAL_KUBECTL=REAL_KUBECTL,
            STANDIN_KUBECTL_FAIL=fail,
            INVOKE_DEPLOY_PUSHED_RECORD=str(self.record),
            **env,
        )

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def verbs(self) -> list[str]:
        """Each cluster call as 'verb object', without the context and namespace flags."""
        result = []
        for call in self.calls():
            argv = call["argv"]
            if argv[0] == "kustomize":
                continue
            words = [a for a in argv[4:] if not a.startswith("-")]
            result.append(" ".join(words[:3]))
        return result


@pytest.fixture
def deployer(tmp_path) -> Deployer:
    return Deployer(tmp_path)


def applied_kinds(call: dict) -> list[str]:
    return [doc["kind"] for doc in yaml.safe_load_all(call["stdin"]) if doc]


def test_dry_run_prints_the_plan_and_manifests_and_touches_nothing(deployer):
    result = deployer.invoke("deploy", "--env", "staging", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "job/my-app-migrate-abababababab" in result.stdout
    assert "rollout status deployment/my-app --timeout=300s" in result.stdout
    assert f"image: registry.test/my-app@{DIGEST}" in result.stdout
    assert deployer.verbs() == []


def test_deploy_migrates_then_applies_then_waits_for_the_rollout(deployer):
    result = deployer.invoke("deploy", "--env", "staging")
    assert result.returncode == 0, result.stderr
    assert deployer.verbs() == [
        "delete job my-app-migrate-abababababab",
        "apply",
        "get job my-app-migrate-abababababab",
        "get deployment my-app",
        "apply",
        "apply",
        "rollout status deployment/my-app",
    ]
    cluster_calls = [c for c in deployer.calls() if c["argv"][0] != "kustomize"]
    assert cluster_calls[0]["argv"][:4] == ["--context", "staging", "--namespace", "my-app-staging"]
    assert applied_kinds(cluster_calls[1]) == ["Namespace", "Job"]
    # The replica count goes to a manager of its own before the apply that leaves it out.
    handover = yaml.safe_load(cluster_calls[4]["stdin"])
    assert handover["spec"] == {"replicas": 5}
    assert "--field-manager=replicas-handover-to-hpa" in cluster_calls[4]["argv"]
    assert "--server-side" in cluster_calls[5]["argv"]
    assert applied_kinds(cluster_calls[5]) == [
        "ConfigMap",
        "Service",
        "Deployment",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Ingress",
        "NetworkPolicy",
    ]
    deployment = next(
        d for d in yaml.safe_load_all(cluster_calls[5]["stdin"]) if d["kind"] == "Deployment"
    )
    assert "replicas" not in deployment["spec"]
    assert f"registry.test/my-app@{DIGEST}" in cluster_calls[5]["stdin"]


def test_failed_migration_stops_before_any_apply_of_the_app(deployer):
    result = deployer.invoke("deploy", "--env", "staging", fail="migration")
    assert result.returncode == 1
    assert deployer.verbs() == [
        "delete job my-app-migrate-abababababab",
        "apply",
        "get job my-app-migrate-abababababab",
        "logs job/my-app-migrate-abababababab",
    ]
    assert error_line(result.stderr) == (
        "error: migration job/my-app-migrate-abababababab failed "
        "(django.db.utils.OperationalError: (1045, \"Access denied for user 'my_app'\")); "
        "nothing was rolled out"
    )


def test_failed_rollout_is_undone_and_exits_non_zero_with_the_reason(deployer):
    result = deployer.invoke("deploy", "--env", "staging", fail="rollout")
    assert result.returncode == 1
    verbs = deployer.verbs()
    assert verbs[6:] == [
        "rollout status deployment/my-app",
        "get events type=Warning",
        "get pods app.kubernetes.io/name=my-app,app.kubernetes.io/component=web",
        "logs my-app-7d9-x2",
        "rollout undo deployment/my-app",
        "rollout status deployment/my-app",
    ]
    assert "Readiness probe failed: 503" in result.stdout
    assert "database unreachable" in result.stdout
    assert error_line(result.stderr) == (
        f"error: rollout of registry.test/my-app@{DIGEST} failed (error: timed out waiting "
        "for the condition); rolled back to the previous revision"
    )


def test_rollback_that_also_fails_says_so(deployer):
    result = deployer.invoke("deploy", "--env", "staging", fail="undo")
    assert result.returncode == 1
    assert "and so did the rollback: inspect the cluster now" in result.stderr


def test_production_refuses_a_context_not_on_its_allow_list(deployer):
    result = deployer.invoke(
        "deploy", "--env", "production", INVOKE_DEPLOY_ENVIRONMENTS_PRODUCTION_CONTEXT="kind-dev"
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: production may only deploy to the kube contexts production, not 'kind-dev': "
        "fix deploy.environments.production.context"
    )
    assert deployer.calls() == []


def test_rollback_task_undoes_and_waits(deployer):
    result = deployer.invoke("rollback", "--env", "staging")
    assert result.returncode == 0, result.stderr
    assert deployer.verbs() == [
        "rollout undo deployment/my-app",
        "rollout status deployment/my-app",
    ]


def test_deploy_without_a_push_is_a_clear_error(deployer):
    deployer.record.unlink()
    result = deployer.invoke("deploy", "--env", "staging")
    assert result.returncode == 1
    assert error_line(result.stderr).endswith("is missing): run `invoke push`")


def test_namespace_port_and_migration_deadline_come_from_the_settings(deployer):
    result = deployer.invoke(
        "deploy",
        "--env",
        "staging",
        "--dry-run",
        INVOKE_DEPLOY_ENVIRONMENTS_STAGING_NAMESPACE="team-a",
        INVOKE_DEPLOY_MIGRATION_TIMEOUT_SECONDS="120",
        INVOKE_APP_PORT="8080",
    )
    assert result.returncode == 0, result.stderr
    job_part, app_part = result.stdout.split("--- migration job ---")[1].split(
        "--- application ---"
    )
    documents = [doc for part in (job_part, app_part) for doc in yaml.safe_load_all(part) if doc]
    namespaced = [doc for doc in documents if doc["kind"] != "Namespace"]
    assert {doc["metadata"]["namespace"] for doc in namespaced} == {"team-a"}
    assert next(d for d in documents if d["kind"] == "Namespace")["metadata"]["name"] == "team-a"
    job = next(doc for doc in documents if doc["kind"] == "Job")
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    assert job["spec"]["activeDeadlineSeconds"] == 120
    # The client outwaits the Job's own deadline, so it reports the Job's verdict.
    assert "wait up to 150s for job/my-app-migrate-abababababab" in result.stdout
    assert deployment["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 8080, "name": "http"}
    ]
