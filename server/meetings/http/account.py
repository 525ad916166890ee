"""Accounts in the web interface: an administrator's invitations and password resets (one-time
links), setting a password through such a link, and the second factor (TOTP enrolment with
recovery codes, and the second step of a password login).

A session has a stage (server.store.meetings.STAGES): "second_factor" and "enrol" open only the
routes here that name them; every other route asks for a "full" session (session.signed_in).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server import mail
from server.catalogue import DEFAULT_LANGUAGE, catalogue, fill
from server.meetings.domain.throttle import BackOff
from server.meetings.http import bodies, cookies
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, client_address, no_content, not_found, parts
from server.meetings.http.session import first_stage, too_many, with_role
from server.meetings.render import answers
from server.meetings.render.qr import svg
from server.store.credentials import PURPOSES, Credentials
from server.store.meetings import SESSION_LIFETIME, SessionStanding, now
from server.store.models import Facilitator

log = logging.getLogger("kring.meetings")

_LINK_ENDED = ApiError(401, "link_ended", "Deze link werkt niet meer. / This link no longer works.")


def _wrong_stage() -> ApiError:
    return ApiError(403, "wrong_stage", "Rond eerst het inloggen af. / Finish signing in first.")


async def standing(request: Request, *stages: str) -> SessionStanding:
    """The caller's session, at one of `stages` (401 without a session, 403 at another stage)."""
    token = cookies.session_token(request)
    held = await parts(request).meetings.session_standing(token) if token else None
    if held is None:
        raise ApiError(401, "not_logged_in", "Log eerst in. / Please log in.")
    if held.stage not in stages:
        raise _wrong_stage()
    return held


async def _state(request: Request, held: SessionStanding) -> answers.AccountState:
    person = await Credentials(parts(request).meetings).person(held.person.id)
    return {
        "email": held.person.email,
        "name": held.person.name,
        "stage": held.stage,
        "via": held.via,
        "second_factor": person is not None and person.totp_enabled_at is not None,
        "required": parts(request).settings.require_second_factor,
    }


async def account_state(request: Request) -> Response:
    held = await standing(request, "full", "second_factor", "enrol")
    return JSONResponse(await _state(request, held))


