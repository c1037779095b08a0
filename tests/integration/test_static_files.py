"""WhiteNoise over the real server: cache headers, encodings, validators, ranges, memory."""

import gzip
import http.client
import re
from urllib.parse import urlsplit

import brotli
import httpx
import pytest

from lifecycle.harness.http_load import burst
from lifecycle.harness.memory import peak_memory_during
from lifecycle.harness.stack import BIG_FILE_BYTES, BIG_FILE_NAME, INGRESS_HEADERS

IMMUTABLE = "max-age=315360000, public, immutable"
SEVEN_DAYS = "max-age=604800, public"


@pytest.fixture(scope="module")
def web(app):
    with httpx.Client(base_url=app.base_url, headers=INGRESS_HEADERS, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def hashed_css(web) -> str:
    """The hashed stylesheet URL, as the home page links it."""
    page = web.get("/")
    assert page.status_code == 200
    match = re.search(r'href="(/static/service/site\.[0-9a-f]{12}\.css)"', page.text)
    assert match, page.text
    return match.group(1)


def test_hashed_static_files_are_immutable(web, hashed_css):
    response = web.get(hashed_css)
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE


def test_unhashed_static_files_are_cached_for_seven_days(web):
    response = web.get("/static/service/site.css")
    assert response.status_code == 200
    assert response.headers["cache-control"] == SEVEN_DAYS
    assert response.headers["vary"] == "Accept-Encoding"


def test_brotli_and_gzip_when_accepted_identity_otherwise(web, hashed_css):
    identity = web.get(hashed_css, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        with web.stream("GET", hashed_css, headers={"Accept-Encoding": encoding}) as response:
            raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == encoding
        assert len(raw) < len(identity.content)
        assert decompress(raw) == identity.content


def test_validators_give_304(web, hashed_css):
    first = web.get(hashed_css)
    assert first.headers["last-modified"]
    by_etag = web.get(hashed_css, headers={"If-None-Match": first.headers["etag"]})
    by_date = web.get(hashed_css, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_date.status_code == 304


def test_head_gives_headers_without_a_body(web):
    response = web.head(f"/static/big/{BIG_FILE_NAME}")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(BIG_FILE_BYTES)
    assert response.content == b""


def test_range_request_gives_206(web):
    # A range is of the representation served, so ask for the uncompressed one.
    identity = {"Accept-Encoding": "identity"}
    whole_start = web.get("/static/service/site.js", headers=identity).content[:10]
    response = web.get("/static/service/site.js", headers={**identity, "Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["content-range"].startswith("bytes 0-9/")
    assert response.content == whole_start


def test_missing_static_file_is_404(web):
    assert web.get("/static/service/missing.css").status_code == 404


@pytest.mark.parametrize(
    "raw_path",
    ["/static/../manage.py", "/static/%2e%2e/manage.py", "/static/service/..%2f..%2fmanage.py"],
)
def test_path_traversal_is_404(app, raw_path):
    # http.client sends the path exactly as written; httpx would normalise the dots away.
    address = urlsplit(app.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", raw_path, headers=INGRESS_HEADERS)
        assert connection.getresponse().status == 404
    finally:
        connection.close()


def test_large_downloads_stream_in_bounded_memory(app):
    url = app.url(f"/static/big/{BIG_FILE_NAME}")
    burst(url, 1, headers=INGRESS_HEADERS)  # warm the workers
    result, growth = peak_memory_during(app.docker, lambda: burst(url, 10, headers=INGRESS_HEADERS))
    assert result.ok_2xx == 10, result
    assert growth.grew_mb <= 20, f"memory grew by {growth.grew_mb:.1f} MB in ten 50 MB downloads"
