"""The sample's own tests drive its demo endpoints; they run only when the sample is the app
under test (invoke.yaml as it is, with no INVOKE_RUNTIME_CONFIG naming another app)."""

import pytest

from lifecycle.harness.stack import app_server

SAMPLE_SETTINGS = "my_app.settings"


@pytest.fixture(scope="session", autouse=True)
def the_sample_is_under_test(app_settings):
    if app_settings.settings_module != SAMPLE_SETTINGS:
        pytest.skip(f"the app under test is {app_settings.settings_module}, not the sample")


@pytest.fixture(scope="session")
def app_one_worker(images, app_settings, network, app_env):
    env = {**app_env, "WEB_CONCURRENCY": "1"}
    with app_server(images.app, app_settings.port, network, env) as server:
        yield server
