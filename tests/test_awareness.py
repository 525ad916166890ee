"""Presence: scoped to its room, and gone for the others within a second of a peer leaving."""

from __future__ import annotations

from typing import Any

import socketio
from pycrdt import Awareness, Doc, YMessageType, create_awareness_message, read_message

from tests.utils import RunningServer, eventually, facilitator_auth


class AwarenessPeer:
    """A y-protocols awareness participant over Socket.IO: one local state, and everyone else's."""

    def __init__(self, url: str, room: str, name: str) -> None:
        self.url = url
        self.room = room
        self.awareness = Awareness(Doc())
        self.awareness.set_local_state({"name": name})
        self.seen: set[int] = set()  # every client id any awareness frame to us mentioned
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.sio.on("awareness", self._on_awareness)

    @property
    def client_id(self) -> int:
        return self.awareness.client_id

    def others(self) -> dict[int, dict[str, Any]]:
        return {cid: state for cid, state in self.awareness.states.items() if cid != self.client_id}

    async def connect(self) -> None:
        await self.sio.connect(
            self.url,
            transports=["websocket"],
            auth=await facilitator_auth(self.url, self.room),
            headers={"Origin": self.url},
            wait_timeout=10,
        )

    async def announce(self) -> None:
        update = self.awareness.encode_awareness_update([self.client_id])
        ack = await self.sio.call("awareness", (create_awareness_message(update),), timeout=10)
        assert ack == {"ok": True}

    async def _on_awareness(self, frame: bytes) -> None:
        assert frame[0] == YMessageType.AWARENESS
        self.awareness.apply_awareness_update(read_message(frame[1:]), "server")
        self.seen |= set(self.awareness.meta)

    async def disconnect(self) -> None:
        await self.sio.disconnect()

    def drop(self) -> None:
        """Cut the TCP connection under the WebSocket: no Socket.IO, Engine.IO or WebSocket close."""
        ws = self.sio.eio.ws
        assert ws is not None
        ws._conn.transport.abort()  # python-socketio has no public "die abruptly"


async def _joined(url: str, room: str, name: str) -> AwarenessPeer:
    peer = AwarenessPeer(url, room, name)
    await peer.connect()
    await peer.announce()
    return peer


async def _sees(observer: AwarenessPeer, *subjects: AwarenessPeer) -> None:
    def check() -> None:
        for subject in subjects:
            state = dict(observer.others().get(subject.client_id) or {})
            # The server stamps every state with the session's identity; the rest is the peer's own.
            assert "kind" in state.pop("user", {})
            assert state == subject.awareness.get_local_state()

    await eventually(check)


async def test_awareness_never_leaves_its_room(server: RunningServer) -> None:
    b1 = await _joined(server.url, "kamer-b", "Bram")
    b2 = await _joined(server.url, "kamer-b", "Bea")
    a1 = await _joined(server.url, "kamer-a", "Anna")
    a2 = await _joined(server.url, "kamer-a", "Ahmed")
    await _sees(b2, b1)
    await _sees(b1, b2)
    # Room B spoke first, so anything wrongly sent to A's sockets would have arrived by now.
    await _sees(a2, a1)
    await _sees(a1, a2)
    late = await _joined(server.url, "kamer-a", "Lotte")
    await _sees(late, a1, a2)  # from the snapshot sent on join

    room_b = {b1.client_id, b2.client_id}
    room_a = {a1.client_id, a2.client_id, late.client_id}
    for peer in (a1, a2, late):
        assert not peer.seen & room_b
    for peer in (b1, b2):
        assert not peer.seen & room_a
    for peer in (a1, a2, late, b1, b2):
        await peer.disconnect()


async def test_states_are_cleared_within_a_second_of_a_clean_disconnect(server: RunningServer) -> None:
    leaving = await _joined(server.url, "kamer-a", "Anna")
    staying = await _joined(server.url, "kamer-a", "Ahmed")
    await _sees(staying, leaving)

    await leaving.disconnect()

    def gone() -> None:
        assert leaving.client_id not in staying.awareness.states

    await eventually(gone, timeout=1.0)
    room = server.kring.registry.get("kamer-a")
    assert room is not None and leaving.client_id not in room.awareness.states
    await staying.disconnect()


async def test_states_are_cleared_within_a_second_of_an_abrupt_disconnect(server: RunningServer) -> None:
    leaving = await _joined(server.url, "kamer-a", "Anna")
    staying = await _joined(server.url, "kamer-a", "Ahmed")
    await _sees(staying, leaving)

    leaving.drop()

    def gone() -> None:
        assert leaving.client_id not in staying.awareness.states

    await eventually(gone, timeout=1.0)
    late = await _joined(server.url, "kamer-a", "Lotte")
    await _sees(late, staying)
    assert leaving.client_id not in late.seen  # nor does a newcomer hear of the dropped peer
    for peer in (staying, late):
        await peer.disconnect()

    def noticed() -> None:  # the dropped client's own read loop ends too, leaving nothing running
        assert not leaving.sio.connected

    await eventually(noticed)
