"""The HTML entry points. Pages are shells; the board is drawn by the bundled client."""

from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.catalogue import DEFAULT_LANGUAGE, LANGUAGES, catalogue
from server.cookie_names import LANGUAGE_COOKIE
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


# A browser sends a handful of ranges; a longer header is not a browser's, and is read only this far.
_MAX_RANGES = 20


def accepted_language(header: str | None) -> str | None:
    """The catalogue that best fits an Accept-Language header: its ranges by q-value (ties in the
    order given), each matched by its primary subtag (`en-US` is `en`); `*` takes the default.
    None when no range has a catalogue here."""
    ranges: list[tuple[float, int, str]] = []
    for order, part in enumerate((header or "").split(",")[:_MAX_RANGES]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and math.isfinite(q) and q > 0:
            ranges.append((-min(q, 1.0), order, tag.lower()))
    for _, _, tag in sorted(ranges):
        primary = tag.split("-", 1)[0]
        if primary == "*":
            return DEFAULT_LANGUAGE
        if primary in LANGUAGES:
            return primary
    return None


def chosen_lang(request: Request) -> str | None:
    """The language the person chose: `?lang=` (the switch, and every link between views), else the
    session's cookie; None when they chose none (or one without a catalogue)."""
    for asked in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in LANGUAGES:
            return asked
    return None


def page_lang(request: Request) -> str:
    """The page's language (the client reads it from `<html lang>`): the person's choice, else the
    browser's (Accept-Language), else Dutch."""
    return chosen_lang(request) or accepted_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


def page_response(request: Request, html: str) -> HTMLResponse:
    """A page, remembering a language chosen with `?lang=` for the rest of the browser session: a
    cookie without Max-Age (gone when the browser closes; "leave" and "log out" delete it at once),
    HttpOnly because only this server reads it. Nothing goes into the browser's storage."""
    response = HTMLResponse(html)
    response.headers["vary"] = "Accept-Language, Cookie"
    asked = request.query_params.get("lang")
    if asked in LANGUAGES and asked != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
    return response


_WORD = re.compile(r'(data-i18n="(\w+)"[^>]*>)[^<]*<')


def translated(body: str, lang: str) -> str:
    """`body` with each `data-i18n` element's text in `lang`, so a page arrives in its language
    instead of changing once its script runs (translatePage does the same in the client)."""
    words = catalogue(lang)["ui"]

    def put(match: re.Match[str]) -> str:
        text = words.get(match.group(2))
        return f"{match.group(1)}{escape(text, quote=False)}<" if isinstance(text, str) else match.group(0)

    return _WORD.sub(put, body)


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
    """A page: its `<title>` element, the stylesheet, one bundled entry module, and `body`; `title` and
    `body` must already be escaped, and are sent in `lang` where they mark a phrase (`data-i18n`)."""
    body = translated(body, lang)
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
{translated(title, lang)}
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
        lang = chosen_lang(request)
        return RedirectResponse(f"/r/{asked}{f'?lang={lang}' if lang else ''}", status_code=303)
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
    return page_response(request, shell("<title>Kring</title>", body, "index", page_lang(request)))


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
    return page_response(request, shell(f"<title>Kring · {escape(room)}</title>", body, "room", page_lang(request)))
