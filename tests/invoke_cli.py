"""Run the project's invoke tasks as a person would, in a fresh interpreter, and read the
one line a failure ends with."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def run_invoke(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`invoke ARGS` in the project folder, with env added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=PROJECT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def error_line(stderr: str) -> str:
    """The error line; the lines above it are the commands run, echoed as progress."""
    assert "Traceback" not in stderr
    return stderr.strip().splitlines()[-1]
