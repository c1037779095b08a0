"""Bad input at the command line gives one clear line and a non-zero exit, never a traceback."""

import os
import subprocess
import sys

import pytest

from lifecycle.adapters.engine import connect
from lifecycle.adapters.pipenv import check_lock_is_current
from lifecycle.errors import EngineUnavailable, LifecycleError
from tests.invoke_cli import PROJECT, run_invoke


def test_unreachable_docker_daemon_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    with pytest.raises(EngineUnavailable, match=r"cannot reach the Docker daemon .*DOCKER_HOST"):
        connect()


def test_build_with_unreachable_daemon_prints_one_line_and_exits_1():
    result = run_invoke("build", DOCKER_HOST="tcp://127.0.0.1:9")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the Docker daemon")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("budget", ["-1", "abc"])
def test_bad_budget_setting_prints_one_line_and_exits_1(budget):
    result = run_invoke("size", INVOKE_IMAGE_BUDGET_MB=budget)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: image.budget_mb must be a positive number, got '{budget}': "
        "fix invoke.yaml or INVOKE_IMAGE_BUDGET_MB"
    )


def test_missing_lock_file_is_a_clear_error(tmp_path):
    (tmp_path / "Pipfile").write_text('[packages]\nsix = "*"\n')
    with pytest.raises(LifecycleError, match=r"Pipfile.lock is missing: run `pipenv lock`"):
        check_lock_is_current(tmp_path)


def test_lock_out_of_date_with_pipfile_is_a_clear_error(tmp_path):
    (tmp_path / "Pipfile").write_text((PROJECT / "Pipfile").read_text() + '\nsix = "*"\n')
    (tmp_path / "Pipfile.lock").write_text((PROJECT / "Pipfile.lock").read_text())
    with pytest.raises(LifecycleError, match=r"Pipfile.lock is out of date with Pipfile"):
        check_lock_is_current(tmp_path)


def test_current_lock_passes():
    check_lock_is_current(PROJECT)


def without_docker(*argv: str) -> subprocess.CompletedProcess:
    """`python ARGV` in the project folder with DOCKER_HOST pointing at nothing."""
    return subprocess.run(
        [sys.executable, *argv],
        cwd=PROJECT,
        env={**os.environ, "DOCKER_HOST": "tcp://127.0.0.1:9"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_integration_session_without_docker_says_so_in_one_line():
    result = without_docker("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/integration")
    assert result.returncode == 1
    assert "error: cannot reach the Docker daemon" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_library_entry_point_without_docker_says_so_in_one_line(tmp_path):
    result = without_docker("-m", "lifecycle", "bench", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the Docker daemon")


def test_unknown_base_image_role_is_a_clear_error():
    result = run_invoke("images", "--only", "postgres")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: unknown role in 'postgres': use some of "
        "python_build,python_runtime,mysql,registry,proxy"
    )
