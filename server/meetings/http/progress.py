"""A room's progress over the meetings of its line, for the facilitator (the rules: domain/progress.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain.progress import progress_of
from server.meetings.http.access import room_of
from server.meetings.http.endpoint import parts
from server.meetings.http.session import current_facilitator


async def progress(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    kring = parts(request)
    room = await kring.meetings.room(access.room_id)
    assert room is not None
    return JSONResponse(await progress_of(kring, room))
