"""The demo case from the practice example in domain.md: Max (6) and Ash (8), a split meeting
with one room per parent, so that a newcomer sees a real board at once.

Seeded straight into the store (the server need not run); idempotent: a second run changes nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map, Text

from server.settings import Settings
from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.updatelog import UpdateLog

DEMO_LABEL = "Demo: Max en Ash"

# (category, text) per room; categories as in server/rooms/schema.py.
_SHARED = [
    ("harm", "Max en Ash laten seksueel grensoverschrijdend gedrag zien naar andere kinderen."),
    (
        "danger",
        "De jeugdbeschermer en de school zijn bang dat Max en Ash opnieuw seksueel misbruikt worden "
        "als ze alleen zijn met iemand die hen eerder pijn heeft gedaan, waardoor ze zich niet veilig voelen.",
    ),
    ("strengths", "Beide ouders willen dat Max en Ash veilig opgroeien."),
    ("goals", "Max en Ash zijn nooit alleen met hun vader; bij elk bezoek is een veiligheidspersoon aanwezig."),
    ("next_steps", "De gespreksleider legt de afspraken uit aan Max en Ash, in woorden die zij begrijpen."),
]
_ROOMS: dict[str, dict[str, Any]] = {
    "Moeder": {
        "framework": [
            *_SHARED,
            ("complicating", "Moeder doet webcamwerk, soms als de kinderen thuis zijn."),
            ("safety", "Moeder heeft de kinderen bij de buurvrouw gebracht toen zij moest werken."),
        ],
        "agreements": [
            ("immediate", "Moeder doet alleen webcamwerk als de kinderen bij een veiligheidspersoon zijn."),
            ("immediate", "Max en Ash weten wie ze kunnen bellen als mama zich niet aan de afspraken houdt."),
            ("bottom_line", "Dit mag op elk moment gecontroleerd worden."),
        ],
    },
    "Vader": {
        "framework": [
            *_SHARED,
            ("complicating", "Vader is achttien jaar geleden veroordeeld voor seksueel misbruik."),
            ("safety", "Oma is thuis tijdens de weekenden dat de kinderen bij vader zijn."),
        ],
        "agreements": [
            ("immediate", "De kinderen zijn nooit alleen met vader; oma of een andere veiligheidspersoon is erbij."),
            ("longer", "De jeugdzorg blijft het gezin volgen en bekijkt elke maand of de afspraken werken."),
            ("bottom_line", "De gespreksleider controleert of de afspraken worden nagekomen."),
        ],
    },
}


def _board(content: dict[str, Any]) -> bytes:
    doc: Doc[Any] = Doc()
    framework = doc.get("framework", type=Map)
    for n, (category, text) in enumerate(content["framework"]):
        framework[f"demo-{n}"] = Map(
            {"category": category, "text": Text(text), "by": "f:demo", "sensitive": False, "order": n}
        )
    agreements = doc.get("agreements", type=Map)
    for n, (section, text) in enumerate(content["agreements"]):
        agreements[f"demo-{n}"] = Map(
            {"section": section, "text": Text(text), "status": "agreed", "owners": [], "order": n}
        )
    doc.get("meta", type=Map)["labels"] = "nl"
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


async def seed_demo(settings: Settings, email: str, var_dir: Path) -> str:
    engine = create_engine(settings.database_url)
    try:
        store = MeetingStore(engine)
        password = _demo_password(var_dir)
        person = await store.check_login(email, password)
        if person is None:
            if not await store.set_password(email, password):
                await store.add_facilitator(email, "Demo gespreksleider", password)
            person = await store.check_login(email, password)
        assert person is not None
        if not any(case.label == DEMO_LABEL for case in await store.cases_of(person.id)):
            case = await store.create_case(person.id, DEMO_LABEL)
            meeting = await store.create_meeting(case.id, "Netwerkberaad 1", list(_ROOMS))
            log = UpdateLog(engine)
            await log.start()
            for room in await store.rooms_of(meeting.id):
                await log.append(room.id, "board", _board(_ROOMS[room.name]))
            await log.close()
        return f"Demo: log in at {settings.public_url}/login as {email} with password {password}"
    finally:
        await engine.dispose()
