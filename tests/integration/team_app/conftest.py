"""The team app's own tests run only when it is the app under test:
INVOKE_RUNTIME_CONFIG=tests/apps/team_app/invoke.yaml."""

import pytest

TEAM_APP_SETTINGS = "teamapp.settings"


@pytest.fixture(scope="session", autouse=True)
def the_team_app_is_under_test(app_settings):
    if app_settings.settings_module != TEAM_APP_SETTINGS:
        pytest.skip(f"the app under test is {app_settings.settings_module}, not the team app")
