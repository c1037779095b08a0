"""Tasks that need an image which was never built say so in one line, against the real engine."""

import pytest

from tests.invoke_cli import run_invoke


@pytest.mark.parametrize("task", ["size", "push"])
def test_task_on_an_image_never_built_is_one_clear_line(docker_client, task):
    result = run_invoke(task, "--tag", "my-app:never-built")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no local image my-app:never-built: run `invoke build` first"
    )
