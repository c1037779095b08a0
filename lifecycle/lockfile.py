"""Pipfile.lock must exist and match Pipfile before anything is installed or built from it."""

from pathlib import Path

from lifecycle.commands import CommandFailed, run
from lifecycle.errors import LifecycleError


def check_lock_is_current(project_dir: Path) -> None:
    if not (project_dir / "Pipfile.lock").exists():
        raise LifecycleError("Pipfile.lock is missing: run `pipenv lock` and commit it")
    try:
        run(["pipenv", "verify"], cwd=project_dir, stream=False)
    except CommandFailed as failure:
        if failure.returncode == 127:
            raise LifecycleError("pipenv is not installed: pip install pipenv") from None
        raise LifecycleError(
            "Pipfile.lock is out of date with Pipfile: run `pipenv lock` and commit both"
        ) from None
