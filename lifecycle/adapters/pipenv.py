"""pipenv: whether Pipfile.lock is current, and its pins as requirements for pip (nox)."""

import re
from pathlib import Path

from lifecycle.adapters.commands import CommandFailed, run
from lifecycle.errors import LifecycleError

REQUIREMENT_NAME = re.compile(r"^([A-Za-z0-9_.\-]+)")


def check_lock_is_current(project_dir: Path) -> None:
    """Pipfile.lock must exist and match Pipfile before anything is installed or built from it."""
    if not (project_dir / "Pipfile").is_file():
        raise LifecycleError(f"no Pipfile in {project_dir}: fix app.pipfile_folder in invoke.yaml")
    if not (project_dir / "Pipfile.lock").exists():
        raise LifecycleError("Pipfile.lock is missing: run `pipenv lock` and commit it")
    try:
        run(["pipenv", "verify"], cwd=project_dir, stream=False, echo=False)
    except CommandFailed as failure:
        if failure.returncode == 127:
            raise LifecycleError("pipenv is not installed: pip install pipenv") from None
        raise LifecycleError(
            "Pipfile.lock is out of date with Pipfile: run `pipenv lock` and commit both"
        ) from None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_requirements(project_dir: Path, only: set[str] | None = None) -> str:
    """The locked default and dev requirements, or just the named ones, as requirements text."""
    text = run(["pipenv", "requirements", "--dev", "--hash"], cwd=project_dir, stream=False)
    wanted = {normalise(name) for name in only} if only else None
    lines = []
    for line in text.splitlines():
        match = REQUIREMENT_NAME.match(line)
        if not match:
            continue
        if wanted is None or normalise(match.group(1)) in wanted:
            lines.append(line)
    if wanted and len(lines) != len(wanted):
        found = {normalise(REQUIREMENT_NAME.match(line).group(1)) for line in lines}
        raise LookupError(f"not in Pipfile.lock: {', '.join(sorted(wanted - found))}")
    return "\n".join(lines) + "\n"


def requirement_name(line: str) -> str | None:
    match = REQUIREMENT_NAME.match(line)
    return normalise(match.group(1)) if match and not line.startswith("-") else None


def category_requirements_beside_app(project_dir: Path, category: str, app_dir: Path) -> str:
    """A Pipfile category's locked requirements, less the packages the app's own lock (in
    app_dir) pins: what to install beside the app without replacing any of its own."""
    default = run(["pipenv", "requirements", "--hash"], cwd=app_dir, stream=False)
    app_names = {requirement_name(line) for line in default.splitlines()} - {None}
    text = run(
        ["pipenv", "requirements", "--categories", category, "--hash"],
        cwd=project_dir,
        stream=False,
    )
    lines = [line for line in text.splitlines() if requirement_name(line) not in app_names | {None}]
    if not lines:
        raise LifecycleError(f"Pipfile.lock has no [{category}] packages: run `pipenv lock`")
    return "\n".join(lines) + "\n"
