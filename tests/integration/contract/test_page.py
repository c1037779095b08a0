"""Every app: its page renders over real HTTP as the ingress forwards it, and the probes answer
on the pod's own address, before host checks."""

import httpx

from lifecycle.harness.stack import INGRESS_HEADERS


def test_the_page_renders_as_html(page):
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["strict-transport-security"].startswith("max-age=")


def test_probes_answer_on_the_pod_address(app):
    pod_ip = {"Host": "10.1.2.3:8000"}
    assert httpx.get(app.url("/healthz"), headers=pod_ip).json() == {"status": "ok"}
    assert httpx.get(app.url("/readyz"), headers=pod_ip).json() == {"status": "ready"}


def test_plain_http_is_redirected_to_https(app):
    response = httpx.get(app.url("/"), headers={"Host": INGRESS_HEADERS["Host"]})
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://")
