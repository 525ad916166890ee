"""The privacy officer's view (/api/privacy/...), on SQLite and PostgreSQL: the audit log by person,
case and period, paged and as CSV (formula-safe); the accounts with access to a case; deletions done
and due; every read audited; each audited action with the address the server saw; and no content —
a canary in every kind of content (a case's label, a meeting's title, a room's name, a participant's
name, a register entry, a board text) is in no answer and in no log line."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Map
from sqlalchemy import update

from server.meetings.http.privacy import csv_cell
from server.store.models import AuditEntry, Case, Facilitator, Team, TeamMember
from tests.log_helpers import MARKER, production_logs
from tests.meetings_helpers import PASSWORD, browser, from_address, join, store_of
from tests.utils import BoardClient, RunningServer, eventually, run_server, settings_for

OFFICER = "privacy@jeugdzorg.test"


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with run_server(settings_for(tmp_path, database_url=database_url)) as running:
        yield running


async def log_in(server: RunningServer, email: str, name: str, roles: tuple[str, ...], **kw: Any) -> httpx.AsyncClient:
    person = await store_of(server).add_facilitator(email, name, PASSWORD, roles=roles)
    client = kw.pop("client", None) or browser(server)
    response = await client.post("/api/session", json={"email": email, "password": PASSWORD})
    assert response.status_code == 204, response.text
    client.person_id = person.id  # type: ignore[attr-defined]
    return client


async def officer(server: RunningServer) -> httpx.AsyncClient:
    return await log_in(server, OFFICER, "Pim Privacy", ("privacy_officer",))


async def case_with_meeting(client: httpx.AsyncClient, label: str, title: str, rooms: list[str]) -> dict[str, Any]:
    case = await client.post("/api/cases", json={"label": label})
    assert case.status_code == 201, case.text
    made = await client.post(f"/api/cases/{case.json()['id']}/meetings", json={"title": title, "rooms": rooms})
    assert made.status_code == 201, made.text
    meeting: dict[str, Any] = made.json()
    return meeting


async def read_all(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every entry of the log's pages, newest first, following `next_before`."""
    entries: list[dict[str, Any]] = []
    before: int | None = None
    while True:
        page = await client.get(path, params={**params, **({"before": before} if before else {})})
        assert page.status_code == 200, page.text
        entries += page.json()["entries"]
        before = page.json()["next_before"]
        if before is None:
            return entries


