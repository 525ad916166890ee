"""The two cookies: a facilitator's signed session id and a phone's participant token.

Both are HttpOnly and SameSite=Strict, and Secure whenever the public URL is https. Neither holds
anything but an opaque random value; what it stands for lives in the database. Ending either also
ends the session's language choice (the pages' `kring_lang`, server/html_shell.py): after "leave"
or "log out" the browser keeps nothing of Kring.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.auth import sign, unsign
from server.cookie_names import LANGUAGE_COOKIE, PARTICIPANT_COOKIE, SESSION_COOKIE
from server.meetings.http.endpoint import bearer, parts
from server.settings import Settings


def _secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def set_session(response: Response, settings: Settings, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sign(token, settings.secret_key),
        max_age=max_age,
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )


def clear_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure(settings), httponly=True, samesite="strict")
    _clear_language(response, settings)


def session_token(request: Request) -> str | None:
    signed = request.cookies.get(SESSION_COOKIE)
    return unsign(signed, parts(request).settings.secret_key) if signed else None


def set_participant(response: Response, settings: Settings, token: str) -> None:
    # No Max-Age: a session cookie, gone when the phone's browser closes; the token itself
    # expires on the server too.
    response.set_cookie(
        PARTICIPANT_COOKIE,
        token,
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )


def clear_participant(response: Response, settings: Settings) -> None:
    response.delete_cookie(PARTICIPANT_COOKIE, path="/", secure=_secure(settings), httponly=True, samesite="strict")
    _clear_language(response, settings)


def _clear_language(response: Response, settings: Settings) -> None:
    response.delete_cookie(LANGUAGE_COOKIE, path="/", secure=_secure(settings), httponly=True, samesite="strict")


def participant_token(request: Request) -> str | None:
    """A phone's token: the Bearer header (for clients that keep it in memory) or the cookie."""
    return bearer(request) or request.cookies.get(PARTICIPANT_COOKIE) or None
