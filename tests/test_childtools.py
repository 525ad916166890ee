"""Child tools: what the child said or drew reaches only those its visibility and consent allow, and
a photo of a drawing keeps nothing of the camera's metadata."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, PngImagePlugin
from pycrdt import Doc, Map, create_sync_message

from server.meetings.domain.people import show_person
from server.protocol import Refusal, Refused
from server.rooms.permissions import WriteGuard
from server.rooms.schema import BOARD, BOARD_ROOTS, Identity
from tests.meetings_helpers import api_client, browser, facilitator, live_of, split_meeting, store_of
from tests.test_socket_access import Peer
from tests.utils import RunningServer, eventually

CANARY = "KANARIE-papa-schreeuwt-s-nachts"
CAMERA = "KanarieCam-9000"
CONSENT = {"band": "under_12", "parties": ["parents"]}
ANNA = Identity("participant", "anna", "Anna", "family")
FACILITATOR = Identity("facilitator", "1", "Fatima", "facilitator")


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The server runs in this process: its uploads go to the test's own directory.
    path = tmp_path / "var"
    monkeypatch.setenv("KRING_VAR_DIR", str(path))
    return path


def jpeg_with_exif(size: tuple[int, int] = (60, 40), orientation: int = 6) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0110] = "Model-" + CAMERA  # Model
    exif[0x0112] = orientation  # turned: the phone was held upright
    exif[0x010E] = "Opvang Zonnehof, Kerkstraat 1"  # ImageDescription: where, in the worst case
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 22.0, 11.0)
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif, comment=CAMERA.encode())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", CAMERA)
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 90, 200, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, room: str, data: bytes, media_type: str = "image/jpeg") -> httpx.Response:
    return await client.post(f"/api/rooms/{room}/photos", content=data, headers={"Content-Type": media_type})


async def add(client: httpx.AsyncClient, room: str, **entry: Any) -> httpx.Response:
    return await client.post(f"/api/rooms/{room}/childtools", json={"house": "worries", **entry})


async def phone_in(server: RunningServer, room: str, name: str = "Oma Truus") -> tuple[str, str]:
    person, token = await store_of(server).add_participant(room, name, "family", admitted=True)
    await show_person(live_of(server), person)
    return person.id, token


async def test_facilitator_only_content_never_reaches_a_phone_or_the_projector(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]
        _pid, token = await phone_in(server, room)
        link = (await fatima.post(f"/api/rooms/{room}/projector", json={})).json()["url"].split("#", 1)[1]
        phone, wall = Peer(server.url), Peer(server.url)
        assert await phone.connect({"token": token})
        assert await wall.connect({"projector": link})

        photo = (await upload(fatima, room, jpeg_with_exif())).json()["photo"]
        hidden = await add(fatima, room, text=CANARY, photo=photo, visibility="private")
        assert hidden.status_code == 201, hidden.text
        shown = await add(fatima, room, house="dreams", text="Een hond en een tuin", visibility="room", consent=CONSENT)
        assert shown.status_code == 201, shown.text
        # The room's entry does arrive (so the phone is listening), the facilitator-only one never.
        await eventually(lambda: _check(b"Een hond en een tuin" in phone.everything()))
        await eventually(lambda: _check(b"Een hond en een tuin" in wall.everything()))
        late = Peer(server.url)
        assert await late.connect({"token": token})
        # Its step 1 of an empty board: the server answers with everything the phone may have.
        await late.sio.emit("sync", ("board", create_sync_message(Doc())))
        await eventually(lambda: _check(b"Een hond en een tuin" in late.everything()))
        for peer in (phone, wall, late):
            assert CANARY.encode() not in peer.everything()
            assert photo.encode() not in peer.everything()
            assert "private" not in peer.docs()
        private = await live_of(server).copy_of(room, "private")
        assert CANARY in str(private.get("childtools", type=Map).to_py())
        board = await live_of(server).copy_of(room, "board")
        assert CANARY not in str(board.get("childtools", type=Map).to_py())

        # Nor is its photo served to them: the same answer as for a photo that does not exist.
        async with browser(server, cookies={"kring_participant": token}) as as_phone:
            assert (await as_phone.get(f"/api/rooms/{room}/photos/{photo}")).status_code == 404
        async with api_client(server, headers={"Authorization": f"Bearer {link}"}) as as_wall:
            assert (await as_wall.get(f"/api/rooms/{room}/photos/{photo}")).status_code == 404
        assert (await fatima.get(f"/api/rooms/{room}/photos/{photo}")).status_code == 200

        # Taken back to facilitator only: it leaves the board.
        entry = shown.json()["entry"]
        moved = await fatima.patch(f"/api/rooms/{room}/childtools/{entry}", json={"visibility": "private"})
        assert moved.status_code == 200, moved.text
        board = await live_of(server).copy_of(room, "board")
        assert entry not in board.get("childtools", type=Map)
        for peer in (phone, wall, late):
            await peer.close()


async def test_a_photo_is_served_without_exif_or_any_metadata(server: RunningServer, var_dir: Path) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]
        original = jpeg_with_exif()
        assert CAMERA.encode() in original and Image.open(io.BytesIO(original)).getexif()
        stored = await upload(fatima, room, original)
        assert stored.status_code == 201, stored.text
        photo = stored.json()["photo"]
        created = await add(fatima, room, photo=photo, visibility="room", consent=CONSENT)
        assert created.status_code == 201, created.text
        _pid, token = await phone_in(server, room)
        async with browser(server, cookies={"kring_participant": token}) as as_phone:
            served = await as_phone.get(f"/api/rooms/{room}/photos/{photo}")
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert "no-store" in served.headers["cache-control"]
        assert CAMERA.encode() not in served.content and b"Exif" not in served.content
        audited = {(e.action, e.actor_kind) for e in await store_of(server).audit_entries()}
        assert {("photo_upload", "facilitator"), ("photo_view", "participant")} <= audited
        picture = Image.open(io.BytesIO(served.content))
        assert not picture.getexif() and "exif" not in picture.info and "comment" not in picture.info
        assert picture.size == (40, 60)  # turned upright before the orientation tag went
        # On disk under the room's own directory, which deleting the room removes.
        files = list((var_dir / "uploads" / room).iterdir())
        assert [f.name for f in files] == [photo] and CAMERA.encode() not in files[0].read_bytes()

        png = await upload(fatima, room, png_with_text(), "image/png")
        assert png.status_code == 201, png.text
        served_png = await fatima.get(f"/api/rooms/{room}/photos/{png.json()['photo']}")
        assert CAMERA.encode() not in served_png.content
        assert not {"Location", "exif"} & set(Image.open(io.BytesIO(served_png.content)).info)

        # Only JPEG and PNG, only readable ones, only facilitators of the case, only so large.
        assert (await upload(fatima, room, b"GIF89a....", "image/gif")).status_code == 415
        assert (await upload(fatima, room, b"\xff\xd8\xff not really", "image/jpeg")).status_code == 400
        assert (await upload(fatima, room, png_with_text(), "image/jpeg")).status_code == 400
        assert (await upload(fatima, room, b"\0" * (8 * 1024 * 1024 + 1))).status_code == 413
        async with browser(server, cookies={"kring_participant": token}) as as_phone:
            assert (await upload(as_phone, room, original)).status_code == 401
        async with facilitator(server, "other@jeugdzorg.test") as other:
            assert (await upload(other, room, original)).status_code == 404
            assert (await other.get(f"/api/rooms/{room}/photos/{photo}")).status_code == 404
        async with api_client(server, headers={"Origin": "https://evil.test"}) as evil:
            evil.cookies = fatima.cookies
            assert (await upload(evil, room, original)).status_code == 403


async def test_visibility_and_consent_by_age_band_are_required(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]

        async def code(**entry: Any) -> str:
            answer = await add(fatima, room, text="Ik ben bang als papa boos is", **entry)
            return "ok" if answer.status_code == 201 else str(answer.json()["error"])

        assert await code() == "bad_visibility"
        assert await code(visibility="everyone") == "bad_visibility"
        assert await code(visibility="room") == "consent_required"
        assert await code(visibility="shared", consent={"band": "under_12"}) == "consent_required"
        assert await code(visibility="room", consent={"band": "12_16", "parties": ["parents"]}) == "consent_incomplete"
        assert await code(visibility="room", consent={"band": "12_16", "parties": ["child"]}) == "consent_incomplete"
        assert (
            await code(visibility="room", consent={"band": "16_plus", "parties": ["parents"]}) == "consent_incomplete"
        )
        assert await code(visibility="room", consent={"band": "under_12", "parties": ["child"]}) == "consent_incomplete"
        assert await code(visibility="room", consent={"band": "12_16", "parties": ["child", "parents"]}) == "ok"
        assert await code(visibility="shared", consent={"band": "16_plus", "parties": ["young_person"]}) == "ok"
        assert await code(visibility="private") == "ok"  # the worker's own note needs no one's consent yet
        assert (await add(fatima, room, visibility="private")).json()["error"] == "bad_entry"
        assert (await add(fatima, room, text="x", house="attic", visibility="private")).json()["error"] == "bad_house"

        private = (await add(fatima, room, text="Mijn geheim", visibility="private")).json()["entry"]
        path = f"/api/rooms/{room}/childtools/{private}"
        assert (await fatima.patch(path, json={"visibility": "room"})).json()["error"] == "consent_required"
        board = await live_of(server).copy_of(room, "board")
        assert private not in board.get("childtools", type=Map)
        changed = await fatima.patch(path, json={"visibility": "room", "consent": CONSENT})
        assert changed.status_code == 200 and changed.json()["consent"]["parties"] == ["parents"]
        board = await live_of(server).copy_of(room, "board")
        entry = board.get("childtools", type=Map)[private].to_py()
        assert entry["consent"]["band"] == "under_12" and entry["consent"]["recorded_by"].startswith("f:")
        assert entry["house"] == "worries" and str(entry["text"]) == "Mijn geheim"

        entries = await store_of(server).audit_entries(meeting_id=None)
        details = " ".join(e.detail or "" for e in entries if e.action.startswith("child_entry"))
        assert "Mijn geheim" not in details and "visibility=room" in details


async def test_only_shared_entries_cross_to_the_other_parents_room(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        meeting = await split_meeting(fatima)
        mother, father = (r["id"] for r in meeting["rooms"])
        photo = (await upload(fatima, mother, jpeg_with_exif())).json()["photo"]
        here = (await add(fatima, mother, text=CANARY, visibility="room", consent=CONSENT)).json()["entry"]
        private = (await add(fatima, mother, text=CANARY, visibility="private")).json()["entry"]
        shared = (
            await add(fatima, mother, house="good", photo=photo, text="Voetbal", visibility="shared", consent=CONSENT)
        ).json()["entry"]
        items = [{"root": "childtools", "key": k} for k in (here, private, shared)]
        body = {"from_room": mother, "to_room": father, "items": items}
        preview = (await fatima.post(f"/api/meetings/{meeting['id']}/copy/preview", json=body)).json()
        assert {r["key"]: r["reason"] for r in preview["refused"]} == {here: "not_shared", private: "not_found"}
        assert [i["key"] for i in preview["items"]] == [shared]
        assert CANARY not in str(preview)
        copied = await fatima.post(f"/api/meetings/{meeting['id']}/copy", json={**body, "digest": preview["digest"]})
        assert copied.json()["copied"] == 1
        board = await live_of(server).copy_of(father, "board")
        assert list(board.get("childtools", type=Map).keys()) == [shared]
        assert CANARY not in str(board.get("childtools", type=Map).to_py())
        # The photo went along into the father's room's own files, and his room's phones see it.
        _pid, token = await phone_in(server, father, "Opa Henk")
        async with browser(server, cookies={"kring_participant": token}) as as_phone:
            assert (await as_phone.get(f"/api/rooms/{father}/photos/{photo}")).status_code == 200
            # Nothing of the mother's room through the father's phone.
            assert (await as_phone.get(f"/api/rooms/{mother}/photos/{photo}")).status_code == 404


def _check(condition: bool) -> None:
    assert condition


def test_a_phone_may_not_write_child_content_on_the_board() -> None:
    live: Doc[Any] = Doc()
    for root in BOARD_ROOTS:
        live.get(root, type=Map)
    live.get("childtools", type=Map)["e1"] = Map({"house": "worries", "text": "Ik ben bang", "visibility": "room"})
    guard = WriteGuard()

    def edit(change: Any) -> bytes:
        phone: Doc[Any] = Doc()
        phone.apply_update(live.get_update())
        before = phone.get_state()
        change(phone)
        return phone.get_update(before)

    # Changing the child's words, making one up, taking one away: none is a phone's to do.
    for change in (
        lambda d: d.get("childtools", type=Map)["e1"].__setitem__("visibility", "shared"),
        lambda d: d.get("childtools", type=Map).__setitem__("anna:e2", Map({"house": "dreams", "text": "x"})),
        lambda d: d.get("childtools", type=Map).pop("e1"),
    ):
        with pytest.raises(Refused) as refused:
            guard.check(ANNA, BOARD, live, edit(change))
        assert refused.value.code == Refusal.NOT_ALLOWED
    guard.check(FACILITATOR, BOARD, live, edit(lambda d: d.get("childtools", type=Map).pop("e1")))