async def test_the_log_says_who_what_where_and_no_answer_or_log_line_holds_content(
    server: RunningServer, capfd: pytest.CaptureFixture[str]
) -> None:
    store = store_of(server)
    with production_logs():
        # The facilitator works from 198.51.100.7 (in-process, as that client): every action is audited there.
        fatima = await log_in(
            server, "fatima@jeugdzorg.test", "Fatima", ("facilitator",), client=from_address(server, "198.51.100.7")
        )
        meeting = await case_with_meeting(fatima, f"Gezin {MARKER}", f"Beraad {MARKER}", [f"Moeder {MARKER}"])
        [room] = meeting["rooms"]
        case_id = meeting["case_id"]
        added = await fatima.post(f"/api/cases/{case_id}/network", json={"name": f"Oom {MARKER}", "relation": "family"})
        assert added.status_code == 201, added.text
        await server.kring.live.edit(
            room["id"], "board", lambda d: d.get("framework", type=Map).__setitem__("w1", Map({"text": MARKER}))
        )
        # A phone joins through the real server from loopback; it connects its socket (audited too).
        async with browser(server) as phone:
            joined = await join(phone, room["join_code"], name=f"Oma {MARKER}")
            assert joined.status_code == 201, joined.text
            token = joined.json()["token"]
        admit = await fatima.post(f"/api/participants/{joined.json()['participant_id']}/admit", json={})
        assert admit.status_code == 200, admit.text
        socket = BoardClient(server.url, room["id"])
        await socket.connect(auth={"token": token})
        await asyncio.wait_for(socket.synced.wait(), 10)
        await socket.disconnect()
        # The socket's "connect" is audited beside its handler: wait for it, never sleep.
        await eventually(lambda: _has_connect(store, room["id"]))
        exported = await fatima.get(f"/api/rooms/{room['id']}/export.json")
        assert exported.status_code == 200 and MARKER in exported.text  # the canary is there to be leaked

        pim = await officer(server)
        answers = [
            await pim.get("/api/privacy/audit"),
            await pim.get("/api/privacy/audit", params={"case": case_id}),
            await pim.get("/api/privacy/audit.csv"),
            await pim.get("/api/privacy/accounts"),
            await pim.get(f"/api/privacy/cases/{case_id}/access"),
            await pim.get("/api/privacy/deletions"),
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert MARKER not in answer.text, answer.request.url
    assert MARKER not in capfd.readouterr().err

    entries = answers[0].json()["entries"]
    by_action = {e["action"]: e for e in entries}  # newest first: the oldest of each stays
    fatima_id = str(fatima.person_id)  # type: ignore[attr-defined]
    for action in ("login", "case_create", "network_add", "admit", "export"):
        entry = by_action[action]
        assert (entry["actor_kind"], entry["actor_id"], entry["actor_name"]) == ("facilitator", fatima_id, "Fatima")
        assert entry["address"] == "198.51.100.7", entry
    assert by_action["export"]["room_id"] == room["id"] and by_action["export"]["case_id"] == case_id
    # The phone's join and its socket's connect: from where the real server saw them, by id, no name.
    for action in ("join", "connect"):
        entry = by_action[action]
        assert entry["actor_kind"] == "participant" and entry["actor_name"] is None
        assert entry["address"] == "127.0.0.1" and entry["room_id"] == room["id"], entry
    await fatima.aclose()
    await pim.aclose()


async def _has_connect(store: Any, room_id: str) -> None:
    assert any(e.action == "connect" and e.room_id == room_id for e in await store.audit_entries())


async def test_behind_a_trusted_proxy_the_address_is_the_forwarded_client(server: RunningServer) -> None:
    # The test server runs as `kring serve` does (proxy_headers); loopback is the default trusted proxy.
    proxied = browser(server)
    proxied.headers["X-Forwarded-For"] = "203.0.113.9"
    await log_in(server, "fatima@jeugdzorg.test", "Fatima", ("facilitator",), client=proxied)
    pim = await officer(server)
    [entry] = (await pim.get("/api/privacy/audit", params={"action": "login", "person": proxied.person_id})).json()[  # type: ignore[attr-defined]
        "entries"
    ]
    assert entry["address"] == "203.0.113.9"
    for client in (proxied, pim):
        await client.aclose()


async def test_an_untrusted_proxy_is_not_believed(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loopback is no trusted proxy here: its X-Forwarded-For is anyone's to write.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "192.0.2.1")
    async with run_server(settings_for(tmp_path, database_url=database_url)) as server:
        liar = browser(server)
        liar.headers["X-Forwarded-For"] = "203.0.113.10"
        await log_in(server, "sanne@jeugdzorg.test", "Sanne", ("facilitator",), client=liar)
        pim = await officer(server)
        listed = await pim.get("/api/privacy/audit", params={"action": "login", "person": liar.person_id})  # type: ignore[attr-defined]
        [entry] = listed.json()["entries"]
        assert entry["address"] == "127.0.0.1"
        for client in (liar, pim):
            await client.aclose()


async def test_filters_by_person_case_and_period_and_pages(server: RunningServer) -> None:
    store = store_of(server)
    fatima = await log_in(server, "fatima@jeugdzorg.test", "Fatima", ("facilitator",))
    sanne = await log_in(server, "sanne@jeugdzorg.test", "Sanne", ("facilitator",))
    first = await case_with_meeting(fatima, "Gezin A", "Beraad", ["Kamer"])
    second = await case_with_meeting(sanne, "Gezin B", "Beraad", ["Kamer"])
    for _ in range(6):
        assert (await fatima.get(f"/api/rooms/{first['rooms'][0]['id']}/export.json")).status_code == 200
    pim = await officer(server)

    def ids(entries: list[dict[str, Any]]) -> list[int]:
        return [e["id"] for e in entries]

    everything = await read_all(pim, "/api/privacy/audit")
    assert ids(everything) == sorted(ids(everything), reverse=True)  # newest first
    # Pages of 4 give the same entries as one page, none twice, and the read of that one page
    # (audited after it was read) first.
    paged = await read_all(pim, "/api/privacy/audit", limit=4, to="2999-12-31")
    assert len(everything) > 8 and paged[0]["action"] == "audit_read"
    assert ids(paged)[1:] == ids(everything)

    by_fatima = await read_all(pim, "/api/privacy/audit", person=fatima.person_id)  # type: ignore[attr-defined]
    assert by_fatima and {e["actor_id"] for e in by_fatima} == {str(fatima.person_id)}  # type: ignore[attr-defined]
    assert sum(e["action"] == "export" for e in by_fatima) == 6
    on_second = await read_all(pim, "/api/privacy/audit", case=second["case_id"])
    assert on_second and {e["case_id"] for e in on_second} == {second["case_id"]}
    assert {e["actor_id"] for e in on_second if e["action"] != "audit_read"} == {str(sanne.person_id)}  # type: ignore[attr-defined]
    both = await read_all(pim, "/api/privacy/audit", case=first["case_id"], person=sanne.person_id)  # type: ignore[attr-defined]
    assert both == []

    # The period: an entry of last month is in last month's days and not in today's.
    async with store.sessions.begin() as db:
        old = AuditEntry(
            actor_kind="system", action="delete", case_id="c-old", at=datetime.now(UTC) - timedelta(days=40)
        )
        db.add(old)
    today = datetime.now(UTC).date()
    month_ago = today - timedelta(days=40)
    in_period = await read_all(
        pim,
        "/api/privacy/audit",
        **{"from": str(month_ago - timedelta(days=1)), "to": str(month_ago + timedelta(days=1))},
    )
    assert [e["case_id"] for e in in_period] == ["c-old"]
    recent = await read_all(pim, "/api/privacy/audit", **{"from": str(today - timedelta(days=1))})
    assert "c-old" not in {e["case_id"] for e in recent} and len(recent) >= len(everything)
    for client in (fatima, sanne, pim):
        await client.aclose()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"person": "1 OR 1=1"}, "bad_person"),
        ({"case": "../x"}, "bad_case"),
        ({"from": "5-12-2026"}, "bad_period"),
        ({"from": "2026-12-06", "to": "2026-12-05"}, "bad_period"),
        ({"limit": "0"}, "bad_limit"),
        ({"limit": "100000"}, "bad_limit"),
        ({"before": "-3"}, "bad_before"),
        ({"action": "DROP TABLE"}, "bad_action"),
    ],
)
async def test_a_bad_filter_is_refused_and_nothing_is_read_or_audited(
    server: RunningServer, params: dict[str, str], code: str
) -> None:
    pim = await officer(server)
    before = len(await store_of(server).audit_entries())
    paging = "limit" in params or "before" in params  # the CSV has no pages
    for path in ("/api/privacy/audit",) if paging else ("/api/privacy/audit", "/api/privacy/audit.csv"):
        refused = await pim.get(path, params=params)
        assert (refused.status_code, refused.json()["error"]) == (400, code), refused.text
    assert len(await store_of(server).audit_entries()) == before
    assert (await pim.get("/api/privacy/audit")).status_code == 200  # and the server is fine
    await pim.aclose()


