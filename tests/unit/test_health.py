"""Liveness needs only the process; readiness needs the database and every migration applied."""

import pytest
from django.core.management import call_command

from django_runtime.readiness import Readiness
from tests.unit.manage_py import PRODUCTION_ENV, manage


@pytest.fixture(autouse=True)
def probe(monkeypatch) -> Readiness:
    """A fresh readiness check for each test, reusing no verdict."""
    fresh = Readiness(cache_seconds=0)
    monkeypatch.setattr("django_runtime.middleware.readiness", fresh)
    return fresh


def test_liveness_answers_without_touching_the_database(client):
    # No django_db mark: pytest-django makes any database access here an error.
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("host", ["my-app.example.com", "testserver", "localhost:8000"])
def test_probes_do_not_answer_a_host_name(client, host):
    assert client.get("/healthz", HTTP_HOST=host, secure=True).status_code in (400, 404)


@pytest.mark.parametrize("host", ["10.0.0.7", "10.0.0.7:8000", "[fd00::7]:8000", "127.0.0.1"])
def test_probes_answer_the_pod_address_in_any_form(client, host):
    assert client.get("/healthz", HTTP_HOST=host).json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_200_when_the_database_is_migrated(client):
    response = client.get("/readyz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db(transaction=True)
def test_readiness_is_503_with_a_reason_code_when_migrations_are_pending(client):
    call_command("migrate", "service", "zero", verbosity=0)
    try:
        response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    finally:
        call_command("migrate", "service", verbosity=0)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "migrations_pending"}


@pytest.mark.django_db(transaction=True)
def test_migrations_once_applied_are_not_checked_again(probe):
    assert probe.check().reason is None
    call_command("migrate", "service", "zero", verbosity=0)
    try:
        # The image's migrations cannot change while it runs: no plan is built again.
        assert probe.check().reason is None
    finally:
        call_command("migrate", "service", verbosity=0)


@pytest.mark.django_db
def test_a_verdict_is_reused_while_it_is_fresh():
    probe = Readiness(cache_seconds=60)
    assert probe.check() is probe.check()


def test_an_unreachable_database_is_a_reason_code_with_the_detail_in_the_log(tmp_path):
    # The reason on stderr: the log's own writer thread writes stdout, at its own pace.
    code = (
        "import sys; from django_runtime.readiness import readiness; "
        "print(readiness.check().reason, file=sys.stderr)"
    )
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        SQLITE_PATH=str(tmp_path / "missing-dir" / "db.sqlite3"),
        **PRODUCTION_ENV,
    )
    assert result.stderr.strip().splitlines()[-1] == "database_unreachable"
    assert "OperationalError: unable to open database file" in result.stdout
