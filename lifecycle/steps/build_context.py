"""The build context: only what the image is made of, laid out the way docker/Dockerfile
expects, whatever the project's own layout.

    Pipfile, Pipfile.lock   from app.pipfile_folder
    app/                    the Django project (app.folder)
    django_runtime/         the piece every app runs with
    build/                  the scripts the build runs (docker/build/)

Files come from git's view of the work tree, so what .gitignore keeps out (local settings,
databases, collected static files) never reaches an image; files that often hold secrets or
local state are kept out even when git would take them.
"""

import fnmatch
import shutil
from pathlib import Path

from lifecycle.adapters.git import work_tree_files
from lifecycle.errors import LifecycleError
from lifecycle.settings import Settings

RUNTIME_FOLDER = "django_runtime"
BUILD_SCRIPTS_FOLDER = "docker/build"
# Local state and secrets that no image should hold, matched against every path component.
LOCAL_ONLY = (
    "*.sqlite3",
    "*.sqlite",
    "local_settings.py",
    "settings_local.py",
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "staticfiles",
    "__pycache__",
    "*.pyc",
)


def is_local_only(path: Path) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in path.parts for pattern in LOCAL_ONLY)


def copy_folder(project_dir: Path, folder: str, target: Path) -> int:
    """Copy what git sees under folder into target; returns how many files it copied."""
    files = [path for path in work_tree_files(project_dir, folder) if not is_local_only(path)]
    for path in files:
        destination = target / path.relative_to(folder)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project_dir / path, destination)
    return len(files)


def assemble(settings: Settings, context: Path) -> None:
    """Lay the context out in the (empty) folder context."""
    project = settings.project_dir
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy2(settings.pipfile_dir / name, context / name)
    if copy_folder(project, settings.app.folder, context / "app") == 0:
        raise LifecycleError(f"git sees no files in {settings.app.folder}: add them first")
    copy_folder(project, RUNTIME_FOLDER, context / RUNTIME_FOLDER)
    copy_folder(project, BUILD_SCRIPTS_FOLDER, context / "build")
