"""The third-party images the project needs: the official ones where they can be had,
otherwise equivalents built here from Debian packages, each built once per recipe."""

import hashlib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import docker
import docker.errors

from lifecycle.adapters.buildkit import BuildRequest, build
from lifecycle.adapters.debian_rootfs import build_debian_image, recipe
from lifecycle.adapters.engine import image_exists, image_label
from lifecycle.errors import LifecycleError
from lifecycle.settings import Settings
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain

RECIPE_LABEL = "org.my-app.recipe"


class Role(Enum):
    PYTHON_BUILD = "python_build"
    PYTHON_RUNTIME = "python_runtime"
    MYSQL = "mysql"
    REGISTRY = "registry"
    PROXY = "proxy"


# The recipe under docker/base/ that makes each role's local equivalent; the local image is
# named after it and the Debian suite (python-slim.Dockerfile: my-app-local/python-slim:bookworm).
LOCAL_RECIPES = {
    Role.PYTHON_BUILD: "python-build.Dockerfile",
    Role.PYTHON_RUNTIME: "python-slim.Dockerfile",
    Role.MYSQL: "mariadb.Dockerfile",
    Role.REGISTRY: "registry.Dockerfile",
    Role.PROXY: "nginx.Dockerfile",
}


# Sources of an image built here from Debian rather than had from its registry.
LOCAL_SOURCES = ("built", "cached")


@dataclass(frozen=True)
class ResolvedImage:
    role: Role
    reference: str
    source: str  # present, pulled, built, or cached (a local one whose recipe is unchanged)


def roles_named(names: str) -> tuple[Role, ...]:
    """Roles from a comma-separated list; every role when it is empty."""
    try:
        roles = tuple(Role(name.strip()) for name in names.split(",") if name.strip())
    except ValueError:
        known = ",".join(role.value for role in Role)
        raise LifecycleError(f"unknown role in {names!r}: use some of {known}") from None
    return roles or tuple(Role)


def official_name(settings: Settings, role: Role) -> str:
    return getattr(settings.bases, role.value)


def local_name(settings: Settings, role: Role) -> str:
    recipe_name = LOCAL_RECIPES[role].removesuffix(".Dockerfile")
    return f"{settings.bases.local_prefix}/{recipe_name}:{settings.bases.debian_suite}"


def debian_name(settings: Settings) -> str:
    return f"{settings.bases.local_prefix}/debian:{settings.bases.debian_suite}-slim"


def try_official(client: docker.DockerClient, reference: str) -> str | None:
    """'pulled' when the official image could be pulled (a tag moves: a copy already here may
    be stale, so it is refreshed), 'present' when only a copy already here can be had, else
    None."""
    print(f"pulling {reference} ...", flush=True)
    try:
        client.images.pull(reference)
    except docker.errors.APIError as error:
        print(f"cannot pull {reference}: {error.explanation or error}", flush=True)
        return "present" if image_exists(client, reference) else None
    return "pulled"


def ensure_debian(client: docker.DockerClient, settings: Settings) -> str:
    tag = debian_name(settings)
    mirrors = (settings.bases.debian_mirror, settings.bases.debian_security_mirror)
    if image_label(client, tag, RECIPE_LABEL) == recipe(settings.bases.debian_suite, mirrors):
        return "cached"
    build_debian_image(client, tag, settings.bases.debian_suite, mirrors, RECIPE_LABEL)
    return "built"


def dockerfile_recipe(base_dir: Path, dockerfile: str, parent_id: str) -> str:
    """A digest of everything the local image is made from: its context files and its parent."""
    digest = hashlib.sha256(parent_id.encode())
    for path in sorted(base_dir.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(dockerfile.encode())
    return digest.hexdigest()


def ensure_local(tools: Toolchain, role: Role) -> str:
    client, settings = tools.docker, tools.settings
    ensure_debian(client, settings)
    base_dir = settings.project_dir / "docker" / "base"
    dockerfile = LOCAL_RECIPES[role]
    tag = local_name(settings, role)
    parent = debian_name(settings)
    wanted = dockerfile_recipe(base_dir, dockerfile, client.images.get(parent).id)
    if image_label(client, tag, RECIPE_LABEL) == wanted:
        return "cached"
    print(f"building {tag} from {dockerfile}", flush=True)
    build(
        tools.build_cli,
        BuildRequest(
            context=base_dir,
            dockerfile=base_dir / dockerfile,
            tags=(tag,),
            build_args={"DEBIAN_IMAGE": parent},
            labels={RECIPE_LABEL: wanted},
        ),
    )
    return "built"


def resolve(tools: Toolchain, role: Role) -> ResolvedImage:
    """The image to use for a role, following bases.policy; builds the local one if needed."""
    policy = tools.settings.bases.policy
    official = official_name(tools.settings, role)
    if policy in ("auto", "official"):
        source = try_official(tools.docker, official)
        if source:
            return ResolvedImage(role, official, source)
        if policy == "official":
            raise LifecycleError(
                f"{official} is not present and cannot be pulled: make a registry reachable, "
                "or set INVOKE_BASES_POLICY=auto to build a local equivalent from Debian"
            )
    source = ensure_local(tools, role)
    return ResolvedImage(role, local_name(tools.settings, role), source)


def report(tools: Toolchain, only: str = "") -> str:
    """Resolve the named roles (every role when empty) and tabulate where each image came from."""
    resolved = [resolve(tools, role) for role in roles_named(only)]
    rows = [(r.role.value, r.reference, r.source) for r in resolved]
    return render_table(("role", "image", "source"), rows)
