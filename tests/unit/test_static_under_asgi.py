"""WhiteNoise through the real ASGI app: streaming, cache headers, encodings, 304, HEAD, Range."""

import gzip
import re
import warnings

import brotli
from django.conf import settings
from django.templatetags.static import static

from django_runtime.static_streaming import CHUNK_SIZE
from tests.unit.conftest import BIG_FILE_NAME, BIG_FILE_SIZE

SEVEN_DAYS = "max-age=604800, public"
IMMUTABLE = "max-age=315360000, public, immutable"


def assert_streamed_in_chunks(client) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.request(f"/static/{BIG_FILE_NAME}")
    assert response.status == 200
    assert len(response.body) == BIG_FILE_SIZE
    non_empty = [chunk for chunk in response.chunks if chunk]
    assert len(non_empty) >= BIG_FILE_SIZE // CHUNK_SIZE
    assert max(len(chunk) for chunk in non_empty) <= CHUNK_SIZE
    assert not [w for w in caught if "synchronous iterators" in str(w.message)]


def test_large_static_file_streams_in_chunks_without_sync_iterator_warning(asgi_client):
    assert_streamed_in_chunks(asgi_client)


def test_static_files_still_stream_beside_a_sync_only_middleware(make_asgi_client, settings):
    # Django builds a chain with a sync-only middleware in sync mode wherever it can.
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.unit.sync_only.SyncOnlyMiddleware"]
    assert_streamed_in_chunks(make_asgi_client())


def test_static_file_that_grows_is_sent_at_its_announced_length(make_asgi_client):
    grown = settings.STATIC_ROOT / "downloads" / "growing.txt"
    grown.write_bytes(b"a" * 100_000)
    client = make_asgi_client()  # WhiteNoise indexes the file at its size now
    with grown.open("ab") as more:
        more.write(b"b" * 50_000)
    response = client.request("/static/downloads/growing.txt")
    assert response.headers["content-length"] == "100000"
    assert response.body == b"a" * 100_000


def test_unhashed_static_file_is_cached_for_seven_days(asgi_client):
    response = asgi_client.request("/static/service/site.css")
    assert response.status == 200
    assert response.headers["cache-control"] == SEVEN_DAYS
    assert settings.WHITENOISE_MAX_AGE == 7 * 24 * 3600


def test_hashed_static_files_are_immutable(asgi_client):
    hashed_url = static("service/site.css")
    assert re.fullmatch(r"/static/service/site\.[0-9a-f]{12}\.css", hashed_url)
    response = asgi_client.request(hashed_url)
    assert response.status == 200
    assert response.headers["cache-control"] == IMMUTABLE


def test_brotli_and_gzip_bodies_when_accepted_identity_otherwise(asgi_client):
    url = static("service/site.css")
    plain = asgi_client.request(url)
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"

    br = asgi_client.request(url, headers={"Accept-Encoding": "br"})
    assert br.headers["content-encoding"] == "br"
    assert brotli.decompress(br.body) == plain.body
    assert len(br.body) < len(plain.body)

    gz = asgi_client.request(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gzip.decompress(gz.body) == plain.body


def test_matching_etag_gives_304_with_no_body(asgi_client):
    first = asgi_client.request("/static/service/site.js")
    again = asgi_client.request(
        "/static/service/site.js", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status == 304
    assert again.body == b""


def test_head_has_headers_and_no_body(asgi_client):
    response = asgi_client.request(f"/static/{BIG_FILE_NAME}", method="HEAD")
    assert response.status == 200
    assert response.headers["content-length"] == str(BIG_FILE_SIZE)
    assert response.body == b""


def test_range_request_gives_206_with_exactly_those_bytes(asgi_client):
    response = asgi_client.request(f"/static/{BIG_FILE_NAME}", headers={"Range": "bytes=256-511"})
    assert response.status == 206
    assert response.headers["content-range"] == f"bytes 256-511/{BIG_FILE_SIZE}"
    assert response.body == bytes(range(256))


def test_missing_static_file_is_404(asgi_client):
    assert asgi_client.request("/static/service/nope.css").status == 404
