"""Between meetings: the network's personal links to their room's plan, and the safety journal.

A facilitator makes a link for a person of a room (one per person: a new one ends the earlier one),
shown once as a URL and a QR code; only the token's hash is kept. Opening `/l/<token>` puts the token
in an HttpOnly session cookie and redirects to `/plan`, so the token leaves the address bar and the
browser's history. The plan page reads `/api/plan`: the room's agreed plan (no proposal, nothing
sensitive, nothing facilitator-only, never another room's) with first names, and the person's own
reports. Reports are records in the store, written through `/api/plan/reports`.

Unknown, revoked or deleted links are throttled per address like join codes. Every link made, used,
revoked or ended, and every report, is audited, never with its content.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pycrdt import Doc, Map, Text
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from server.catalogue import catalogue, fill, language
from server.cookie_names import PLAN_COOKIE
from server.meetings.domain import network_links, reviews
from server.meetings.domain.network_links import Report
from server.meetings.domain.people import first_name
from server.meetings.domain.throttle import BackOff
from server.meetings.http import bodies
from server.meetings.http.access import room_of
from server.meetings.http.bodies import read_body
from server.meetings.http.cases import carry_on
from server.meetings.http.endpoint import ApiError, client_address, no_content, not_found, parts
from server.meetings.http.session import current_facilitator, too_many
from server.meetings.render import answers, qr
from server.meetings.render.export_content import room_content
from server.meetings.render.json_shapes import meeting_detail
from server.rooms.schema import BOARD
from server.store.meetings import MeetingStore, RoomAccess, in_utc
from server.store.models import JournalEntry, Participant, PlanLink

log = logging.getLogger("kring.meetings")

# Tokens are secrets.token_urlsafe(32): 43 characters. Anything much longer is not one.
MAX_TOKEN = 100


def _secure(request: Request) -> bool:
    return parts(request).settings.public_url.lower().startswith("https://")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else in_utc(moment).isoformat()


def _today(request: Request) -> date:
    # The organisation's day, as the reviews count it: a report "today" is today where they work.
    return reviews.today(parts(request).settings.time_zone)


def _gone() -> ApiError:
    return ApiError(401, "link_ended", "Deze link werkt niet (meer). / This link does not work (any more).")


def _state(link: PlanLink, person: Participant | None) -> answers.PlanLinkState:
    return {
        "id": link.id,
        "participant_id": link.participant_id,
        "first_name": first_name(person.name) if person else "",
        "relation": person.relation if person else "family",
        "created_at": _iso(link.created_at) or "",
        "last_used_at": _iso(link.last_used_at),
        "state": "revoked" if link.revoked_at is not None else "active",
    }


async def _facilitator_room(request: Request) -> tuple[str, RoomAccess]:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    meeting = await parts(request).meetings.meeting(access.meeting_id)
    if meeting is None or meeting.status in ("deleting", "deleted"):
        raise ApiError(410, "deleted", "Deze bijeenkomst is verwijderd. / This meeting was deleted.")
    return str(person.id), access


def _people(participants: list[Participant]) -> dict[str, tuple[str, str]]:
    return {p.id: (p.name, p.relation) for p in participants}


def _reports(entries: list[JournalEntry]) -> list[Report]:
    return [
        Report(
            id=e.id,
            participant_id=e.participant_id,
            rule_id=e.rule_id,
            verdict=e.verdict,
            note=e.note,
            day=e.day,
            at=_iso(e.created_at) or "",
        )
        for e in entries
    ]


async def _week(request: Request, access: RoomAccess) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    """The room's journal (network_links.journal_of), each rule with its review date and countdown,
    and the room's shared rules."""
    kring = parts(request)
    store = kring.meetings
    content = await room_content(kring, access)
    shared = network_links.shared_plan(content["plan"])
    today = _today(request)
    found = network_links.journal_of(
        shared,
        _reports(await store.journal_entries_of(access.room_id)),
        _people(await store.participants_of(access.room_id)),
        today,
    )
    meeting = await store.meeting(access.meeting_id)
    held_on = reviews.meeting_day(meeting, kring.settings.time_zone) if meeting else today
    by_id = {str(rule["id"]): rule for rule in shared}
    for rule in found["rules"]:
        review = reviews.review_date(dict(by_id.get(rule["id"], {})), held_on)
        rule["review"] = review.isoformat() if review else None
        rule["days"] = network_links.countdown(review, today)
    plan_review = held_on + timedelta(days=reviews.IMMEDIATE_REVIEW_DAYS)
    found["review"] = {"date": plan_review.isoformat(), "days": network_links.countdown(plan_review, today)}
    return found, shared


async def _follow_up(store: MeetingStore, case_id: str, room_id: str) -> str | None:
    """The meeting whose room carries this room on, if there is one (only one may)."""
    for meeting in await store.meetings_of_case(case_id):
        if meeting.status in ("deleting", "deleted"):
            continue
        if any(room.continues_room_id == room_id for room in await store.rooms_of(meeting.id)):
            return meeting.id
    return None


