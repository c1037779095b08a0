"""The app is configuration: a bad app setting is one line and exit 1 before any build work
(the Docker engine is not even asked: DOCKER_HOST points at nothing)."""

import shutil

import pytest

from tests.invoke_cli import PROJECT, run_invoke

NO_ENGINE = "tcp://127.0.0.1:9"


def build_with(**settings: str):
    result = run_invoke("build", DOCKER_HOST=NO_ENGINE, **settings)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def app_copy(tmp_path):
    """The sample app's folder, copied so a test can break it."""
    folder = tmp_path / "app"
    shutil.copytree(PROJECT / "my_app", folder, ignore=shutil.ignore_patterns("staticfiles"))
    return folder


def test_a_project_folder_that_does_not_exist():
    line = build_with(INVOKE_APP_FOLDER="no_such_app")
    assert line.startswith("error: app.folder 'no_such_app' holds no manage.py")
    assert line.endswith("fix invoke.yaml or INVOKE_APP_FOLDER")


def test_a_settings_module_that_is_not_there():
    line = build_with(INVOKE_APP_SETTINGS_MODULE="my_app.setings")
    assert line.startswith("error: app.settings_module is 'my_app.setings', which is no module")


def test_a_settings_module_that_does_not_compile(app_copy):
    (app_copy / "my_app" / "settings.py").write_text("DEBUG = (\n")
    line = build_with(INVOKE_APP_FOLDER=str(app_copy))
    assert line.startswith("error: app.settings_module names ")
    assert "which does not compile" in line


@pytest.mark.parametrize(
    ("asgi", "expected"),
    [
        ("my_app.asgi:app", "but my_app.asgi defines no 'app'"),
        ("my_app.asgii:application", "which is no module in"),
        ("my_app.asgi", "must be module:attribute"),
    ],
)
def test_an_asgi_application_that_does_not_resolve(asgi, expected):
    assert expected in build_with(INVOKE_APP_ASGI_APPLICATION=asgi)


def test_a_lock_out_of_date_with_its_pipfile(tmp_path):
    (tmp_path / "Pipfile").write_text((PROJECT / "Pipfile").read_text() + '\nsix = "*"\n')
    (tmp_path / "Pipfile.lock").write_text((PROJECT / "Pipfile.lock").read_text())
    line = build_with(INVOKE_APP_PIPFILE_FOLDER=str(tmp_path))
    assert line == (
        "error: Pipfile.lock is out of date with Pipfile: run `pipenv lock` and commit both"
    )


def test_the_team_app_settings_pass_the_checks():
    from lifecycle.settings import load_settings
    from lifecycle.steps.app_checks import check_app

    check_app(load_settings(environ={"INVOKE_RUNTIME_CONFIG": "tests/apps/team_app/invoke.yaml"}))
