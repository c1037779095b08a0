"""The one way this project runs external commands: logged, streamed, failing with a typed error."""

import collections
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from lifecycle.errors import LifecycleError

STDERR_TAIL_LINES = 20


class CommandFailed(LifecycleError):
    """An external command exited non-zero; carries its command line and the tail of its output."""

    def __init__(self, argv: Sequence[str], returncode: int, output_tail: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output_tail = output_tail
        super().__init__(f"{shlex.join(self.argv)} exited {returncode}: {output_tail.strip()}")

    def one_line(self) -> str:
        """The command and its last line; its full output is already on screen."""
        last_line = self.output_tail.strip().splitlines()[-1:] or [""]
        return (
            f"error: `{self.argv[0]} {' '.join(self.argv[1:3])} ...` exited "
            f"{self.returncode}: {last_line[0]} (full output above)"
        )


def tool(name: str) -> str:
    """A command installed from the lock into the virtualenv this runs in (found even when that
    virtualenv is not on PATH), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stream: bool = True,
    input_text: str | None = None,
    echo: bool = True,
) -> str:
    """Run a command, echoing it (unless echo is off) and, when stream, its output live;
    return its output (stdout and stderr together)."""
    if echo:
        print(f"$ {shlex.join(argv)}", file=sys.stderr, flush=True)
    try:
        process = subprocess.Popen(
            argv,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
    except FileNotFoundError:
        raise CommandFailed(argv, 127, f"{argv[0]}: command not found") from None
    if input_text is not None:
        process.stdin.write(input_text)
        process.stdin.close()
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
    lines = []
    for line in process.stdout:
        lines.append(line)
        tail.append(line)
        if stream:
            print(line, end="", file=sys.stderr, flush=True)
    returncode = process.wait()
    if returncode != 0:
        raise CommandFailed(argv, returncode, "".join(tail))
    return "".join(lines)
