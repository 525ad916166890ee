"""No log line carries a name or a board text: on every path that logs an exception (with the
exception quoting what it failed on), and through a whole meeting. The logs are set up as
`kring serve` sets them up, and what reaches stderr is read back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pycrdt import Awareness, Doc, Map, Text, create_awareness_message, create_update_message

from server.memory import Trim, Trimmer
from server.rooms.awareness import RoomAwareness
from server.rooms.permissions import WriteGuard
from server.rooms.room import Room
from server.settings import Settings
from tests.log_helpers import MARKER, Records, database_error, json_lines, production_logs
from tests.meetings_helpers import browser, facilitator, join, live_of, split_meeting, store_of
from tests.test_bad_input import _panics_here
from tests.test_socket_access import Peer
from tests.utils import RunningServer, eventually, run_server


async def _room_with_phone(server: RunningServer) -> tuple[str, str, str]:
    """A room whose one admitted participant carries the marker in their name."""
    store = store_of(server)
    fatima = await store.add_facilitator("fatima@jeugdzorg.test", "Fatima", "x" * 16)
    case = await store.create_case(fatima.id, "Familie K")
    created = await store.create_meeting(case.id, "Netwerkberaad", ["Kamer"])
    [room] = [r.id for r in await store.rooms_of(created.id)]
    person, token = await store.add_participant(room, f"Oma {MARKER}", "family", admitted=True)
    return room, person.id, token


def _proposal(pid: str, text: str) -> bytes:
    doc: Doc[Any] = Doc()
    doc.get("proposals", type=Map)[f"{pid}:p1"] = Map({"by": pid, "text": text, "status": "open"})
    return create_update_message(doc.get_update())


def _presence(name: str) -> bytes:
    awareness = Awareness(Doc())
    awareness.set_local_state({"user": {"name": name}})
    return create_awareness_message(awareness.encode_awareness_update([awareness.client_id]))


async def _logged(records: Records, message: str) -> None:
    def check() -> None:
        assert any(r.getMessage() == message for r in records.records), message

    await eventually(check)


def _clean_lines(capfd: pytest.CaptureFixture[str], secrets: list[str]) -> list[dict[str, Any]]:
    """Every line on stderr is JSON, and not one carries a secret."""
    err = capfd.readouterr().err
    for secret in secrets:
        assert secret not in err, secret
    return json_lines(err)


def _line(lines: list[dict[str, Any]], message: str) -> dict[str, Any]:
    [line] = [line for line in lines if line["msg"] == message]
    return line


@pytest.fixture
async def phones(server: RunningServer) -> AsyncIterator[list[Peer]]:
    made: list[Peer] = []
    yield made
    for peer in made:
        await peer.close()


async def test_a_room_that_fails_to_open(
    server: RunningServer, phones: list[Peer], capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    room, _pid, token = await _room_with_phone(server)

    async def failing_load(name: str) -> Any:
        raise database_error()

    monkeypatch.setattr(server.kring.log, "load", failing_load)
    with production_logs() as records:
        phones.append(phone := Peer(server.url))
        assert not await phone.connect({"token": token})
        await _logged(records, "room failed to open")
    assert phone.connect_error["data"]["code"] == "internal_error"
    line = _line(_clean_lines(capfd, [MARKER]), "room failed to open")
    assert (line["room"], line["error"]) == (room, "OperationalError")
    assert "failing_load" in line["trace"]


async def test_a_sync_frame_that_panics(
    server: RunningServer, phones: list[Peer], capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    panic = _panics_here()
    if panic is None:
        pytest.skip("this pycrdt no longer panics on the known input")
    _room, pid, token = await _room_with_phone(server)
    phones.append(phone := Peer(server.url))
    assert await phone.connect({"token": token})

    def check(self: WriteGuard, *args: Any) -> None:
        raise panic(f"cannot integrate {args!r}")  # as a panic message may quote what it saw

    monkeypatch.setattr(WriteGuard, "check", check)
    capfd.readouterr()  # Yrs printed its own panic when the panic's type was found
    with production_logs() as records:
        ack = await phone.sio.call("sync", ("board", _proposal(pid, f"Voorstel van {MARKER}")), timeout=5)
        await _logged(records, "sync frame failed")
    assert ack["code"] == "internal_error"
    line = _line(_clean_lines(capfd, [MARKER]), "sync frame failed")
    assert line["error"] == panic.__name__ and "PanicException" in line["trace"]


async def test_an_awareness_frame_that_fails(
    server: RunningServer, phones: list[Peer], capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _room, _pid, token = await _room_with_phone(server)
    phones.append(phone := Peer(server.url))
    assert await phone.connect({"token": token})

    def apply(self: RoomAwareness, peer: str, identity: Any, update: bytes) -> bytes:
        try:
            update.decode("ascii")
        except UnicodeDecodeError as exc:
            raise ValueError(f"bad presence state {update!r}") from exc
        raise KeyError(update)

    monkeypatch.setattr(RoomAwareness, "apply", apply)
    with production_logs() as records:
        ack = await phone.sio.call("awareness", _presence(f"Oma {MARKER} \u00e9"), timeout=5)
        await _logged(records, "awareness frame failed")
    assert ack["code"] == "internal_error"
    line = _line(_clean_lines(capfd, [MARKER]), "awareness frame failed")
    assert line["error"] == "ValueError" and "UnicodeDecodeError" in line["trace"]


@pytest.fixture
async def quick_unloads(settings: Settings) -> AsyncIterator[RunningServer]:
    async with run_server(settings.with_(room_idle_seconds=0.05)) as running:
        yield running


async def test_unloading_when_compaction_and_the_trim_fail(
    quick_unloads: RunningServer, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = quick_unloads
    room, _pid, _token = await _room_with_phone(server)

    async def failing_compact(room: str) -> Any:
        raise database_error()

    def failing_trim() -> Trim:
        raise OSError(f"malloc_trim failed after {MARKER}")

    monkeypatch.setattr(server.kring.log, "compact", failing_compact)
    server.kring.registry.trimmer = Trimmer(run=failing_trim)

    def plant(doc: Doc[Any]) -> None:
        doc.get("framework", type=Map)["z1"] = Map({"category": "danger", "text": Text(f"Zorg om {MARKER}")})

    with production_logs() as records:
        await live_of(server).edit(room, "board", plant)  # the room opens for it, then is idle
        await _logged(records, "compaction failed")
        await _logged(records, "trimming after unloads failed")
    assert server.kring.registry.unloaded == 1
    lines = _clean_lines(capfd, [MARKER])
    compaction = _line(lines, "compaction failed")
    assert (compaction["room"], compaction["error"]) == (room, "OperationalError")
    assert _line(lines, "trimming after unloads failed")["error"] == "OSError"


async def test_closing_a_room_that_fails(
    server: RunningServer, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    room, _pid, _token = await _room_with_phone(server)
    await live_of(server).edit(room, "board", lambda d: d.get("framework", type=Map).__setitem__("z1", Map({})))

    async def failing_close(self: Room) -> None:
        raise database_error()

    monkeypatch.setattr(Room, "close", failing_close)
    with production_logs():
        await server.kring.registry.close()  # as at shutdown
    line = _line(_clean_lines(capfd, [MARKER]), "closing room failed")
    assert (line["room"], line["error"]) == (room, "OperationalError")


# -- a whole meeting ------------------------------------------------------------------------------

NAMES = ["Zwaantje-canary Visser", "Kraai-canary de Vries", "Mees-canary Bakker"]
TEXTS = ["Zorg-canary: de kachel", "Voorstel-canary: oma haalt op", "Reden-canary: het gaat beter", "Ronde-canary"]


class Scores:
    """A phone's own document, as the phone client keeps it."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()

    def set(self, value: int, why: str) -> bytes:
        before = self.doc.get_state()
        self.doc.get("scores", type=Map)["r1"] = Map({"value": value, "why": why})
        return create_update_message(self.doc.get_update(before))


