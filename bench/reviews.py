"""`python -m bench.reviews`: what the case list's reviews and the daily digest cost for a busy facilitator.

One facilitator with CASES cases, each with MEETINGS meetings continuing one another (so only the
last room of each line counts) and RULES rules a room, on SQLite in a temporary directory. Times
`reviews_for` with every room unloaded (as the first request of the morning finds them) and again
with them loaded, and one `digest_for`. Figures go into docs/performance.md ("Reviews").
"""

from __future__ import annotations

import asyncio
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map, Text

from server import digest
from server.app import build
from server.meetings.domain import reviews
from server.settings import Settings
from server.store.migrate import migrate

CASES = 20
MEETINGS = 3
RULES = 10
REPEATS = 5


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"KRING_VAR_DIR": str(Path(tmp) / "var")})
        await asyncio.to_thread(migrate, settings.database_url)
        kring = build(settings)
        await kring.log.start()
        try:
            store = kring.meetings
            person = await store.add_facilitator("bench@kring.test", "Bench", "correct horse battery staple")
            today = reviews.today(settings.time_zone)
            for c in range(CASES):
                case = await store.create_case(person.id, f"Casus {c}")
                earlier: str | None = None
                for m in range(MEETINGS):
                    meeting = await store.create_meeting(case.id, f"Beraad {m}", [], [earlier] if earlier else None)
                    [room] = await store.rooms_of(meeting.id)

                    def plan(doc: Doc[Any], offset: int = c + m) -> None:
                        for r in range(RULES):
                            review = (today + datetime.timedelta(days=(r + offset) % 12 - 4)).isoformat()
                            doc.get("agreements", type=Map)[f"rule-{r}"] = Map(
                                {
                                    "section": "immediate",
                                    "text": Text(f"Regel {r}"),
                                    "status": "agreed",
                                    "review": review,
                                }
                            )

                    await kring.live.edit(room.id, "board", plan)
                    earlier = room.id
            # A fresh process: every room unloaded, as the first request of the morning finds them.
            await kring.registry.close()
            await kring.log.close()
            await kring.engine.dispose()
            kring = build(settings)
            await kring.log.start()
            cold = time.perf_counter()
            found = await reviews.reviews_for(kring, person.id, today)
            cold_ms = (time.perf_counter() - cold) * 1000
            warm = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                await reviews.reviews_for(kring, person.id, today)
                warm.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await digest.digest_for(kring, person, today)
            digest_ms = (time.perf_counter() - started) * 1000
            rules = sum(len(c.rules) for c in found)
            print(f"{CASES} cases x {MEETINGS} meetings x {RULES} rules; {rules} due or overdue")
            print(f"reviews_for, rooms unloaded: {cold_ms:.0f} ms")
            print(f"reviews_for, rooms loaded: median {statistics.median(warm):.0f} ms, max {max(warm):.0f} ms")
            print(f"digest_for: {digest_ms:.0f} ms")
        finally:
            await kring.registry.close()
            await kring.log.close()
            await kring.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
