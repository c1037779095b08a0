"""The app image: docker/Dockerfile built with BuildKit on the resolved base images, from a
context of only what the image is made of, then proven to import what it installed."""

import datetime
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from lifecycle.adapters.buildkit import BuildRequest, build
from lifecycle.adapters.engine import OneOffFailed, run_once
from lifecycle.adapters.git import Revision, current_revision, image_tags, oci_labels, source_url
from lifecycle.adapters.syft import write_sbom
from lifecycle.errors import LifecycleError
from lifecycle.settings import Settings
from lifecycle.steps import build_context
from lifecycle.steps.app_checks import check_app
from lifecycle.steps.bases import LOCAL_SOURCES, ResolvedImage, Role, resolve
from lifecycle.steps.sbom import sbom_path
from lifecycle.toolchain import Toolchain

CA_BUNDLE_SECRET_ID = "ca_bundle"


def import_check_script(settings: Settings) -> Path:
    return settings.project_dir / build_context.BUILD_SCRIPTS_FOLDER / "import_check.py"


@dataclass(frozen=True)
class BuiltImage:
    revision: Revision
    tags: tuple[str, ...]
    image_id: str

    @property
    def primary_tag(self) -> str:
        return self.tags[0]


def current_tag(settings: Settings) -> str:
    """The app image's tag for the checkout as it is now: what `invoke build` makes."""
    revision = current_revision(settings.project_dir)
    return image_tags(settings.repository, revision, settings.moving_tag)[0]


def build_args(settings: Settings, builder_image: str, runtime_image: str) -> dict[str, str]:
    app = settings.app
    return {
        "BUILDER_IMAGE": builder_image,
        "RUNTIME_IMAGE": runtime_image,
        "APP_PORT": str(app.port),
        "DJANGO_SETTINGS_MODULE": app.settings_module,
        "ASGI_APPLICATION": app.asgi_application,
        "BUILD_ENVIRONMENT": shlex.join(f"{k}={v}" for k, v in app.build_environment.items()),
        "BUILD_COMMANDS": app.build_commands,
        "RUNTIME_PACKAGES": " ".join(app.runtime_packages),
    }


def base_labels(client: docker.DockerClient, runtime: ResolvedImage) -> dict[str, str]:
    """OCI labels naming the base the runtime image was made from, as it really was: the
    registry digest of an official image, or the ID of one built here."""
    image = client.images.get(runtime.reference)
    digests = [entry.split("@", 1)[1] for entry in image.attrs.get("RepoDigests") or []]
    return {
        "org.opencontainers.image.base.name": runtime.reference,
        "org.opencontainers.image.base.digest": digests[0] if digests else image.id,
    }


def warn_about_local_bases(resolved: list[ResolvedImage]) -> None:
    local = [image.reference for image in resolved if image.source in LOCAL_SOURCES]
    if local:
        print(
            f"warning: {', '.join(local)} were built here from Debian, not pulled (no registry "
            "reached): fine for tests; a release build should set bases.policy=official"
        )


def build_secrets(settings: Settings) -> dict[str, Path]:
    """The CA bundle for pip behind a TLS proxy, when there is one: a secret, never a layer."""
    if settings.ca_bundle is not None and settings.ca_bundle.is_file():
        return {CA_BUNDLE_SECRET_ID: settings.ca_bundle}
    return {}


def build_request(
    settings: Settings,
    context: Path,
    revision: Revision,
    builder_image: str,
    runtime_image: str,
    base: dict[str, str],
) -> BuildRequest:
    created = datetime.datetime.now(datetime.UTC)
    return BuildRequest(
        context=context,
        dockerfile=settings.project_dir / "docker" / "Dockerfile",
        tags=image_tags(settings.repository, revision, settings.moving_tag),
        build_args=build_args(settings, builder_image, runtime_image),
        labels={
            **oci_labels(settings.repository, revision, created, source_url(settings.project_dir)),
            **base,
        },
        secrets=build_secrets(settings),
    )


def tagged_ids(client: docker.DockerClient, tags: tuple[str, ...]) -> set[str]:
    ids = set()
    for tag in tags:
        try:
            ids.add(client.images.get(tag).id)
        except docker.errors.ImageNotFound:
            continue
    return ids


def remove_if_untagged(client: docker.DockerClient, image_ids: set[str]) -> None:
    """The images these tags named before a rebuild, once nothing names them any more."""
    for image_id in image_ids:
        try:
            if not client.images.get(image_id).tags:
                client.images.remove(image_id)
        except docker.errors.APIError:
            continue  # gone already, or a container still uses it


def check_imports(client: docker.DockerClient, tag: str, script: Path) -> str:
    """Import every module the image's packages provide, as production runs it (nobody, on a
    read-only root); one line saying what, or why not."""
    try:
        return run_once(client, tag, ["python", "-c", script.read_text()]).strip()
    except OneOffFailed as failure:
        lines = failure.output.strip().splitlines()
        reason = lines[-1] if lines else str(failure)
        raise LifecycleError(f"{tag} fails its import check: {reason}") from None


def build_app_image(tools: Toolchain) -> BuiltImage:
    """Build and tag the image for the checkout as it is now."""
    settings = tools.settings
    check_app(settings)
    client = tools.docker  # an unreachable engine fails before any build work
    revision = current_revision(settings.project_dir)
    builder = resolve(tools, Role.PYTHON_BUILD)
    runtime = resolve(tools, Role.PYTHON_RUNTIME)
    warn_about_local_bases([builder, runtime])
    with tempfile.TemporaryDirectory(prefix="build-context-") as context:
        build_context.assemble(settings, Path(context))
        request = build_request(
            settings,
            Path(context),
            revision,
            builder.reference,
            runtime.reference,
            base_labels(client, runtime),
        )
        previous = tagged_ids(client, request.tags)
        print(f"building {', '.join(request.tags)} on {builder.reference} / {runtime.reference}")
        build(tools.build_cli, request)
    image = client.images.get(request.tags[0])
    remove_if_untagged(client, previous - {image.id})
    try:
        print(check_imports(client, request.tags[0], import_check_script(settings)))
        print(f"SBOM: {write_sbom(request.tags[0], sbom_path(settings, request.tags[0]))}")
    except LifecycleError:
        for tag in request.tags:  # no tag names an image that cannot run its own packages
            client.images.remove(tag, noprune=False)
        raise
    return BuiltImage(revision=revision, tags=request.tags, image_id=image.id)