def test_a_cell_that_would_be_a_formula_is_text() -> None:
    for raw in ("=1+1", "+31 6", "-2", "@SUM(A1)", "\t=x", "\r=x"):
        assert csv_cell(raw) == "'" + raw
    for raw in ("Fatima", "198.51.100.7", "export json", "", None, 12):
        assert csv_cell(raw) == ("" if raw is None else str(raw))


async def test_the_csv_export_has_every_matching_entry_and_no_formula(server: RunningServer) -> None:
    nasty = '=HYPERLINK("http://evil.example","x")'
    fatima = await log_in(server, "fatima@jeugdzorg.test", nasty, ("facilitator",))
    sanne = await log_in(server, "sanne@jeugdzorg.test", "@Sanne", ("facilitator",))
    made = await case_with_meeting(fatima, "Gezin A", "Beraad", ["Kamer"])
    pim = await officer(server)
    answer = await pim.get("/api/privacy/audit.csv", params={"person": fatima.person_id})  # type: ignore[attr-defined]
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["id", "at", "actor_kind", "actor_id", "actor_name", "action"] and header[-1] == "address"
    listed = await read_all(pim, "/api/privacy/audit", person=fatima.person_id)  # type: ignore[attr-defined]
    assert [int(r[0]) for r in body] == [e["id"] for e in listed]
    names = {r[header.index("actor_name")] for r in body}
    assert names == {"'" + nasty}
    assert {r[header.index("case_id")] for r in body if r[header.index("action")] == "case_create"} == {made["case_id"]}
    # No cell at all starts a formula.
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]
    for client in (fatima, sanne, pim):
        await client.aclose()