async def test_a_whole_meeting_logs_no_name_and_no_board_text(
    server: RunningServer, phones: list[Peer], capfd: pytest.CaptureFixture[str]
) -> None:
    """A facilitator, phones that join with names, proposals, board texts, presence, scores and their
    reasons, a refused update, a rename, a reveal and the closing: stderr holds JSON lines only, and
    none of them a name, a text, a join code or a token."""
    secrets = [*NAMES, *TEXTS, "Zwaantje", "Kraai", "Mees"]
    with production_logs("debug") as records:
        async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
            meeting = await split_meeting(fatima, rooms=[])
            room = meeting["rooms"][0]
            secrets.append(room["join_code"])
            people: dict[str, tuple[str, str]] = {}
            for name in NAMES[:2]:
                async with browser(server) as phone_page:
                    joined = (await join(phone_page, room["join_code"], name=name)).json()
                admit = await fatima.post(f"/api/participants/{joined['participant_id']}/admit", json={})
                assert admit.status_code < 300, admit.text
                people[name] = (joined["participant_id"], joined["token"])
                secrets.append(joined["token"])
            renamed = await fatima.post(f"/api/participants/{people[NAMES[1]][0]}/rename", json={"name": NAMES[2]})
            assert renamed.status_code < 300, renamed.text

            console = Peer(server.url)
            phones.append(console)
            assert await console.connect({"room": room["id"], "session": fatima.cookies.get("kring_session")})
            board: Doc[Any] = Doc()
            board.get("framework", type=Map)["d1"] = Map({"category": "danger", "text": Text(TEXTS[0])})
            board.get("poll", type=Map)["r1"] = Map({"title": TEXTS[3], "status": "open"})
            ack = await console.sio.call("sync", ("board", create_update_message(board.get_update())), timeout=5)
            assert ack == {"ok": True, "saved": True}
            await console.sio.call("awareness", _presence("Fatima"), timeout=5)

            for name, (pid, token) in people.items():
                phone = Peer(server.url)
                phones.append(phone)
                assert await phone.connect({"token": token})
                assert (await phone.sio.call("awareness", _presence(name), timeout=5))["ok"]
                ack = await phone.sio.call("sync", ("board", _proposal(pid, TEXTS[1])), timeout=5)
                assert ack == {"ok": True, "saved": True}
                ack = await phone.sio.call("sync", (f"p.{pid}", Scores().set(7, TEXTS[2])), timeout=5)
                assert ack == {"ok": True, "saved": True}
            # A phone writing the facilitator's framework is refused, and that is logged.
            framework: Doc[Any] = Doc()
            framework.get("framework", type=Map)["x"] = Map({"category": "danger", "text": Text(NAMES[0])})
            refused = await phones[1].sio.call("sync", ("board", create_update_message(framework.get_update())))
            assert refused["code"] == "not_allowed"

            revealed = await fatima.post(f"/api/rooms/{room['id']}/rounds/r1/reveal", json={})
            assert revealed.json() == {"round_id": "r1", "revealed": 2}
            closed = await fatima.post(f"/api/meetings/{meeting['id']}/close", json={})
            assert closed.status_code < 300, closed.text
            await eventually(lambda: _all_gone(phones))
        await _logged(records, "refused frame")
    lines = _clean_lines(capfd, secrets)
    assert {"refused frame", "credential ended; closing"} & {line["msg"] for line in lines}
    assert any(line.get("code") == "not_allowed" for line in lines)
    assert len(lines) == len(records.records)  # one line for every record, none lost