async def journal(request: Request) -> Response:
    """GET /api/rooms/{room_id}/journal: the console's panel: links, who may get one, the journal."""
    _actor, access = await _facilitator_room(request)
    kring = parts(request)
    store = kring.meetings
    participants = [p for p in await store.participants_of(access.room_id) if p.status == "admitted"]
    found, shared = await _week(request, access)
    carriers = {person["id"] for rule in shared for person in [*rule.get("owners", []), *rule.get("claimed_by", [])]}
    everyone = await store.participants_of(access.room_id)
    by_id = {p.id: p for p in everyone}
    answer: answers.Journal = {
        "links": [_state(link, by_id.get(link.participant_id)) for link in await store.plan_links_of(access.room_id)],
        "candidates": [
            {
                "participant_id": p.id,
                "first_name": first_name(p.name),
                "relation": p.relation,
                "carries": p.id in carriers,
            }
            for p in participants
        ],
        "rules": found["rules"],
        "summary": found["summary"],
        "review": found["review"],
        "follow_up": await _follow_up(store, access.case_id, access.room_id),
    }
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def call_network(request: Request) -> Response:
    """POST /api/rooms/{room_id}/call-network: the follow-up meeting, continuing this room (its
    framework and plan carried over as for any follow-up), with the journal's week on its board:
    per rule that did not hold how often, and how many held. No names, no notes."""
    actor, access = await _facilitator_room(request)
    body = await read_body(request, bodies.CallNetwork)
    kring = parts(request)
    store = kring.meetings
    if await _follow_up(store, access.case_id, access.room_id) is not None:
        raise ApiError(
            409,
            "already_continued",
            "Deze kamer heeft al een vervolgbijeenkomst. / This room already has a follow-up meeting.",
        )
    found, _shared = await _week(request, access)
    words = catalogue(language(body.lang))["journal"]
    items = network_links.summary_items(found["summary"], words, fill)
    meeting = await store.create_meeting(access.case_id, body.title, [access.room_name], [access.room_id])
    await store.audit(
        "meeting_create",
        actor_kind="facilitator",
        actor_id=actor,
        case_id=access.case_id,
        meeting_id=meeting.id,
        detail="rooms=1",
    )
    await carry_on(kring, actor, access.case_id, meeting.id, [access.room_id])
    [new_room] = await store.rooms_of(meeting.id)

    def write(doc: Doc[Any]) -> None:
        framework = doc.get("framework", type=Map)
        start = max((float(v.get("order", 0)) for v in framework.values() if isinstance(v, Map)), default=0.0)
        for n, item in enumerate(items, start=1):
            framework[f"journal-{secrets.token_hex(6)}"] = Map(
                {
                    "category": item["category"],
                    "text": Text(item["text"]),
                    "by": f"f:{actor}",
                    "sensitive": False,
                    "order": start + n,
                }
            )

    if items:
        await kring.live.edit(new_room.id, BOARD, write)
    await store.audit(
        "network_called",
        actor_kind="facilitator",
        actor_id=actor,
        access=access,
        detail=f"meeting={meeting.id};items={len(items)}",
    )
    log.info("network called", extra={"room": access.room_id, "meeting": meeting.id})
    return JSONResponse(await meeting_detail(kring, meeting.id), status_code=201)


async def make_link(request: Request) -> Response:
    """POST /api/rooms/{room_id}/links: a person of this room gets a link (their earlier one ends)."""
    actor, access = await _facilitator_room(request)
    body = await read_body(request, bodies.NewPlanLink)
    kring = parts(request)
    person = await kring.meetings.participant(body.participant_id)
    if person is None or person.room_id != access.room_id or person.status != "admitted":
        raise not_found()
    link, token = await kring.meetings.add_plan_link(access.room_id, person.id)
    await kring.meetings.audit(
        "plan_link_made", actor_kind="facilitator", actor_id=actor, access=access, on_behalf_of=person.id
    )
    log.info("plan link made", extra={"room": access.room_id, "link": link.id})
    url = f"{kring.settings.public_url.rstrip('/')}/l/{token}"
    made: answers.PlanLinkMade = {
        "link": _state(link, person),
        "url": url,
        "qr_svg": qr.svg(url).decode(),
    }
    return JSONResponse(made, status_code=201, headers={"Cache-Control": "no-store"})


async def revoke_link(request: Request) -> Response:
    """POST /api/links/{link_id}/revoke."""
    person = await current_facilitator(request)
    kring = parts(request)
    link = await kring.meetings.plan_link(request.path_params["link_id"])
    if link is None:
        raise not_found()
    access = await room_of(request, person, link.room_id)
    await read_body(request, bodies.NoBody)
    await kring.meetings.revoke_plan_link(link.id)
    await kring.meetings.audit(
        "plan_link_revoked",
        actor_kind="facilitator",
        actor_id=str(person.id),
        access=access,
        on_behalf_of=link.participant_id,
    )
    return no_content()


