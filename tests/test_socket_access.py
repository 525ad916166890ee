"""Who may connect to which room and read or write which document, over real sockets.

A split meeting (rooms A and B) of one facilitator, another facilitator's case, participants who
are admitted, waiting and removed, and a projector. A canary planted in room B must never reach
anything connected to room A.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import socketio
from pycrdt import (
    Awareness,
    Doc,
    Map,
    Text,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    read_message,
)

from server.auth import sign
from server.meetings.domain.people import show_person
from server.store.meetings import MeetingStore
from tests.meetings_helpers import api_client
from tests.utils import RunningServer, eventually

CANARY = "KANARIE-uit-kamer-B-7f3a"


@dataclass
class Meeting:
    room_a: str
    room_b: str
    session_f1: str
    session_f2: str
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    projector_a: str = ""


@pytest.fixture
async def meeting(server: RunningServer) -> Meeting:
    store: MeetingStore = server.kring.meetings
    key = server.settings.secret_key
    f1 = await store.add_facilitator("f1@jeugdzorg.test", "Fatima", "x" * 16)
    f2 = await store.add_facilitator("f2@jeugdzorg.test", "Frank", "x" * 16)
    case = await store.create_case(f1.id, "Familie K")
    await store.create_case(f2.id, "Familie L")
    created = await store.create_meeting(case.id, "Netwerkberaad", ["Moeder", "Vader"])
    room_a, room_b = [room.id for room in await store.rooms_of(created.id)]
    m = Meeting(room_a, room_b, sign(await store.open_session(f1.id), key), sign(await store.open_session(f2.id), key))
    for who, room, status in [
        ("anna", room_a, "admitted"),
        ("bert", room_b, "admitted"),
        ("wim", room_a, "waiting"),
        ("roos", room_a, "removed"),
    ]:
        person, token = await store.add_participant(room, f"{who.title()} Jansen", "family", admitted=True)
        await store.set_participant(person.id, status=status)
        m.tokens[who], m.ids[who] = token, person.id
    m.projector_a = await store.new_projector_token(room_a)

    def plant(doc: Doc[Any]) -> None:
        doc.get("framework", type=Map)["b1"] = Map({"category": "safety", "text": Text(CANARY), "sensitive": True})

    await server.kring.live.edit(room_b, "board", plant)
    await server.kring.live.edit(room_b, "private", lambda d: d.get("notes", type=Map).__setitem__("n", CANARY))
    await server.kring.live.edit(
        room_b, f"p.{m.ids['bert']}", lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": 3}))
    )
    return m


class Peer:
    """A raw socket that records every event it receives, as bytes-searchable text."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.received: list[tuple[str, tuple[Any, ...]]] = []
        self.connect_error: Any = None
        self.sio.on("*", self._record)
        self.sio.on("connect_error", self._on_error)

    async def _record(self, event: str, *args: Any) -> None:
        self.received.append((event, args))

    async def _on_error(self, data: Any) -> None:
        self.connect_error = data

    async def connect(self, auth: Any) -> bool:
        try:
            await self.sio.connect(
                self.url, transports=["websocket"], auth=auth, headers={"Origin": self.url}, wait_timeout=5
            )
        except socketio.exceptions.ConnectionError:
            return False
        return True

    def docs(self) -> set[str]:
        return {args[0] for event, args in self.received if event == "sync"}

    def everything(self) -> bytes:
        return repr(self.received).encode() + repr(self.connect_error).encode()

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


@pytest.fixture
async def peers(server: RunningServer) -> AsyncIterator[list[Peer]]:
    made: list[Peer] = []
    yield made
    for peer in made:
        await peer.close()


def auth_for(m: Meeting, who: str) -> Any:
    return {
        "anonymous": None,
        "anon-room": {"room": m.room_a},
        "participant-a": {"token": m.tokens["anna"]},
        "participant-b-asks-a": {"token": m.tokens["bert"], "room": m.room_a},
        "waiting": {"token": m.tokens["wim"]},
        "removed": {"token": m.tokens["roos"]},
        "facilitator": {"room": m.room_a, "session": m.session_f1},
        "other-facilitator": {"room": m.room_a, "session": m.session_f2},
        "forged-session": {"room": m.room_a, "session": m.session_f1[:-2] + "xx"},
        "projector": {"projector": m.projector_a},
    }[who]


