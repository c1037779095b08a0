"""Deploy a pushed image: migration Job first, then apply and watch the rollout; undo on failure."""

import json
from dataclasses import dataclass
from pathlib import Path

from lifecycle.commands import CommandFailed
from lifecycle.config import Deploy, Environment
from lifecycle.errors import LifecycleError
from lifecycle.kube import Kubectl
from lifecycle.manifests import render_overlay, to_yaml
from lifecycle.registry import PushedImage

DEPLOYMENT = "my-app"
WEB_PODS = "app.kubernetes.io/name=my-app,app.kubernetes.io/component=web"
LOG_LINES = 20


ROLLOUT_UNDO = ("rollout", "undo", f"deployment/{DEPLOYMENT}")


def rollout_status(deploy: Deploy) -> tuple[str, ...]:
    """kubectl arguments that wait for the Deployment's rollout, failing after the timeout."""
    return (
        "rollout",
        "status",
        f"deployment/{DEPLOYMENT}",
        f"--timeout={deploy.rollout_timeout_seconds}s",
    )


class DeployFailed(LifecycleError):
    """The migration or the rollout failed; the message says what was done about it."""


@dataclass(frozen=True)
class Plan:
    environment: Environment
    image: str
    migration_job: str
    job_manifest: str
    app_manifests: str
    app_kinds: tuple[str, ...]

    def describe(self, kubectl: Kubectl, deploy: Deploy) -> str:
        lines = [
            f"deploy {self.image} to {self.environment.name} "
            f"(context {kubectl.context}, namespace {kubectl.namespace}):",
            f"  1. {' '.join(kubectl.argv('apply', '-f', '-'))}   # job/{self.migration_job}",
            f"  2. wait up to {deploy.migration_timeout_seconds}s for job/{self.migration_job}; "
            "if it fails: print its log and stop, applying nothing else",
            f"  3. {' '.join(kubectl.argv('apply', '-f', '-'))}   # {', '.join(self.app_kinds)}",
            f"  4. {' '.join(kubectl.argv(*rollout_status(deploy)))}",
            f"  5. if the rollout fails: {' '.join(kubectl.argv(*ROLLOUT_UNDO))}, wait for it, "
            "print events and a failing pod's log, exit non-zero",
        ]
        return "\n".join(lines)


def kubectl_for(deploy: Deploy, environment: Environment) -> Kubectl:
    if environment.allowed_contexts and environment.context not in environment.allowed_contexts:
        raise LifecycleError(
            f"{environment.name} may only deploy to the kube contexts "
            f"{', '.join(environment.allowed_contexts)}, not {environment.context!r}: "
            f"fix deploy.{environment.name}.context"
        )
    return Kubectl(deploy.kubectl, environment.context, environment.namespace)


def make_plan(
    project_dir: Path, deploy: Deploy, environment: Environment, pushed: PushedImage
) -> Plan:
    documents = render_overlay(deploy.kubectl, project_dir / environment.overlay, pushed.by_digest)
    jobs = [doc for doc in documents if doc["kind"] == "Job"]
    others = [doc for doc in documents if doc["kind"] != "Job"]
    if len(jobs) != 1:
        raise LifecycleError(f"{environment.overlay} must render exactly one migration Job")
    job = jobs[0]
    # Jobs are immutable: one per image, so each deploy runs its own migration.
    job["metadata"]["name"] = f"{job['metadata']['name']}-{pushed.digest.split(':')[1][:12]}"
    return Plan(
        environment=environment,
        image=pushed.by_digest,
        migration_job=job["metadata"]["name"],
        job_manifest=to_yaml([job]),
        app_manifests=to_yaml(others),
        app_kinds=tuple(f"{doc['kind']}/{doc['metadata']['name']}" for doc in others),
    )


def failing_pod_report(kubectl: Kubectl) -> str:
    events = kubectl.tail(
        "get", "events", "--field-selector", "type=Warning", "--sort-by=.lastTimestamp"
    )
    lines = ["warning events:", *events.splitlines()[-10:]]
    pods_json = kubectl.tail("get", "pods", "-l", WEB_PODS, "-o", "json")
    try:
        pods = json.loads(pods_json).get("items", [])
    except json.JSONDecodeError:
        pods = []
    for pod in pods:
        statuses = pod.get("status", {}).get("containerStatuses", [])
        if any(not status.get("ready") for status in statuses):
            name = pod["metadata"]["name"]
            lines += [
                f"log of {name}:",
                *kubectl.tail("logs", name, f"--tail={LOG_LINES}").splitlines(),
            ]
            break
    return "\n".join(lines)


def run_migration(kubectl: Kubectl, plan: Plan, deploy: Deploy) -> None:
    print(f"[1/3] migration job/{plan.migration_job}", flush=True)
    kubectl.apply(plan.job_manifest)
    outcome = kubectl.wait_for_job(plan.migration_job, deploy.migration_timeout_seconds)
    if outcome != "Complete":
        log = kubectl.tail("logs", f"job/{plan.migration_job}", f"--tail={LOG_LINES}")
        print(log, flush=True)
        last = log.splitlines()[-1] if log else "no log"
        raise DeployFailed(
            f"migration job/{plan.migration_job} failed ({last}); nothing was rolled out"
        )


def roll_out(kubectl: Kubectl, plan: Plan, deploy: Deploy) -> None:
    print(f"[2/3] apply {', '.join(plan.app_kinds)}", flush=True)
    kubectl.apply(plan.app_manifests)
    print(f"[3/3] rollout of deployment/{DEPLOYMENT}", flush=True)
    try:
        kubectl(*rollout_status(deploy))
    except CommandFailed as failure:
        reason = failure.output_tail.strip().splitlines()[-1:] or ["no output"]
        print(failing_pod_report(kubectl), flush=True)
        print(f"rolling back deployment/{DEPLOYMENT}", flush=True)
        kubectl(*ROLLOUT_UNDO)
        try:
            kubectl(*rollout_status(deploy))
        except CommandFailed:
            raise DeployFailed(
                f"rollout of {plan.image} failed ({reason[0]}) and so did the rollback: "
                "inspect the cluster now"
            ) from None
        raise DeployFailed(
            f"rollout of {plan.image} failed ({reason[0]}); rolled back to the previous revision"
        ) from None


def execute(kubectl: Kubectl, plan: Plan, deploy: Deploy) -> None:
    run_migration(kubectl, plan, deploy)
    roll_out(kubectl, plan, deploy)
    print(f"deployed {plan.image} to {plan.environment.name}", flush=True)


def rollback(kubectl: Kubectl, deploy: Deploy) -> None:
    kubectl(*ROLLOUT_UNDO)
    kubectl(*rollout_status(deploy))
