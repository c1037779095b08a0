"""Build benchmark: cold build, code-only rebuild and lock-change rebuild, timed in one run.

It builds from a clone of HEAD in a temporary folder, so the edits it makes to trigger the
rebuilds never touch the work tree. A cold build starts from an empty BuildKit cache: this
prunes the build cache (not images) first.
"""

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from lifecycle.adapters.commands import run
from lifecycle.steps.build import build_app_image
from lifecycle.steps.size import MB, image_size_bytes
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain


@dataclass(frozen=True)
class Timing:
    step: str
    seconds: float


def timed(step: str, action) -> Timing:
    started = time.perf_counter()
    action()
    return Timing(step, time.perf_counter() - started)


def commit_all(clone: Path, message: str) -> None:
    run(["git", "-C", str(clone), "commit", "-qam", message], stream=False)


def benchmark_builds(tools: Toolchain) -> str:
    settings, client = tools.settings, tools.docker
    with tempfile.TemporaryDirectory(prefix="build-bench-") as workdir:
        clone = Path(workdir) / "src"
        run(["git", "clone", "-q", str(settings.project_dir), str(clone)], stream=False)
        for identity in (("user.email", "bench@localhost"), ("user.name", "bench")):
            run(["git", "-C", str(clone), "config", *identity], stream=False)
        bench_tools = tools.with_settings(replace(settings, project_dir=clone, moving_tag="bench"))

        def build() -> None:
            build_app_image(bench_tools)

        run([tools.build_cli.argv[0], "builder", "prune", "--all", "--force"], stream=False)
        timings = [timed("cold build (empty build cache)", build)]

        with (clone / settings.app.folder / "manage.py").open("a") as code:
            code.write("\n# benchmark: a code-only change\n")
        commit_all(clone, "code change")
        timings.append(timed("rebuild after a code-only change", build))

        lock = clone / "Pipfile.lock"
        lock.write_text(lock.read_text() + "\n")
        commit_all(clone, "lock change")
        timings.append(timed("rebuild after a Pipfile.lock change", build))

        size_mb = image_size_bytes(client, f"{settings.repository}:bench") / MB
        client.images.remove(f"{settings.repository}:bench")
    cold = timings[0].seconds
    rows = [(t.step, round(t.seconds, 1), f"{100 * t.seconds / cold:.0f} %") for t in timings]
    rows.append(("runtime image size (MB)", round(size_mb, 1), ""))
    return render_table(("step", "seconds", "of cold"), rows)
