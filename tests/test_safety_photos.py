"""The safety people's photos in the children's version (issue 14): a facilitator adds one only with
the person's consent; it keeps nothing of the camera's metadata, is served to the case's facilitators
only (never through the drawings' endpoint that phones and the wall use), is printed in the page of
the children's version, and is deleted when taken away, when the person is removed and with the room.
The facilitator can also count someone in or out of the safety people."""

from __future__ import annotations

import asyncio
import io
import re

import httpx
from alembic import command
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import Settings
from server.store.migrate import alembic_config, migrate
from tests.exports_helpers import demo_server, files_under
from tests.meetings_helpers import api_client
from tests.test_childtools import CAMERA, jpeg_with_exif


async def _people(client: httpx.AsyncClient, meeting_id: str, room_id: str) -> dict[str, str]:
    rooms = (await client.get(f"/api/meetings/{meeting_id}")).json()["rooms"]
    [room] = [r for r in rooms if r["id"] == room_id]
    return {p["name"]: p["id"] for p in room["participants"]}


async def _photo(client: httpx.AsyncClient, pid: str, data: bytes, query: str = "?consent=given") -> httpx.Response:
    return await client.put(
        f"/api/participants/{pid}/photo{query}", content=data, headers={"Content-Type": "image/jpeg"}
    )


def _names(page: str) -> list[str]:
    return re.findall(r'<p class="person-name">([^<]+)</p>', page)


async def test_a_safety_persons_photo_needs_consent_and_goes_into_the_childrens_version(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        client, room = demo.client, demo.mother
        people = await _people(client, demo.meeting_id, room)
        sandra = next(pid for name, pid in people.items() if name.startswith("Sandra"))
        folder = settings.var_dir / "uploads" / room / "people"

        # Without consent: refused, nothing kept.
        refused = await _photo(client, sandra, jpeg_with_exif(), query="")
        assert refused.status_code == 400 and refused.json()["error"] == "consent_required", refused.text
        refused = await _photo(client, sandra, jpeg_with_exif(), query="?consent=yes")
        assert refused.status_code == 400
        assert not folder.exists() or files_under(folder) == []
        # Not an image, a child, or someone of another case: refused as for a drawing.
        assert (await _photo(client, sandra, b"\xff\xd8\xff not really")).status_code == 400
        async with api_client(demo.server, headers={"Origin": "https://evil.test"}) as evil:
            evil.cookies = client.cookies
            assert (await _photo(evil, sandra, jpeg_with_exif())).status_code == 403
        gif = await client.put(
            f"/api/participants/{sandra}/photo?consent=given", content=b"GIF89a", headers={"Content-Type": "image/gif"}
        )
        assert gif.status_code == 415

        # With consent: re-encoded without EXIF, in the room's uploads dir, and the console knows.
        stored = await _photo(client, sandra, jpeg_with_exif(size=(900, 600)))
        assert stored.status_code == 200, stored.text
        assert stored.json()["photo"] is True and stored.json()["safety_person"] == "auto"
        [kept] = files_under(folder)
        assert CAMERA.encode() not in kept.read_bytes() and b"Exif" not in kept.read_bytes()
        served = await client.get(f"/api/participants/{sandra}/photo")
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert "no-store" in served.headers["cache-control"]
        picture = Image.open(io.BytesIO(served.content))
        assert not picture.getexif() and picture.size == (600, 900)  # upright, as the camera was held
        # Not through the drawings' endpoint (phones and the wall use it), not even for a facilitator.
        assert (await client.get(f"/api/rooms/{room}/photos/{kept.name}")).status_code == 404

        # A new photo replaces the old one: one file.
        again = await _photo(client, sandra, jpeg_with_exif())
        assert again.status_code == 200
        [replaced] = files_under(folder)
        assert replaced.name != kept.name

        # Who counts: Ria out, Juf Anouk (who only offered) in; not a bad choice.
        ria = next(pid for name, pid in people.items() if name.startswith("Ria"))
        anouk = next(pid for name, pid in people.items() if name.startswith("Juf Anouk"))
        for pid, counts in [(ria, "no"), (anouk, "yes")]:
            chosen = await client.put(f"/api/participants/{pid}/safety-person", json={"counts": counts})
            assert chosen.status_code == 200 and chosen.json()["safety_person"] == counts, chosen.text
        bad = await client.put(f"/api/participants/{ria}/safety-person", json={"counts": "maybe"})
        assert bad.status_code == 400 and bad.json()["error"] == "bad_counts"

        page = (await client.get(f"/api/rooms/{room}/children.html")).text
        assert _names(page) == ["Sandra", "Els", "Juf"]  # first names, as the sheet has them
        [source] = re.findall(r'<img class="portrait" src="([^"]+)" alt="Foto van Sandra">', page)
        assert source.startswith("data:image/jpeg;base64,") and replaced.name not in page
        assert page.count('class="photo-frame"') == 2
        pdf = (await client.get(f"/api/rooms/{room}/children.pdf")).content
        assert len({image.name for p in PdfReader(io.BytesIO(pdf)).pages for image in p.images}) == 1

        # Audited by id, never a name; consent recorded with the upload.
        entries = await demo.server.kring.meetings.audit_entries()
        added = [e for e in entries if e.action == "safety_photo_add"]
        assert len(added) == 2 and all(e.on_behalf_of == sandra and e.detail == "consent=given" for e in added)
        assert any(e.action == "safety_photo_view" for e in entries)
        assert all("Sandra" not in (e.detail or "") for e in entries)

        # Consent withdrawn: the file is gone, and the frame is back.
        removed = await client.request("DELETE", f"/api/participants/{sandra}/photo", json={})
        assert removed.status_code == 204
        assert files_under(folder) == []
        assert (await client.get(f"/api/participants/{sandra}/photo")).status_code == 404
        page = (await client.get(f"/api/rooms/{room}/children.html")).text
        assert 'class="portrait"' not in page and page.count('class="photo-frame"') == 3


async def test_the_photo_goes_with_the_person_and_with_the_meeting(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        client, room = demo.client, demo.mother
        people = await _people(client, demo.meeting_id, room)
        sandra = next(pid for name, pid in people.items() if name.startswith("Sandra"))
        els = next(pid for name, pid in people.items() if name.startswith("Els"))
        folder = settings.var_dir / "uploads" / room / "people"
        for pid in (sandra, els):
            assert (await _photo(client, pid, jpeg_with_exif())).status_code == 200
        assert len(files_under(folder)) == 2

        # Someone removed from the room: their photo goes.
        assert (await client.post(f"/api/participants/{els}/remove", json={})).status_code == 200
        assert len(files_under(folder)) == 1
        again = await _photo(client, els, jpeg_with_exif())
        assert again.status_code == 409 and again.json()["error"] == "not_a_safety_person"

        # "Delete now": the room's uploads dir, the photo with it.
        deleted = await client.post(f"/api/meetings/{demo.meeting_id}/delete", json={})
        assert deleted.status_code == 200, deleted.text
        assert not (settings.var_dir / "uploads" / room).exists()


async def test_migration_0013_goes_down_and_up_again(database_url: str) -> None:
    async def columns() -> set[str]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as conn:
                found = await conn.run_sync(lambda sync: inspect(sync).get_columns("participants"))
                return {c["name"] for c in found}
        finally:
            await engine.dispose()

    wanted = {"photo", "photo_consent_at", "safety_person"}
    assert wanted <= await columns()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0010")
    assert not wanted & await columns()
    await asyncio.to_thread(migrate, database_url)
    assert wanted <= await columns()
