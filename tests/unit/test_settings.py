"""Settings read from the environment: production checks, clear errors, database selection."""

import pytest

from tests.unit.manage_py import PRODUCTION_ENV, manage


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_missing_secret_key_stops_with_one_clear_line():
    result = manage("check", DJANGO_ALLOWED_HOSTS="x")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "configuration error: DJANGO_SECRET_KEY is not set: set it to a long random value "
        "(or set DJANGO_DEBUG=1 for local development)"
    ]


def test_malformed_boolean_stops_with_one_clear_line():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "configuration error: DJANGO_DEBUG='maybe' is not a boolean: use 1 or 0"
    )


def print_setting(expression: str, **env: str) -> str:
    code = f"from django.conf import settings; print({expression})"
    result = manage("shell", "-v", "0", "-c", code, **PRODUCTION_ENV, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


DATABASE_KEEPING = (
    "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['CONN_MAX_AGE'], "
    "settings.DATABASES['default']['CONN_HEALTH_CHECKS']"
)


def test_database_url_selects_mysql_with_kept_connections_checked_before_reuse():
    value = print_setting(DATABASE_KEEPING, DATABASE_URL="mysql://app:pw@db.internal:3307/shop")
    assert value == "django.db.backends.mysql 60 True"


def test_kept_connections_can_be_turned_off():
    value = print_setting(
        DATABASE_KEEPING, DATABASE_URL="mysql://app:pw@db:3306/shop", DJANGO_CONN_MAX_AGE="0"
    )
    assert value == "django.db.backends.mysql 0 False"


def test_mysql_variables_select_mysql_with_a_connect_timeout():
    value = print_setting(
        "sorted((k, v) for k, v in settings.DATABASES['default'].items() if k != 'TEST')",
        MYSQL_HOST="db",
        MYSQL_DATABASE="shop",
        MYSQL_USER="app",
        MYSQL_PASSWORD="pw",
    )
    assert "('ENGINE', 'django.db.backends.mysql')" in value
    assert "('HOST', 'db')" in value
    assert "('PORT', 3306)" in value
    assert "('CONN_MAX_AGE', 60)" in value
    assert "('CONN_HEALTH_CHECKS', True)" in value
    assert "'connect_timeout': 3" in value


@pytest.mark.parametrize(("debug", "max_age"), [("0", "604800"), ("1", "0")])
def test_whitenoise_max_age_is_seven_days_in_production_and_zero_in_debug(debug, max_age):
    assert print_setting("settings.WHITENOISE_MAX_AGE", DJANGO_DEBUG=debug) == max_age


def test_demo_endpoints_are_off_unless_switched_on():
    code = "from django.urls import resolve; print(resolve('/demo/sleep').url_name)"
    off = manage("shell", "-v", "0", "-c", code, **PRODUCTION_ENV)
    assert "Resolver404" in off.stderr
    on = manage("shell", "-v", "0", "-c", code, DJANGO_DEMO_ENDPOINTS="1", **PRODUCTION_ENV)
    assert on.stdout.strip() == "demo-sleep"
