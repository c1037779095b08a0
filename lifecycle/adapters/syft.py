"""syft (pinned in Pipfile.lock): an image's software bill of materials, as SPDX JSON."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from lifecycle.adapters.commands import run, tool
from lifecycle.errors import LifecycleError


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    kind: str  # pypi, deb, ... (the package URL's type)


def syft() -> str:
    found = shutil.which(tool("syft"))
    if found is None:
        raise LifecycleError("syft is not installed: run `pipenv sync --dev` (it is in the lock)")
    return found


def write_sbom(image: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    run([syft(), f"docker:{image}", "--quiet", "--output", f"spdx-json={path}"], stream=False)
    return path


def packages(path: Path) -> list[Package]:
    """The packages an SPDX document lists, with their package-URL type."""
    document = json.loads(path.read_text())
    found = []
    for package in document.get("packages", []):
        purls = [
            ref["referenceLocator"]
            for ref in package.get("externalRefs", [])
            if ref.get("referenceType") == "purl"
        ]
        if purls:
            kind = purls[0].removeprefix("pkg:").split("/", 1)[0]
            found.append(Package(package["name"], package.get("versionInfo", ""), kind))
    return found
