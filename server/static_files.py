"""/static/: the files web/build.mjs wrote, sent as its precompressed `.br` or `.gz` copy when the
browser accepts one, with caching that fits whether the name is content-hashed."""

from __future__ import annotations

import os
import stat
from mimetypes import guess_type

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

# Best first: on equal q-values the smaller copy wins.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_COPIES = tuple(suffix for _, suffix in _ENCODINGS)
# esbuild names these by their content's hash: a new build makes new names, so they never change.
_HASHED = "dist/chunks/"
_IMMUTABLE = "public, max-age=31536000, immutable"
# Entries and style sheets keep their names across builds: the browser asks each time (ETag, 304).
_REVALIDATE = "no-cache"


def accepted(header: str | None) -> dict[str, float]:
    """The q-value the request's Accept-Encoding gives br, gzip and identity (RFC 9110 12.5.3)."""
    if header is None:
        return {"br": 0.0, "gzip": 0.0, "identity": 1.0}
    given: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        given[name] = q
    wildcard = given.get("*")
    return {
        "br": given.get("br", wildcard if wildcard is not None else 0.0),
        "gzip": given.get("gzip", given.get("x-gzip", wildcard if wildcard is not None else 0.0)),
        # Unnamed, identity is acceptable but least preferred (0.001, the least q there is): a browser
        # that lists `br;q=0.5` wants it over the plain file. Refused by name or by `*;q=0`.
        "identity": given.get("identity", wildcard if wildcard is not None else 0.001),
    }


def _copy(path: str, original: os.stat_result) -> os.stat_result | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    # A copy older than its file is stale (a style sheet edited without a rebuild): not sent.
    if not stat.S_ISREG(found.st_mode) or found.st_mtime < original.st_mtime:
        return None
    return found


class CompressedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        # The copies are only ever sent as an encoding of their file, never under their own type.
        if path.endswith(_COPIES):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        request_headers = Headers(scope=scope)
        original = os.fspath(full_path)
        copies = {name: (original + suffix, _copy(original + suffix, stat_result)) for name, suffix in _ENCODINGS}
        q = accepted(request_headers.get("accept-encoding"))
        options = [(q[name], path, found, name) for name, (path, found) in copies.items() if found and q[name] > 0]
        # max() keeps the first of equal q-values: br, then gzip, then the file itself.
        _, sent, sent_stat, encoding = max(
            [*options, (q["identity"], original, stat_result, "identity")], key=lambda o: o[0]
        )
        headers = {
            "cache-control": _IMMUTABLE if self.get_path(scope).startswith(_HASHED) else _REVALIDATE,
        }
        if any(found is not None for _, found in copies.values()):
            headers["vary"] = "Accept-Encoding"
        if encoding != "identity":
            headers["content-encoding"] = encoding
        response = FileResponse(
            sent,
            status_code=status_code,
            headers=headers,
            media_type=guess_type(original)[0] or "application/octet-stream",
            stat_result=sent_stat,
        )
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response