# who -> (connects?, the refusal code if not, documents greeted with)
CONNECT_MATRIX = {
    "anonymous": (False, "bad_auth", None),
    "anon-room": (False, "bad_auth", None),
    "participant-a": (True, None, {"board", "p.{anna}"}),
    "waiting": (False, "not_admitted", None),
    "removed": (False, "removed", None),
    "facilitator": (True, None, {"board", "private", "p.{anna}", "p.{wim}", "p.{roos}"}),
    "other-facilitator": (False, "bad_auth", None),
    "forged-session": (False, "bad_auth", None),
    "projector": (True, None, {"wall"}),  # the server's derived document, never the board
}


@pytest.mark.parametrize("who", list(CONNECT_MATRIX))
async def test_connect_matrix(server: RunningServer, meeting: Meeting, peers: list[Peer], who: str) -> None:
    allowed, code, docs = CONNECT_MATRIX[who]
    peer = Peer(server.url)
    peers.append(peer)
    assert await peer.connect(auth_for(meeting, who)) is allowed
    if not allowed:
        assert peer.connect_error["data"]["code"] == code
        return
    expected = {d.format(**meeting.ids) for d in docs}
    main = "wall" if who == "projector" else "board"
    await eventually(lambda: _check(main in peer.docs()))
    await asyncio.sleep(0.2)  # let the whole greeting arrive before judging what it lacks
    # Only the documents this identity may read; own documents of others exist only when loaded.
    assert peer.docs() <= expected and main in peer.docs()


async def test_participant_token_decides_the_room(server: RunningServer, meeting: Meeting, peers: list[Peer]) -> None:
    peer = Peer(server.url)
    peers.append(peer)
    assert await peer.connect(auth_for(meeting, "participant-b-asks-a"))
    await eventually(lambda: _check("board" in peer.docs()))
    assert server.kring.transport.connections[peer.sio.get_sid()].room == meeting.room_b


# document -> who may read it (a sync step 1 answered) among the connected identities of room A
READ_MATRIX = {
    "board": {"participant-a", "facilitator"},
    "wall": {"projector"},
    "private": {"facilitator"},
    "p.{anna}": {"participant-a", "facilitator"},
    "p.{bert}": {"facilitator"},  # room A's facilitator asking for a room-B person's document: empty
}


@pytest.mark.parametrize("who", ["participant-a", "facilitator", "projector"])
@pytest.mark.parametrize("doc", list(READ_MATRIX))
async def test_read_matrix(server: RunningServer, meeting: Meeting, peers: list[Peer], who: str, doc: str) -> None:
    peer = Peer(server.url)
    peers.append(peer)
    assert await peer.connect(auth_for(meeting, who))
    name = doc.format(**meeting.ids)
    ack = await peer.sio.call("sync", (name, create_sync_message(Doc())), timeout=5)
    assert ack.get("ok") is (who in READ_MATRIX[doc]), ack
    if not ack["ok"]:
        assert ack["code"] == "not_allowed"


