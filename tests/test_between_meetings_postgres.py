"""Issue 14's service tests again on the real PostgreSQL: the network's links (issue, use, revoke,
end, split-room isolation, throttle, audit), the safety journal (write, read, per-person limits,
deletion with the meeting) and the safety people's photos. The tests are the SQLite ones, imported:
here the `settings` fixture (and with it `server` and `demo_server`) points at a fresh PostgreSQL
database per test, so the same assertions run against the other store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.settings import Settings
from server.store.migrate import migrate
from tests.test_plan_links import (
    test_a_link_of_one_room_never_shows_the_other,
    test_a_link_shows_its_rooms_agreed_plan_only_until_revoked,
    test_links_and_reports_go_with_the_meeting,
    test_one_link_per_person_and_ending_the_plan_ends_them_all,
    test_the_journal_takes_a_holders_own_checked_reports,
    test_wrong_links_are_throttled_per_address,
)
from tests.test_safety_photos import (
    test_a_safety_persons_photo_needs_consent_and_goes_into_the_childrens_version,
    test_the_photo_goes_with_the_person_and_with_the_meeting,
)
from tests.utils import RunningServer, settings_for

pytestmark = pytest.mark.postgres

__all__ = [
    "test_a_link_of_one_room_never_shows_the_other",
    "test_a_link_shows_its_rooms_agreed_plan_only_until_revoked",
    "test_a_safety_persons_photo_needs_consent_and_goes_into_the_childrens_version",
    "test_links_and_reports_go_with_the_meeting",
    "test_one_link_per_person_and_ending_the_plan_ends_them_all",
    "test_the_journal_takes_a_holders_own_checked_reports",
    "test_the_photo_goes_with_the_person_and_with_the_meeting",
    "test_wrong_links_are_throttled_per_address",
]


@pytest.fixture
async def settings(tmp_path: Path, postgres_url: str) -> Settings:
    chosen = settings_for(tmp_path, database_url=postgres_url)
    await asyncio.to_thread(migrate, chosen.database_url)
    return chosen


async def test_these_run_on_postgresql(server: RunningServer) -> None:
    assert server.kring.settings.database_url.startswith("postgresql")
    assert server.kring.meetings.engine.dialect.name == "postgresql"
