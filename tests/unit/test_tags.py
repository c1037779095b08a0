"""Image tags and labels follow the git checkout: commit, -dirty, and the full revision label."""

import datetime
import subprocess

import pytest

from lifecycle.adapters.git import Revision, current_revision, image_tags, oci_labels
from lifecycle.errors import LifecycleError

SHA = "0123456789abcdef0123456789abcdef01234567"


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "app.py").write_text("print('hi')\n")
    git(tmp_path, "add", "app.py")
    git(tmp_path, "commit", "-qm", "first")
    return tmp_path


def test_clean_revision_tag_is_the_short_commit():
    assert Revision(SHA, dirty=False).tag == "0123456789ab"


def test_dirty_revision_tag_says_so():
    assert Revision(SHA, dirty=True).tag == "0123456789ab-dirty"


def test_image_is_tagged_with_the_commit_and_the_moving_tag():
    assert image_tags("my-app", Revision(SHA, False), "edge") == (
        "my-app:0123456789ab",
        "my-app:edge",
    )


def test_revision_label_is_the_full_commit():
    created = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    labels = oci_labels("my-app", Revision(SHA, True), created, "https://git.example/app.git")
    assert labels["org.opencontainers.image.revision"] == SHA
    assert labels["org.opencontainers.image.version"] == "0123456789ab-dirty"
    assert labels["org.opencontainers.image.created"] == "2026-01-02T03:04:05+00:00"
    assert labels["org.opencontainers.image.source"] == "https://git.example/app.git"


def test_checkout_is_clean_after_commit_and_dirty_after_an_edit(repo):
    clean = current_revision(repo)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert clean == Revision(head, dirty=False)
    (repo / "app.py").write_text("print('changed')\n")
    assert current_revision(repo) == Revision(head, dirty=True)


def test_untracked_file_makes_the_checkout_dirty(repo):
    (repo / "new.py").write_text("")
    assert current_revision(repo).dirty


def test_folder_without_commits_is_a_clear_error(tmp_path, monkeypatch):
    # nox puts the temporary folder inside the checkout; stop git from finding it above.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(LifecycleError, match="build from a git checkout"):
        current_revision(tmp_path)
