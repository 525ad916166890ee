"""The daily e-mail digest: each facilitator hears which reviews of their cases are due or overdue.

Only where the operator configured SMTP (KRING_SMTP_HOST…, docs/operations.md). The mail holds the
case's pseudonymous label, counts and dates, and a link to the console: never a rule's text, a name
of the family or anything said in a meeting (an e-mail leaves the organisation's hands).

Every process runs the schedule; a row per facilitator and day in the store (digests_sent) is the
claim, so with several processes on one store each digest goes out once. A send that fails gives
the claim back and is tried again at the next beat.

The digest is built from sections (`Section`): the reviews due, and the rules that did not hold in
the safety journal's last seven days (counts per case, never the rule or the note).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from server import mail
from server.catalogue import DEFAULT_LANGUAGE, catalogue, fill
from server.meetings.domain import network_links, reviews
from server.meetings.domain.parts import KringParts
from server.settings import SmtpSettings
from server.store.models import Facilitator

log = logging.getLogger("kring.digest")

# How often the schedule looks whether the day's hour has come (and retries a failed send).
BEAT_SECONDS = 300.0


@dataclass(frozen=True)
class Section:
    """One part of a facilitator's digest: a heading and its lines (no names, no note text)."""

    title: str
    lines: list[str]


@dataclass(frozen=True)
class Digest:
    to: str
    subject: str
    body: str


# A section builder: the facilitator, the day, and the words of the mail's language.
SectionBuilder = Callable[[KringParts, Facilitator, datetime.date, dict[str, Any]], Awaitable[Section | None]]


def _plural(phrase: Any, n: int, **values: object) -> str:
    form = phrase if isinstance(phrase, str) else phrase["one" if n == 1 else "other"]
    return fill(form, n=n, **values)


def _day(words: dict[str, Any], day: datetime.date) -> str:
    months: list[str] = words["months"]
    return fill(words["date"], day=day.day, month=months[day.month - 1], year=day.year)


async def review_section(
    kring: KringParts, person: Facilitator, day: datetime.date, words: dict[str, Any]
) -> Section | None:
    """Per case with something due or overdue: its label, the counts and the earliest date."""
    lines = []
    for case in await reviews.reviews_for(kring, person.id, day):
        if not case.rules:
            continue
        earliest = case.earliest
        assert earliest is not None
        parts = []
        if case.overdue:
            parts.append(_plural(words["overdue"], case.overdue))
        if case.due:
            parts.append(_plural(words["due"], case.due))
        lines.append(fill(words["caseLine"], case=case.label, counts=", ".join(parts), date=_day(words, earliest)))
    return Section(words["reviewsTitle"], lines) if lines else None


async def journal_section(
    kring: KringParts, person: Facilitator, day: datetime.date, words: dict[str, Any]
) -> Section | None:
    """Per case whose network reported a rule not held in the seven days up to `day`: its label and
    how many rules. Rooms of meetings being deleted are skipped (their reports go with them)."""
    store = kring.meetings
    lines = []
    for case in await store.cases_of(person.id):
        reports: list[network_links.Report] = []
        for meeting in await store.meetings_of_case(case.id):
            if meeting.status in ("deleting", "deleted"):
                continue
            for room in await store.rooms_of(meeting.id):
                for e in await store.journal_entries_of(room.id):
                    # The rule's key is the room's own: the same key in two rooms is two rules.
                    rule = f"{room.id}/{e.rule_id}"
                    reports.append(network_links.Report(e.id, e.participant_id, rule, e.verdict, "", e.day, ""))
        failed = network_links.rules_not_held(reports, day)
        if failed:
            lines.append(_plural(words["notHeldLine"], failed, case=case.label))
    return Section(words["notHeldTitle"], lines) if lines else None


# The digest's sections in order.
SECTIONS: list[SectionBuilder] = [review_section, journal_section]


async def digest_for(
    kring: KringParts,
    person: Facilitator,
    day: datetime.date,
    sections: Sequence[SectionBuilder] | None = None,
) -> Digest | None:
    """The facilitator's digest of `day`, or None when there is nothing to tell them."""
    words: dict[str, Any] = catalogue(DEFAULT_LANGUAGE)["mail"]
    found = [s for s in [await build(kring, person, day, words) for build in sections or SECTIONS] if s is not None]
    if not found:
        return None
    console = kring.settings.public_url.rstrip("/") + "/console"
    body = [fill(words["greeting"], name=person.name), ""]
    for section in found:
        body += [section.title, *(f"- {line}" for line in section.lines), ""]
    body += [fill(words["open"], url=console), "", words["why"]]
    return Digest(to=person.email, subject=fill(words["subject"], date=_day(words, day)), body="\n".join(body) + "\n")


def _message(smtp: SmtpSettings, digest: Digest) -> EmailMessage:
    return mail.message(smtp, digest.to, digest.subject, digest.body)


async def send_digests(
    kring: KringParts,
    day: datetime.date,
    *,
    dry_run: bool = False,
    sections: Sequence[SectionBuilder] | None = None,
) -> list[Digest]:
    """Every facilitator's digest of `day` that this process claimed (all of them when `dry_run`: a
    preview claims and sends nothing). Without SMTP nothing is sent: the console shows the same."""
    smtp = kring.settings.smtp
    sent: list[Digest] = []
    done = set() if dry_run or smtp is None else await kring.meetings.digests_claimed(day)
    for person in await kring.meetings.facilitators():
        if person.id in done:
            continue
        if dry_run:
            preview = await digest_for(kring, person, day, sections)
            if preview is not None:
                sent.append(preview)
            continue
        # Claimed before it is built: a facilitator with nothing to hear today is done for the day too.
        if smtp is None or not await kring.meetings.claim_digest(day, person.id):
            continue
        try:
            digest = await digest_for(kring, person, day, sections)
            if digest is None:
                continue
            await mail.send(smtp, [_message(smtp, digest)])
        except mail.SEND_ERRORS as exc:
            await kring.meetings.release_digest(day, person.id)
            log.error("digest not sent", extra={"facilitator": person.id, "error": type(exc).__name__})
            continue
        except BaseException:
            await kring.meetings.release_digest(day, person.id)
            raise
        log.info("digest sent", extra={"facilitator": person.id})
        sent.append(digest)
    return sent


def due_day(kring: KringParts, moment: datetime.datetime | None = None) -> datetime.date | None:
    """Today, once the configured hour has come in the organisation's time zone; else None."""
    here = (moment or datetime.datetime.now(datetime.UTC)).astimezone(ZoneInfo(kring.settings.time_zone))
    return here.date() if here.hour >= kring.settings.digest_hour else None


async def run_digests(kring: KringParts, interval: float = BEAT_SECONDS) -> None:
    """The background task of server.app's lifespan when SMTP is configured."""
    while True:
        try:
            day = due_day(kring)
            if day is not None:
                await send_digests(kring, day)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store is down: the next beat tries again
            log.error("digest run failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval)


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
