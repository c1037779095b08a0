"""Invoke tasks that build, size, ship and deploy the app: `invoke --list`, `invoke --help TASK`.

Each task is its arguments and one library call; settings live in invoke.yaml.
"""

import functools
from collections.abc import Callable

from invoke import Collection, Context, task
from invoke.exceptions import Exit

from lifecycle.errors import LifecycleError
from lifecycle.steps import bases, build_bench, deploy, deps, push, sbom, size, static, up
from lifecycle.steps.build import build_app_image, current_tag
from lifecycle.toolchain import Toolchain


def one_line_errors(task_body: Callable) -> Callable:
    """The library's user errors end a task with one line and exit 1, never a traceback."""

    @functools.wraps(task_body)
    def wrapper(*args, **kwargs):
        try:
            return task_body(*args, **kwargs)
        except LifecycleError as error:
            raise Exit(error.one_line(), code=1) from None

    return wrapper


@task(name="deps")
@one_line_errors
def install_deps(c: Context) -> None:
    """Install the locked dependencies (app and tooling) with `pipenv sync --dev`."""
    deps.sync(Toolchain())


@task(name="static")
@one_line_errors
def collect_static(c: Context) -> None:
    """Collect static files into the app's STATIC_ROOT, hashed and compressed, as the image does."""
    static.collect(Toolchain())


@task(help={"only": "comma-separated roles: python_build,python_runtime,mysql,registry,proxy"})
@one_line_errors
def images(c: Context, only: str = "") -> None:
    """Make the base images available: official where they can be had, else built from Debian."""
    print(bases.report(Toolchain(), only))


@task
@one_line_errors
def build(c: Context) -> None:
    """Build the app image with BuildKit; tags: the commit (with -dirty) and the moving tag."""
    built = build_app_image(Toolchain())
    print(f"built {', '.join(built.tags)} ({built.image_id[:19]})")


@task(name="size", help={"tag": "image to measure (default: the current commit's tag)"})
@one_line_errors
def image_size(c: Context, tag: str = "") -> None:
    """Print the image's layers and fail when its uncompressed size is over image.budget_mb."""
    print(size.report(Toolchain(), tag))


@task(name="sbom", help={"tag": "image to describe (default: the current commit's tag)"})
@one_line_errors
def software_bill(c: Context, tag: str = "") -> None:
    """Summarise the image's SBOM (SPDX, by syft): packages by kind and the Python ones."""
    tools = Toolchain()
    print(sbom.summary(tools, tag or current_tag(tools.settings)))


@task(name="bench-build")
@one_line_errors
def bench_build(c: Context) -> None:
    """Time a cold build, a code-only rebuild and a lock-change rebuild; print a table."""
    print(build_bench.benchmark_builds(Toolchain()))


@task(
    name="push",
    help={
        "tag": "local image to push (default: the current commit's tag)",
        "force": "push even a -dirty or over-budget image",
    },
)
@one_line_errors
def push_image(c: Context, tag: str = "", force: bool = False) -> None:
    """Push the image and the moving tag to registry.address; record and verify the digest."""
    push.push_and_record(Toolchain(), tag, force)


@task(
    name="deploy",
    help={
        "env": "an environment named in invoke.yaml (deploy.environments)",
        "dry_run": "print the plan and the rendered manifests; touch nothing",
    },
)
@one_line_errors
def deploy_env(c: Context, env: str = "staging", dry_run: bool = False) -> None:
    """Deploy the last pushed digest: migration Job, apply, rollout status; undo on failure."""
    deploy.deploy_to(Toolchain(), env, dry_run)


@task(help={"env": "an environment named in invoke.yaml (deploy.environments)"})
@one_line_errors
def rollback(c: Context, env: str = "staging") -> None:
    """Undo the last rollout of the app (kubectl rollout undo) and wait for it."""
    deploy.rollback(Toolchain(), env)


@task(name="up", help={"port": "host port for the app (default: app.port in invoke.yaml)"})
@one_line_errors
def run_up(c: Context, port: int = 0) -> None:
    """Run the built image with MySQL on this machine, as production does, until Ctrl-C."""
    up.run_until_interrupted(Toolchain(), port)


namespace = Collection(
    install_deps,
    collect_static,
    images,
    build,
    image_size,
    software_bill,
    bench_build,
    push_image,
    deploy_env,
    rollback,
    run_up,
)
