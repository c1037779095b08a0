"""The home page and demo endpoints via Django's test client (HTTPS, as behind the ingress)."""

import pytest
from django.templatetags.static import static


@pytest.mark.django_db
def test_home_page_uses_hashed_static_assets_and_counts_visits(client, collected_static):
    first = client.get("/", secure=True)
    second = client.get("/", secure=True)
    assert first.status_code == 200
    html = second.content.decode()
    for asset in ("service/site.css", "service/site.js", "service/logo.svg"):
        assert static(asset) in html
        assert static(asset) != f"/static/{asset}"
    assert 'data-visits="2"' in html


def test_plain_http_is_redirected_to_https(client):
    response = client.get("/demo/sleep?ms=0")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/demo/sleep?ms=0"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/demo/sleep?ms=1", {"slept_ms": 1}),
        ("/demo/async-sleep?ms=1", {"slept_ms": 1}),
    ],
)
def test_sleep_endpoints_wait_the_asked_time(client, path, expected):
    response = client.get(path, secure=True)
    assert response.status_code == 200
    assert response.json() == expected


def test_cpu_endpoint_returns_the_chained_digest(client):
    import hashlib

    digest = hashlib.sha256(hashlib.sha256(b"").digest()).digest()
    response = client.get("/demo/cpu?rounds=2", secure=True)
    assert response.json() == {"rounds": 2, "digest": digest.hex()}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/demo/sleep?ms=5001", "ms must be between 0 and 5000"),
        ("/demo/async-sleep?ms=-1", "ms must be between 0 and 5000"),
        ("/demo/cpu?rounds=2000001", "rounds must be between 1 and 2000000"),
        ("/demo/db-sleep?ms=abc", "ms must be a whole number"),
    ],
)
def test_demo_parameters_out_of_bounds_are_rejected(client, path, reason):
    response = client.get(path, secure=True)
    assert response.status_code == 400
    assert response.json() == {"error": reason}


def test_database_sleep_needs_mysql(client):
    response = client.get("/demo/db-sleep?ms=1", secure=True)
    assert response.status_code == 501


def test_bad_host_header_is_rejected(client):
    response = client.get("/", secure=True, HTTP_HOST="evil.example")
    assert response.status_code == 400


@pytest.mark.django_db
def test_each_request_logs_one_line_with_method_path_status_and_duration(client, caplog):
    caplog.set_level("INFO", logger="django_runtime.requests")
    client.get("/healthz?x=1", HTTP_HOST="10.0.0.7")
    lines = [r.getMessage() for r in caplog.records if r.name == "django_runtime.requests"]
    assert len(lines) == 1
    method, path, status, duration = lines[0].split(" ")
    assert (method, path, status) == ("GET", "/healthz", "200")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0


def test_static_files_are_served_under_wsgi_too(client, collected_static):
    response = client.get("/static/service/site.css", secure=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=604800, public"
    assert b"font-family" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_head_options_and_trace_write_no_visit(client, collected_static):
    assert client.head("/", secure=True).status_code == 200
    assert client.options("/", secure=True).status_code == 405
    assert client.trace("/", secure=True).status_code == 405
    assert 'data-visits="1"' in client.get("/", secure=True).content.decode()


def test_too_many_query_fields_is_a_400_without_a_traceback(client, caplog):
    query = "&".join(f"f{i}=1" for i in range(1100))
    response = client.get(f"/demo/sleep?{query}", secure=True)
    assert response.status_code == 400
    assert not [record for record in caplog.records if record.exc_info]
