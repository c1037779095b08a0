"""Every app: its page renders over real HTTP as the ingress forwards it, and the probes answer
on the pod's own address only, before host checks."""

import httpx

from lifecycle.harness.stack import INGRESS_HEADERS, PROBE_HEADERS


def test_the_page_renders_as_html(page):
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["strict-transport-security"].startswith("max-age=")


def test_probes_answer_on_the_pod_address_only(app):
    assert httpx.get(app.url("/healthz"), headers=PROBE_HEADERS).json() == {"status": "ok"}
    assert httpx.get(app.url("/readyz"), headers=PROBE_HEADERS).json() == {"status": "ready"}
    # The public host does not reach them, so the Ingress can route every path.
    assert httpx.get(app.url("/readyz"), headers=INGRESS_HEADERS).status_code == 404


def test_plain_http_is_redirected_to_https(app):
    response = httpx.get(app.url("/"), headers={"Host": INGRESS_HEADERS["Host"]})
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://")
