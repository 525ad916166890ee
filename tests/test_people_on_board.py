"""The board's `people` map follows admission, renaming and removal (what phones and projector show)."""

from __future__ import annotations

from pycrdt import Map

from tests.meetings_helpers import browser, facilitator, join, live_of, split_meeting
from tests.utils import RunningServer


async def _people(server: RunningServer, room_id: str) -> dict[str, object]:
    board = await live_of(server).copy_of(room_id, "board")
    return dict(board.get("people", type=Map).to_py() or {})


async def test_people_map_follows_admission(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima, browser(server) as phone:
        meeting = await split_meeting(fatima)
        mother, father = meeting["rooms"]
        joined = (await join(phone, mother["join_code"], name="Oma Truus")).json()
        pid = joined["participant_id"]
        assert await _people(server, mother["id"]) == {}  # waiting people are not on the board

        assert (await fatima.post(f"/api/participants/{pid}/admit", json={})).status_code == 200
        assert await _people(server, mother["id"]) == {pid: {"name": "Oma", "relation": "family"}}
        assert await _people(server, father["id"]) == {}  # the other room never hears of her

        assert (await fatima.post(f"/api/participants/{pid}/rename", json={"name": "Truus"})).status_code == 200
        assert await _people(server, mother["id"]) == {pid: {"name": "Truus", "relation": "family"}}

        assert (await fatima.post(f"/api/participants/{pid}/remove", json={})).status_code == 200
        assert await _people(server, mother["id"]) == {}
