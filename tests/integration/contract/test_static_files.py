"""WhiteNoise over the real server, on the app's own static files: cache headers, encodings,
validators, ranges, and downloads streamed in bounded memory."""

import gzip
import http.client
import re
from urllib.parse import urlsplit

import brotli
import pytest

from lifecycle.harness.http_load import burst
from lifecycle.harness.memory import peak_memory_during
from lifecycle.harness.stack import (
    BIG_FILE_BYTES,
    BIG_FILE_PATH,
    INGRESS_HEADERS,
)

IMMUTABLE = "max-age=315360000, public, immutable"
SEVEN_DAYS = "max-age=604800, public"


@pytest.fixture(scope="module")
def unhashed_static(hashed_static) -> str:
    """The same file under the name the app's code uses, which can change at any deploy."""
    return re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", hashed_static)


def test_hashed_static_files_are_immutable(web, hashed_static):
    response = web.get(hashed_static)
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE


def test_unhashed_static_files_are_cached_for_seven_days(web, unhashed_static):
    response = web.get(unhashed_static)
    assert response.status_code == 200
    assert response.headers["cache-control"] == SEVEN_DAYS
    assert response.headers["vary"] == "Accept-Encoding"


def test_brotli_and_gzip_when_accepted_identity_otherwise(web, hashed_static):
    identity = web.get(hashed_static, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        with web.stream("GET", hashed_static, headers={"Accept-Encoding": encoding}) as response:
            raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == encoding
        assert len(raw) < len(identity.content)
        assert decompress(raw) == identity.content


def test_validators_give_304(web, hashed_static):
    first = web.get(hashed_static)
    assert first.headers["last-modified"]
    by_etag = web.get(hashed_static, headers={"If-None-Match": first.headers["etag"]})
    by_date = web.get(hashed_static, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_date.status_code == 304


def test_head_gives_headers_without_a_body(web):
    response = web.head(BIG_FILE_PATH)
    assert response.status_code == 200
    assert response.headers["content-length"] == str(BIG_FILE_BYTES)
    assert response.content == b""


def test_range_request_gives_206(web, unhashed_static):
    # A range is of the representation served, so ask for the uncompressed one.
    identity = {"Accept-Encoding": "identity"}
    whole_start = web.get(unhashed_static, headers=identity).content[:10]
    response = web.get(unhashed_static, headers={**identity, "Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["content-range"].startswith("bytes 0-9/")
    assert response.content == whole_start


def test_missing_static_file_is_404(web):
    assert web.get("/static/no-such-folder/missing.css").status_code == 404


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
    url = app.url(BIG_FILE_PATH)
    burst(url, 1, headers=INGRESS_HEADERS)  # warm the workers
    result, growth = peak_memory_during(app.docker, lambda: burst(url, 10, headers=INGRESS_HEADERS))
    assert result.ok_2xx == 10, result
    assert growth.grew_mb <= 20, f"memory grew by {growth.grew_mb:.1f} MB in ten 50 MB downloads"
