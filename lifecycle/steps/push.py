"""Push the built image to a registry, record its digest, and check the registry has it."""

import datetime
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import docker
import docker.errors

from lifecycle.adapters.engine import local_image
from lifecycle.adapters.registry_api import SPDX, RegistryApi, RegistryApiError
from lifecycle.errors import LifecycleError, OverBudget
from lifecycle.settings import Settings
from lifecycle.steps.build import current_tag
from lifecycle.steps.sbom import sbom_for
from lifecycle.steps.size import check_budget, image_size_bytes
from lifecycle.toolchain import Toolchain


class PushFailed(LifecycleError):
    """The registry refused the push, could not be reached, or does not show the manifest."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class PushedImage:
    repository: str  # registry/name, without tag
    tag: str
    digest: str
    pushed_at: str

    @property
    def by_digest(self) -> str:
        return f"{self.repository}@{self.digest}"


def credentials_from_environment() -> Credentials | None:
    """REGISTRY_USERNAME and REGISTRY_PASSWORD; without them the docker config is used."""
    username, password = os.environ.get("REGISTRY_USERNAME"), os.environ.get("REGISTRY_PASSWORD")
    if username and password:
        return Credentials(username, password)
    return None


def refuse_unless_forced(tag: str, size_bytes: int, budget_mb: float | None, force: bool) -> None:
    if force:
        return
    if tag.endswith("-dirty"):
        raise PushFailed(
            f"{tag} was built from uncommitted changes: commit and rebuild, or push with --force"
        )
    try:
        check_budget(tag, size_bytes, budget_mb)
    except OverBudget as over:
        raise PushFailed(f"{over}; push with --force to send it anyway") from None


def log_in(client: docker.DockerClient, address: str, credentials: Credentials | None) -> None:
    if credentials is None:
        return
    try:
        client.login(credentials.username, credentials.password, registry=address, reauth=True)
    except docker.errors.APIError as error:
        raise PushFailed(
            f"login to {address} as {credentials.username} failed "
            f"({error.explanation or error}): check REGISTRY_USERNAME and REGISTRY_PASSWORD"
        ) from None


def stream_push(client: docker.DockerClient, repository: str, tag: str) -> str:
    """Push one tag, printing progress; return the digest the registry reports."""
    digest = None
    last_status: dict[str, str] = {}
    try:
        for event in client.images.push(repository, tag, stream=True, decode=True):
            if "error" in event:
                raise PushFailed(
                    f"push of {repository}:{tag} failed: {event['error']}: check that the "
                    "registry is up at registry.address and the credentials are right"
                )
            if "aux" in event and "Digest" in event["aux"]:
                digest = event["aux"]["Digest"]
            status, layer = event.get("status", ""), event.get("id", "")
            if status and last_status.get(layer) != status and "progress" not in event:
                last_status[layer] = status
                print(f"  {layer + ': ' if layer else ''}{status}", flush=True)
    except docker.errors.APIError as error:
        raise PushFailed(
            f"push of {repository}:{tag} failed: {error.explanation or error}"
        ) from None
    if digest is None:
        raise PushFailed(f"push of {repository}:{tag} finished without a digest")
    return digest


def registry_api(settings: Settings, credentials: Credentials | None) -> RegistryApi:
    auth = (credentials.username, credentials.password) if credentials else None
    return RegistryApi(settings.registry.scheme, settings.registry.address, auth)


def manifest_digest(api: RegistryApi, name: str, tag: str) -> str | None:
    """The digest the registry's API serves for name:tag, or None when it has none."""
    try:
        served = api.manifest(name, tag)
    except RegistryApiError as error:
        raise PushFailed(str(error)) from None
    return served.headers.get("Docker-Content-Digest") if served else None


def push(
    client: docker.DockerClient,
    settings: Settings,
    local_tag: str,
    credentials: Credentials | None,
    force: bool = False,
) -> PushedImage:
    image = local_image(client, local_tag)
    tag = local_tag.rpartition(":")[2]
    refuse_unless_forced(local_tag, image_size_bytes(client, local_tag), settings.budget_mb, force)
    address = settings.registry.address
    repository = f"{address}/{settings.repository}"
    log_in(client, address, credentials)
    digest = None
    for push_tag in (tag, settings.moving_tag):
        # The registry-named tag exists only for the push, and goes whatever happens.
        image.tag(repository, push_tag)
        try:
            print(f"pushing {repository}:{push_tag}", flush=True)
            pushed = stream_push(client, repository, push_tag)
        finally:
            client.images.remove(f"{repository}:{push_tag}", noprune=True)
        digest = digest or pushed
    served = manifest_digest(registry_api(settings, credentials), settings.repository, tag)
    if served != digest:
        raise PushFailed(
            f"the registry serves {served or 'no manifest'} for {repository}:{tag}, "
            f"not the pushed {digest}"
        )
    return PushedImage(
        repository=repository,
        tag=tag,
        digest=digest,
        pushed_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    )


def record(pushed: PushedImage, path: Path) -> None:
    """Keep what was pushed, so deploy uses the digest, not a tag that can move."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(pushed), indent=2) + "\n")


def last_pushed(path: Path) -> PushedImage:
    if not path.exists():
        raise LifecycleError(
            f"nothing has been pushed from here ({path} is missing): run `invoke push`"
        )
    return PushedImage(**json.loads(path.read_text()))


def push_and_record(tools: Toolchain, tag: str = "", force: bool = False) -> PushedImage:
    """Push tag (default: the current checkout's image) and record it for `invoke deploy`."""
    settings = tools.settings
    local = tag or current_tag(settings)
    credentials = credentials_from_environment()
    pushed = push(tools.docker, settings, local, credentials, force)
    record_path = settings.project_dir / settings.deploy.pushed_record
    record(pushed, record_path)
    sbom = record_path.with_suffix(".spdx.json")
    shutil.copyfile(sbom_for(tools, local), sbom)
    print(f"pushed {pushed.repository}:{pushed.tag} as {pushed.by_digest}; its SBOM: {sbom}")
    api = registry_api(settings, credentials)
    sbom_tag = api.push_artifact(settings.repository, pushed.digest, sbom.read_bytes(), SPDX)
    print(f"pushed its SBOM beside it: {pushed.repository}:{sbom_tag}")
    return pushed
