"""Image tags and OCI labels computed from the git checkout."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from lifecycle.adapters.commands import CommandFailed, run
from lifecycle.errors import LifecycleError

SHORT_SHA_LENGTH = 12


@dataclass(frozen=True)
class Revision:
    sha: str
    dirty: bool

    @property
    def tag(self) -> str:
        """The short commit, with -dirty when the work tree has uncommitted changes."""
        short = self.sha[:SHORT_SHA_LENGTH]
        return f"{short}-dirty" if self.dirty else short


def git(project_dir: Path, *args: str) -> str:
    try:
        return run(["git", *args], cwd=project_dir, stream=False, echo=False).strip()
    except CommandFailed as failure:
        raise LifecycleError(
            f"git {' '.join(args)} failed ({failure.output_tail.strip()}): "
            "build from a git checkout with at least one commit"
        ) from None


def work_tree_files(project_dir: Path, folder: str) -> list[Path]:
    """The files under folder that git tracks or would track (untracked but not ignored), as
    paths relative to project_dir: what .gitignore keeps out stays out."""
    listed = git(
        project_dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", folder
    )
    return [Path(name) for name in listed.split("\0") if name and (project_dir / name).is_file()]


def current_revision(project_dir: Path) -> Revision:
    sha = git(project_dir, "rev-parse", "HEAD")
    status = git(project_dir, "status", "--porcelain", "--untracked-files=normal")
    return Revision(sha=sha, dirty=bool(status))


def image_tags(repository: str, revision: Revision, moving_tag: str) -> tuple[str, ...]:
    return (f"{repository}:{revision.tag}", f"{repository}:{moving_tag}")


def source_url(project_dir: Path) -> str | None:
    """The origin remote, when the checkout has one."""
    try:
        return git(project_dir, "config", "--get", "remote.origin.url") or None
    except LifecycleError:
        return None


def oci_labels(
    title: str, revision: Revision, created: datetime.datetime, source: str | None = None
) -> dict[str, str]:
    labels = {
        "org.opencontainers.image.revision": revision.sha,
        "org.opencontainers.image.version": revision.tag,
        "org.opencontainers.image.created": created.isoformat(timespec="seconds"),
        "org.opencontainers.image.title": title,
    }
    if source:
        labels["org.opencontainers.image.source"] = source
    return labels
