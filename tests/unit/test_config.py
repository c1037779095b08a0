"""Settings come from invoke.yaml, and INVOKE_* environment variables override them."""

import pytest

from lifecycle.errors import ConfigError
from lifecycle.settings import load_settings


def test_defaults_come_from_invoke_yaml():
    settings = load_settings(environ={})
    assert settings.budget_mb == 120
    assert settings.repository == "my-app"
    assert settings.app.port == 8000
    assert settings.bases.python_runtime == "python:3.11-slim-bookworm"
    assert settings.build_clis == ("docker", "/usr/bin/docker")
    assert sorted(settings.deploy.environments) == ["production", "staging"]


def test_environment_overrides_invoke_yaml():
    settings = load_settings(
        environ={
            "INVOKE_IMAGE_BUDGET_MB": "150",
            "INVOKE_BASES_POLICY": "local",
            "INVOKE_DOCKER_BUILD_CLIS": "/opt/docker/bin/docker",
            "INVOKE_DEPLOY_ENVIRONMENTS_STAGING_CONTEXT": "kind-staging",
        }
    )
    assert settings.budget_mb == 150
    assert settings.bases.policy == "local"
    assert settings.build_clis == ("/opt/docker/bin/docker",)
    assert settings.deploy.environment("staging").context == "kind-staging"


def test_an_empty_budget_means_none_is_set_yet():
    assert load_settings(environ={"INVOKE_IMAGE_BUDGET_MB": ""}).budget_mb is None


@pytest.mark.parametrize("budget", ["abc", "-5", "0"])
def test_bad_budget_is_a_clear_error(budget):
    with pytest.raises(
        ConfigError,
        match=r"image.budget_mb must be a positive number, got .*INVOKE_IMAGE_BUDGET_MB",
    ):
        load_settings(environ={"INVOKE_IMAGE_BUDGET_MB": budget})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INVOKE_DEPLOY_MIGRATION_TIMEOUT_SECONDS", "ten minutes"),
        ("INVOKE_DEPLOY_ROLLOUT_TIMEOUT_SECONDS", "1.5"),
        ("INVOKE_APP_PORT", "http"),
    ],
)
def test_whole_number_settings_that_are_not_are_a_clear_error(variable, value):
    with pytest.raises(ConfigError, match=rf"must be a positive whole number, got .*{variable}"):
        load_settings(environ={variable: value})


def test_unknown_base_policy_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"bases.policy must be one of auto, official, local"):
        load_settings(environ={"INVOKE_BASES_POLICY": "sometimes"})


def test_unknown_environment_names_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown environment 'qa': use one of staging, prod"):
        load_settings(environ={}).deploy.environment("qa")


def test_empty_ca_bundle_means_no_build_secret():
    assert load_settings(environ={"INVOKE_DOCKER_CA_BUNDLE": ""}).ca_bundle is None
