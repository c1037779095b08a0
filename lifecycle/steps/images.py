"""The images a stack runs, for the integration tests and the benchmark alike."""

from dataclasses import dataclass

from lifecycle.steps.bases import Role, resolve
from lifecycle.steps.build import build_app_image
from lifecycle.toolchain import Toolchain


@dataclass(frozen=True)
class StackImages:
    app: str
    mysql: str
    registry: str


def stack_images(tools: Toolchain) -> StackImages:
    """The images every stack runs: the app image built for this checkout (a no-op when
    BuildKit has every layer), and the MySQL and registry images the base policy gives."""
    mysql = resolve(tools, Role.MYSQL)
    registry = resolve(tools, Role.REGISTRY)
    app = build_app_image(tools)
    return StackImages(app=app.primary_tag, mysql=mysql.reference, registry=registry.reference)
