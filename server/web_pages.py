"""The HTML shells of the meeting views (issue #3): log-in, the facilitator's console, a phone's
join and board pages, the projector, the administrators' page. Each is a landmark skeleton; its entry
module draws the rest from the meetings API and the live room, which decide access. The pages of a
role are also refused here (deny by default, `_gate`): someone not signed in is sent to the log-in
page, someone without the role to their own page or a 404, so a shell is never served to anyone it
is not for.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from server.html_shell import page_lang, page_response, shell
from server.meetings.http import cookies
from server.meetings.http.endpoint import parts

# Ids are drawn by server.auth.new_id: lower-case letters and digits.
MEETING_ID = re.compile(r"^[a-z0-9]{1,32}$")

# Every view announces changes (someone waiting, saved, removed) through one polite live region.
_LIVE = '<div id="live" class="visually-hidden" role="log" aria-live="polite"></div>'


def _topbar(extra: str = "") -> str:
    return f"""<header class="topbar">
<p class="brand">Kring</p>
{extra}
</header>"""


def _page(request: Request, title: str, body: str, script: str) -> Response:
    return page_response(request, shell(title, f"{body}\n{_LIVE}", script, page_lang(request)))


async def login(request: Request) -> Response:
    body = f"""{_topbar()}
<main id="main" class="page narrow">
<h1 data-i18n="loginTitle">Inloggen voor gespreksleiders</h1>
<form id="login" class="stack" novalidate>
<label for="email" data-i18n="email">E-mailadres</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254">
<label for="password" data-i18n="password">Wachtwoord</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit" data-i18n="logIn">Inloggen</button>
<p id="error" class="error" role="alert" hidden></p>
</form>
<form id="second" class="stack" novalidate hidden>
<h2 data-i18n="secondFactorTitle">Tweede stap</h2>
<p data-i18n="secondFactorIntro">Vul de code uit je authenticator-app in, of een van je herstelcodes.</p>
<label for="code" data-i18n="codeLabel">Code</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" required maxlength="32">
<button type="submit" data-i18n="checkCode">Controleren</button>
<p id="code-error" class="error" role="alert" hidden></p>
</form>
</main>"""
    return _page(request, '<title data-i18n="pageLogin">Kring · Inloggen</title>', body, "login")


def _console_bar() -> str:
    return _topbar(
        '<nav class="topnav" aria-label="Kring"><a href="/console" id="cases-link" data-i18n="casesNav">Zaken</a>'
        '<button type="button" id="logout" class="quiet" data-i18n="logOut">Uitloggen</button></nav>'
    )


# Where a signed-in person belongs, by role, in this order (a facilitator's work comes first).
HOMES = (("facilitator", "/console"), ("admin", "/admin"), ("privacy_officer", "/privacy"))


async def _gate(request: Request, role: str) -> Response | None:
    """None if the caller holds `role`; else where they go instead, with nothing of the page."""
    token = cookies.session_token(request)
    store = parts(request).meetings
    person = await store.session_facilitator(token) if token else None
    if person is None:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/login?next={quote(request.url.path + query, safe='/')}", status_code=303)
    roles = await store.roles_of(person.id)
    if role in roles:
        return None
    home = next((page for held, page in HOMES if held in roles), None)
    if home is not None:
        return RedirectResponse(home, status_code=303)
    return PlainTextResponse("Not Found", status_code=404)


async def console(request: Request) -> Response:
    if refused := await _gate(request, "facilitator"):
        return refused
    body = f"""{_console_bar()}
<main id="main" class="page console" aria-busy="true">
<h1 data-i18n="casesTitle">Zaken</h1>
<p id="error" class="error" role="alert" hidden></p>
<div id="cases"></div>
</main>"""
    return _page(request, '<title data-i18n="pageConsole">Kring · Zaken</title>', body, "console")


async def meeting(request: Request) -> Response:
    if refused := await _gate(request, "facilitator"):
        return refused
    meeting_id = request.path_params["meeting_id"]
    if not MEETING_ID.match(meeting_id):
        return RedirectResponse("/console", status_code=303)
    # Another team's meeting answers like one that does not exist (as the API does).
    store = parts(request).meetings
    found = await store.meeting(meeting_id)
    person = await store.session_facilitator(cookies.session_token(request) or "")
    if found is None or person is None or not await store.can_manage_case(person.id, found.case_id):
        return PlainTextResponse("Not Found", status_code=404)
    # The id is checked above, so it is safe in an attribute as it is.
    body = f"""{_console_bar()}
