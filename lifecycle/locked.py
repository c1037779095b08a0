"""Requirements taken from Pipfile.lock, with hashes, for tools that install with pip (nox)."""

import re
from pathlib import Path

from lifecycle.commands import run

REQUIREMENT_NAME = re.compile(r"^([A-Za-z0-9_.\-]+)")


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
