"""Tasks that need an image which was never built say so in one line, against the real engine."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("task", ["size", "push"])
def test_task_on_an_image_never_built_is_one_clear_line(docker_client, task):
    result = subprocess.run(
        [sys.executable, "-m", "invoke", task, "--tag", "my-app:never-built"],
        cwd=PROJECT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no local image my-app:never-built: run `invoke build` first"
    )
