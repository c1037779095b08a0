"""Where a loaded server's CPU goes: py-spy samples its process inside the container (which
needs the SYS_PTRACE capability) and the stacks are summed per function."""

import collections
import re
from dataclasses import dataclass

from docker.models.containers import Container

from lifecycle.errors import LifecycleError

# Options for the container to be profiled: py-spy reads another process's memory.
PTRACE_OPTIONS = {"cap_add": ["SYS_PTRACE"]}
# A raw (collapsed) stack line: frames separated by ';', then the sample count.
RAW_LINE = re.compile(r"^(.*) (\d+)$")
# A frame, as py-spy names it: "function (path/to/module.py:line)".
FRAME = re.compile(r"^(.*?) \((.*?)(?::\d+)?\)$")


@dataclass(frozen=True)
class Profile:
    samples: int
    own: dict[str, int]  # samples where the function was running itself
    inclusive: dict[str, int]  # samples where it was anywhere on the stack
    raw: str

    def top(self, counts: dict[str, int], limit: int) -> list[tuple[str, float]]:
        ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [(name, round(100 * count / self.samples, 1)) for name, count in ranked]


def function_name(frame: str) -> str:
    """'run (django/core/handlers/base.py:140)' -> 'django/core/handlers/base.py:run', with
    site-packages and the virtualenv's prefix dropped."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    function, path = match.groups()
    path = re.sub(r"^.*?(site-packages|/app|/opt/peers)/", "", path)
    return f"{path}:{function}"


def summarise(raw: str) -> Profile:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.splitlines():
        match = RAW_LINE.match(line)
        if not match:
            continue
        frames = [function_name(frame) for frame in match.group(1).split(";")]
        count = int(match.group(2))
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if samples == 0:
        raise LifecycleError(f"py-spy recorded no samples: {raw.strip()[-300:]}")
    return Profile(samples, dict(own), dict(inclusive), raw)


def record(container: Container, pid: int, seconds: int) -> Profile:
    """Sample process pid in the container for `seconds`: the thread holding the GIL, so the
    samples show where the process's Python CPU goes (not where its threads wait)."""
    out = "/tmp/py-spy.raw"
    argv = ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250"]
    argv += ["--gil", "--nonblocking", "--format", "raw", "--output", out]
    result = container.exec_run(argv, user="root")
    if result.exit_code != 0:
        raise LifecycleError(f"py-spy failed: {result.output.decode(errors='replace')[-300:]}")
    return summarise(container.exec_run(["cat", out], user="root").output.decode())
