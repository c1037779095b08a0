"""A Debian slim root filesystem made with debootstrap and imported as a base image.

The official debian:*-slim images are made the same way (debuerreotype): a minbase
debootstrap with documentation, locales, apt lists and caches removed, and dpkg told to
keep them out of later installs.
"""

import os
import shutil
import tempfile
from pathlib import Path

import docker

from lifecycle.adapters.commands import run
from lifecycle.errors import LifecycleError

# Kept out of every later apt-get install too, as in the official slim images.
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
"""
APT_SETTINGS = {
    "docker-clean": 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
    '/var/cache/apt/*.bin || true"; };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n',
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "docker-no-recommends": 'APT::Install-Recommends "false";\n',
}
REMOVED_AFTER_BOOTSTRAP = (
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/lintian",
    "usr/share/linda",
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/cache/debconf/config.dat-old",
    "var/cache/debconf/templates.dat-old",
    "var/cache/ldconfig/aux-cache",
    "var/log/dpkg.log",
    "var/log/apt",
    "var/log/bootstrap.log",
    "var/log/alternatives.log",
)
RECIPE_VERSION = "1"


def recipe(suite: str, mirrors: tuple[str, str]) -> str:
    """What the image is made from; a change here means the image must be made again."""
    return f"debootstrap-minbase/{suite}/{'+'.join(mirrors)}/v{RECIPE_VERSION}"


def check_can_bootstrap() -> None:
    if shutil.which("debootstrap") is None:
        raise LifecycleError(
            "debootstrap is not installed: apt-get install debootstrap (needed to build the "
            "Debian base image where no registry can be reached)"
        )
    if os.geteuid() != 0:
        raise LifecycleError(
            "debootstrap needs root: run this as root, or make the official images pullable "
            "(bases.policy=official)"
        )


def slim_down(rootfs: Path, suite: str, mirror: str, security_mirror: str) -> None:
    for relative in REMOVED_AFTER_BOOTSTRAP:
        target = rootfs / relative
        if target.is_dir():
            shutil.rmtree(target)
            target.mkdir()
        elif target.exists():
            target.unlink()
    (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    docs = rootfs / "usr/share/doc"
    for package_docs in docs.iterdir():
        for item in package_docs.iterdir():
            if item.name != "copyright":
                shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker").write_text(DPKG_EXCLUDES)
    for name, content in APT_SETTINGS.items():
        (rootfs / "etc/apt/apt.conf.d" / name).write_text(content)
    (rootfs / "etc/apt/sources.list").write_text(
        f"deb {mirror} {suite} main\n"
        f"deb {mirror} {suite}-updates main\n"
        f"deb {security_mirror} {suite}-security main\n"
    )


def build_debian_image(
    client: docker.DockerClient,
    tag: str,
    suite: str,
    mirrors: tuple[str, str],
    label: str,
) -> None:
    """debootstrap, slim down, and import the result as `tag`, labelled with its recipe."""
    check_can_bootstrap()
    mirror, security_mirror = mirrors
    with tempfile.TemporaryDirectory(prefix="debian-rootfs-", dir="/var/tmp") as workdir:
        rootfs = Path(workdir) / "rootfs"
        run(["debootstrap", "--variant=minbase", suite, str(rootfs), mirror])
        slim_down(rootfs, suite, mirror, security_mirror)
        archive = Path(workdir) / "rootfs.tar"
        run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(archive), "."])
        repository, _, version = tag.rpartition(":")
        print(f"importing {archive} as {tag}", flush=True)
        client.api.import_image_from_file(
            str(archive),
            repository=repository,
            tag=version,
            changes=[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                f"LABEL {label}={recipe(suite, mirrors)}",
                'CMD ["bash"]',
            ],
        )