async def test_nothing_of_room_b_reaches_room_a(
    server: RunningServer, meeting: Meeting, peers: list[Peer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for who in ["participant-a", "facilitator", "projector", "waiting", "removed", "other-facilitator"]:
        peer = Peer(server.url)
        peers.append(peer)
        if await peer.connect(auth_for(meeting, who)):
            for doc in ["board", "wall", "private", f"p.{meeting.ids['anna']}", f"p.{meeting.ids['bert']}"]:
                await peer.sio.call("sync", (doc, create_sync_message(Doc())), timeout=5)
    await asyncio.sleep(0.3)
    for peer in peers:
        assert peer.received or peer.connect_error
        assert CANARY.encode() not in peer.everything()
    # The room-A facilitator's copy of room B's person's document stayed empty: documents are per room.
    assert CANARY not in caplog.text
    assert "Anna Jansen" not in caplog.text and "Bert Jansen" not in caplog.text


async def _revealed(server: RunningServer, room: str, scores: dict[str, int], title: str) -> None:
    """A revealed scaling round on `room`'s board, as the reveal leaves it."""

    def reveal(doc: Doc[Any]) -> None:
        by_person = Map({pid: Map({"value": value}) for pid, value in scores.items()})
        doc.get("poll", type=Map)["r1"] = Map({"title": title, "status": "revealed", "scores": by_person})

    await server.kring.live.edit(room, "board", reveal)


async def test_nothing_of_room_b_reaches_room_a_over_http_in_this_or_a_later_meeting(
    server: RunningServer, meeting: Meeting, peers: list[Peer]
) -> None:
    """Room B's network by name, its revealed scores and its board, against everything a phone or
    projector on room A's side can ask over HTTP: in this meeting, in the next split (whose rooms
    are listed the other way round) and in a joint meeting after it."""
    store: MeetingStore = server.kring.meetings
    live = server.kring.live
    access = await store.room_access(meeting.room_a)
    assert access is not None
    # Room B: a network member whose name is the canary, by name on the board, in a revealed round.
    canary_person, _ = await store.add_participant(meeting.room_b, CANARY, "friend", admitted=True)
    for person_id in (meeting.ids["bert"], canary_person.id):
        person = await store.participant(person_id)
        assert person is not None
        await show_person(live, person)
    await _revealed(server, meeting.room_b, {meeting.ids["bert"]: 3, canary_person.id: 9}, f"{CANARY} ronde")
    # Room A: its own round, which its own line of meetings may show.
    anna = await store.participant(meeting.ids["anna"])
    assert anna is not None
    await show_person(live, anna)
    await _revealed(server, meeting.room_a, {anna.id: 6}, "Hoe veilig?")

    second = await store.create_meeting(
        access.case_id, "Netwerkberaad 2", ["Vader", "Moeder"], [meeting.room_b, meeting.room_a]
    )
    father_2, mother_2 = (room.id for room in await store.rooms_of(second.id))
    joint = await store.create_meeting(access.case_id, "Samen", ["Samen"])
    [together] = [room.id for room in await store.rooms_of(joint.id)]

    async with api_client(server, headers={"Origin": server.url}) as http:

        async def ask(method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.request(method, path, headers=headers, **kwargs)
            assert CANARY.encode() not in repr(response.headers).encode() + response.content, (method, path)
            return response

        for room in (meeting.room_a, mother_2, together):
            room_row = await store.room(room)
            assert room_row is not None and room_row.join_code
            _phone, phone_token = await store.add_participant(room, "Oma Truus", "family", admitted=True)
            projector = await store.new_projector_token(room)
            assert (await ask("GET", "/api/join/status", phone_token)).json()["room_id"] == room
            assert (await ask("GET", "/api/projector/room", projector)).json()["room_id"] == room
            assert (await ask("GET", "/api/projector/qr.svg", projector)).status_code == 200
            history = await ask("GET", "/api/projector/history", projector)
            assert history.status_code == 200
            joined = await ask(
                "POST", "/api/join", json={"code": room_row.join_code, "name": "Els", "relation": "friend"}
            )
            assert joined.status_code == 201
            await ask("GET", "/api/join/status", joined.json()["token"])
            await ask("GET", f"/j/{room_row.join_code}")
            for page in ("/board", "/projector", "/join", "/api/openapi.json"):
                await ask("GET", page, phone_token)
            for auth, main in (({"token": phone_token}, "board"), ({"projector": projector}, "wall")):
                peer = Peer(server.url)
                peers.append(peer)
                assert await peer.connect(auth)
                await peer.sio.call("sync", (main, create_sync_message(Doc())), timeout=5)
                await eventually(lambda p=peer, d=main: _check(d in p.docs()))
            if room == mother_2:
                # The mother's next room shows the mother's room's scores: the line it continues.
                names = [s["name"] for r in history.json()["rounds"] for s in r["scores"]]
                assert history.json()["meeting"] == access.meeting_id and names == ["Anna"]
            else:
                assert history.json() == {"meeting": None, "rounds": [], "points": {}}
            await ask("DELETE", "/api/join", phone_token, json={})
    # The father's next room does carry his room on: what room A's side lacks, it really has.
    projector_b = await store.new_projector_token(father_2)
    async with api_client(server) as http:
        shown = await http.get("/api/projector/history", headers={"Authorization": f"Bearer {projector_b}"})
    assert CANARY in shown.text

    for peer in peers:
        assert CANARY.encode() not in peer.everything()


def _board_update(m: Meeting, server: RunningServer, change: Any) -> bytes:
    room = server.kring.registry.rooms[m.room_a]
    phone: Doc[Any] = Doc()
    phone.apply_update(room.doc("board").get_update())
    before = phone.get_state()
    change(phone)
    return create_update_message(phone.get_update(before))


async def test_hostile_phone_changes_nothing(server: RunningServer, meeting: Meeting, peers: list[Peer]) -> None:
    facilitator = Peer(server.url)
    peers.append(facilitator)
    assert await facilitator.connect(auth_for(meeting, "facilitator"))
    await server.kring.live.edit(
        meeting.room_a,
        "board",
        lambda d: d.get("framework", type=Map).__setitem__("w1", Map({"category": "harm", "text": Text("val")})),
    )
    await server.kring.live.edit(
        meeting.room_a, "board", lambda d: d.get("marks", type=Map).__setitem__(f"w1|{meeting.ids['wim']}", "agree")
    )
    # An open scaling round, so that a score is refused for its value, not for its round.
    await server.kring.live.edit(
        meeting.room_a, "board", lambda d: d.get("poll", type=Map).__setitem__("r1", Map({"status": "open"}))
    )
    phone = Peer(server.url)
    peers.append(phone)
    assert await phone.connect(auth_for(meeting, "participant-a"))
    room = server.kring.registry.rooms[meeting.room_a]
    board_before = room.doc("board").get_update()
    attacks = {
        "someone else's mark": lambda d: d.get("marks", type=Map).__setitem__(f"w1|{meeting.ids['wim']}", "disagree"),
        "delete the framework": lambda d: d.get("framework", type=Map).clear(),
        "call itself facilitator": lambda d: d.get("people", type=Map).__setitem__(meeting.ids["anna"], "facilitator"),
    }
    for attack in attacks.values():
        ack = await phone.sio.call("sync", ("board", _board_update(meeting, server, attack)), timeout=5)
        assert ack["ok"] is False and ack["code"] == "not_allowed"
    # Someone else's score, in their own document.
    other_score = Doc()
    other_score.get("scores", type=Map)["r1"] = Map({"value": 10})
    ack = await phone.sio.call(
        "sync", (f"p.{meeting.ids['wim']}", create_update_message(other_score.get_update())), timeout=5
    )
    assert ack["ok"] is False and ack["code"] == "not_allowed"
    # A score of 11 in its own document.
    eleven = Doc()
    eleven.get("scores", type=Map)["r1"] = Map({"value": 11})
    ack = await phone.sio.call(
        "sync", (f"p.{meeting.ids['anna']}", create_update_message(eleven.get_update())), timeout=5
    )
    assert ack["ok"] is False and ack["code"] == "invalid_value"
    assert room.doc("board").get_update() == board_before
    assert "r1" not in room.doc(f"p.{meeting.ids['anna']}").get("scores", type=Map)
    # Its own mark goes through.
    own = _board_update(
        meeting, server, lambda d: d.get("marks", type=Map).__setitem__(f"w1|{meeting.ids['anna']}", "agree")
    )
    assert (await phone.sio.call("sync", ("board", own), timeout=5)) == {"ok": True, "saved": True}


async def test_presence_carries_the_session_identity(
    server: RunningServer, meeting: Meeting, peers: list[Peer]
) -> None:
    watcher = Peer(server.url)
    phone = Peer(server.url)
    peers.extend([watcher, phone])
    assert await watcher.connect(auth_for(meeting, "facilitator"))
    assert await phone.connect(auth_for(meeting, "participant-a"))
    claim = Awareness(Doc())
    claim.set_local_state({"user": {"name": "Gespreksleider", "role": "facilitator", "kind": "facilitator"}})
    frame = create_awareness_message(claim.encode_awareness_update([claim.client_id]))
    assert (await phone.sio.call("awareness", frame, timeout=5)) == {"ok": True}
    seen = Awareness(Doc())

    def stamped() -> None:
        for event, args in watcher.received:
            if event == "awareness":
                seen.apply_awareness_update(read_message(args[0][1:]), "test")
        user = seen.states.get(claim.client_id, {}).get("user")
        assert user == {"id": meeting.ids["anna"], "name": "Anna Jansen", "role": "family", "kind": "participant"}

    await eventually(stamped)


async def test_removed_participant_is_disconnected_within_a_second(
    server: RunningServer, meeting: Meeting, peers: list[Peer]
) -> None:
    phone = Peer(server.url)
    peers.append(phone)
    assert await phone.connect(auth_for(meeting, "participant-a"))
    await server.kring.meetings.set_participant(meeting.ids["anna"], status="removed")
    server.kring.live.remove_person(meeting.room_a, meeting.ids["anna"])
    await eventually(lambda: _check(not phone.sio.connected), timeout=1.0)
    assert any(e == "refused" and a[0]["code"] == "removed" for e, a in phone.received)
    again = Peer(server.url)
    peers.append(again)
    assert not await again.connect(auth_for(meeting, "participant-a"))


def _check(condition: bool) -> None:
    assert condition


def _write(change: Any) -> bytes:
    """An update from a fresh device: it depends on nothing, so only who may write it decides."""
    doc: Doc[Any] = Doc()
    change(doc)
    return create_update_message(doc.get_update())


def _awareness() -> bytes:
    awareness = Awareness(Doc())
    awareness.set_local_state({"typt": True})
    return create_awareness_message(awareness.encode_awareness_update([awareness.client_id]))


def _own_proposal(pid: str) -> Any:
    def change(doc: Doc[Any]) -> None:
        doc.get("proposals", type=Map)[f"{pid}:matrix"] = Map({"by": pid, "text": "voorstel", "status": "open"})

    return change


# Every event a connected socket can send, by every kind of caller that can connect (the others
# are refused at connect: CONNECT_MATRIX). "ok" or the refusal code in the acknowledgement.
EVENT_CALLERS = ["participant-a", "participant-b", "facilitator", "projector"]
EVENT_MATRIX: dict[str, dict[str, str]] = {
    "read board": {"participant-a": "ok", "participant-b": "ok", "facilitator": "ok", "projector": "not_allowed"},
    "read the wall": {"participant-a": "not_allowed", "participant-b": "not_allowed", "facilitator": "not_allowed",
                      "projector": "ok"},
    "write the wall": dict.fromkeys(EVENT_CALLERS, "not_allowed"),
    "read private": {"participant-a": "not_allowed", "participant-b": "not_allowed", "facilitator": "ok",
                     "projector": "not_allowed"},
    "read another's scores": {"participant-a": "not_allowed", "participant-b": "not_allowed",
                              "facilitator": "ok", "projector": "not_allowed"},
    "write the framework": {"participant-a": "not_allowed", "participant-b": "not_allowed",
                            "facilitator": "ok", "projector": "not_allowed"},
    "write an own proposal": {"participant-a": "ok", "participant-b": "ok", "facilitator": "ok",
                              "projector": "not_allowed"},
    "write someone else's proposal": {"participant-a": "not_allowed", "participant-b": "not_allowed",
                                      "facilitator": "ok", "projector": "not_allowed"},
    "write private": {"participant-a": "not_allowed", "participant-b": "not_allowed", "facilitator": "ok",
                      "projector": "not_allowed"},
    "presence": {"participant-a": "ok", "participant-b": "ok", "facilitator": "ok", "projector": "not_allowed"},
    "unknown event": dict.fromkeys(EVENT_CALLERS, "unknown_event"),
}  # fmt: skip


def _event(m: Meeting, who: str, action: str) -> tuple[str, tuple[Any, ...]]:
    me = {"participant-a": m.ids["anna"], "participant-b": m.ids["bert"]}.get(who, "fac")
    someone_else = m.ids["wim"]
    framework = _write(lambda d: d.get("framework", type=Map).__setitem__("m1", Map({"text": "x"})))
    private = _write(lambda d: d.get("notes", type=Map).__setitem__("m1", "x"))
    return {
        "read board": ("sync", ("board", create_sync_message(Doc()))),
        "read the wall": ("sync", ("wall", create_sync_message(Doc()))),
        "write the wall": ("sync", ("wall", framework)),
        "read private": ("sync", ("private", create_sync_message(Doc()))),
        "read another's scores": ("sync", (f"p.{someone_else}", create_sync_message(Doc()))),
        "write the framework": ("sync", ("board", framework)),
        "write an own proposal": ("sync", ("board", _write(_own_proposal(me)))),
        "write someone else's proposal": ("sync", ("board", _write(_own_proposal(someone_else)))),
        "write private": ("sync", ("private", private)),
        "presence": ("awareness", (_awareness(),)),
        "unknown event": ("verzin", (b"\x00",)),
    }[action]


@pytest.mark.parametrize("who", EVENT_CALLERS)
@pytest.mark.parametrize("action", list(EVENT_MATRIX))
async def test_event_matrix(server: RunningServer, meeting: Meeting, peers: list[Peer], who: str, action: str) -> None:
    peer = Peer(server.url)
    peers.append(peer)
    auth = {"token": meeting.tokens["bert"]} if who == "participant-b" else auth_for(meeting, who)
    assert await peer.connect(auth)
    room_id = meeting.room_b if who == "participant-b" else meeting.room_a
    room = server.kring.registry.rooms[room_id]
    before = {name: doc.get_update() for name, doc in room.docs.items()}
    wall_before = room.wall.doc.get_update()
    event, args = _event(meeting, who, action)
    ack = await peer.sio.call(event, args, timeout=5)
    expected = EVENT_MATRIX[action][who]
    assert (ack.get("code") if not ack.get("ok") else "ok") == expected, ack
    if expected != "ok" or action.startswith("read") or action == "presence":
        # A refusal (and a read) leaves every document of the room exactly as it was.
        assert {name: doc.get_update() for name, doc in room.docs.items() if name in before} == before
        assert room.wall.doc.get_update() == wall_before
