"""Which base image each role gets: the official one when present, else the local one built
from Debian, rebuilt only when its recipe changes."""

import dataclasses

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.steps.bases import Role, local_name, resolve
from lifecycle.toolchain import Toolchain


def with_policy(tools: Toolchain, policy: str, **names: str) -> Toolchain:
    settings = tools.settings
    policy_settings = dataclasses.replace(
        settings, bases=dataclasses.replace(settings.bases, policy=policy, **names)
    )
    return tools.with_settings(policy_settings)


def test_official_image_is_used_when_present(docker_client, tools, images):
    official = "my-app-test/registry-official:2"
    docker_client.images.get(images.registry).tag(official)
    try:
        resolved = resolve(with_policy(tools, "auto", registry=official), Role.REGISTRY)
    finally:
        docker_client.images.remove(official, noprune=True)
    assert (resolved.reference, resolved.source) == (official, "present")


def test_local_equivalent_with_an_unchanged_recipe_is_not_rebuilt(docker_client, tools):
    local = with_policy(tools, "local")
    resolve(local, Role.MYSQL)  # built if missing
    image_id = docker_client.images.get(local_name(tools.settings, Role.MYSQL)).id
    again = resolve(local, Role.MYSQL)
    assert (again.reference, again.source) == ("my-app-local/mariadb:bookworm", "cached")
    assert docker_client.images.get(again.reference).id == image_id


def test_official_only_policy_without_the_image_is_a_clear_error(tools):
    missing = "my-app-test/not-in-any-registry:1"
    with pytest.raises(
        LifecycleError, match=r"is not present and cannot be pulled: .*INVOKE_BASES_POLICY=auto"
    ):
        resolve(with_policy(tools, "official", mysql=missing), Role.MYSQL)
