"""The demo case from the practice example in domain.md: Max (6) and Ash (8), a split meeting with
one room per parent, so that a newcomer sees a real board at once.

Two meetings: a first one (closed) whose rooms each revealed a scaling round, and the current one,
whose rooms continue those, with a full board per room: danger statements paired with their safety
goals, the network's marks (the father disputes the harm), rules with their goal, owners, trigger,
check and dates, bottom lines apart, an open claim, a sensitive protective strategy, and a revealed
round beside the first meeting's. Each parent's room has its own people and its own words: only
what may cross (the shared worries, danger statements, goals, bottom lines) is in both.

Seeded straight into the store (the server need not run); idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path
from typing import Any

from pycrdt import Array, Doc, Map, Text

from server.meetings.domain.people import first_name
from server.settings import Settings
from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.updatelog import UpdateLog

DEMO_LABEL = "Demo: Max en Ash"
FIRST_MEETING = "Netwerkberaad 1"
MEETING = "Netwerkberaad 2"
ROOMS = ("Moeder", "Vader")

# Both rooms carry these: the shared worries, danger statements and safety goals may cross (domain.md).
_SHARED_FRAMEWORK: list[tuple[str, str, str]] = [
    ("harm", "harm-1", "Max en Ash hebben op school andere kinderen op een seksuele manier aangeraakt."),
    (
        "danger",
        "danger-1",
        "De school en de jeugdbeschermer maken zich zorgen dat Max en Ash alleen zijn met een volwassene "
        "die eerder een kind seksueel pijn heeft gedaan. Als er niets verandert: kunnen Max en Ash "
        "seksueel misbruikt worden en zich nergens meer veilig voelen.",
    ),
    (
        "goals",
        "goal-1",
        "Bij elk bezoek aan vader is een veiligheidspersoon erbij die Max en Ash kennen, zodat Max en Ash "
        "zich veilig voelen en weten wie er oplet. De jeugdbeschermer ziet dat dit bij elk bezoek gebeurt. "
        "Dit houden ze een half jaar vol.",
    ),
    (
        "danger",
        "danger-2",
        "De jeugdbeschermer maakt zich zorgen dat Max en Ash thuis zijn terwijl moeder voor de webcam "
        "werkt. Als er niets verandert: zien of horen ze dingen die niet voor kinderen zijn en is er "
        "niemand die voor ze zorgt.",
    ),
    (
        "goals",
        "goal-2",
        "Moeder werkt alleen als Max en Ash bij een veiligheidspersoon zijn, zodat Max en Ash merken dat "
        "er altijd iemand voor ze zorgt. Dit houden ze een half jaar vol.",
    ),
    ("next_steps", "next-1", "De jeugdbeschermer legt de afspraken uit aan Max en Ash, in woorden die zij begrijpen."),
]
_PAIRS = {"danger-1": "goal-1", "goal-1": "danger-1", "danger-2": "goal-2", "goal-2": "danger-2"}
_SHARED_RULES: list[dict[str, Any]] = [
    {
        "key": "bottom-1",
        "section": "bottom_line",
        "text": "Max en Ash zijn nooit alleen met vader.",
        "goal": "goal-1",
        "check": "Onaangekondigd huisbezoek en navragen bij de kinderen",
        "check_by": "De jeugdbeschermer",
        "if_not_kept": "De bezoeken aan vader stoppen tot er een nieuw plan is",
        "for_children": "Als je bij papa bent, is er altijd een andere grote mens bij.",
        "status": "agreed",
    },
    {
        "key": "rule-explain",
        "section": "longer",
        "text": "De jeugdbeschermer vertelt Max en Ash na dit beraad wat er is afgesproken, met tekeningen.",
        "goal": None,
        "check": "Max en Ash kunnen het zelf navertellen",
        "check_by": "De juf",
        "if_not_kept": "",
        "status": "agreed",
        "days": 14,
    },
]

# Per room: its people (name, relation), its own items and rules. Nothing here is in the other room.
_ROOMS: dict[str, dict[str, Any]] = {
    "Moeder": {
        "people": [
            ("Sandra", "parent"),
            ("Ria Smit", "friend"),
            ("Els Bakker", "family"),
            ("Juf Anouk", "professional_school"),
        ],
        "framework": [
            ("complicating", "own-1", "Moeder werkt 's avonds voor de webcam, soms als de kinderen thuis zijn."),
            ("strengths", "own-2", "Sandra leest Max en Ash elke avond voor."),
            (
                "safety",
                "own-3",
                "Toen de kinderen thuis waren, bracht Sandra ze naar buurvrouw Ria voordat ze ging werken.",
            ),
            ("grey", "own-4", "Of de kinderen de webcam hebben gezien, weten we niet."),
        ],
        # A parent's own protective strategy: on her phone and the console, never on the wall or elsewhere.
        "sensitive": [("safety", "own-5", "Sandra en Ria hebben een codewoord: 'paraplu' betekent: kom nu.")],
        "rules": [
            {
                "key": "own-rule-1",
                "section": "immediate",
                "text": "Sandra werkt alleen voor de webcam als Max en Ash bij Ria of tante Els slapen.",
                "goal": "goal-2",
                "owners": ["Sandra", "Ria Smit"],
                "when": "Elke avond dat Sandra werkt",
                "check": "Ria stuurt een berichtje als de kinderen er zijn; mag altijd gecontroleerd worden",
                "check_by": "De jeugdbeschermer",
                "if_not_kept": "Ria belt de jeugdbeschermer",
                "for_children": "Moet mama 's avonds werken? Dan slaap je bij Ria of bij tante Els.",
                "status": "trying",
            },
            {
                "key": "own-rule-2",
                "section": "immediate",
                "text": "Max en Ash weten dat ze tante Els bellen als mama zich niet aan de afspraken houdt.",
                "goal": "goal-2",
                "owners": ["Els Bakker"],
                "claims": ["Juf Anouk"],
                "when": "Als mama 's avonds werkt terwijl zij thuis zijn",
                "check": "De juf vraagt het Max en Ash één keer per week",
                "check_by": "Juf Anouk",
                "if_not_kept": "Els haalt de kinderen op",
                "for_children": "Gaat het thuis niet goed? Bel dan tante Els.",
                "status": "agreed",
            },
        ],
        "marks": [
            ("harm-1", "Sandra", "agree"),
            ("danger-2", "Sandra", "unsure"),
            ("own-2", "Ria Smit", "agree"),
            ("own-4", "Els Bakker", "unsure"),
        ],
        "scores": {
            "Sandra": (6, "Ria en Els helpen echt"),
            "Ria Smit": (5, ""),
            "Els Bakker": (5, ""),
            "Juf Anouk": (4, ""),
        },
        "before": {"Sandra": 5, "Ria Smit": 3, "Juf Anouk": 3},
    },
    "Vader": {
        "people": [
            ("Peter", "parent"),
            ("Oma Wil", "family"),
            ("Lisa de Jong", "friend"),
            ("Wijkagent Bram", "professional_police"),
        ],
        "framework": [
            ("harm", "own-1", "Vader is achttien jaar geleden veroordeeld voor seksueel misbruik van een kind."),
            ("complicating", "own-2", "Vader vindt dat het verleden is en wil er niet over praten."),
            ("strengths", "own-3", "Peter wil graag dat Max en Ash om het andere weekend blijven slapen."),
            ("safety", "own-4", "Oma Wil is thuis in de weekenden dat de kinderen bij vader zijn."),
        ],
        "sensitive": [],
        "rules": [
            {
                "key": "own-rule-1",
                "section": "immediate",
                "text": "Oma Wil of Lisa is bij elk bezoek van Max en Ash, de hele tijd, ook 's nachts.",
                "goal": "goal-1",
                "owners": ["Oma Wil"],
                "claims": ["Lisa de Jong"],
                "when": "Om het andere weekend, van vrijdag tot zondag",
                "check": "Oma belt zondagavond met de jeugdbeschermer",
                "check_by": "De jeugdbeschermer",
                "if_not_kept": "Het volgende weekend gaat niet door",
                "for_children": "Logeer je bij papa? Dan is oma Wil of Lisa er ook. Ook 's nachts.",
                "status": "agreed",
            },
            {
                "key": "own-rule-2",
                "section": "longer",
                "text": "Jeugdzorg blijft het gezin volgen en bekijkt elke maand of de afspraken werken.",
                "goal": None,
                "owners": [],
                "when": "Elke eerste maandag van de maand",
                "check": "Gesprek met vader en oma",
                "check_by": "De jeugdbeschermer",
                "if_not_kept": "Een nieuw netwerkberaad",
                "status": "proposed",
                "days": 90,
            },
        ],
        "marks": [
            ("harm-1", "Peter", "disagree"),  # parents may deny the harm and still take part
            ("harm-1", "Oma Wil", "agree"),
            ("own-1", "Peter", "disagree"),
            ("own-4", "Lisa de Jong", "agree"),
        ],
        "scores": {
            "Peter": (8, "Ik doe alles wat gevraagd wordt"),
            "Oma Wil": (5, ""),
            "Lisa de Jong": (6, ""),
            "Wijkagent Bram": (3, ""),
        },
        "before": {"Peter": 7, "Oma Wil": 4, "Wijkagent Bram": 2},
    },
}
ROUND_KEY = "demo-round-1"


def _board(content: dict[str, Any], pids: dict[str, str], *, full: bool, today: datetime.date) -> Doc[Any]:
    """A room's board; `full` for the current meeting, else only the scaling round of the first."""
    doc: Doc[Any] = Doc()
    for root in ("framework", "proposals", "marks", "claims", "agreements", "poll", "people", "meta"):
        doc.get(root, type=Map)
    doc.get("meta", type=Map)["labels"] = "nl"
    people = doc.get("people", type=Map)
    for name, relation in content["people"]:
        if name in pids:
            people[pids[name]] = Map({"name": first_name(name), "relation": relation})
    poll = doc.get("poll", type=Map)
    scored = content["scores"] if full else {name: (value, "") for name, value in content["before"].items()}
    poll[ROUND_KEY] = Map(
        {
            "title": "Hoe veilig is het nu?",
            "status": "revealed",
            "order": 0,
            "scores": Map({pids[n]: Map({"value": v, "why": why}) for n, (v, why) in scored.items()}),
        }
    )
    if not full:
        return doc
    framework = doc.get("framework", type=Map)
    items = [*_SHARED_FRAMEWORK, *content["framework"]]
    for n, (category, key, text) in enumerate(items):
        item = Map({"category": category, "text": Text(text), "by": "f:demo", "sensitive": False, "order": n})
        framework[key] = item
        if key in _PAIRS:
            item["pair"] = _PAIRS[key]
    for n, (category, key, text) in enumerate(content["sensitive"], start=len(items)):
        framework[key] = Map({"category": category, "text": Text(text), "by": "f:demo", "sensitive": True, "order": n})
    agreements = doc.get("agreements", type=Map)
    claims = doc.get("claims", type=Map)
    for n, rule in enumerate([*content["rules"], *_SHARED_RULES]):
        start = today
        days = rule.get("days", 7)  # an immediate rule is reviewed within about seven days
        card = Map(
            {
                "section": rule["section"],
                "text": Text(rule["text"]),
                "owners": Array([pids[name] for name in rule.get("owners", [])]),
                "when": rule.get("when", ""),
                "check": rule["check"],
                "check_by": rule["check_by"],
                "if_not_kept": rule["if_not_kept"],
                # In the child's words, written with the parents; without it the children's version leaves
                # the rule out (rule-explain shows that).
                "for_children": rule.get("for_children", ""),
                "start": start.isoformat(),
                "review": (start + datetime.timedelta(days=days)).isoformat(),
                "status": rule["status"],
                "sensitive": False,
                "order": n,
            }
        )
        agreements[rule["key"]] = card
        if rule.get("goal"):
            card["goal"] = rule["goal"]
        for name in rule.get("claims", []):
            claims[f"{rule['key']}|{pids[name]}"] = "claimed"
    marks = doc.get("marks", type=Map)
    for item, name, mark in content["marks"]:
        marks[f"{item}|{pids[name]}"] = mark
    return doc


