"""Image builds with BuildKit, through whichever configured docker CLI can do them."""

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle.adapters.commands import CommandFailed, run
from lifecycle.errors import BuildKitUnavailable

# From 23.0 the CLI builds with BuildKit only through buildx; older ones have it built in.
FIRST_CLI_WITHOUT_BUILTIN_BUILDKIT = 23


@dataclass(frozen=True)
class BuildCli:
    """How to start a BuildKit build: the command's first words and the environment it needs."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)


def probe(argv: Sequence[str]) -> str | None:
    """A capability check: the command's output when it succeeds, None when it fails."""
    try:
        return run(argv, stream=False, echo=False)
    except CommandFailed:
        return None


def client_major_version(cli: str) -> int | None:
    version = (probe([cli, "version", "--format", "{{.Client.Version}}"]) or "").strip()
    if not version or not version.split(".")[0].isdigit():
        return None
    return int(version.split(".")[0])


def find_build_cli(candidates: Sequence[str]) -> BuildCli:
    """The first candidate that builds with BuildKit: with buildx, or an engine-era CLI."""
    for cli in candidates:
        if shutil.which(cli) is None:
            continue
        if probe([cli, "buildx", "version"]) is not None:
            return BuildCli((cli, "buildx", "build", "--load"))
        major = client_major_version(cli)
        if major is not None and major < FIRST_CLI_WITHOUT_BUILTIN_BUILDKIT:
            return BuildCli((cli, "build"), {"DOCKER_BUILDKIT": "1"})
    raise BuildKitUnavailable(
        f"none of the docker CLIs in docker.build_clis ({' '.join(candidates)}) can build with "
        "BuildKit: install the buildx plugin, or set INVOKE_DOCKER_BUILD_CLIS to a CLI that can"
    )


@dataclass(frozen=True)
class BuildRequest:
    context: Path
    dockerfile: Path
    tags: tuple[str, ...]
    build_args: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, Path] = field(default_factory=dict)


def build_argv(cli: BuildCli, request: BuildRequest) -> list[str]:
    argv = [*cli.argv, "--progress=plain", "--file", str(request.dockerfile)]
    for tag in request.tags:
        argv += ["--tag", tag]
    for name, value in request.build_args.items():
        argv += ["--build-arg", f"{name}={value}"]
    for name, value in request.labels.items():
        argv += ["--label", f"{name}={value}"]
    for secret_id, path in request.secrets.items():
        argv += ["--secret", f"id={secret_id},src={path}"]
    return [*argv, str(request.context)]


def build(cli: BuildCli, request: BuildRequest) -> None:
    """Build and tag the image, streaming BuildKit's progress."""
    run(build_argv(cli, request), env={**os.environ, **cli.env})