async def test_the_access_list_names_facilitators_co_facilitators_and_the_team(server: RunningServer) -> None:
    store = store_of(server)
    fatima = await log_in(server, "fatima@jeugdzorg.test", "Fatima", ("facilitator",))
    await store.add_facilitator("sanne@jeugdzorg.test", "Sanne", PASSWORD)
    lead = await store.add_facilitator("lotte@jeugdzorg.test", "Lotte", PASSWORD, roles=("facilitator", "team_lead"))
    member = await store.add_facilitator("mo@jeugdzorg.test", "Mo", PASSWORD)
    gone = await store.add_facilitator("oud@jeugdzorg.test", "Oud", PASSWORD)
    other = await store.add_facilitator("ander@jeugdzorg.test", "Ander", PASSWORD)
    admin = await store.add_facilitator("admin@jeugdzorg.test", "Admin", PASSWORD, roles=("admin",))
    made = await case_with_meeting(fatima, "Gezin A", "Beraad", ["Kamer"])
    case_id = made["case_id"]
    assert (
        await fatima.post(f"/api/cases/{case_id}/facilitators", json={"email": "sanne@jeugdzorg.test"})
    ).status_code == 201
    async with store.sessions.begin() as db:
        db.add_all([Team(id="t1", name="Team Noord"), Team(id="t2", name="Team Zuid")])
        await db.flush()
        db.add_all(
            [TeamMember(team_id="t1", facilitator_id=p.id) for p in (lead, member, gone, admin)]
            + [TeamMember(team_id="t2", facilitator_id=other.id)]
        )
        await db.execute(update(Case).where(Case.id == case_id).values(team_id="t1"))
        await db.execute(update(Facilitator).where(Facilitator.id == gone.id).values(active=False))
    pim = await officer(server)
    answer = await pim.get(f"/api/privacy/cases/{case_id}/access")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["case_id"], answer.json()["team"]) == (case_id, "Team Noord")
    found = {a["name"]: (a["via"], a["opens_case"]) for a in answer.json()["accounts"]}
    assert found == {
        "Fatima": (["facilitator"], True),
        "Sanne": (["co_facilitator"], True),
        "Lotte": (["team_lead"], True),
        "Mo": (["team_member"], True),
        "Oud": (["team_member"], False),  # deactivated: listed, but the access is not in effect
        "Admin": (["team_member"], False),  # in the team without the facilitator role: no case content
    }
    # A case without a team: its facilitators only. An unknown case: 404, as for any id.
    bare = await case_with_meeting(fatima, "Gezin B", "Beraad", ["Kamer"])
    alone = await pim.get(f"/api/privacy/cases/{bare['case_id']}/access")
    assert [(a["name"], a["via"]) for a in alone.json()["accounts"]] == [("Fatima", ["facilitator"])]
    assert alone.json()["team"] is None
    assert (await pim.get("/api/privacy/cases/nosuchcase/access")).status_code == 404
    await fatima.aclose()
    await pim.aclose()


