"""Projector links and a few HTTP details a person notices: replaced links, caching, the QR link."""

from __future__ import annotations

from tests.meetings_helpers import browser, facilitator, split_meeting
from tests.test_socket_access import Peer
from tests.utils import RunningServer, eventually


async def test_a_new_projector_link_ends_the_old_window(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]
        old = (await fatima.post(f"/api/rooms/{room}/projector", json={})).json()["url"].split("#", 1)[1]
        wall = Peer(server.url)
        assert await wall.connect({"projector": old})
        new = (await fatima.post(f"/api/rooms/{room}/projector", json={})).json()["url"].split("#", 1)[1]

        def gone() -> None:
            assert not wall.sio.connected

        await eventually(gone, timeout=1.0)
        assert any(e == "refused" and a[0]["code"] == "replaced" for e, a in wall.received)
        assert not await Peer(server.url).connect({"projector": old})
        fresh = Peer(server.url)
        assert await fresh.connect({"projector": new})
        await fresh.close()


async def test_board_data_is_never_cached_but_bundles_revalidate(server: RunningServer) -> None:
    async with browser(server) as client:
        assert (await client.get("/api/openapi.json")).headers["cache-control"] == "no-store"
        assert (await client.get("/join")).headers["cache-control"] == "no-store"
        assert (await client.get("/static/kring.css")).headers["cache-control"] == "no-cache"


async def test_qr_link_keeps_the_language(server: RunningServer) -> None:
    async with browser(server) as client:
        response = await client.get("/j/1234-5678?lang=en")
        assert response.status_code == 303
        assert response.headers["location"] == "/join?code=12345678&lang=en"
