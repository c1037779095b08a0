"""The app image: docker/Dockerfile built with BuildKit on the resolved base images."""

import datetime
from dataclasses import dataclass

from lifecycle.adapters.buildkit import BuildRequest, build
from lifecycle.adapters.git import Revision, current_revision, image_tags, oci_labels, source_url
from lifecycle.adapters.pipenv import check_lock_is_current
from lifecycle.settings import Settings
from lifecycle.steps.bases import Role, resolve
from lifecycle.toolchain import Toolchain

CA_BUNDLE_SECRET_ID = "ca_bundle"


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


def build_request(
    settings: Settings, revision: Revision, builder_image: str, runtime_image: str
) -> BuildRequest:
    secrets = {}
    if settings.ca_bundle is not None and settings.ca_bundle.is_file():
        secrets[CA_BUNDLE_SECRET_ID] = settings.ca_bundle
    return BuildRequest(
        context=settings.project_dir,
        dockerfile=settings.project_dir / "docker" / "Dockerfile",
        tags=image_tags(settings.repository, revision, settings.moving_tag),
        build_args={
            "BUILDER_IMAGE": builder_image,
            "RUNTIME_IMAGE": runtime_image,
            "APP_PORT": str(settings.app.port),
        },
        labels=oci_labels(
            revision, datetime.datetime.now(datetime.UTC), source_url(settings.project_dir)
        ),
        secrets=secrets,
    )


def build_app_image(tools: Toolchain) -> BuiltImage:
    """Build and tag the image for the checkout as it is now."""
    settings, client = tools.settings, tools.docker  # an unreachable engine fails before any work
    check_lock_is_current(settings.project_dir)
    revision = current_revision(settings.project_dir)
    builder = resolve(tools, Role.PYTHON_BUILD)
    runtime = resolve(tools, Role.PYTHON_RUNTIME)
    request = build_request(settings, revision, builder.reference, runtime.reference)
    print(f"building {', '.join(request.tags)} on {builder.reference} / {runtime.reference}")
    build(tools.build_cli, request)
    image = client.images.get(request.tags[0])
    return BuiltImage(revision=revision, tags=request.tags, image_id=image.id)