def _own_scores(round_key: str, value: int, why: str) -> bytes:
    """A participant's own document with their score, as their phone would have written it."""
    doc: Doc[Any] = Doc()
    doc.get("scores", type=Map)[round_key] = Map({"value": value, "why": why})
    return doc.get_update()


def _demo_password(var_dir: Path) -> str:
    """Kept in ./var beside the database, so `make run` can print it again; only for the demo."""
    path = var_dir / "demo_password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    var_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password


async def _seed_meeting(
    store: MeetingStore,
    log: UpdateLog,
    case_id: str,
    title: str,
    *,
    full: bool,
    continues: list[str | None] | None = None,
) -> list[str]:
    meeting = await store.create_meeting(case_id, title, list(ROOMS), continues)
    rooms = await store.rooms_of(meeting.id)
    today = datetime.date.today()
    for room in rooms:
        content = _ROOMS[room.name]
        wanted = content["people"] if full else [p for p in content["people"] if p[0] in content["before"]]
        pids: dict[str, str] = {}
        for name, relation in wanted:
            person, _token = await store.add_participant(room.id, name, relation, admitted=True)
            pids[name] = person.id
        await log.append(room.id, "board", _board(content, pids, full=full, today=today).get_update())
        if full:
            for name, (value, why) in content["scores"].items():
                await log.append(room.id, f"p.{pids[name]}", _own_scores(ROUND_KEY, value, why))
    if not full:
        await store.close_meeting(meeting.id)
    return [room.id for room in rooms]


async def seed_demo(settings: Settings, email: str, var_dir: Path) -> str:
    engine = create_engine(settings.database_url)
    try:
        store = MeetingStore(engine)
        password = _demo_password(var_dir)
        person = await store.check_login(email, password)
        if person is None:
            if not await store.set_password(email, password):
                # On a fresh try-out the demo account is the first: it also administers (/admin), as the
                # first account of `kring user add` does.
                first = not await store.facilitators()
                roles = ("facilitator", "admin") if first else ("facilitator",)
                await store.add_facilitator(email, "Demo gespreksleider", password, roles=roles)
            person = await store.check_login(email, password)
        assert person is not None
        if not any(case.label == DEMO_LABEL for case in await store.cases_of(person.id)):
            case = await store.create_case(person.id, DEMO_LABEL)
            log = UpdateLog(engine)
            await log.start()
            try:
                earlier = await _seed_meeting(store, log, case.id, FIRST_MEETING, full=False)
                # Each room continues the same parent's room of the first meeting, named explicitly.
                await _seed_meeting(store, log, case.id, MEETING, full=True, continues=list(earlier))
            finally:
                await log.close()
        return f"Demo: log in at {settings.public_url}/login as {email} with password {password}"
    finally:
        await engine.dispose()
