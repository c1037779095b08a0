"""The Docker engine, through the Docker SDK, with one clear error when it cannot be reached."""

import docker
import docker.errors

from lifecycle.errors import EngineUnavailable, LifecycleError


def connect() -> docker.DockerClient:
    """A client for the daemon named by DOCKER_HOST (or the default socket) that answers."""
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise EngineUnavailable(
            f"cannot reach the Docker daemon ({error}): start Docker, or set DOCKER_HOST"
        ) from None
    return client


def local_image(client: docker.DockerClient, reference: str):
    """The local image, or one clear error saying how to make it."""
    try:
        return client.images.get(reference)
    except docker.errors.ImageNotFound:
        raise LifecycleError(f"no local image {reference}: run `invoke build` first") from None


def image_exists(client: docker.DockerClient, reference: str) -> bool:
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        return False
    return True


def image_label(client: docker.DockerClient, reference: str, label: str) -> str | None:
    """A label of a local image, or None when the image or the label is absent."""
    try:
        image = client.images.get(reference)
    except docker.errors.ImageNotFound:
        return None
    return (image.labels or {}).get(label)


class OneOffFailed(LifecycleError):
    """A one-off container exited non-zero; carries its output."""

    def __init__(self, command: list[str], status: int, output: str) -> None:
        self.output = output
        super().__init__(f"{' '.join(command)} failed (exit {status}): {output.strip()[-1000:]}")


def run_once(
    client: docker.DockerClient,
    image: str,
    command: list[str],
    env: dict[str, str] | None = None,
    network: str | None = None,
) -> str:
    """A one-off container of the image, as production runs it (its own user, read-only root,
    /tmp in memory); its output (stdout and stderr), or OneOffFailed with it."""
    container = client.containers.run(
        image,
        command,
        environment=env or {},
        network=network,
        read_only=True,
        tmpfs={"/tmp": "size=16m"},
        detach=True,
    )
    try:
        status = container.wait(timeout=180)["StatusCode"]
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    if status != 0:
        raise OneOffFailed(command, status, output)
    return output
