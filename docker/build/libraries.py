"""Which Debian packages an image's programs need, read from the ELF files themselves.

Run inside the image build with the image's own python3 (standard library only):

  libraries.py packages ROOT...   in the builder: the packages holding the shared libraries
                                  that the ELF files under ROOT (the virtualenv) link to, one a
                                  line; the runtime stage installs exactly these
  libraries.py trim ROOT...       in the runtime stage: purge the package manager (a read-only
                                  root cannot run it), then every library package that no ELF
                                  file left needs: python, every executable, everything under
                                  ROOT, and what they load, transitively

Packages go with `dpkg --purge`, so dpkg's records stay true for image scanners.
"""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

BIN_DIRS = ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")
PYTHON_DIRS = ("/usr/lib/python3*", "/usr/local/lib/python3*")
LIBRARY_DIRS = ("/usr/lib", "/usr/local/lib", "/lib")
# A read-only root runs no package manager; these are its programs. The libraries only they
# used go by the ELF rule below, not by name.
PACKAGE_MANAGER = ("apt", "debconf", "perl-base", "gpgv")
# glibc loads libgcc_s by name when a thread is cancelled or exits; no ELF file lists it.
LOADED_BY_GLIBC = ("libgcc_s.so.1",)
LDD_LINE = re.compile(r"^\s*(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$")
LDD_MISSING = re.compile(r"^\s*(\S+) => not found$")


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(roots: list[str]) -> list[Path]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                if not path.is_symlink() and is_elf(path):
                    found.append(path)
    return found


def linked_libraries(paths: list[Path]) -> tuple[set[str], dict[str, str]]:
    """The real paths of every library the files load (ldd follows them transitively), and
    the libraries that cannot be found, with a file that wants each."""
    found, missing = set(), {}
    for path in paths:
        result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        for line in result.stdout.splitlines():
            if match := LDD_LINE.match(line):
                found.add(os.path.realpath(match.group(1)))
            elif match := LDD_MISSING.match(line):
                missing[match.group(1)] = str(path)
    return found, missing


def package_files() -> dict[str, set[str]]:
    """Each installed package's files, as real paths (bookworm's /lib is /usr/lib). Symlinks
    are left out: a -dev package's libfoo.so points at the library package's file."""
    owners = {}
    for listing in Path("/var/lib/dpkg/info").glob("*.list"):
        package = listing.stem.split(":")[0]
        paths = {
            os.path.realpath(line)
            for line in listing.read_text().splitlines()
            if line and not os.path.islink(line)
        }
        owners.setdefault(package, set()).update(paths)
    return owners


def owner_of(path: str, owners: dict[str, set[str]]) -> str | None:
    return next((package for package, files in owners.items() if path in files), None)


def needed_packages(roots: list[str]) -> list[str]:
    libraries, missing = linked_libraries(elf_files(roots))
    if missing:
        name, wanted_by = next(iter(missing.items()))
        sys.exit(f"{wanted_by} needs {name}, which no installed package provides")
    owners = package_files()
    outside = [lib for lib in libraries if not any(lib.startswith(root) for root in roots)]
    return sorted({owner for lib in outside if (owner := owner_of(lib, owners))})


def essential_packages() -> set[str]:
    listing = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Essential}\\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[0] for line in listing.splitlines() if line.endswith(" yes")}


def shared_objects(files: set[str]) -> set[str]:
    return {
        path
        for path in files
        if path.startswith(LIBRARY_DIRS) and ".so" in Path(path).name and is_elf(Path(path))
    }


def purge(packages: list[str]) -> None:
    if packages:
        subprocess.run(
            ["dpkg", "--purge", "--force-remove-essential", "--force-depends", *packages],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def trim(roots: list[str]) -> None:
    installed = package_files()
    tools = [package for package in PACKAGE_MANAGER if package in installed]
    purge(tools)
    print(f"removed the package manager: {' '.join(tools)}")
    python_dirs = [str(path) for pattern in PYTHON_DIRS for path in Path("/").glob(pattern[1:])]
    users = elf_files([*BIN_DIRS, *python_dirs, *roots])
    needed, _ = linked_libraries(users)
    needed |= {os.path.realpath(path) for path in users}
    needed |= {
        os.path.realpath(path)
        for name in LOADED_BY_GLIBC
        for path in map(str, Path("/usr/lib").rglob(name))
    }
    owners, essential = package_files(), essential_packages()
    unused, kept = [], []
    for package, files in sorted(owners.items()):
        libraries = shared_objects(files)
        if not libraries or package in essential:
            continue
        (kept if libraries & needed else unused).append(package)
    purge(unused)
    print(f"removed {len(unused)} library packages no ELF file needs: {' '.join(unused)}")
    print(f"kept {len(kept)} library packages: {' '.join(kept)}")
    drop_privilege_bits()


def drop_privilege_bits() -> None:
    """No setuid or setgid program: the app runs as nobody and never changes identity."""
    changed = []
    for folder, _, names in os.walk("/"):
        if folder.startswith(("/proc", "/sys", "/dev")):
            continue
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            mode = path.stat().st_mode
            if mode & (stat.S_ISUID | stat.S_ISGID):
                path.chmod(mode & ~(stat.S_ISUID | stat.S_ISGID))
                changed.append(str(path))
    print(f"dropped setuid/setgid from {len(changed)} files: {' '.join(changed)}")


if __name__ == "__main__":
    command, roots = sys.argv[1], sys.argv[2:]
    if command == "packages":
        print("\n".join(needed_packages(roots)))
    elif command == "trim":
        trim(roots)
    else:
        sys.exit(f"unknown command {command!r}: use packages or trim")
