"""The HTML entry points. Pages are shells; the board is drawn by the bundled client."""

from __future__ import annotations

from html import escape

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.protocol import ROOM_NAME

_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Board pages hold special-category data: no caching, no framing, no foreign scripts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def middleware() -> list[Middleware]:
    return [Middleware(SecurityHeaders)]


def _shell(title: str, body: str, script: str) -> str:
    return f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/static/kring.css">
</head>
<body>
{body}
<script type="module" src="/static/dist/{script}.js"></script>
</body>
</html>
"""


async def index(_request: Request) -> Response:
    body = """<main class="page">
<h1>Kring</h1>
<p>Een live bord voor netwerkberaden. / A live board for family network meetings.</p>
<form id="join" class="join" action="/" method="get">
<label for="room">Kamer / Room</label>
<input id="room" name="room" required pattern="[a-z0-9][a-z0-9-]{0,63}" autocomplete="off">
<button type="submit">Open</button>
</form>
</main>"""
    return HTMLResponse(_shell("Kring", body, "index"))


async def room_page(request: Request) -> Response:
    room = request.path_params["room"]
    if not ROOM_NAME.match(room):
        return RedirectResponse("/", status_code=303)
    body = f"""<main class="page" data-room="{escape(room)}">
<header class="bar"><h1>Kring · <span class="room-name">{escape(room)}</span></h1>
<p id="status" class="status" role="status" aria-live="polite">Verbinden…</p></header>
<section aria-labelledby="list-title">
<h2 id="list-title">Gedeelde lijst</h2>
<form id="add" class="add">
<label for="item">Nieuw punt</label>
<input id="item" name="item" maxlength="2000" autocomplete="off" required>
<button type="submit">Toevoegen</button>
</form>
<ul id="items" class="items"></ul>
</section>
<p id="presence" class="presence" aria-live="polite"></p>
</main>"""
    return HTMLResponse(_shell(f"Kring · {room}", body, "room"))
