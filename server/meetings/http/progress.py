"""A room's progress over the meetings of its line, for the facilitator (the rules: domain/progress.py)."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain.progress import pick, progress_of
from server.meetings.http import bodies
from server.meetings.http.access import room_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, not_found, parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers
from server.rooms.schema import BOARD


async def progress(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    kring = parts(request)
    room = await kring.meetings.room(access.room_id)
    assert room is not None
    return JSONResponse(await progress_of(kring, room))


async def choose_point(request: Request) -> Response:
    """Which revealed round is this room's meeting's point on a question of the progress chart. Kept
    in that room's board (meta.points), also once the meeting is closed: it is how the later
    meetings' chart reads this one, not part of what was said in it."""
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    body = await read_body(request, bodies.ProgressPick)
    kring = parts(request)
    meeting = await kring.meetings.meeting(access.meeting_id)
    if meeting is None or meeting.status in ("deleting", "deleted"):
        raise not_found()
    found: list[bool] = []

    def mutate(doc: Doc[Any]) -> None:
        found.append(pick(doc, body.question, body.round_id))

    await kring.live.edit(access.room_id, BOARD, mutate)
    if not all(found):
        raise ApiError(404, "unknown_round", "Deze ronde bestaat niet. / No such round.")
    await kring.meetings.audit("progress_point", actor_kind="facilitator", actor_id=str(person.id), access=access)
    chosen: answers.ProgressPointChosen = {"question": body.question, "round_id": body.round_id}
    return JSONResponse(chosen)
