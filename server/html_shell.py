"""The HTML entry points. Pages are shells; the board is drawn by the bundled client."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.catalogue import language
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


_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Board pages hold special-category data: no caching, no framing, no foreign scripts; and
    served over HTTPS, never again over plain HTTP (HSTS)."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.headers = [*_SECURITY_HEADERS, _HSTS] if https else list(_SECURITY_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = self.headers
                if scope["path"].startswith("/static/"):
                    # Bundles hold no board data: let phones revalidate (ETag) instead of refetching.
                    extra = [(k, b"no-cache" if k == b"cache-control" else v) for k, v in extra]
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def middleware(https: bool = False) -> list[Middleware]:
    return [Middleware(SecurityHeaders, https=https)]


def page_lang(request: Request) -> str:
    """The page's language: Dutch unless another language with a catalogue is asked for (the client
    reads it from here)."""
    return language(request.query_params.get("lang"))


_PRELOADS = Path(__file__).resolve().parent.parent / "web" / "static" / "dist" / "preload.json"


def scripts(script: str) -> str:
    """The page's entry module, and the shared chunks it imports (web/build.mjs lists them), asked
    for beside it instead of one import later."""
    try:
        chunks = json.loads(_PRELOADS.read_text()).get(script, [])
    except (OSError, ValueError):
        chunks = []  # not built yet: the entry still imports them itself
    links = "".join(f'<link rel="modulepreload" href="/static/dist/{escape(chunk)}">\n' for chunk in chunks)
    return f'{links}<script type="module" src="/static/dist/{script}.js"></script>'


def shell(title: str, body: str, script: str, lang: str) -> str:
    """A page: the stylesheet, one bundled entry module, and `body`, which must already be escaped."""
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{escape(title)}</title>
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/kring.css">
{scripts(script)}
</head>
<body>
{body}
<noscript><p class="page">Kring werkt alleen met JavaScript aan. / Kring needs JavaScript.</p></noscript>
</body>
</html>
"""


async def index(request: Request) -> Response:
    # Without JavaScript the join form arrives here as ?room=...; with it, index.js navigates itself.
    asked = request.query_params.get("room", "").strip().lower()
    if ROOM_NAME.match(asked):
        query = "?lang=en" if page_lang(request) == "en" else ""
        return RedirectResponse(f"/r/{asked}{query}", status_code=303)
    body = """<main class="page home">
<h1>Kring</h1>
<p class="tagline" data-i18n="tagline">Een live bord voor netwerkberaden.</p>
<form id="join" class="join" action="/" method="get" novalidate>
<label for="room" data-i18n="roomLabel">Naam van de kamer</label>
<p id="room-hint" class="hint" data-i18n="roomHint">Kleine letters, cijfers en streepjes, zoals team-noord-3.</p>
<div class="row">
<input id="room" name="room" required maxlength="64" autocomplete="off"
 autocapitalize="none" spellcheck="false" aria-describedby="room-hint">
<button type="submit" data-i18n="open">Openen</button>
</div>
</form>
</main>"""
    return HTMLResponse(shell("Kring", body, "index", page_lang(request)))


async def room_page(request: Request) -> Response:
    room = request.path_params["room"]
    if not ROOM_NAME.match(room):
        return RedirectResponse("/", status_code=303)
    body = f"""<main class="page room" data-room="{escape(room)}">
<header class="bar">
<h1>Kring <span class="room-name">{escape(room)}</span></h1>
<p id="status" class="status" role="status" aria-live="polite" data-state="connecting"
 data-i18n="connecting">Verbinden…</p>
<p id="presence" class="presence" aria-live="polite"></p>
</header>
<section class="list" aria-labelledby="list-title">
<h2 id="list-title" data-i18n="listTitle">Gedeelde lijst</h2>
<form id="add" class="add">
<label for="item" data-i18n="itemLabel">Nieuw punt</label>
<div class="row">
<input id="item" name="item" maxlength="2000" autocomplete="off" required>
<button type="submit" data-i18n="add">Toevoegen</button>
</div>
</form>
<ul id="items" class="items"></ul>
<p id="empty" class="empty" data-i18n="empty" hidden>Nog geen punten. Voeg het eerste toe.</p>
</section>
</main>"""
    return HTMLResponse(shell(f"Kring · {room}", body, "room", page_lang(request)))
