"""The demo case (Max and Ash, a split meeting) seeded for the export and deletion tests, with a
canary planted in the father's room: a person, an item, a rule and a revealed score's reason."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pycrdt import Array, Doc, Map, Text
from pypdf import PdfReader

from server.demo import DEMO_LABEL, MEETING, ROUND_KEY, seed_demo
from server.meetings.domain.people import show_person
from server.settings import Settings
from tests.meetings_helpers import browser, store_of
from tests.utils import RunningServer, run_server

DEMO_EMAIL = "demo@kring.test"
CANARY = "Kanarie-Zq7x-Lindelaan-42"
CANARY_PERSON = f"Canary {CANARY}"[:80]


@dataclass
class Demo:
    server: RunningServer
    client: httpx.AsyncClient
    meeting_id: str
    mother: str  # room ids
    father: str


async def plant_canary(server: RunningServer, room_id: str) -> str:
    """The canary as a person (with a revealed score and reason), an item and a rule's owner."""
    store = store_of(server)
    person, _token = await store.add_participant(room_id, CANARY_PERSON, "friend", admitted=True)
    await show_person(server.kring.live, person)

    def mutate(doc: Doc[Any]) -> None:
        framework = doc.get("framework", type=Map)
        framework["canary-item"] = Map(
            {"category": "safety", "text": Text(f"Item {CANARY}"), "by": person.id, "sensitive": False, "order": 99}
        )
        doc.get("agreements", type=Map)["canary-rule"] = Map(
            {
                "section": "immediate",
                "text": Text(f"Regel {CANARY}"),
                "owners": Array([person.id]),
                "status": "agreed",
                "order": 99,
            }
        )
        scores = doc.get("poll", type=Map)[ROUND_KEY]["scores"]
        scores[person.id] = Map({"value": 7, "why": f"Omdat {CANARY}"})

    await server.kring.live.edit(room_id, "board", mutate)
    return person.id


@contextlib.asynccontextmanager
async def demo_server(settings: Settings) -> AsyncIterator[Demo]:
    """A server with the demo seeded (before it starts, as `make run` does) and its facilitator logged in."""
    await seed_demo(settings, DEMO_EMAIL, settings.var_dir)
    password = (settings.var_dir / "demo_password").read_text().strip()
    # PDFs take seconds on a busy machine: longer than httpx's default timeout.
    async with run_server(settings) as server, browser(server, timeout=120) as client:
        login = await client.post("/api/session", json={"email": DEMO_EMAIL, "password": password})
        assert login.status_code == 204, login.text
        [case] = [c for c in (await client.get("/api/cases")).json()["cases"] if c["label"] == DEMO_LABEL]
        meetings = (await client.get(f"/api/cases/{case['id']}")).json()["meetings"]
        [meeting] = [m for m in meetings if m["title"] == MEETING]
        rooms = {r["name"]: r["id"] for r in (await client.get(f"/api/meetings/{meeting['id']}")).json()["rooms"]}
        yield Demo(server, client, meeting["id"], rooms["Moeder"], rooms["Vader"])


def pdf_text(data: bytes) -> str:
    """The PDF's text with whitespace folded, as a reader (or a search in the file system) sees it."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]
