"""Settings come from invoke.yaml, and INVOKE_* environment variables override them."""

import pytest

from lifecycle.config import load_invoke_config, settings_from
from lifecycle.errors import ConfigError


def test_defaults_come_from_invoke_yaml(monkeypatch):
    monkeypatch.delenv("INVOKE_IMAGE_BUDGET_MB", raising=False)
    settings = settings_from(load_invoke_config())
    assert settings.budget_mb == 120
    assert settings.repository == "my-app"
    assert settings.bases.python_runtime == "python:3.11-slim-bookworm"
    assert settings.build_clis == ("docker", "/usr/bin/docker")


def test_environment_overrides_invoke_yaml(monkeypatch):
    monkeypatch.setenv("INVOKE_IMAGE_BUDGET_MB", "150")
    monkeypatch.setenv("INVOKE_BASES_POLICY", "local")
    monkeypatch.setenv("INVOKE_DOCKER_BUILD_CLIS", "/opt/docker/bin/docker")
    settings = settings_from(load_invoke_config())
    assert settings.budget_mb == 150
    assert settings.bases.policy == "local"
    assert settings.build_clis == ("/opt/docker/bin/docker",)


def test_budget_that_is_not_a_number_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("INVOKE_IMAGE_BUDGET_MB", "abc")
    with pytest.raises(ConfigError, match=r"does not fit its setting.*'abc'"):
        load_invoke_config()


@pytest.mark.parametrize("budget", ["-5", "0"])
def test_bad_budget_is_a_clear_error(monkeypatch, budget):
    monkeypatch.setenv("INVOKE_IMAGE_BUDGET_MB", budget)
    with pytest.raises(ConfigError, match=r"image.budget_mb must be a positive number"):
        settings_from(load_invoke_config())


def test_unknown_base_policy_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("INVOKE_BASES_POLICY", "sometimes")
    with pytest.raises(ConfigError, match=r"bases.policy must be one of auto, official, local"):
        settings_from(load_invoke_config())


def test_empty_ca_bundle_means_no_build_secret(monkeypatch):
    monkeypatch.setenv("INVOKE_DOCKER_CA_BUNDLE", "")
    assert settings_from(load_invoke_config()).ca_bundle is None
