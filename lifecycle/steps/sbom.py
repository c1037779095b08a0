"""The image's software bill of materials: made by syft for every built image (build/sbom/),
copied beside the push record when it is pushed, summarised by `invoke sbom`."""

from collections import Counter
from pathlib import Path

from lifecycle.adapters.syft import packages, write_sbom
from lifecycle.settings import Settings
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain

SBOM_FOLDER = "build/sbom"


def sbom_path(settings: Settings, tag: str) -> Path:
    name = tag.replace("/", "_").replace(":", "_")
    return settings.project_dir / SBOM_FOLDER / f"{name}.spdx.json"


def sbom_for(tools: Toolchain, tag: str) -> Path:
    """The image's SBOM, made now when the build did not make one here."""
    path = sbom_path(tools.settings, tag)
    if not path.exists():
        tools.docker  # noqa: B018 (an unreachable engine is one line, before syft runs)
        write_sbom(tag, path)
    return path


def summary(tools: Toolchain, tag: str) -> str:
    """Packages by kind, then the Python ones with their versions."""
    path = sbom_for(tools, tag)
    listed = packages(path)
    counts = Counter(package.kind for package in listed)
    python = sorted((p.name, p.version) for p in listed if p.kind == "pypi")
    return "\n".join(
        [
            f"{tag}: {len(listed)} packages ({path})",
            render_table(("kind", "packages"), sorted(counts.items())),
            "",
            render_table(("python package", "version"), python),
        ]
    )