def _all_gone(peers: list[Peer]) -> None:
    assert not any(peer.sio.connected for peer in peers)


async def test_the_safety_journal_logs_no_note_name_or_link(
    server: RunningServer, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network member's link made, opened and used to report with a note, and a report whose write
    fails with the store quoting the note: no note, no name and no token reaches the logs."""
    room, pid, _token = await _room_with_phone(server)
    rule = Map({"section": "immediate", "text": Text(f"Regel {MARKER}"), "status": "agreed"})
    await live_of(server).edit(room, "board", lambda d: d.get("agreements", type=Map).__setitem__("r1", rule))
    await store_of(server).add_cofacilitator(
        (await store_of(server).room_access(room)).case_id,  # type: ignore[union-attr]
        "fatima@jeugdzorg.test",
    )
    note = f"Notitie {MARKER}"
    # The test's own client logs every URL it asks for, /l/<token> too; the server logs no request line.
    monkeypatch.setattr(logging.getLogger("httpx"), "disabled", True)
    with production_logs("debug") as records:
        async with browser(server) as fatima, browser(server) as phone:
            login = await fatima.post("/api/session", json={"email": "fatima@jeugdzorg.test", "password": "x" * 16})
            assert login.status_code == 204
            made = await fatima.post(f"/api/rooms/{room}/links", json={"participant_id": pid})
            token = made.json()["url"].rsplit("/l/", 1)[1]
            assert (await phone.get(f"/l/{token}")).status_code == 303
            sent = await phone.post("/api/plan/reports", json={"rule_id": "r1", "verdict": "not_held", "note": note})
            assert sent.status_code == 201, sent.text

            async def failing(*args: Any) -> Any:
                raise database_error()

            monkeypatch.setattr(store_of(server), "add_journal_entry", failing)
            # A plain client: a 500 is no documented answer, and this one is meant to happen.
            async with httpx.AsyncClient(base_url=server.url, headers={"Origin": server.url}) as plain:
                plain.cookies.set("kring_plan", token)
                body = {"rule_id": "r1", "verdict": "held", "note": note}
                assert (await plain.post("/api/plan/reports", json=body)).status_code == 500
            journal = await fatima.get(f"/api/rooms/{room}/journal")
            assert note in journal.text  # the facilitator reads it; the logs do not
        await _logged(records, "journal report")
    lines = _clean_lines(capfd, [MARKER, token, "Oma"])
    assert any(line["msg"] == "journal report" for line in lines)
