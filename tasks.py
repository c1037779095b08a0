"""Invoke tasks that build, size, ship and deploy the app: `invoke --list`, `invoke --help TASK`."""

import os

from invoke import Collection, Context, task

from lifecycle import deploy as deployment
from lifecycle import local_run, registry
from lifecycle.app_image import build_app_image, current_tag
from lifecycle.base_images import Role, resolve, resolve_all, roles_named
from lifecycle.build_bench import benchmark_builds
from lifecycle.buildkit import find_build_cli
from lifecycle.cli import one_line_errors
from lifecycle.commands import run
from lifecycle.config import settings_from
from lifecycle.engine import connect
from lifecycle.lockfile import check_lock_is_current
from lifecycle.size import check_budget, image_layers, image_size_bytes, layer_table
from lifecycle.tables import render_table


@task
@one_line_errors
def deps(c: Context) -> None:
    """Install the locked dependencies (app and tooling) with `pipenv sync --dev`."""
    settings = settings_from(c.config)
    check_lock_is_current(settings.project_dir)
    run(["pipenv", "sync", "--dev"], cwd=settings.project_dir)


@task
@one_line_errors
def static(c: Context) -> None:
    """Collect static files into my_app/staticfiles, hashed and compressed, as the image does."""
    settings = settings_from(c.config)
    env = {**os.environ, "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "collectstatic")}
    run(
        ["pipenv", "run", "python", "manage.py", "collectstatic", "--noinput"],
        cwd=settings.project_dir / "my_app",
        env=env,
    )


@task(help={"only": "comma-separated roles: python_build,python_runtime,mysql,registry"})
@one_line_errors
def images(c: Context, only: str = "") -> None:
    """Make the base images available: official where they can be had, else built from Debian."""
    settings = settings_from(c.config)
    roles = roles_named(only)
    client = connect()
    cli = find_build_cli(settings.build_clis)
    resolved = resolve_all(client, settings, cli, roles)
    print(
        render_table(
            ("role", "image", "source"), [(r.role.value, r.reference, r.source) for r in resolved]
        )
    )


@task
@one_line_errors
def build(c: Context) -> None:
    """Build the app image with BuildKit; tags: the commit (with -dirty) and the moving tag."""
    settings = settings_from(c.config)
    client = connect()
    built = build_app_image(client, settings, find_build_cli(settings.build_clis))
    print(f"built {', '.join(built.tags)} ({built.image_id[:19]})")


@task(help={"tag": "image to measure (default: the current commit's tag)"})
@one_line_errors
def size(c: Context, tag: str = "") -> None:
    """Print the image's layers and fail when its uncompressed size is over image.budget_mb."""
    settings = settings_from(c.config)
    client = connect()
    reference = tag or current_tag(settings)
    print(layer_table(image_layers(client, reference)))
    print(check_budget(reference, image_size_bytes(client, reference), settings.budget_mb))


@task(name="bench-build")
@one_line_errors
def bench_build(c: Context) -> None:
    """Time a cold build, a code-only rebuild and a lock-change rebuild; print a table."""
    settings = settings_from(c.config)
    client = connect()
    print(benchmark_builds(client, settings, find_build_cli(settings.build_clis)))


@task(
    help={
        "tag": "local image to push (default: the current commit's tag)",
        "force": "push even a -dirty or over-budget image",
    }
)
@one_line_errors
def push(c: Context, tag: str = "", force: bool = False) -> None:
    """Push the image and the moving tag to registry.address; record and verify the digest."""
    settings = settings_from(c.config)
    client = connect()
    local = tag or current_tag(settings)
    pushed = registry.push(client, settings, local, registry.credentials_from_environment(), force)
    registry.record(pushed, settings.project_dir / settings.deploy.pushed_record)
    print(f"pushed {pushed.repository}:{pushed.tag} as {pushed.by_digest}")


@task(
    help={
        "env": "staging or production",
        "dry_run": "print the plan and the rendered manifests; touch nothing",
    }
)
@one_line_errors
def deploy(c: Context, env: str = "staging", dry_run: bool = False) -> None:
    """Deploy the last pushed digest: migration Job, apply, rollout status; undo on failure."""
    settings = settings_from(c.config)
    environment = settings.deploy.environment(env)
    kubectl = deployment.kubectl_for(settings.deploy, environment)
    pushed = registry.last_pushed(settings.project_dir / settings.deploy.pushed_record)
    plan = deployment.make_plan(settings.project_dir, settings.deploy, environment, pushed)
    print(plan.describe(kubectl, settings.deploy))
    if dry_run:
        print("--- migration job ---")
        print(plan.job_manifest)
        print("--- application ---")
        print(plan.app_manifests)
        return
    deployment.execute(kubectl, plan, settings.deploy)


@task(help={"env": "staging or production"})
@one_line_errors
def rollback(c: Context, env: str = "staging") -> None:
    """Undo the last rollout of the app (kubectl rollout undo) and wait for it."""
    settings = settings_from(c.config)
    environment = settings.deploy.environment(env)
    deployment.rollback(deployment.kubectl_for(settings.deploy, environment), settings.deploy)


@task(help={"port": "host port for the app (default 8000)"})
@one_line_errors
def up(c: Context, port: int = 8000) -> None:
    """Run the built image with MySQL on this machine, as production does, until Ctrl-C."""
    settings = settings_from(c.config)
    client = connect()
    cli = find_build_cli(settings.build_clis)
    mysql = resolve(client, settings, cli, Role.MYSQL)
    local_run.run_until_interrupted(
        client,
        current_tag(settings),
        mysql.reference,
        port,
    )


namespace = Collection(deps, static, images, build, size, bench_build, push, deploy, rollback, up)
