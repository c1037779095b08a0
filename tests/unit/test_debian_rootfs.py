"""The Debian root filesystem is slimmed as the official slim images are, and the bootstrap
refuses clearly when it cannot run."""

import pytest

from lifecycle.adapters import debian_rootfs
from lifecycle.errors import LifecycleError


@pytest.fixture
def rootfs(tmp_path):
    for folder in (
        "usr/share/doc/bash",
        "usr/share/man/man1",
        "usr/share/locale/de/LC_MESSAGES",
        "var/lib/apt/lists",
        "var/cache/apt/archives",
        "etc/dpkg/dpkg.cfg.d",
        "etc/apt/apt.conf.d",
        "var/log",
    ):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "usr/share/doc/bash/copyright").write_text("GPL")
    (tmp_path / "usr/share/doc/bash/changelog.gz").write_bytes(b"x" * 100)
    (tmp_path / "usr/share/man/man1/bash.1.gz").write_bytes(b"x")
    (tmp_path / "var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease").write_text("x")
    (tmp_path / "var/log/bootstrap.log").write_text("x")
    return tmp_path


def test_slimming_keeps_copyrights_and_drops_docs_man_pages_lists_and_logs(rootfs):
    debian_rootfs.slim_down(rootfs, "bookworm", "http://mirror/debian", "http://mirror/security")
    assert (rootfs / "usr/share/doc/bash/copyright").read_text() == "GPL"
    assert not (rootfs / "usr/share/doc/bash/changelog.gz").exists()
    assert list((rootfs / "usr/share/man").iterdir()) == []
    assert list((rootfs / "var/lib/apt/lists").iterdir()) == [rootfs / "var/lib/apt/lists/partial"]
    assert not (rootfs / "var/log/bootstrap.log").exists()


def test_slimming_keeps_later_installs_slim_and_sets_the_mirrors(rootfs):
    debian_rootfs.slim_down(rootfs, "bookworm", "http://mirror/debian", "http://mirror/security")
    excludes = (rootfs / "etc/dpkg/dpkg.cfg.d/docker").read_text()
    assert "path-exclude /usr/share/doc/*" in excludes
    assert "path-include /usr/share/doc/*/copyright" in excludes
    assert (rootfs / "etc/apt/apt.conf.d/docker-no-recommends").exists()
    assert (rootfs / "etc/apt/sources.list").read_text().splitlines() == [
        "deb http://mirror/debian bookworm main",
        "deb http://mirror/debian bookworm-updates main",
        "deb http://mirror/security bookworm-security main",
    ]


def test_missing_debootstrap_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(debian_rootfs.shutil, "which", lambda name: None)
    with pytest.raises(LifecycleError, match=r"debootstrap is not installed: apt-get install"):
        debian_rootfs.check_can_bootstrap()


def test_bootstrap_as_non_root_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(debian_rootfs.shutil, "which", lambda name: "/usr/sbin/debootstrap")
    monkeypatch.setattr(debian_rootfs.os, "geteuid", lambda: 1000)
    with pytest.raises(LifecycleError, match=r"debootstrap needs root"):
        debian_rootfs.check_can_bootstrap()
