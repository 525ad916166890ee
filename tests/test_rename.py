"""A facilitator renames a phone's person: the phone comes back under the new name, and its
presence carries the new name to everyone in the room (the server stamps names, never the phone)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import socketio
from pycrdt import Awareness, Decoder, Doc, create_awareness_message

from server.protocol import Refusal
from tests.meetings_helpers import facilitator, join, split_meeting
from tests.utils import RunningServer, eventually


def _names(frames: list[bytes]) -> list[str]:
    names = []
    for frame in frames:
        decoder = Decoder(frame[1:])
        update = Decoder(decoder.read_message())
        for _ in range(update.read_var_uint()):
            update.read_var_uint()
            update.read_var_uint()
            state = json.loads(update.read_var_string() or "null")
            if state:
                names.append(state["user"]["name"])
    return names


async def _socket(server: RunningServer, auth: dict[str, Any], heard: list[bytes], refused: list[Any]) -> Any:
    sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    sio.on("awareness", heard.append)
    sio.on("refused", refused.append)
    await sio.connect(server.url, transports=["websocket"], auth=auth, headers={"Origin": server.url}, wait_timeout=5)
    return sio


def _presence() -> bytes:
    awareness = Awareness(Doc())
    awareness.set_local_state({"typt": False, "user": {"name": "Ik ben de facilitator"}})
    return create_awareness_message(awareness.encode_awareness_update([awareness.client_id]))


async def test_a_renamed_phone_comes_back_under_its_new_name(server: RunningServer) -> None:
    async with facilitator(server, "fatima@kring.test") as fatima:
        meeting = await split_meeting(fatima, rooms=["Moeder"])
        room = meeting["rooms"][0]
        joined = await join(fatima, room["join_code"], name="Tante Els")
        pid, token = joined.json()["participant_id"], joined.json()["token"]
        assert (await fatima.post(f"/api/participants/{pid}/admit", json={})).status_code == 200

        desk_heard: list[bytes] = []
        desk = await _socket(server, {"room": room["id"], "session": fatima.cookies["kring_session"]}, desk_heard, [])
        phone_refused: list[Any] = []
        phone = await _socket(server, {"token": token}, [], phone_refused)
        await phone.call("awareness", (_presence(),), timeout=5)
        await eventually(lambda: _check(_names(desk_heard) == ["Tante Els"]))

        assert (await fatima.post(f"/api/participants/{pid}/rename", json={"name": "Els"})).status_code == 200
        await eventually(lambda: _check(not phone.connected))
        assert [r["code"] for r in phone_refused] == [Refusal.RENAMED.value]

        again = await _socket(server, {"token": token}, [], [])
        await again.call("awareness", (_presence(),), timeout=5)
        await eventually(lambda: _check(_names(desk_heard)[-1:] == ["Els"]))
        await asyncio.gather(again.disconnect(), desk.disconnect())


def _check(condition: bool) -> None:
    assert condition
