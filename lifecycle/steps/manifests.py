"""The manifests an environment gets: its kustomize overlay, with what invoke.yaml holds set
over it by kustomize (namespace, the app's port, the migration deadline, the image).

The overlays name none of these, so each has one home; `invoke deploy` and `nox -s manifests`
render through the same function.
"""

from pathlib import Path

from lifecycle.adapters.commands import run
from lifecycle.adapters.kustomize import image_name, images_of, kustomize, render_over, to_yaml
from lifecycle.settings import Environment, Settings
from lifecycle.steps import policy
from lifecycle.toolchain import Toolchain

WEB_PODS = "app.kubernetes.io/component=web"
MIGRATION_PODS = "app.kubernetes.io/component=migrate"


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
    fields: dict = {"namespace": environment.namespace, "patches": settings_patches(settings)}
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
    return render_over(settings.deploy.kubectl, overlay, fields)


def check(tools: Toolchain, out_dir: Path) -> None:
    """Render every environment, validate against the Kubernetes schemas, apply our policy."""
    settings = tools.settings
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = []
    for environment in settings.deploy.environments.values():
        target = out_dir / f"{environment.name}.yaml"
        target.write_text(to_yaml(render_environment(settings, environment)))
        rendered.append(target)
    run(["kubernetes-validate", "--strict", "--quiet", *map(str, rendered)])
    policy.check_files(rendered)
