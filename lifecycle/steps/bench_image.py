"""The bench image: the app image plus the peer servers and the profiler from Pipfile.lock's
[bench] category, for the per-core comparison; the app image itself never holds them."""

import tempfile
from pathlib import Path

from lifecycle.adapters.buildkit import BuildRequest, build
from lifecycle.adapters.pipenv import category_requirements_beside_app
from lifecycle.steps.bases import Role, resolve
from lifecycle.steps.build import build_secrets
from lifecycle.toolchain import Toolchain

BENCH_CATEGORY = "bench"


def bench_image_tag(app_image: str) -> str:
    """my-app:abc123 -> my-app-bench:abc123, so each build of the app has its own."""
    repository, _, tag = app_image.rpartition(":")
    return f"{repository}-bench:{tag}"


def build_bench_image(tools: Toolchain, app_image: str) -> str:
    """Build (a no-op when BuildKit has every layer) and return the bench image's tag."""
    settings = tools.settings
    builder = resolve(tools, Role.PYTHON_BUILD)
    tag = bench_image_tag(app_image)
    with tempfile.TemporaryDirectory(prefix="bench-context-") as context:
        requirements = category_requirements_beside_app(
            settings.project_dir, BENCH_CATEGORY, settings.pipfile_dir
        )
        (Path(context) / "requirements.txt").write_text(requirements)
        print(f"building {tag} from {app_image}", flush=True)
        build(
            tools.build_cli,
            BuildRequest(
                context=Path(context),
                dockerfile=settings.project_dir / "docker" / "bench" / "Dockerfile",
                tags=(tag,),
                build_args={"APP_IMAGE": app_image, "BUILDER_IMAGE": builder.reference},
                secrets=build_secrets(settings),
            ),
        )
    return tag
