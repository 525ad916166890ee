"""Facilitator log-in, log-out and "who am I", with server-side sessions."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain.throttle import BackOff
from server.meetings.http import bodies, cookies, sso
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, check_change, client_address, no_content, parts
from server.meetings.render import answers
from server.store.accounts import AccountStore
from server.store.meetings import SESSION_LIFETIME
from server.store.models import Facilitator

log = logging.getLogger("kring.meetings")

# Long enough for any real address and password; bounds the work one request can ask of argon2.
MAX_EMAIL = 254
MAX_PASSWORD = 1024


async def signed_in(request: Request) -> Facilitator:
    """Whoever holds a signed-in session, whatever their roles."""
    token = cookies.session_token(request)
    person = await parts(request).meetings.session_facilitator(token) if token else None
    if person is None:
        raise ApiError(401, "not_logged_in", "Log eerst in. / Please log in.")
    return person


async def with_role(request: Request, *roles: str) -> Facilitator:
    """A signed-in person holding one of `roles`; anyone else is refused (deny by default)."""
    person = await signed_in(request)
    if not roles or not (await parts(request).meetings.roles_of(person.id)) & set(roles):
        raise ApiError(403, "not_allowed", "Dat mag u niet. / You are not allowed to do that.")
    return person


async def current_facilitator(request: Request) -> Facilitator:
    """The person working with cases: the facilitator role (an administrator or privacy officer
    without it sees no case)."""
    return await with_role(request, "facilitator")


def first_stage(person: Facilitator, required: bool, via: str = "password") -> str:
    """Where a password (or link) sign-in starts: the code if TOTP is on, enrolment if the operator
    requires it and it is not, else signed in. Single sign-on skips it (the provider does MFA)."""
    if via == "sso":
        return "full"
    if person.totp_enabled_at is not None:
        return "second_factor"
    return "enrol" if required else "full"


def too_many(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        "Te veel pogingen; wacht even. / Too many attempts; please wait.",
        headers={"Retry-After": str(retry_after)},
    )


class SessionEndpoints:
    def __init__(self, throttle: BackOff) -> None:
        self.throttle = throttle

    async def login(self, request: Request) -> Response:
        if not parts(request).settings.password_login:
            raise ApiError(403, "password_login_off", "Log in via uw organisatie. / Sign in with your organisation.")
        address = client_address(request)
        wait = self.throttle.retry_after(address)
        if wait:
            log.warning("login throttled", extra={"retry_after": wait})
            raise too_many(wait)
        body = await read_body(request, bodies.Login)
        email, password = body.email, body.password
        if len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD:
            person = None
        else:
            person = await parts(request).meetings.check_login(email, password)
        if person is None:
            self.throttle.failed(address)
            log.info("login refused")
            raise ApiError(401, "bad_login", "E-mail of wachtwoord klopt niet. / Wrong email or password.")
        kring = parts(request)
        # With TOTP on, or required and not yet set up, the session opens only the next step
        # (server/meetings/http/account.py); GET /api/account tells the page which.
        stage = first_stage(person, kring.settings.require_second_factor)
        token = await kring.meetings.open_session(person.id, stage=stage)
        action = "login" if stage == "full" else f"login_{stage}"
        await kring.meetings.audit(action, actor_kind="facilitator", actor_id=str(person.id))
        log.info("login", extra={"facilitator": person.id, "stage": stage})
        response = no_content()
        cookies.set_session(response, kring.settings, token, int(SESSION_LIFETIME.total_seconds()))
        return response


async def logout(request: Request) -> Response:
    check_change(request)
    kring = parts(request)
    token = cookies.session_token(request)
    # A session opened through single sign-on also ends at the provider, where it offers that.
    onward = await sso.sign_out_redirect(request, token) if token else None
    if token:
        # At any stage: a person may give up half-way through the second step.
        held = await kring.meetings.session_standing(token)
        await kring.meetings.close_session(token)
        if held is not None:
            await kring.meetings.audit("logout", actor_kind="facilitator", actor_id=str(held.person.id))
    response: Response = no_content()
    if onward is not None:
        signed_out: answers.SignedOut = {"redirect": onward}
        response = JSONResponse(signed_out)
    cookies.clear_session(response, kring.settings)
    return response


async def me(request: Request) -> Response:
    person = await signed_in(request)
    roles = sorted(await parts(request).meetings.roles_of(person.id))
    teams: list[answers.TeamRef] = [
        {"id": t.id, "name": t.name} for t in await AccountStore(parts(request).meetings.engine).teams_of(person.id)
    ]
    who: answers.Me = {"id": person.id, "name": person.name, "email": person.email, "roles": roles, "teams": teams}
    return JSONResponse(who)
