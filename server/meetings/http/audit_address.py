"""Where an audited action came from: a pure ASGI middleware around the whole app (HTTP and the
Socket.IO connections) that puts the client's address where `MeetingStore.audit` reads it
(server.store.auditlog.ADDRESS), so the store needs no request to know it.

The address is the ASGI scope's client, as `client_address()` reads it: behind a reverse proxy,
uvicorn's proxy_headers (server.cli) has already put the X-Forwarded-For client there when the
proxy is in FORWARDED_ALLOW_IPS, and left the proxy's own address when it is not.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from server.store.auditlog import ADDRESS


class AuditAddress:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # server.app hangs the running parts on the outermost app (tests reach them there).
        self.kring: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = ADDRESS.set(str(client[0]) if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            ADDRESS.reset(token)
