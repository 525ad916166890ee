"""What every meetings endpoint shares: JSON errors, bounded JSON bodies, the CSRF checks."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Re-exported: the handlers take the refusals from here, with the rest of what endpoints share.
from server.meetings.domain.errors import ApiError as ApiError
from server.meetings.domain.errors import not_found as not_found
from server.meetings.domain.parts import KringParts

Handler = Callable[[Request], Awaitable[Response]]

# Every body this API accepts is a handful of short fields; a copy request lists at most MAX_ITEMS.
MAX_BODY_BYTES = 32_768


def parts(request: Request) -> KringParts:
    return cast(KringParts, request.app.state.kring)


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse({"error": error.code, "message": error.message}, error.status, headers=error.headers)


def api(handler: Handler) -> Handler:
    """An endpoint whose ApiError becomes the JSON error body, without an app-wide exception handler."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            return error_response(error)

    return endpoint


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def check_change(request: Request) -> None:
    """A request that changes something must be JSON and, unless it carries a Bearer token, same-origin.

    A cross-site form cannot send application/json without a CORS preflight this server never
    grants, and a browser always sends Origin on such requests: two checks on top of SameSite.
    Bearer tokens are never sent by a browser on its own, so they need no Origin.
    """
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "bad_content_type", "Stuur JSON. / Send application/json.")
    if bearer(request) is not None:
        return
    origin = request.headers.get("origin", "").rstrip("/")
    if origin not in parts(request).settings.allowed_origins:
        raise ApiError(403, "bad_origin", "Verzoek van een andere site geweigerd. / Cross-site request refused.")


async def read_bytes(request: Request) -> bytes:
    """A change's body, once it is known to be JSON, same-origin and not too large (bodies.read_body
    turns it into its typed model)."""
    check_change(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    return bytes(body)


def _too_large() -> ApiError:
    return ApiError(413, "too_large", "Verzoek te groot. / Request too large.")


def client_address(request: Request) -> str:
    """The peer's address. Behind a reverse proxy this is the real client only because uvicorn runs
    with proxy_headers (server.cli) and the proxy is in FORWARDED_ALLOW_IPS; otherwise every phone
    would share the proxy's address and its throttle."""
    return request.client.host if request.client else "unknown"


def no_content() -> Response:
    return Response(status_code=204)
