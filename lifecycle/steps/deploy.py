"""Deploy a pushed image: migration Job first, then apply and watch the rollout; undo on failure."""

import json
from dataclasses import dataclass

from lifecycle.adapters.commands import CommandFailed
from lifecycle.adapters.kubectl import APPLY, Kubectl
from lifecycle.adapters.kustomize import to_yaml
from lifecycle.errors import LifecycleError
from lifecycle.settings import Deploy, Environment, Settings
from lifecycle.steps.manifests import render_environment
from lifecycle.steps.push import PushedImage, last_pushed
from lifecycle.toolchain import Toolchain

DEPLOYMENT = "my-app"
WEB_PODS = "app.kubernetes.io/name=my-app,app.kubernetes.io/component=web"
LOG_LINES = 20
# The Job's controller records DeadlineExceeded a moment after its activeDeadlineSeconds; the
# client waits this much longer, so it reports the Job's own verdict instead of racing it.
JOB_VERDICT_MARGIN_SECONDS = 30


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
            f"  1. {' '.join(kubectl.argv(*delete_job(self.migration_job)))}"
            "   # a failed run of this image must not block this one",
            f"     {' '.join(kubectl.argv(*APPLY))}   # namespace, job/{self.migration_job}",
            f"  2. wait up to {migration_wait_seconds(deploy)}s for job/{self.migration_job} "
            f"(its deadline is {deploy.migration_timeout_seconds}s); "
            "if it fails: print its log and stop, applying nothing else",
            f"  3. {' '.join(kubectl.argv(*APPLY))}   # {', '.join(self.app_kinds)}"
            f" (replicas stay with the autoscaler: field manager {REPLICAS_HANDOVER})",
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
            f"fix deploy.environments.{environment.name}.context"
        )
    return Kubectl(deploy.kubectl, environment.context, environment.namespace)


def migration_wait_seconds(deploy: Deploy) -> int:
    return deploy.migration_timeout_seconds + JOB_VERDICT_MARGIN_SECONDS


# Applied first: the namespace the Job runs in, and the Job.
FIRST_KINDS = ("Namespace", "Job")
# A field manager of its own keeps spec.replicas set when the deploy's manifests leave it out.
REPLICAS_HANDOVER = "replicas-handover-to-hpa"


def make_plan(settings: Settings, environment: Environment, pushed: PushedImage) -> Plan:
    documents = render_environment(settings, environment, pushed.by_digest)
    jobs = [doc for doc in documents if doc["kind"] == "Job"]
    first = [doc for doc in documents if doc["kind"] in FIRST_KINDS]
    others = [doc for doc in documents if doc["kind"] not in FIRST_KINDS]
    if len(jobs) != 1:
        raise LifecycleError(f"{environment.overlay} must render exactly one migration Job")
    job = jobs[0]
    # Jobs are immutable: one per image, so each deploy runs its own migration.
    job["metadata"]["name"] = f"{job['metadata']['name']}-{pushed.digest.split(':')[1][:12]}"
    return Plan(
        environment=environment,
        image=pushed.by_digest,
        migration_job=job["metadata"]["name"],
        job_manifest=to_yaml(first),
        app_manifests=to_yaml(others),
        app_kinds=tuple(f"{doc['kind']}/{doc['metadata']['name']}" for doc in others),
    )


def delete_job(name: str) -> tuple[str, ...]:
    return ("delete", "job", name, "--ignore-not-found", "--wait")


def hand_replicas_to_the_autoscaler(kubectl: Kubectl) -> None:
    """Before the first apply without spec.replicas (after client-side applies that set it),
    a manager of its own takes the field at its current value, so removing it from our
    manifests does not scale the Deployment down to 1; the autoscaler moves it from there."""
    current = kubectl.replicas(DEPLOYMENT)
    if current is None:
        return
    handover = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": DEPLOYMENT},
        "spec": {"replicas": int(current)},
    }
    kubectl.apply(to_yaml([handover]), field_manager=REPLICAS_HANDOVER)


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
    kubectl(*delete_job(plan.migration_job))
    kubectl.apply(plan.job_manifest)
    outcome = kubectl.wait_for_job(plan.migration_job, migration_wait_seconds(deploy))
    if outcome != "Complete":
        log = kubectl.tail("logs", f"job/{plan.migration_job}", f"--tail={LOG_LINES}")
        print(log, flush=True)
        last = log.splitlines()[-1] if log else "no log"
        raise DeployFailed(
            f"migration job/{plan.migration_job} failed ({last}); nothing was rolled out"
        )


def roll_out(kubectl: Kubectl, plan: Plan, deploy: Deploy) -> None:
    print(f"[2/3] apply {', '.join(plan.app_kinds)}", flush=True)
    hand_replicas_to_the_autoscaler(kubectl)
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


def deploy_to(tools: Toolchain, env: str, dry_run: bool = False) -> None:
    """Deploy the last pushed digest to env; with dry_run, print the plan and the manifests."""
    settings = tools.settings
    environment = settings.deploy.environment(env)
    kubectl = kubectl_for(settings.deploy, environment)
    pushed = last_pushed(settings.project_dir / settings.deploy.pushed_record)
    plan = make_plan(settings, environment, pushed)
    print(plan.describe(kubectl, settings.deploy))
    if dry_run:
        print(f"--- migration job ---\n{plan.job_manifest}")
        print(f"--- application ---\n{plan.app_manifests}")
        return
    execute(kubectl, plan, settings.deploy)


def rollback(tools: Toolchain, env: str) -> None:
    """Undo the last rollout of the app in env and wait for it."""
    deploy_settings = tools.settings.deploy
    kubectl = kubectl_for(deploy_settings, deploy_settings.environment(env))
    kubectl(*ROLLOUT_UNDO)
    kubectl(*rollout_status(deploy_settings))