class AccountEndpoints:
    def __init__(self, links: BackOff, codes: BackOff, code_addresses: BackOff) -> None:
        # Guessing a link's token is hopeless (256 bits); still, a flood of guesses is slowed.
        self.links = links
        # Codes are six digits: counted per person (many addresses buy no more tries at one account)
        # and, more loosely, per address (an office behind one address holds many people).
        self.codes = codes
        self.code_addresses = code_addresses

    # -- an administrator's invitations and resets ------------------------------------------------

    async def invite(self, request: Request) -> Response:
        admin = await with_role(request, "admin")
        body = await read_body(request, bodies.NewInvite)
        if "@" not in body.email.strip("@"):
            raise ApiError(400, "bad_email", "Vul een e-mailadres in. / Enter an e-mail address.")
        kring = parts(request)
        made = await Credentials(kring.meetings).invite(body.email, body.name)
        if made is None:
            raise ApiError(409, "account_exists", "Dit adres heeft al een account. / This address has an account.")
        person, token = made
        await kring.meetings.audit(
            "account_invited", actor_kind="facilitator", actor_id=str(admin.id), detail=f"account {person.id}"
        )
        log.info("account invited", extra={"facilitator": admin.id, "account": person.id})
        return JSONResponse(await self._handed_over(request, person, "invite", token), status_code=201)

    async def reset(self, request: Request) -> Response:
        admin = await with_role(request, "admin")
        body = await read_body(request, bodies.AccountReset)
        kring = parts(request)
        credentials = Credentials(kring.meetings)
        raw = request.path_params["facilitator_id"]
        person = await credentials.person(int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if person is None:
            raise not_found()
        token = await credentials.make_link(person.id, "reset")
        ended = await kring.meetings.close_sessions_of(person.id)
        if body.second_factor:
            await credentials.drop_second_factor(person.id)
        detail = f"account {person.id}" + (", second factor dropped" if body.second_factor else "")
        await kring.meetings.audit("account_reset", actor_kind="facilitator", actor_id=str(admin.id), detail=detail)
        log.info("account reset", extra={"facilitator": admin.id, "account": person.id, "sessions_ended": ended})
        return JSONResponse(await self._handed_over(request, person, "reset", token))

    async def _handed_over(
        self, request: Request, person: Facilitator, purpose: str, token: str
    ) -> answers.AccountLink:
        settings = parts(request).settings
        # In the fragment: the token never reaches a server log or a Referer.
        url = f"{settings.public_url.rstrip('/')}/account#{token}"
        lifetime = PURPOSES[purpose]
        mailed = await _mail(request, person, purpose, url, int(lifetime.total_seconds() // 3600))
        return {
            "id": person.id,
            "email": person.email,
            "url": url,
            "mailed": mailed,
            "expires_at": (now() + lifetime).isoformat(),
        }

    # -- the one-time link --------------------------------------------------------------------------

    def _throttled(self, throttle: BackOff, *keys: str) -> None:
        wait = max(throttle.retry_after(key) for key in keys)
        if wait:
            raise too_many(wait)

    def _code_throttled(self, request: Request, person_id: int) -> None:
        wait = max(
            self.codes.retry_after(f"person:{person_id}"), self.code_addresses.retry_after(client_address(request))
        )
        if wait:
            raise too_many(wait)

    def _code_failed(self, request: Request, person_id: int) -> None:
        self.codes.failed(f"person:{person_id}")
        self.code_addresses.failed(client_address(request))

    async def link(self, request: Request) -> Response:
        address = client_address(request)
        self._throttled(self.links, address)
        body = await read_body(request, bodies.LinkToken)
        found = await Credentials(parts(request).meetings).link_standing(body.token)
        if found is None:
            self.links.failed(address)
            raise _LINK_ENDED
        info: answers.LinkInfo = {"email": found.email, "name": found.name, "purpose": found.purpose}
        return JSONResponse(info)

    async def set_password(self, request: Request) -> Response:
        address = client_address(request)
        self._throttled(self.links, address)
        body = await read_body(request, bodies.NewPassword)
        kring = parts(request)
        used = await Credentials(kring.meetings).use_link(body.token, body.password)
        if used is None:
            self.links.failed(address)
            raise _LINK_ENDED
        person, purpose = used
        await kring.meetings.audit("password_set", actor_kind="facilitator", actor_id=str(person.id), detail=purpose)
        log.info("password set", extra={"facilitator": person.id})
        if not person.active:  # a reset of a deactivated account: the password is set, nobody signs in
            raise ApiError(401, "bad_login", "Dit account is uitgeschakeld. / This account is deactivated.")
        stage = first_stage(person, kring.settings.require_second_factor)
        token = await kring.meetings.open_session(person.id, stage=stage)
        held = await kring.meetings.session_standing(token)
        assert held is not None
        response = JSONResponse(await _state(request, held))
        cookies.set_session(response, kring.settings, token, int(SESSION_LIFETIME.total_seconds()))
        return response

    # -- the second factor --------------------------------------------------------------------------

    async def begin_totp(self, request: Request) -> Response:
        held = await standing(request, "enrol", "full")
        if held.via != "password":
            raise _wrong_stage()
        credentials = Credentials(parts(request).meetings)
        secret = await credentials.begin_totp(held.person.id)
        if secret is None:
            raise ApiError(409, "already_enrolled", "De tweede stap staat al aan. / The second factor is on already.")
        begun: answers.TotpBegun = {
            "secret": secret,
            "uri": credentials.provisioning_uri(secret, held.person.email),
        }
        return JSONResponse(begun, headers={"Cache-Control": "no-store"})

    async def totp_qr(self, request: Request) -> Response:
        held = await standing(request, "enrol", "full")
        credentials = Credentials(parts(request).meetings)
        secret = await credentials.pending_secret(held.person.id)
        if secret is None:
            raise not_found()
        picture = svg(credentials.provisioning_uri(secret, held.person.email))
        return Response(picture, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def confirm_totp(self, request: Request) -> Response:
        held = await standing(request, "enrol", "full")
        self._code_throttled(request, held.person.id)
        body = await read_body(request, bodies.SecondFactorCode)
        kring = parts(request)
        codes = await Credentials(kring.meetings).confirm_totp(held.person.id, body.code)
        if codes is None:
            self._code_failed(request, held.person.id)
            raise _bad_code()
        await kring.meetings.set_session_stage(held.key, "full")
        await kring.meetings.audit("second_factor_enrolled", actor_kind="facilitator", actor_id=str(held.person.id))
        log.info("second factor enrolled", extra={"facilitator": held.person.id})
        shown: answers.RecoveryCodes = {"recovery_codes": codes}
        return JSONResponse(shown, headers={"Cache-Control": "no-store"})

    async def second_factor(self, request: Request) -> Response:
        held = await standing(request, "second_factor")
        self._code_throttled(request, held.person.id)
        body = await read_body(request, bodies.SecondFactorCode)
        kring = parts(request)
        credentials = Credentials(kring.meetings)
        how = "totp"
        ok = await credentials.check_totp(held.person.id, body.code)
        if not ok:
            how = "recovery_code"
            ok = await credentials.use_recovery_code(held.person.id, body.code)
        if not ok:
            self._code_failed(request, held.person.id)
            await kring.meetings.audit("second_factor_refused", actor_kind="facilitator", actor_id=str(held.person.id))
            log.info("second factor refused", extra={"facilitator": held.person.id})
            raise _bad_code()
        await kring.meetings.set_session_stage(held.key, "full")
        await kring.meetings.audit("login", actor_kind="facilitator", actor_id=str(held.person.id), detail=how)
        log.info("second factor", extra={"facilitator": held.person.id, "how": how})
        return no_content()


def _bad_code() -> ApiError:
    return ApiError(401, "bad_code", "Die code klopt niet. / That code is not right.")


async def _mail(request: Request, person: Facilitator, purpose: str, url: str, hours: int) -> bool:
    """The link by e-mail where SMTP is set up; False (hand it over yourself) otherwise or on failure."""
    smtp = parts(request).settings.smtp
    if smtp is None:
        return False
    words = catalogue(DEFAULT_LANGUAGE)["mail"]
    if purpose == "invite":
        subject, text = words["inviteSubject"], words["inviteBody"]
    else:
        subject, text = words["resetSubject"], words["resetBody"]
    body = fill(text, name=person.name, url=url, hours=hours) + "\n"
    try:
        await mail.send(smtp, [mail.message(smtp, person.email, subject, body)])
    except mail.SEND_ERRORS as exc:
        log.error("account link not mailed", extra={"account": person.id, "error": type(exc).__name__})
        return False
    return True
