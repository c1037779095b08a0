"""Liveness needs only the process; readiness needs the database and every migration applied."""

import pytest
from django.core.management import call_command

from tests.unit.manage_py import PRODUCTION_ENV, manage


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
def test_readiness_is_503_naming_unapplied_migrations(client):
    call_command("migrate", "service", "zero", verbosity=0)
    try:
        response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    finally:
        call_command("migrate", "service", verbosity=0)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "unapplied migrations: service.0001_initial",
    }


def test_readiness_names_an_unreachable_database(tmp_path):
    code = "from django_runtime.readiness import readiness_problem; print(readiness_problem())"
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        SQLITE_PATH=str(tmp_path / "missing-dir" / "db.sqlite3"),
        **PRODUCTION_ENV,
    )
    assert result.stdout.strip() == (
        "database unreachable: OperationalError: unable to open database file"
    )