async def test_deletions_due_under_retention_and_done(server: RunningServer) -> None:
    retention = server.settings.retention_days
    fatima = await log_in(server, "fatima@jeugdzorg.test", "Fatima", ("facilitator",))
    kept = await case_with_meeting(fatima, "Gezin A", "Beraad 1", ["Kamer"])
    closing = await case_with_meeting(fatima, "Gezin B", "Beraad 2", ["Kamer"])
    deleting = await case_with_meeting(fatima, "Gezin C", "Beraad 3", ["Kamer"])
    assert (await fatima.post(f"/api/meetings/{closing['id']}/close", json={})).status_code == 200
    assert (await fatima.post(f"/api/meetings/{deleting['id']}/delete", json={})).status_code == 200
    pim = await officer(server)
    answer = await pim.get("/api/privacy/deletions")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["retention_days"] == retention
    [due] = body["due"]
    assert (due["meeting_id"], due["case_id"], due["status"]) == (closing["id"], closing["case_id"], "closed")
    closed_at = datetime.fromisoformat(due["closed_at"])
    assert datetime.fromisoformat(due["due_at"]) - closed_at == timedelta(days=retention)
    assert abs(closed_at - datetime.now(UTC)) < timedelta(minutes=5)
    [done] = body["done"]
    assert (done["action"], done["meeting_id"], done["actor_name"]) == ("delete", deleting["id"], "Fatima")
    assert done["detail"] == "now rooms=1"
    assert kept["id"] not in answer.text
    await fatima.aclose()
    await pim.aclose()


async def test_every_read_is_audited_with_the_kind_of_filter_not_its_value(server: RunningServer) -> None:
    fatima = await log_in(server, "fatima@jeugdzorg.test", "Fatima", ("facilitator",))
    made = await case_with_meeting(fatima, "Gezin A", "Beraad", ["Kamer"])
    pim = await officer(server)
    params = {"case": made["case_id"], "person": str(fatima.person_id), "from": "2026-01-01"}  # type: ignore[attr-defined]
    assert (await pim.get("/api/privacy/audit", params=params)).status_code == 200
    assert (await pim.get("/api/privacy/audit.csv", params={"case": made["case_id"]})).status_code == 200
    assert (await pim.get("/api/privacy/accounts")).status_code == 200
    assert (await pim.get(f"/api/privacy/cases/{made['case_id']}/access")).status_code == 200
    assert (await pim.get("/api/privacy/deletions")).status_code == 200
    reads = await read_all(pim, "/api/privacy/audit", action="audit_read", person=pim.person_id)  # type: ignore[attr-defined]
    # Newest first; the read that lists them is the newest.
    found = [(e["detail"], e["case_id"]) for e in reversed(reads)]
    assert found == [
        ("log filters=person,case,period", made["case_id"]),
        ("csv filters=case", made["case_id"]),
        ("accounts", None),
        ("access", made["case_id"]),
        ("deletions", None),
    ]
    assert all(e["actor_name"] == "Pim Privacy" and e["address"] == "127.0.0.1" for e in reads)
    await fatima.aclose()
    await pim.aclose()


async def test_only_a_privacy_officer_reads_it(server: RunningServer) -> None:
    fatima = await log_in(server, "fatima@jeugdzorg.test", "Fatima", ("facilitator", "team_lead", "admin"))
    made = await case_with_meeting(fatima, "Gezin A", "Beraad", ["Kamer"])
    before = len(await store_of(server).audit_entries())
    async with browser(server) as anonymous:
        for path in ("audit", "audit.csv", "accounts", f"cases/{made['case_id']}/access", "deletions"):
            assert (await anonymous.get(f"/api/privacy/{path}")).status_code == 401
            refused = await fatima.get(f"/api/privacy/{path}")
            assert (refused.status_code, refused.json()["error"]) == (403, "not_allowed")
            assert made["case_id"] not in refused.text
    assert len(await store_of(server).audit_entries()) == before
    await fatima.aclose()
