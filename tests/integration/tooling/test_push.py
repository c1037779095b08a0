"""invoke push against a real registry (distribution), with and without htpasswd auth."""

import dataclasses
import json
import subprocess
from pathlib import Path

import docker
import httpx
import pytest

from lifecycle.adapters.registry_api import SPDX, RegistryApi
from lifecycle.harness.stack import registry_address, registry_server
from lifecycle.settings import Registry, load_settings
from lifecycle.steps.push import Credentials, PushFailed, manifest_digest, push
from tests.invoke_cli import error_line, run_invoke

USER, PASSWORD = "ci", "correct-horse-battery"


@pytest.fixture(scope="module")
def open_registry(images) -> str:
    """The address of a registry that takes anonymous pushes."""
    with registry_server(images.registry) as registry:
        yield registry_address(registry)


@pytest.fixture(scope="module")
def locked_registry(images) -> str:
    """The address of a registry that demands USER and PASSWORD (htpasswd)."""
    with registry_server(images.registry, USER, PASSWORD) as registry:
        yield registry_address(registry)


@pytest.fixture
def clean_tag(docker_client, images):
    """The built image under a tag without -dirty, as a commit's build would be."""
    tag = "my-app:0123456789ab"
    docker_client.images.get(images.app).tag(tag)
    yield tag
    docker_client.images.remove(tag, noprune=True)


def settings_for(address: str):
    return dataclasses.replace(load_settings(), registry=Registry(address, "http"))


def test_push_records_the_digest_and_the_registry_serves_it(open_registry, clean_tag):
    client = docker.from_env()
    pushed = push(client, settings_for(open_registry), clean_tag, credentials=None)
    assert pushed.repository == f"{open_registry}/my-app"
    assert pushed.tag == "0123456789ab"
    assert pushed.digest.startswith("sha256:")
    api = RegistryApi("http", open_registry, None)
    assert manifest_digest(api, "my-app", "edge") == pushed.digest
    pulled = client.images.pull(pushed.by_digest)
    assert pulled.id == client.images.get(clean_tag).id
    client.images.remove(pushed.by_digest, noprune=True)


def test_push_with_htpasswd_credentials(locked_registry, clean_tag):
    credentials = Credentials(USER, PASSWORD)
    pushed = push(docker.from_env(), settings_for(locked_registry), clean_tag, credentials)
    api = RegistryApi("http", locked_registry, (USER, PASSWORD))
    served = manifest_digest(api, "my-app", pushed.tag)
    assert served == pushed.digest
    anonymous = httpx.get(f"http://{locked_registry}/v2/my-app/tags/list")
    assert anonymous.status_code == 401


def invoke_push(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    record = str(tmp_path / "pushed.json")
    return run_invoke("push", *args, INVOKE_DEPLOY_PUSHED_RECORD=record, **env)


def test_wrong_credentials_give_one_clear_line(locked_registry, clean_tag, tmp_path):
    result = invoke_push(
        tmp_path,
        "--tag",
        clean_tag,
        INVOKE_REGISTRY_ADDRESS=locked_registry,
        REGISTRY_USERNAME=USER,
        REGISTRY_PASSWORD="wrong",
    )
    assert result.returncode == 1
    assert error_line(result.stderr).startswith(f"error: login to {locked_registry} as ci failed")
    assert error_line(result.stderr).endswith("check REGISTRY_USERNAME and REGISTRY_PASSWORD")
    assert not (tmp_path / "pushed.json").exists()


def test_unreachable_registry_gives_one_clear_line(clean_tag, tmp_path):
    result = invoke_push(tmp_path, "--tag", clean_tag, INVOKE_REGISTRY_ADDRESS="localhost:9")
    assert result.returncode == 1
    assert error_line(result.stderr).startswith(
        "error: push of localhost:9/my-app:0123456789ab failed"
    )
    assert not (tmp_path / "pushed.json").exists()
    assert not docker.from_env().images.list(name="localhost:9/my-app")


def test_invoke_push_records_what_deploy_will_use_and_pushes_the_sbom(
    open_registry, clean_tag, tmp_path
):
    result = invoke_push(tmp_path, "--tag", clean_tag, INVOKE_REGISTRY_ADDRESS=open_registry)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "pushed.json").read_text())
    assert record["repository"] == f"{open_registry}/my-app"
    sbom = (tmp_path / "pushed.spdx.json").read_bytes()
    assert json.loads(sbom)["spdxVersion"].startswith("SPDX-")
    api = RegistryApi("http", open_registry, None)
    artifact = api.manifest("my-app", f"{record['digest'].replace(':', '-')}.sbom").json()
    assert artifact["artifactType"] == SPDX
    assert artifact["subject"]["digest"] == record["digest"]
    layer = artifact["layers"][0]["digest"]
    assert httpx.get(f"http://{open_registry}/v2/my-app/blobs/{layer}").content == sbom


def test_dirty_and_over_budget_images_are_refused_unless_forced(
    open_registry, docker_client, images, clean_tag
):
    settings = settings_for(open_registry)
    docker_client.images.get(images.app).tag("my-app:0123456789ab-dirty")
    try:
        with pytest.raises(PushFailed, match=r"uncommitted changes: commit and rebuild, or push"):
            push(docker.from_env(), settings, "my-app:0123456789ab-dirty", None)
        pushed = push(docker.from_env(), settings, "my-app:0123456789ab-dirty", None, force=True)
        assert pushed.tag == "0123456789ab-dirty"
    finally:
        docker_client.images.remove("my-app:0123456789ab-dirty", noprune=True)
    tiny_budget = dataclasses.replace(settings, budget_mb=1)
    with pytest.raises(PushFailed, match=r"over its 1 MB budget.*--force"):
        push(docker.from_env(), tiny_budget, clean_tag, None)
