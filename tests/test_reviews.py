"""Reviews between meetings: which rules of a case's plan are due or overdue, computed on the server
from the stored boards, in the organisation's time zone, for the facilitators of the case only."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
from pycrdt import Doc, Map, Text

from server.meetings.domain import reviews
from tests.meetings_helpers import facilitator, live_of, store_of
from tests.utils import RunningServer

AMSTERDAM = "Europe/Amsterdam"


def test_the_day_is_the_organisations_day_not_utcs() -> None:
    # 23:30 UTC on 5 December is already 6 December in Amsterdam (UTC+1 in winter).
    late = datetime.datetime(2026, 12, 5, 23, 30, tzinfo=datetime.UTC)
    assert reviews.today(AMSTERDAM, late) == datetime.date(2026, 12, 6)
    assert reviews.today("UTC", late) == datetime.date(2026, 12, 5)
    # In summer Amsterdam is UTC+2: 22:30 UTC is past midnight there.
    summer = datetime.datetime(2026, 7, 1, 22, 30, tzinfo=datetime.UTC)
    assert reviews.today(AMSTERDAM, summer) == datetime.date(2026, 7, 2)


def test_due_from_two_days_before_through_the_day_overdue_after() -> None:
    on = datetime.date(2026, 12, 6)
    day = datetime.timedelta(days=1)
    assert reviews.state_of(on - day, on) == "overdue"
    assert reviews.state_of(on, on) == "due"
    assert reviews.state_of(on + 2 * day, on) == "due"
    assert reviews.state_of(on + 3 * day, on) is None


def test_an_immediate_rule_without_a_date_is_reviewed_a_week_after_its_meeting() -> None:
    meeting = datetime.date(2026, 11, 28)
    assert reviews.review_date({"section": "immediate"}, meeting) == datetime.date(2026, 12, 5)
    assert reviews.review_date({}, meeting) == datetime.date(2026, 12, 5)
    assert reviews.review_date({"section": "immediate", "review": "2026-12-20"}, meeting) == datetime.date(2026, 12, 20)
    assert reviews.review_date({"section": "longer"}, meeting) is None
    assert reviews.review_date({"section": "bottom_line", "review": "not a date"}, meeting) is None


def rule(text: str, review: str | None, status: str = "agreed", section: str = "immediate") -> Map[Any]:
    value: dict[str, Any] = {"section": section, "text": Text(text), "status": status}
    if review is not None:
        value["review"] = review
    return Map(value)


async def plan(server: RunningServer, room: str, rules: dict[str, Map[Any]], doc: str = "board") -> None:
    def mutate(d: Doc[Any]) -> None:
        for key, value in rules.items():
            d.get("agreements", type=Map)[key] = value

    await live_of(server).edit(room, doc, mutate)


async def new_case(client: httpx.AsyncClient, label: str) -> str:
    answer = await client.post("/api/cases", json={"label": label})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def new_meeting(client: httpx.AsyncClient, case: str, rooms: list[Any] | None = None) -> list[str]:
    answer = await client.post(f"/api/cases/{case}/meetings", json={"title": "Netwerkberaad", "rooms": rooms or []})
    assert answer.status_code == 201, answer.text
    return [r["id"] for r in answer.json()["rooms"]]


def days(n: int) -> str:
    return (reviews.today(AMSTERDAM) + datetime.timedelta(days=n)).isoformat()


async def test_the_case_list_hears_of_due_and_overdue_reviews(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await new_case(fatima, "Gezin M-2026")
        quiet = await new_case(fatima, "Gezin Q-2026")
        [room] = await new_meeting(fatima, case)
        [calm] = await new_meeting(fatima, quiet)
        await plan(
            server,
            room,
            {
                "late": rule("Oma is bij elk bezoek", days(-3)),
                "today": rule("Papa belt voor hij komt", days(0), status="trying"),
                "soon": rule("School belt bij afwezigheid", days(2), section="longer"),
                "later": rule("Huisarts kijkt mee", days(3)),
                "idea": rule("Nog maar een voorstel", days(-1), status="proposed"),
                # An immediate rule with no date: a week after today's meeting, so not yet due.
                "undated": rule("Mama slaapt niet bij de vriend", None),
            },
        )
        # A facilitator-only rule is the facilitator's plan too.
        await plan(server, room, {"hidden": rule("Adres van de opvang geheim", days(-1))}, doc="private")
        await plan(server, calm, {"fine": rule("Alles loopt", days(10))})

        answer = await fatima.get("/api/reviews")
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert found["today"] == days(0) and found["mail"] is False
        by_case = {c["case_id"]: c for c in found["cases"]}
        assert set(by_case) == {case, quiet}
        mine = by_case[case]
        assert (mine["overdue"], mine["due"], mine["earliest"]) == (2, 2, days(-3))
        assert [(r["key"], r["state"], r["review"]) for r in mine["rules"]] == [
            ("late", "overdue", days(-3)),
            ("hidden", "overdue", days(-1)),
            ("today", "due", days(0)),
            ("soon", "due", days(2)),
        ]
        assert mine["rules"][0]["text"] == "Oma is bij elk bezoek" and mine["rules"][0]["room_id"] == room
        assert (by_case[quiet]["due"], by_case[quiet]["overdue"], by_case[quiet]["earliest"]) == (0, 0, None)

        # A co-facilitator sees the case's reviews; a facilitator of neither case sees none of them.
        async with facilitator(server, "bram@jeugdzorg.test", "Bram") as bram:
            assert [c["case_id"] for c in (await bram.get("/api/reviews")).json()["cases"]] == []
            added = await fatima.post(f"/api/cases/{case}/facilitators", json={"email": "bram@jeugdzorg.test"})
            assert added.status_code == 201, added.text
            shared = (await bram.get("/api/reviews")).json()["cases"]
            assert [(c["case_id"], c["overdue"], c["due"]) for c in shared] == [(case, 2, 2)]
        async with httpx.AsyncClient(base_url=server.url) as stranger:
            assert (await stranger.get("/api/reviews")).status_code == 401


async def test_a_follow_up_carries_the_plan_on_and_the_earlier_rooms_dates_no_longer_count(
    server: RunningServer,
) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await new_case(fatima, "Gezin M-2026")
        [first] = await new_meeting(fatima, case)
        await plan(server, first, {"rule-1": rule("Oma is bij elk bezoek", days(-5))})
        assert (await fatima.get("/api/reviews")).json()["cases"][0]["overdue"] == 1
        [second] = await new_meeting(fatima, case, [{"name": "Kamer", "continues": first}])
        # The follow-up took the rule with its old date: still overdue, once, in the follow-up.
        [listed] = (await fatima.get("/api/reviews")).json()["cases"]
        assert [(r["room_id"], r["state"]) for r in listed["rules"]] == [(second, "overdue")]
        # Reviewed in the follow-up: a new date, nothing overdue any more.
        await plan(server, second, {"rule-1": rule("Oma is bij elk bezoek", days(14))})
        [listed] = (await fatima.get("/api/reviews")).json()["cases"]
        assert (listed["overdue"], listed["due"], listed["rules"]) == (0, 0, [])


async def test_a_deleted_meetings_plan_is_not_reviewed(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await new_case(fatima, "Gezin M-2026")
        [room] = await new_meeting(fatima, case)
        await plan(server, room, {"rule-1": rule("Oma is bij elk bezoek", days(-1))})
        [meeting] = [m.id for m in await store_of(server).meetings_of_case(case)]
        assert (await fatima.post(f"/api/meetings/{meeting}/delete", json={})).status_code == 200
        [listed] = (await fatima.get("/api/reviews")).json()["cases"]
        assert listed["rules"] == []
