"""What every meetings endpoint shares: JSON errors, bounded JSON bodies, the CSRF checks."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

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


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object after check_change; an empty body counts as {}."""
    check_change(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_json", "Geen geldige JSON. / Not valid JSON.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "bad_json", "Verwacht een JSON-object. / Expected a JSON object.")
    return value


def _too_large() -> ApiError:
    return ApiError(413, "too_large", "Verzoek te groot. / Request too large.")


def text_field(body: dict[str, Any], name: str, *, max_length: int, required: bool = True) -> str:
    """A trimmed single-line string of 1..max_length characters."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, f"bad_{name}", f"'{name}' moet tekst zijn. / '{name}' must be a string.")
    value = value.strip()
    if not 1 <= len(value) <= max_length or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ApiError(
            400,
            f"bad_{name}",
            f"'{name}': 1 tot {max_length} tekens, één regel. / '{name}': 1 to {max_length} characters, one line.",
        )
    return value


def bool_field(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise ApiError(400, f"bad_{name}", f"'{name}' moet true of false zijn. / '{name}' must be true or false.")
    return value


def client_address(request: Request) -> str:
    """The peer's address. Behind a reverse proxy this is the real client only because uvicorn runs
    with proxy_headers (server.cli) and the proxy is in FORWARDED_ALLOW_IPS; otherwise every phone
    would share the proxy's address and its throttle."""
    return request.client.host if request.client else "unknown"


def no_content() -> Response:
    return Response(status_code=204)
