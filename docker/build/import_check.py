"""Prove the runtime image kept what the app's packages need: import every top-level module the
installed distributions provide, and every extension module (whose shared libraries a trimmed
image could lack). Run by `invoke build` in the built image, as nobody, on a read-only root.

Prints one line: how many modules imported, or (on stderr, exit 1) the first that did not and why.
"""

import importlib
import importlib.machinery
import importlib.metadata
import sys
import sysconfig
from pathlib import Path

SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])


def top_level_modules() -> list[str]:
    return sorted(
        name
        for name in importlib.metadata.packages_distributions()
        if name.isidentifier() and not name.startswith("_distutils")
    )


def extension_modules() -> list[str]:
    names = set()
    for path in SITE_PACKAGES.rglob("*.so"):
        relative = path.relative_to(SITE_PACKAGES)
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            if relative.name.endswith(suffix):
                parts = [*relative.parts[:-1], relative.name[: -len(suffix)]]
                if all(part.isidentifier() for part in parts):
                    names.add(".".join(parts))
                break
    return sorted(names)


def optional_dependency(name: str, error: Exception) -> bool:
    """A module that imports another Python module the image does not have (PIL._imagingtk
    needs tkinter): an optional feature, not a library the build trimmed away."""
    missing = getattr(error, "name", None)
    return (
        isinstance(error, ModuleNotFoundError)
        and missing is not None
        and not name.startswith(missing)
        and not missing.startswith(name)
    )


def main() -> None:
    modules = top_level_modules()
    extensions = extension_modules()
    skipped = []
    for name in [*modules, *extensions]:
        try:
            importlib.import_module(name)
        except Exception as error:  # any failure names the module and what it lacked
            if optional_dependency(name, error):
                skipped.append(f"{name} needs {error.name}")
                continue
            sys.exit(f"cannot import {name}: {type(error).__name__}: {error}")
    line = f"imported {len(modules)} top-level modules and {len(extensions)} extension modules"
    print(line + (f"; skipped {', '.join(skipped)} (optional)" if skipped else ""))


if __name__ == "__main__":
    main()
