"""What the build checks in the image it made, and what it leaves behind, against the real
engine: the import check names a library the image lacks; the local slim base holds what the
official one installs; a rebuilt tag leaves no untagged image."""

import dataclasses

import docker.errors
import pytest

from lifecycle.errors import LifecycleError
from lifecycle.steps.bases import Role, local_name, official_name, resolve
from lifecycle.steps.build import check_imports, import_check_script, remove_if_untagged

# What python:3.11-slim-bookworm's own Dockerfile installs beyond Python, for apps to rely on.
OFFICIAL_SLIM_EXTRAS = ("ca-certificates", "netbase", "tzdata")
RELIED_ON_FILES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/services", "/usr/share/zoneinfo/UTC")


@pytest.fixture
def image_without(docker_client, images):
    """The app image with one of its files deleted, as a trimming mistake would leave it."""
    made = []

    def remove(path: str) -> str:
        container = docker_client.containers.run(
            images.app, ["sh", "-c", f"rm {path}"], user="0", detach=True
        )
        container.wait(timeout=60)
        image = container.commit("my-app-test/trimmed-too-far", str(len(made)))
        container.remove(force=True)
        made.append(image.id)
        return image.id

    yield remove
    for image_id in made:
        docker_client.images.remove(image_id, force=True)


def test_the_import_check_passes_on_the_built_image(tools, docker_client, images):
    script = import_check_script(tools.settings)
    assert check_imports(docker_client, images.app, script).startswith("imported ")


def test_the_import_check_fails_on_a_missing_library(tools, docker_client, image_without):
    broken = image_without("/usr/lib/x86_64-linux-gnu/libmariadb.so.3")
    with pytest.raises(LifecycleError, match=r"cannot import MySQLdb.*libmariadb\.so\.3"):
        check_imports(docker_client, broken, import_check_script(tools.settings))


def packages_in(docker_client, image: str) -> str:
    script = "dpkg-query -W -f '${Package} ${Status}\\n' " + " ".join(OFFICIAL_SLIM_EXTRAS)
    return docker_client.containers.run(image, ["sh", "-c", script], remove=True).decode()


def files_in(docker_client, image: str) -> list[str]:
    script = " && ".join(f"test -s {path}" for path in RELIED_ON_FILES) + " && echo ok"
    return docker_client.containers.run(image, ["sh", "-c", script], remove=True).decode()


def test_the_local_slim_base_installs_what_the_official_one_does(tools, docker_client):
    local = dataclasses.replace(tools.settings.bases, policy="local")
    local_tools = tools.with_settings(dataclasses.replace(tools.settings, bases=local))
    image = resolve(local_tools, Role.PYTHON_RUNTIME).reference
    assert image == local_name(tools.settings, Role.PYTHON_RUNTIME)
    listed = packages_in(docker_client, image).splitlines()
    assert listed == [f"{name} install ok installed" for name in OFFICIAL_SLIM_EXTRAS]
    assert files_in(docker_client, image).strip() == "ok"
    official = official_name(tools.settings, Role.PYTHON_RUNTIME)
    try:
        docker_client.images.get(official)
    except docker.errors.ImageNotFound:
        return  # no registry here: the official image's Dockerfile is the comparison above
    assert files_in(docker_client, official).strip() == "ok"


def test_a_rebuilt_tag_leaves_no_untagged_image(docker_client, images):
    container = docker_client.containers.create(images.app)
    try:
        previous = container.commit("my-app-test/rebuilt", "1")
    finally:
        container.remove(force=True)
    remove_if_untagged(docker_client, {previous.id})
    assert docker_client.images.get(previous.id)  # still tagged: kept
    docker_client.images.remove("my-app-test/rebuilt:1", noprune=True)
    remove_if_untagged(docker_client, {previous.id})
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(previous.id)