async def end_links(request: Request) -> Response:
    """POST /api/rooms/{room_id}/links/end: the plan is closed; every link of the room ends."""
    actor, access = await _facilitator_room(request)
    await read_body(request, bodies.NoBody)
    ended = await parts(request).meetings.revoke_plan_links_of_room(access.room_id)
    await parts(request).meetings.audit(
        "plan_links_ended", actor_kind="facilitator", actor_id=actor, access=access, detail=f"links={ended}"
    )
    return no_content()


class LinkEndpoints:
    """The link holder's side, throttled per address: a wrong token counts as a wrong join code."""

    def __init__(self, throttle: BackOff) -> None:
        self.throttle = throttle

    async def _holder(self, request: Request, token: str | None) -> tuple[PlanLink, Participant, RoomAccess]:
        if not token:
            raise _gone()  # no link at all is not a guess: nothing to throttle
        address = client_address(request)
        wait = self.throttle.retry_after(address)
        if wait:
            log.warning("plan link throttled", extra={"retry_after": wait})
            raise too_many(wait)
        store = parts(request).meetings
        link = await store.plan_link_by_token(token) if len(token) <= MAX_TOKEN else None
        person = await store.participant(link.participant_id) if link else None
        access = await store.room_access(link.room_id) if link else None
        # Someone the facilitator removed from the room has no way back in through a link either.
        if link is None or person is None or access is None or person.status == "removed":
            self.throttle.failed(address)
            raise _gone()
        return link, person, access

    async def open_link(self, request: Request) -> Response:
        """GET /l/{token}: the token goes into a session cookie and out of the address bar."""
        token = request.path_params["token"]
        try:
            link, _person, access = await self._holder(request, token)
        except ApiError:
            response = RedirectResponse("/plan", status_code=303)
            response.delete_cookie(PLAN_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict")
            return response
        store = parts(request).meetings
        await store.touch_plan_link(link.id)
        await store.audit("plan_link_used", actor_kind="participant", actor_id=link.participant_id, access=access)
        response = RedirectResponse("/plan", status_code=303)
        # No Max-Age: a session cookie, gone when the browser closes; the link opens it again.
        response.set_cookie(PLAN_COOKIE, token, path="/", secure=_secure(request), httponly=True, samesite="strict")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def plan(self, request: Request) -> Response:
        """GET /api/plan: the link's room's agreed plan and the holder's own reports."""
        link, person, access = await self._holder(request, request.cookies.get(PLAN_COOKIE))
        kring = parts(request)
        content = await room_content(kring, access)
        await kring.meetings.touch_plan_link(link.id)
        mine = sorted(
            await kring.meetings.journal_entries_of(access.room_id, person.id),
            key=lambda e: (e.day, in_utc(e.created_at)),
            reverse=True,
        )
        page: answers.PlanPage = {
            "first_name": first_name(person.name),
            "today": _today(request).isoformat(),
            "rules": network_links.link_page(content["plan"], person.id),  # type: ignore[typeddict-item]
            "reports": [
                {"id": e.id, "rule_id": e.rule_id, "day": e.day.isoformat(), "verdict": e.verdict, "note": e.note}
                for e in mine
            ],
        }
        return JSONResponse(page, headers={"Cache-Control": "no-store"})

    async def report(self, request: Request) -> Response:
        """POST /api/plan/reports: the holder reports on a rule of their plan, as themselves only."""
        link, person, access = await self._holder(request, request.cookies.get(PLAN_COOKIE))
        body = await read_body(request, bodies.NewReport)
        kring = parts(request)
        today = _today(request)
        day = body.day or today
        if not network_links.check_day(day, today):
            raise ApiError(400, "bad_day", "Kies een dag van de afgelopen maand. / Choose a day of the past month.")
        content = await room_content(kring, access)
        if body.rule_id not in {rule["id"] for rule in network_links.shared_plan(content["plan"])}:
            raise ApiError(404, "unknown_rule", "Deze afspraak staat niet in je plan. / This rule is not in your plan.")
        since = datetime.now(UTC) - timedelta(days=1)
        if await kring.meetings.journal_count_since(person.id, since) >= network_links.MAX_REPORTS_PER_DAY:
            raise too_many(3600)
        entry = await kring.meetings.add_journal_entry(
            access.room_id, person.id, body.rule_id, body.verdict, body.note, day
        )
        await kring.meetings.touch_plan_link(link.id)
        await kring.meetings.audit("journal_report", actor_kind="participant", actor_id=person.id, access=access)
        log.info("journal report", extra={"room": access.room_id, "link": link.id})
        made: answers.MyReport = {
            "id": entry.id,
            "rule_id": entry.rule_id,
            "day": entry.day.isoformat(),
            "verdict": entry.verdict,
            "note": entry.note,
        }
        return JSONResponse(made, status_code=201)


async def leave(request: Request) -> Response:
    """DELETE /api/plan: this browser forgets the link (the link itself stands)."""
    await read_body(request, bodies.NoBody)
    response = no_content()
    response.delete_cookie(PLAN_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict")
    return response
