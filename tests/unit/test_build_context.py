"""The build context holds what git sees of the app, never its local state or secrets."""

import dataclasses
import subprocess

from lifecycle.settings import load_settings
from lifecycle.steps.build_context import assemble

APP_FILES = {
    "manage.py": "# manage\n",
    "site/settings.py": "DEBUG = False\n",
    "site/static/site/app.css": "body {}\n",
}
LOCAL_ONLY = {
    "local_settings.py": "SECRET_KEY = 'from a laptop'\n",
    "site/settings_local.py": "DATABASES = {}\n",
    "db.sqlite3": "SQLite format 3\n",
    ".env": "DJANGO_SECRET_KEY=laptop\n",
    "site/staticfiles/app.css": "collected\n",
    "ignored-by-git.txt": "the team's .gitignore names this\n",
}


def git(folder, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_only_what_git_sees_less_local_state_goes_into_the_context(tmp_path):
    project = tmp_path / "project"
    for name, content in {**APP_FILES, **LOCAL_ONLY}.items():
        path = project / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    (project / ".gitignore").write_text("ignored-by-git.txt\n")
    (project / "Pipfile").write_text("[packages]\n")
    (project / "Pipfile.lock").write_text("{}\n")
    git(project, "init", "-q")
    git(project, "add", "app/manage.py")  # one tracked file; the rest untracked, as in a work tree
    settings = load_settings(environ={})
    settings = dataclasses.replace(
        settings,
        project_dir=project,
        app=dataclasses.replace(settings.app, folder="app", pipfile_folder="."),
    )
    context = tmp_path / "context"
    context.mkdir()
    assemble(settings, context)
    copied = {
        str(p.relative_to(context / "app")) for p in (context / "app").rglob("*") if p.is_file()
    }
    assert copied == set(APP_FILES)
    assert (context / "Pipfile.lock").read_text() == "{}\n"
