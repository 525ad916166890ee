"""Joining a room from a phone with a code, without an account; the phone's status; leaving.

A code alone reveals nothing about the meeting: the answer carries no room name (in a split
meeting "Moeder" or "Vader" already says who else is involved), no other person and no content.
Wrong codes are throttled per client address, and while an address is blocked even a right code
is refused, so guessing gains nothing from a lucky moment.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from server.catalogue import LANGUAGES
from server.meetings.domain.people import show_person
from server.meetings.domain.throttle import BackOff
from server.meetings.http import bodies, cookies
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, client_address, no_content, parts
from server.meetings.http.session import too_many
from server.meetings.render import answers
from server.rooms.schema import CHILD_RELATION
from server.store.meetings import now
from server.store.models import Participant

log = logging.getLogger("kring.meetings")

CODE = re.compile(r"^[0-9]{8}$")
_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_code(raw: object) -> str | None:
    """Digits as typed on a phone, with the spaces and dashes people add to read them out."""
    if not isinstance(raw, str):
        return None
    code = _SEPARATORS.sub("", raw)
    return code if CODE.match(code) else None


class JoinEndpoints:
    def __init__(self, throttle: BackOff) -> None:
        self.throttle = throttle

    async def join(self, request: Request) -> Response:
        address = client_address(request)
        wait = self.throttle.retry_after(address)
        if wait:
            log.warning("join throttled", extra={"retry_after": wait})
            raise too_many(wait)
        body = await read_body(request, bodies.Join)
        kring = parts(request)
        code = normalise_code(body.code)
        access = await kring.meetings.room_by_code(code) if code else None
        if access is None:
            self.throttle.failed(address)
            raise ApiError(404, "unknown_code", "Deze code klopt niet. / This code is not valid.")
        if not access.meeting_open:
            raise ApiError(410, "room_closed", "Deze bijeenkomst is afgesloten. / This meeting is closed.")
        if access.locked:
            raise ApiError(423, "room_locked", "De kamer is op slot. / The room is locked.")
        person, token = await kring.meetings.add_participant(
            access.room_id, body.name, body.relation, admitted=access.admit_all
        )
        if person.status == "admitted":
            await show_person(kring.live, person, await kring.meetings.participants_of(access.room_id))
            kring.live.participant_joined(token, person)
        kring.live.people_changed(access.room_id)  # the console shows who waits without polling
        await kring.meetings.audit("join", actor_kind="participant", actor_id=person.id, access=access)
        log.info("joined", extra={"participant": person.id, "room": access.room_id, "status": person.status})
        joined: answers.JoinResult = {
            "participant_id": person.id,
            "status": person.status,
            "room_id": access.room_id,
            "token": token,
        }
        response = JSONResponse(joined, status_code=201)
        cookies.set_participant(response, kring.settings, token)
        return response


async def _token_holder(request: Request) -> Participant:
    """The participant a phone's token stands for, or the reason it no longer stands for one."""
    token = cookies.participant_token(request)
    store = parts(request).meetings
    person = await store.participant_by_any_token(token) if token else None
    if person is None:
        raise ApiError(401, "not_joined", "Meld je eerst aan met een code. / Join with a code first.")
    if person.status == "removed":
        raise ApiError(403, "removed", "Je bent uit de bijeenkomst gehaald. / You were removed from the meeting.")
    if await store.participant_by_token(token or "") is None:
        access = await store.room_access(person.room_id)
        if access is not None and not access.meeting_open:
            raise ApiError(410, "room_closed", "Deze bijeenkomst is afgesloten. / This meeting is closed.")
        raise ApiError(401, "expired", "Je aanmelding is verlopen. / Your sign-in expired.")
    return person


async def join_status(request: Request) -> Response:
    person = await _token_holder(request)
    # Polling the status is what keeps a phone's short-lived token alive during a long meeting.
    await parts(request).meetings.refresh_token(person.id)
    status: answers.JoinStatus = {
        "participant_id": person.id,
        "status": person.status,
        "room_id": person.room_id,
        # The socket decides what it sends (server/admission.py); this only says which page to draw.
        "child_view": person.relation == CHILD_RELATION and not person.full_board,
    }
    return JSONResponse(status)


async def leave(request: Request) -> Response:
    await read_body(request, bodies.NoBody)
    kring = parts(request)
    token = cookies.participant_token(request)
    person = await kring.meetings.participant_by_token(token) if token else None
    if person is not None:
        # Ending the token too: a phone passed around the room must not keep a way back in.
        await kring.meetings.set_participant(person.id, token_expires_at=now())
        kring.live.people_changed(person.room_id)
        await kring.meetings.audit(
            "leave",
            actor_kind="participant",
            actor_id=person.id,
            access=await kring.meetings.room_access(person.room_id),
        )
    response = no_content()
    cookies.clear_participant(response, kring.settings)
    return response


async def short_link(request: Request) -> Response:
    """/j/<code>, the URL in the QR code, hands the code to the join page; anything but a code is dropped."""
    code = normalise_code(request.path_params["code"])
    query = {"code": code} if code else {}
    if request.query_params.get("lang") in LANGUAGES:
        query["lang"] = request.query_params["lang"]  # a printed English QR stays English
    return RedirectResponse(f"/join?{urlencode(query)}" if query else "/join", status_code=303)
