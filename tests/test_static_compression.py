"""/static/ sends the precompressed copy the browser accepts (br, gzip or none), with the original's type,
and lets browsers keep content-hashed chunks for a year while entries are revalidated."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from server.app import STATIC_DIR
from server.static_files import CompressedStaticFiles, accepted
from tests.meetings_helpers import browser
from tests.utils import RunningServer

CHUNK = "dist/chunks/shared-AB12CD34.js"
ENTRY = "dist/phone.js"
SOURCE = b"export const words = '" + b"kring " * 500 + b"';\n"
# Not real brotli: these tests check which file is sent; the build's copies are decoded below.
BROTLI = b"brotli copy of the file"


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    for name in (CHUNK, ENTRY):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(SOURCE)
        (root / f"{name}.gz").write_bytes(gzip.compress(SOURCE, 9))
        (root / f"{name}.br").write_bytes(BROTLI)
    (root / "icon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_bytes(b"outside the static folder")
    return root


@pytest.fixture
async def http(static_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=[Mount("/static", CompressedStaticFiles(directory=static_dir))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kring.test") as client:
        yield client


async def _raw(http: httpx.AsyncClient, path: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (httpx would otherwise undo the gzip)."""
    async with http.stream("GET", path, headers=headers) as response:
        body = b"".join([part async for part in response.aiter_raw()])
    return response, body


async def test_brotli_is_sent_to_a_browser_that_accepts_it(http: httpx.AsyncClient) -> None:
    response, body = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["vary"] == "Accept-Encoding"
    assert body == BROTLI and response.headers["content-length"] == str(len(BROTLI))


async def test_gzip_is_sent_when_brotli_is_not_accepted(http: httpx.AsyncClient) -> None:
    response, body = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["content-length"] == str(len(body))
    assert gzip.decompress(body) == SOURCE


async def test_q_values_choose_and_q_zero_refuses(http: httpx.AsyncClient) -> None:
    preferred, _ = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "br;q=0.5, gzip;q=0.9"})
    assert preferred.headers["content-encoding"] == "gzip"
    refused, _ = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "br;q=0, gzip;q=0"})
    assert "content-encoding" not in refused.headers
    wildcard, _ = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "*"})
    assert wildcard.headers["content-encoding"] == "br"
    assert accepted("gzip;q=0.3, identity;q=0") == {"br": 0.0, "gzip": 0.3, "identity": 0.0}
    assert accepted("*;q=0, br") == {"br": 1.0, "gzip": 0.0, "identity": 0.0}
    assert accepted(None) == {"br": 0.0, "gzip": 0.0, "identity": 1.0}
    assert accepted("br;q=0.5")["identity"] < 0.5  # unnamed, the plain file comes last


async def test_without_accept_encoding_the_file_itself_is_sent(http: httpx.AsyncClient) -> None:
    response, body = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"  # other browsers get another body at this URL
    assert body == SOURCE and response.headers["content-length"] == str(len(SOURCE))


async def test_a_hashed_chunk_is_immutable_and_an_entry_is_revalidated(http: httpx.AsyncClient) -> None:
    chunk, _ = await _raw(http, f"/static/{CHUNK}", **{"accept-encoding": "br"})
    entry, _ = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "br"})
    assert chunk.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert entry.headers["cache-control"] == "no-cache"
    assert "etag" in entry.headers


async def test_an_etag_revalidates_each_encoding_on_its_own(http: httpx.AsyncClient) -> None:
    br, _ = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "br"})
    gz, _ = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "gzip"})
    assert br.headers["etag"] != gz.headers["etag"]
    same = await http.get(f"/static/{ENTRY}", headers={"accept-encoding": "br", "if-none-match": br.headers["etag"]})
    assert same.status_code == 304
    assert same.headers["vary"] == "Accept-Encoding" and same.headers["cache-control"] == "no-cache"
    other = await http.get(f"/static/{ENTRY}", headers={"accept-encoding": "gzip", "if-none-match": br.headers["etag"]})
    assert other.status_code == 200


async def test_head_answers_the_headers_of_the_copy(http: httpx.AsyncClient) -> None:
    response = await http.head(f"/static/{ENTRY}", headers={"accept-encoding": "br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-length"] == str(len(BROTLI))
    assert response.content == b""


async def test_a_stale_copy_is_not_sent(http: httpx.AsyncClient, static_dir: Path) -> None:
    # The file was edited after the build wrote its copies.
    copy = static_dir / f"{ENTRY}.br"
    os.utime(copy, (1_000_000, 1_000_000))
    response, body = await _raw(http, f"/static/{ENTRY}", **{"accept-encoding": "br"})
    assert "content-encoding" not in response.headers and body == SOURCE


async def test_missing_files_copies_and_paths_outside_are_refused(http: httpx.AsyncClient) -> None:
    assert (await http.get("/static/dist/nothing.js", headers={"accept-encoding": "br"})).status_code == 404
    # A copy asked for by name would carry the original's type over compressed bytes.
    assert (await http.get(f"/static/{ENTRY}.gz")).status_code == 404
    assert (await http.get(f"/static/{ENTRY}.br")).status_code == 404
    for path in ("/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/dist/..%2f..%2fsecret.txt"):
        response = await http.get(path)
        assert response.status_code == 404 and b"outside" not in response.content
    plain = await http.get("/static/icon.svg", headers={"accept-encoding": "br"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers and "vary" not in plain.headers


async def test_the_built_bundle_is_served_compressed_and_decodes_to_the_original(server: RunningServer) -> None:
    preload = STATIC_DIR / "dist" / "preload.json"
    if not preload.exists():
        pytest.skip("the web client is not built (run `make web`)")
    chunk = next(p for p in (STATIC_DIR / "dist" / "chunks").iterdir() if p.suffix == ".js")
    async with browser(server) as http:
        br, br_body = await _raw(http, f"/static/dist/chunks/{chunk.name}", **{"accept-encoding": "gzip, br"})
        gz, gz_body = await _raw(http, "/static/kring.css", **{"accept-encoding": "gzip"})
    assert br.headers["content-encoding"] == "br"
    assert br.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert br.headers["content-security-policy"].startswith("default-src 'self'")  # security headers kept
    assert br.headers["x-content-type-options"] == "nosniff"
    assert _unbrotli(br_body) == chunk.read_bytes()
    assert gz.headers["content-encoding"] == "gzip" and gz.headers["content-type"].startswith("text/css")
    assert gz.headers["cache-control"] == "no-cache"
    assert gzip.decompress(gz_body) == (STATIC_DIR / "kring.css").read_bytes()


def _unbrotli(data: bytes) -> bytes:
    # Python has no brotli of its own; the build's Node has it (node:zlib).
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"
    return subprocess.run([node, "-e", script], input=data, capture_output=True, check=True).stdout
