"""The manifests an environment gets: its kustomize overlay, with what invoke.yaml holds set
over it by kustomize (namespace, host, ingress namespace, trusted proxies, the app's port, the
migration deadline, the image), its Namespace with the restricted Pod Security Standard, and
the app's process types.

The overlays name none of these, so each has one home; `invoke deploy` and `nox -s manifests`
render through the same function.
"""

import copy
from pathlib import Path

from lifecycle.adapters.commands import run, tool
from lifecycle.adapters.kustomize import image_name, images_of, kustomize, render_over, to_yaml
from lifecycle.settings import Environment, Process, Settings
from lifecycle.steps import policy
from lifecycle.toolchain import Toolchain

WEB_PODS = "app.kubernetes.io/component=web"
MIGRATION_PODS = "app.kubernetes.io/component=migrate"
COMPONENT = "app.kubernetes.io/component"
# What only a serving container has: a port, probes, and a delay for endpoints to drop it.
SERVING_ONLY = ("ports", "startupProbe", "readinessProbe", "livenessProbe", "lifecycle")


def environment_patches(environment: Environment) -> list[dict]:
    config = {
        "DJANGO_ALLOWED_HOSTS": environment.host,
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{environment.host}",
        "FORWARDED_ALLOW_IPS": environment.trusted_proxies,
    }
    ingress_namespace = {"kubernetes.io/metadata.name": environment.ingress_namespace}
    return [
        {
            "target": {"kind": "ConfigMap"},
            "patch": to_yaml(
                [[{"op": "add", "path": f"/data/{k}", "value": v} for k, v in config.items()]]
            ),
        },
        {
            "target": {"kind": "Ingress"},
            "patch": to_yaml(
                [
                    [
                        {"op": "add", "path": "/spec/rules/0/host", "value": environment.host},
                        {"op": "add", "path": "/spec/tls/0/hosts", "value": [environment.host]},
                    ]
                ]
            ),
        },
        {
            "target": {"kind": "NetworkPolicy"},
            "patch": yaml_patch(
                "replace",
                "/spec/ingress/0/from/0/namespaceSelector/matchLabels",
                ingress_namespace,
            ),
        },
    ]


def namespace(environment: Environment) -> dict:
    """The environment's namespace, keeping every pod in it to the restricted standard."""
    labels = {
        f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")
    }
    labels["pod-security.kubernetes.io/enforce-version"] = "latest"
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": environment.namespace, "labels": labels},
    }


def settings_patches(settings: Settings) -> list[dict]:
    port = [{"name": "http", "containerPort": settings.app.port}]
    deadline = settings.deploy.migration_timeout_seconds
    return [
        {
            "target": {"kind": "Deployment", "labelSelector": WEB_PODS},
            "patch": yaml_patch("add", "/spec/template/spec/containers/0/ports", port),
        },
        {
            "target": {"kind": "Job", "labelSelector": MIGRATION_PODS},
            "patch": yaml_patch("add", "/spec/activeDeadlineSeconds", deadline),
        },
    ]


def yaml_patch(op: str, path: str, value: object) -> str:
    return to_yaml([[{"op": op, "path": path, "value": value}]])


def render_environment(
    settings: Settings, environment: Environment, image: str | None = None
) -> list[dict]:
    """The environment's objects; with image (repo@sha256:...), pinned in place of whatever
    image the overlay names."""
    overlay = settings.project_dir / environment.overlay
    fields: dict = {
        "namespace": environment.namespace,
        "patches": settings_patches(settings) + environment_patches(environment),
    }
    if image is not None:
        repository, _, digest = image.partition("@")
        names = sorted(
            {
                image_name(ref)
                for doc in kustomize(settings.deploy.kubectl, overlay)
                for ref in images_of(doc)
            }
        )
        fields["images"] = [{"name": n, "newName": repository, "digest": digest} for n in names]
    documents = render_over(settings.deploy.kubectl, overlay, fields)
    web = next(doc for doc in documents if doc["kind"] == "Deployment" and is_web(doc))
    processes = [process_workload(web, process) for process in settings.app.processes]
    return [namespace(environment), *documents, *processes]


def is_web(document: dict) -> bool:
    return document["metadata"].get("labels", {}).get(COMPONENT) == "web"


def process_pod(web: dict, process: Process) -> dict:
    """The web pod's template (image, settings, resources, security), running the process's
    command instead of the server, with nothing that only serving needs."""
    template = copy.deepcopy(web["spec"]["template"])
    template["metadata"]["labels"][COMPONENT] = process.name
    container = template["spec"]["containers"][0]
    for key in SERVING_ONLY:
        container.pop(key, None)
    container["command"] = list(process.command)
    container["env"] = [e for e in container.get("env", []) if e["name"] != "WEB_CONCURRENCY"]
    return template


def process_workload(web: dict, process: Process) -> dict:
    """A Deployment for a process that runs forever; a CronJob for one with a schedule."""
    name = f"{web['metadata']['name']}-{process.name}"
    metadata = copy.deepcopy(web["metadata"])
    metadata.update(name=name, labels={**metadata.get("labels", {}), COMPONENT: process.name})
    template = process_pod(web, process)
    if process.schedule is None:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata,
            "spec": {
                "replicas": 1,
                # One at a time: a scheduler or an alert sender must not run twice.
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": template["metadata"]["labels"]},
                "template": template,
            },
        }
    template["spec"]["restartPolicy"] = "Never"
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata,
        "spec": {
            "schedule": process.schedule,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": {"backoffLimit": 1, "template": template}},
        },
    }


TRIVY_IGNORE_FILE = "k8s/trivy-ignore.yaml"


def third_party_policy(settings: Settings, rendered: list[Path]) -> None:
    """trivy's checks for Kubernetes, offline, failing on any finding not skipped (with its
    reason) in k8s/trivy-ignore.yaml."""
    ignore = settings.project_dir / TRIVY_IGNORE_FILE
    for path in rendered:
        run(
            [
                tool("trivy"),
                "config",
                "--skip-check-update",
                "--quiet",
                "--exit-code",
                "1",
                "--ignorefile",
                str(ignore),
                str(path),
            ]
        )
        print(f"{path}: trivy config finds nothing beyond the skips in {TRIVY_IGNORE_FILE}")


def check(tools: Toolchain, out_dir: Path) -> None:
    """Render every environment, validate against the Kubernetes schemas, apply our policy and
    trivy's."""
    settings = tools.settings
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = []
    for environment in settings.deploy.environments.values():
        target = out_dir / f"{environment.name}.yaml"
        target.write_text(to_yaml(render_environment(settings, environment)))
        rendered.append(target)
    run([tool("kubernetes-validate"), "--strict", "--quiet", *map(str, rendered)])
    policy.check_files(rendered)
    third_party_policy(settings, rendered)
