"""The safety-network register: per case, facilitators only, contact details never on a board."""

from __future__ import annotations

from pycrdt import Map

from tests.meetings_helpers import facilitator, live_of, split_meeting
from tests.utils import RunningServer


async def test_register_lifecycle_and_contact_stays_off_the_board(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        meeting = await split_meeting(fatima)
        case = meeting["case_id"]
        added = await fatima.post(
            f"/api/cases/{case}/network",
            json={
                "name": "Buurvrouw Els",
                "relation": "friend",
                "role": "Haalt Max en Ash van school",
                "knows_worries": True,
                "contact": "06-12345678",
            },
        )
        assert added.status_code == 201, added.text
        member = added.json()
        assert member["knows_worries"] is True and member["contact"] == "06-12345678"
        assert (
            await fatima.post(f"/api/cases/{case}/network", json={"name": "", "relation": "friend"})
        ).status_code == 400
        changed = await fatima.patch(f"/api/network/{member['id']}", json={"role": "Is er bij elk bezoek"})
        assert changed.json()["role"] == "Is er bij elk bezoek" and changed.json()["name"] == "Buurvrouw Els"
        listed = (await fatima.get(f"/api/cases/{case}/network")).json()
        assert [m["id"] for m in listed] == [member["id"]]
        for room in meeting["rooms"]:
            board = await live_of(server).copy_of(room["id"], "board")
            assert "06-12345678" not in str({k: board.get(k, type=Map).to_py() for k in ("framework", "people")})
        audit = (await fatima.get(f"/api/meetings/{meeting['id']}/audit")).json()
        assert "06-12345678" not in str(audit) and "Els" not in str(audit)
        assert (
            await fatima.delete(f"/api/network/{member['id']}", headers={"Content-Type": "application/json"})
        ).status_code == 204
        assert (await fatima.get(f"/api/cases/{case}/network")).json() == []
