"""Which docker CLI builds: one with buildx, else an engine-era CLI with DOCKER_BUILDKIT=1.

The CLIs here are small stand-in scripts that answer `version` and `buildx version` the way
real ones do; the real CLIs and engine are exercised by the image build itself.
"""

import stat
from pathlib import Path

import pytest

from lifecycle.adapters.buildkit import BuildCli, BuildRequest, build_argv, find_build_cli
from lifecycle.errors import BuildKitUnavailable


def stand_in_cli(folder: Path, name: str, version: str, has_buildx: bool) -> str:
    script = folder / name
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = buildx ]; then exit {0 if has_buildx else 1}; fi\n'
        f'if [ "$1" = version ]; then echo {version}; exit 0; fi\n'
        "exit 2\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_cli_with_buildx_builds_through_buildx(tmp_path):
    cli = stand_in_cli(tmp_path, "docker-new", "28.2.2", has_buildx=True)
    assert find_build_cli([cli]) == BuildCli((cli, "buildx", "build", "--load"))


def test_new_cli_without_buildx_is_skipped_for_an_engine_era_cli(tmp_path):
    new = stand_in_cli(tmp_path, "docker-new", "28.2.2", has_buildx=False)
    old = stand_in_cli(tmp_path, "docker-old", "20.10.24+dfsg1", has_buildx=False)
    assert find_build_cli([new, old]) == BuildCli((old, "build"), {"DOCKER_BUILDKIT": "1"})


def test_missing_clis_are_skipped(tmp_path):
    old = stand_in_cli(tmp_path, "docker-old", "20.10.24", has_buildx=False)
    assert find_build_cli([str(tmp_path / "absent"), old]).argv == (old, "build")


def test_no_usable_cli_is_a_clear_error(tmp_path):
    new = stand_in_cli(tmp_path, "docker-new", "28.2.2", has_buildx=False)
    with pytest.raises(BuildKitUnavailable, match="install the buildx plugin"):
        find_build_cli([new])


def test_build_command_carries_tags_args_labels_and_secrets():
    request = BuildRequest(
        context=Path("/src"),
        dockerfile=Path("/src/docker/Dockerfile"),
        tags=("app:abc", "app:edge"),
        build_args={"RUNTIME_IMAGE": "slim"},
        labels={"org.opencontainers.image.revision": "abc"},
        secrets={"ca_bundle": Path("/etc/ssl/ca.crt")},
    )
    argv = build_argv(BuildCli(("docker", "buildx", "build", "--load")), request)
    assert argv == [
        "docker", "buildx", "build", "--load", "--progress=plain",
        "--file", "/src/docker/Dockerfile",
        "--tag", "app:abc", "--tag", "app:edge",
        "--build-arg", "RUNTIME_IMAGE=slim",
        "--label", "org.opencontainers.image.revision=abc",
        "--secret", "id=ca_bundle,src=/etc/ssl/ca.crt",
        "/src",
    ]  # fmt: skip