<main id="main" class="page meeting" data-meeting="{meeting_id}" aria-busy="true">
<p id="error" class="error" role="alert" hidden></p>
<div id="meeting"></div>
</main>"""
    return _page(request, '<title data-i18n="pageMeeting">Kring · Bijeenkomst</title>', body, "meeting")


async def join(request: Request) -> Response:
    # The code from /j/<code> arrives as ?code=; join.js fills it in (it is only digits by then).
    body = f"""{_topbar()}
<main id="main" class="page narrow phone">
<div id="view"></div>
</main>"""
    return _page(request, '<title data-i18n="pageJoin">Kring · Meedoen</title>', body, "join")


async def board(request: Request) -> Response:
    body = f"""{_topbar('<p id="status" class="status" role="status" data-state="connecting"></p>')}
<main id="main" class="page phone">
<div id="view"></div>
</main>"""
    return _page(request, '<title data-i18n="pagePhone">Kring · Bord</title>', body, "phone")


async def projector(request: Request) -> Response:
    # The token is in the fragment: it never reaches this server's logs or a Referer.
    body = """<main id="main" class="projector">
<div id="view"></div>
</main>"""
    return _page(request, '<title data-i18n="pageProjector">Kring · Projector</title>', body, "projector")


async def plan(request: Request) -> Response:
    # A network member's plan between meetings; /l/<token> put the link in a session cookie.
    body = f"""{_topbar()}
<main id="main" class="page narrow phone plan-page" aria-busy="true">
<div id="view"></div>
</main>"""
    return _page(request, '<title data-i18n="pagePlan">Kring · Ons plan</title>', body, "plan")


async def privacy(request: Request) -> Response:
    # The privacy officer's view: the audit log, access per case, deletions (server.meetings.http.privacy).
    if refused := await _gate(request, "privacy_officer"):
        return refused
    bar = _topbar(
        '<nav class="topnav" aria-label="Kring">'
        '<button type="button" id="logout" class="quiet" data-i18n="logOut">Uitloggen</button></nav>'
    )
    body = f"""{bar}
<main id="main" class="page privacy" aria-busy="true">
<div id="view"></div>
</main>"""
    return _page(request, '<title data-i18n="pagePrivacy">Kring · Privacy</title>', body, "privacy")


async def account(request: Request) -> Response:
    # An invitation's or reset's one-time link is in the fragment (/account#<token>): it never reaches
    # this server's logs or a Referer. Without one the page sets up the second factor.
    body = f"""{_topbar()}
<main id="main" class="page narrow account" aria-busy="true">
<h1 id="title" data-i18n="accountTitle">Je account</h1>
<p id="error" class="error" role="alert" hidden></p>
<div id="view"></div>
</main>"""
    return _page(request, '<title data-i18n="pageAccount">Kring · Account</title>', body, "account")


async def admin(request: Request) -> Response:
    if refused := await _gate(request, "admin"):
        return refused
    bar = _topbar(
        '<nav class="topnav" aria-label="Kring">'
        '<a href="/console" id="cases-link" data-i18n="casesNav" hidden>Zaken</a>'
        '<a href="/admin" aria-current="page" data-i18n="adminNav">Beheer</a>'
        '<button type="button" id="logout" class="quiet" data-i18n="logOut">Uitloggen</button></nav>'
    )
    # `invites` is filled by the invitations' module (web/src/invites.js).
    body = f"""{bar}
<main id="main" class="page admin" aria-busy="true">
<h1 data-i18n="adminTitle">Beheer</h1>
<p id="error" class="error" role="alert" hidden></p>
<section id="accounts" aria-labelledby="accounts-title">
<h2 id="accounts-title" data-i18n="adminAccounts">Accounts</h2>
<div id="accounts-view"></div>
</section>
<section id="invites"></section>
<section id="teams" aria-labelledby="teams-title">
<h2 id="teams-title" data-i18n="adminTeams">Teams</h2>
<div id="teams-view"></div>
</section>
</main>"""
    return _page(request, '<title data-i18n="pageAdmin">Kring · Beheer</title>', body, "admin")


def routes() -> list[Route]:
    return [
        Route("/login", login, methods=["GET"]),
        Route("/console", console, methods=["GET"]),
        Route("/console/meetings/{meeting_id}", meeting, methods=["GET"]),
        Route("/join", join, methods=["GET"]),
        Route("/board", board, methods=["GET"]),
        Route("/projector", projector, methods=["GET"]),
        Route("/plan", plan, methods=["GET"]),
        Route("/privacy", privacy, methods=["GET"]),
        Route("/account", account, methods=["GET"]),
        Route("/admin", admin, methods=["GET"]),
    ]
