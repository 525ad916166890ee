"""The scaling question: revealing a round, and the previous meeting's scores beside this one's
(from the room this room continues, which the facilitator named when making the meeting).

Until the reveal each score lives only in its owner's own document (`p.<pid>`), which no other
phone is ever sent. Revealing copies the round's scores onto the board, all at once, by name.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.catalogue import catalogue, language
from server.meetings.domain import progress
from server.meetings.domain.people import shown_names
from server.meetings.http import bodies
from server.meetings.http.access import require_open, room_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, parts
from server.meetings.http.rooms import projected_room
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers
from server.rooms.schema import BOARD, OWN_PREFIX
from server.store.models import MeetingRoom


async def reveal(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    await read_body(request, bodies.NoBody)
    require_open(access.meeting_open)
    round_id = request.path_params["round_id"]
    kring = parts(request)
    board = await kring.live.copy_of(access.room_id, BOARD)
    if not isinstance(board.get("poll", type=Map).get(round_id), Map):
        raise ApiError(404, "unknown_round", "Deze ronde bestaat niet. / No such round.")
    scores: dict[str, dict[str, Any]] = {}
    for participant in await kring.meetings.participants_of(access.room_id):
        if participant.status != "admitted":
            continue
        own = await kring.live.copy_of(access.room_id, f"{OWN_PREFIX}{participant.id}")
        entry = own.get("scores", type=Map).get(round_id)
        if isinstance(entry, Map) and "value" in entry:
            scores[participant.id] = {"value": int(entry["value"]), "why": str(entry.get("why", ""))[:2000]}

    def mutate(doc: Doc[Any]) -> None:
        round_ = doc.get("poll", type=Map)[round_id]
        round_["scores"] = Map({pid: Map(score) for pid, score in scores.items()})
        round_["status"] = "revealed"

    await kring.live.edit(access.room_id, BOARD, mutate)
    await kring.meetings.audit(
        "reveal", actor_kind="facilitator", actor_id=str(person.id), access=access, detail=f"scores={len(scores)}"
    )
    revealed: answers.Revealed = {"round_id": round_id, "revealed": len(scores)}
    return JSONResponse(revealed)


async def history(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    room = await parts(request).meetings.room(access.room_id)
    assert room is not None
    return JSONResponse(await _previous_scores(request, room, first_names=False))


async def projector_history(request: Request) -> Response:
    return JSONResponse(await _previous_scores(request, await projected_room(request), first_names=True))


async def _previous_scores(request: Request, room: MeetingRoom, *, first_names: bool) -> dict[str, Any]:
    """The revealed rounds of the earlier room that this room explicitly continues, or none.

    Never a room found by position, order or name: in a split case the rooms of two meetings need
    not line up, and the wrong one would show this room the other parent's network by name."""
    kring = parts(request)
    previous = await kring.meetings.continued_room(room)
    if previous is None:
        return {"meeting": None, "rounds": [], "points": {}}
    board = await kring.live.copy_of(previous.id, BOARD)
    # The board keeps first names only; the console may show the full names it already knows.
    people = board.get("people", type=Map).to_py() or {}
    if first_names:
        # Two of the same first name told apart as the wall does (the initials are on the board).
        roles = catalogue(language(request.query_params.get("lang")))["people"]["roles"]
        shown = shown_names(people, lambda relation: str(roles.get(relation, "")))
        people = {pid: {**who, "name": shown.get(pid, "")} for pid, who in people.items()}
    else:
        people = {
            p.id: {"name": p.name, "relation": p.relation} for p in await kring.meetings.participants_of(previous.id)
        }
    rounds = []
    for round_id, round_ in sorted((board.get("poll", type=Map).to_py() or {}).items()):
        if not isinstance(round_, dict) or round_.get("status") != "revealed":
            continue
        scored = []
        for pid, score in (round_.get("scores") or {}).items():
            who = people.get(pid) or {}
            name = str(who.get("name", ""))
            scored.append(
                {
                    "name": name,
                    "relation": who.get("relation", ""),
                    "value": int(score.get("value", 0)),  # Yjs numbers arrive as floats
                }
            )
        pair = round_.get("pair")
        rounds.append(
            {
                "round_id": round_id,
                "title": round_.get("title", ""),
                "pair": pair,
                "about": pair if isinstance(pair, str) else progress.OVERALL,
                "scores": scored,
            }
        )
    # A round of this meeting is matched to the previous one's by what it is about (the whole
    # situation, or a pair's key, kept from meeting to meeting), never by its title: that meeting's
    # point on the question, as on the progress chart.
    found = {question: r["round_id"] for question, r in progress.points(board).items()}
    return {"meeting": previous.meeting_id, "rounds": rounds, "points": found}
