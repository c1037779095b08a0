"""The app image: docker/Dockerfile built with BuildKit on the resolved base images."""

import datetime
from dataclasses import dataclass

import docker

from lifecycle.base_images import Role, resolve
from lifecycle.buildkit import BuildCli, BuildRequest, build
from lifecycle.config import Settings
from lifecycle.lockfile import check_lock_is_current
from lifecycle.tags import Revision, current_revision, image_tags, oci_labels, source_url

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
        build_args={"BUILDER_IMAGE": builder_image, "RUNTIME_IMAGE": runtime_image},
        labels=oci_labels(
            revision, datetime.datetime.now(datetime.UTC), source_url(settings.project_dir)
        ),
        secrets=secrets,
    )


def build_app_image(client: docker.DockerClient, settings: Settings, cli: BuildCli) -> BuiltImage:
    check_lock_is_current(settings.project_dir)
    revision = current_revision(settings.project_dir)
    builder = resolve(client, settings, cli, Role.PYTHON_BUILD)
    runtime = resolve(client, settings, cli, Role.PYTHON_RUNTIME)
    request = build_request(settings, revision, builder.reference, runtime.reference)
    print(f"building {', '.join(request.tags)} on {builder.reference} / {runtime.reference}")
    build(cli, request)
    image = client.images.get(request.tags[0])
    return BuiltImage(revision=revision, tags=request.tags, image_id=image.id)
