"""Build benchmark: cold build, code-only rebuild and lock-change rebuild, timed in one run.

It builds from a clone of HEAD in a temporary folder, so the edits it makes to trigger the
rebuilds never touch the work tree. A cold build starts from an empty BuildKit cache: this
prunes the build cache (not images) first.
"""

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import docker

from lifecycle.app_image import build_app_image
from lifecycle.buildkit import BuildCli
from lifecycle.commands import run
from lifecycle.config import Settings
from lifecycle.size import MB, image_size_bytes
from lifecycle.tables import render_table

CODE_FILE = Path("my_app/service/views.py")


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


def benchmark_builds(client: docker.DockerClient, settings: Settings, cli: BuildCli) -> str:
    with tempfile.TemporaryDirectory(prefix="build-bench-") as workdir:
        clone = Path(workdir) / "src"
        run(["git", "clone", "-q", str(settings.project_dir), str(clone)], stream=False)
        for identity in (("user.email", "bench@localhost"), ("user.name", "bench")):
            run(["git", "-C", str(clone), "config", *identity], stream=False)
        bench_settings = replace(settings, project_dir=clone, moving_tag="bench")

        def build() -> None:
            build_app_image(client, bench_settings, cli)

        run([cli.argv[0], "builder", "prune", "--all", "--force"], stream=False)
        timings = [timed("cold build (empty build cache)", build)]

        with (clone / CODE_FILE).open("a") as code:
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
