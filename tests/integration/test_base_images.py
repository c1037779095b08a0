"""Which base image each role gets: the official one when present, else the local one built
from Debian, rebuilt only when its recipe changes."""

import dataclasses

import pytest

from lifecycle.base_images import Role, local_name, resolve
from lifecycle.buildkit import find_build_cli
from lifecycle.config import settings_from
from lifecycle.errors import LifecycleError


@pytest.fixture(scope="module")
def settings():
    return settings_from()


@pytest.fixture(scope="module")
def cli(settings):
    return find_build_cli(settings.build_clis)


def with_policy(settings, policy: str, **names: str):
    return dataclasses.replace(
        settings, bases=dataclasses.replace(settings.bases, policy=policy, **names)
    )


def test_official_image_is_used_when_present(docker_client, settings, cli, images):
    official = "my-app-test/registry-official:2"
    docker_client.images.get(images["registry"]).tag(official)
    try:
        resolved = resolve(
            docker_client, with_policy(settings, "auto", registry=official), cli, Role.REGISTRY
        )
    finally:
        docker_client.images.remove(official, noprune=True)
    assert (resolved.reference, resolved.source) == (official, "present")


def test_local_equivalent_with_an_unchanged_recipe_is_not_rebuilt(docker_client, settings, cli):
    resolve(docker_client, with_policy(settings, "local"), cli, Role.MYSQL)  # built if missing
    image_id = docker_client.images.get(local_name(settings, Role.MYSQL)).id
    again = resolve(docker_client, with_policy(settings, "local"), cli, Role.MYSQL)
    assert (again.reference, again.source) == ("my-app-local/mariadb:bookworm", "cached")
    assert docker_client.images.get(again.reference).id == image_id


def test_official_only_policy_without_the_image_is_a_clear_error(docker_client, settings, cli):
    missing = "my-app-test/not-in-any-registry:1"
    with pytest.raises(
        LifecycleError, match=r"is not present and cannot be pulled: .*INVOKE_BASES_POLICY=auto"
    ):
        resolve(docker_client, with_policy(settings, "official", mysql=missing), cli, Role.MYSQL)
