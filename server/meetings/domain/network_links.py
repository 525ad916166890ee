"""Between meetings: what a network member's personal link shows, and the safety journal.

A link shows one room's agreed plan and nothing else of its board: no proposal still under
discussion, nothing marked sensitive, nothing facilitator-only (the room's `private` document),
never the other room of a split meeting, first names only. The journal is a list of reports
("did this rule hold on this day?") kept in the store, not in a CRDT document; `journal_of` turns
a room's reports into a timeline per rule and a summary, for the console and, later, the exports.

Pure functions over plain data: the HTTP side gathers the room's plan (render/export_content) and
the store's reports and hands them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.meetings.domain.people import first_name

VERDICTS = ("held", "not_held", "unsure")
# A plan entry the network carries: agreed at the table, whatever it has turned out since.
AGREED = ("agreed", "trying", "working", "not_working")
# The summary looks at the last seven days: the immediate plan is reviewed within about a week.
WEEK = timedelta(days=7)
# How far back a report may be about: a member may catch up on a few weeks, not rewrite history.
MAX_DAYS_BACK = 31
# Reports one person may make in a day: enough for every rule twice, not a flood.
MAX_REPORTS_PER_DAY = 40
MAX_NOTE = 500
# The phone's fields carry no more than the page shows.
RULE_FIELDS = ("id", "section", "text", "when", "check", "if_not_kept", "review")


@dataclass(frozen=True)
class Report:
    """One journal report, as the store holds it (server.store.models.JournalEntry)."""

    id: str
    participant_id: str
    rule_id: str
    verdict: str
    note: str
    day: date
    at: str


def relation_kind(relation: str) -> str:
    """A parent's report and a professional's are told apart; family and friends are the network."""
    if relation == "parent":
        return "parent"
    if relation.startswith("professional"):
        return "professional"
    return "network"


def shared_plan(plan: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rules a network member's link may show: agreed, not sensitive, not facilitator-only.
    `plan` is the export's plan list (render/export_content.room_content)."""
    shown = []
    for rule in plan:
        if rule.get("status") not in AGREED or rule.get("sensitive") or rule.get("facilitator_only"):
            continue
        shown.append(rule)
    return shown


def _carries(rule: Mapping[str, Any], participant_id: str) -> bool:
    people = [*rule.get("owners", []), *rule.get("claimed_by", [])]
    return any(person.get("id") == participant_id for person in people)


def link_page(plan: Iterable[Mapping[str, Any]], participant_id: str) -> list[dict[str, Any]]:
    """Each shared rule for the link's page: its words, who carries it (first names), and whether
    the link's holder is one of them ("my agreements")."""
    page = []
    for rule in shared_plan(plan):
        owners = [first_name(str(p.get("name", ""))) for p in rule.get("owners", [])]
        page.append(
            {
                **{field: rule.get(field) or "" for field in RULE_FIELDS},
                "owners": [name for name in owners if name],
                "mine": _carries(rule, participant_id),
            }
        )
    return page


def check_day(day: date, today: date) -> bool:
    """A report is about today or a recent day, never the future."""
    return today - timedelta(days=MAX_DAYS_BACK) <= day <= today


def journal_of(
    rules: Iterable[Mapping[str, Any]],
    reports: Iterable[Report],
    people: Mapping[str, tuple[str, str]],
    today: date,
) -> dict[str, Any]:
    """A room's journal: per rule its reports (who, their relation's kind, the day, the verdict, the
    note), the rules that did not hold in the last week flagged, and a summary of that week.

    `rules` are the room's shared rules (`shared_plan`) in plan order; a report about a rule no
    longer shared still counts, under its id. `people` maps a participant id to (name, relation).
    """
    by_rule: dict[str, list[Report]] = {}
    for report in reports:
        by_rule.setdefault(report.rule_id, []).append(report)
    texts = {str(rule["id"]): str(rule.get("text", "")) for rule in rules}
    order = list(texts) + [rule_id for rule_id in by_rule if rule_id not in texts]
    since = today - WEEK + timedelta(days=1)
    timeline = []
    held = 0
    failed = []
    for rule_id in order:
        entries = sorted(by_rule.get(rule_id, []), key=lambda r: (r.day, r.at))
        week = [r for r in entries if since <= r.day <= today]
        not_held = sum(1 for r in week if r.verdict == "not_held")
        if week and not not_held and any(r.verdict == "held" for r in week):
            held += 1
        if not_held:
            failed.append({"id": rule_id, "text": texts.get(rule_id, ""), "times": not_held})
        timeline.append(
            {
                "id": rule_id,
                "text": texts.get(rule_id, ""),
                "flagged": bool(not_held),
                "reports": [_shown(report, people) for report in entries],
            }
        )
    return {
        "rules": timeline,
        "summary": {
            "since": since.isoformat(),
            "until": today.isoformat(),
            "rules": len(texts),
            "held": held,
            "not_held": failed,
        },
    }


def _shown(report: Report, people: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    name, relation = people.get(report.participant_id, ("", ""))
    return {
        "id": report.id,
        "first_name": first_name(name),
        "relation": relation,
        "kind": relation_kind(relation),
        "day": report.day.isoformat(),
        "at": report.at,
        "verdict": report.verdict,
        "note": report.note,
    }


def rules_not_held(reports: Iterable[Report], today: date) -> int:
    """How many rules did not hold at least once in the week up to `today`: the console's summary
    count (journal_of), for the daily digest, which tells counts and never a rule's words."""
    return len(journal_of([], reports, {}, today)["summary"]["not_held"])


# Calling the network together: the journal's week as items on the follow-up's board. Only the
# rule's words (which the network's links already show) and counts: never who reported, never a note.
FAILED_CATEGORY = "complicating"  # a rule that did not hold complicates the safety the plan builds
HELD_CATEGORY = "safety"  # rules that held are safety the network already shows


def countdown(review: date | None, today: date) -> int | None:
    """Days from `today` to the review date: positive ahead, 0 today, negative when it is late."""
    return None if review is None else (review - today).days


def summary_items(summary: Mapping[str, Any], words: Mapping[str, str], fill: Any) -> list[dict[str, Any]]:
    """The follow-up board's items for a journal's summary, in the catalogue's words: one per rule
    that did not hold (with how often), and one for the rules that held, when any did."""
    dates = {"since": _day(summary["since"]), "until": _day(summary["until"])}
    items = [
        {
            "category": FAILED_CATEGORY,
            "text": fill(words["calledFailed"], text=failed["text"], times=failed["times"], **dates),
        }
        for failed in summary["not_held"]
    ]
    if summary["held"]:
        items.append(
            {
                "category": HELD_CATEGORY,
                "text": fill(words["calledHeld"], held=summary["held"], rules=summary["rules"], **dates),
            }
        )
    return items


def _day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day}-{day.month}-{day.year}"
