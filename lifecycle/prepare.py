"""Make the images a test or benchmark run needs, and say which: `python -m lifecycle.prepare OUT`.

Builds the app image for the current tree (a no-op when BuildKit has every layer cached)
and resolves the MySQL and registry images, then writes {"app", "mysql", "registry"} as
JSON to OUT.
"""

import json
import sys
from pathlib import Path

from lifecycle.app_image import build_app_image
from lifecycle.base_images import Role, resolve
from lifecycle.buildkit import find_build_cli
from lifecycle.cli import run_as_command
from lifecycle.config import settings_from
from lifecycle.engine import connect


def main(out: Path) -> None:
    settings = settings_from()
    client = connect()
    cli = find_build_cli(settings.build_clis)
    mysql = resolve(client, settings, cli, Role.MYSQL)
    registry = resolve(client, settings, cli, Role.REGISTRY)
    app = build_app_image(client, settings, cli)
    images = {"app": app.primary_tag, "mysql": mysql.reference, "registry": registry.reference}
    out.write_text(json.dumps(images))
    print(", ".join(f"{role} image {name}" for role, name in images.items()))


if __name__ == "__main__":
    run_as_command(main, Path(sys.argv[1]))
