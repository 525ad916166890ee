"""Accounts, teams and who sees which case, on real SQLite and real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from server.store.accounts import AccountStore
from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.models import Facilitator

PASSWORD = "correct horse battery staple"


@dataclass
class Stores:
    meetings: MeetingStore
    accounts: AccountStore


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[Stores]:
    engine = create_engine(database_url)
    try:
        yield Stores(MeetingStore(engine), AccountStore(engine))
    finally:
        await engine.dispose()


async def person(stores: Stores, name: str, *roles: str) -> Facilitator:
    return await stores.meetings.add_facilitator(f"{name}@jeugdzorg.test", name, PASSWORD, roles or ("facilitator",))


async def test_team_members_see_the_teams_cases_and_nobody_else_does(stores: Stores) -> None:
    noord = await stores.accounts.create_team("Noord")
    zuid = await stores.accounts.create_team("Zuid")
    assert noord is not None and zuid is not None
    anna, bram, cees = [await person(stores, n) for n in ("anna", "bram", "cees")]
    await stores.accounts.set_member(noord.id, anna.id, True)
    await stores.accounts.set_member(noord.id, bram.id, True)
    await stores.accounts.set_member(zuid.id, cees.id, True)
    case = await stores.meetings.create_case(anna.id, "Gezin N", noord.id)
    assert await stores.meetings.can_manage_case(bram.id, case.id)  # same team
    assert [c.id for c in await stores.meetings.cases_of(bram.id)] == [case.id]
    assert not await stores.meetings.can_manage_case(cees.id, case.id)  # other team
    assert await stores.meetings.cases_of(cees.id) == []
    # Co-facilitation crosses teams.
    await stores.meetings.add_cofacilitator(case.id, "cees@jeugdzorg.test")
    assert await stores.meetings.can_manage_case(cees.id, case.id)
    # Off the team, Bram no longer sees it.
    await stores.accounts.set_member(noord.id, bram.id, False)
    assert not await stores.meetings.can_manage_case(bram.id, case.id)


async def test_a_case_without_a_team_stays_with_its_facilitators(stores: Stores) -> None:
    noord = await stores.accounts.create_team("Noord")
    assert noord is not None
    anna, bram = await person(stores, "anna"), await person(stores, "bram")
    await stores.accounts.set_member(noord.id, bram.id, True)
    case = await stores.meetings.create_case(anna.id, "Gezin Oud")
    assert await stores.meetings.can_manage_case(anna.id, case.id)
    assert not await stores.meetings.can_manage_case(bram.id, case.id)


async def test_without_the_facilitator_role_nobody_sees_a_case(stores: Stores) -> None:
    anna = await person(stores, "anna")
    case = await stores.meetings.create_case(anna.id, "Gezin A")
    assert await stores.accounts.set_role(anna.id, "admin", True)
    assert await stores.accounts.set_role(anna.id, "facilitator", False)
    assert not await stores.meetings.can_manage_case(anna.id, case.id)
    assert await stores.meetings.cases_of(anna.id) == []
    assert not await stores.accounts.set_role(anna.id, "facilitator", False)  # nothing left to revoke
    account = await stores.accounts.account(anna.id)
    assert account is not None and account.roles == ("admin",)


async def test_moving_a_case_hands_it_to_another_team_and_facilitator(stores: Stores) -> None:
    noord, zuid = await stores.accounts.create_team("Noord"), await stores.accounts.create_team("Zuid")
    assert noord is not None and zuid is not None
    anna, cees = await person(stores, "anna"), await person(stores, "cees")
    await stores.accounts.set_member(noord.id, anna.id, True)
    await stores.accounts.set_member(zuid.id, cees.id, True)
    case = await stores.meetings.create_case(anna.id, "Gezin N", noord.id)
    await stores.accounts.move_case(case.id, team_id=zuid.id, facilitator_id=cees.id)
    moved = await stores.meetings.case(case.id)
    assert moved is not None and moved.team_id == zuid.id
    assert await stores.accounts.facilitator_ids_of_case(case.id) == [cees.id]
    assert not await stores.meetings.can_manage_case(anna.id, case.id)
    assert await stores.meetings.can_manage_case(cees.id, case.id)


async def test_deactivation_ends_every_session_and_every_sign_in(stores: Stores) -> None:
    anna = await person(stores, "anna")
    tokens = [await stores.meetings.open_session(anna.id) for _ in range(2)]
    assert await stores.accounts.set_active(anna.id, False) == 2
    assert [await stores.meetings.session_facilitator(t) for t in tokens] == [None, None]
    assert await stores.meetings.check_login("anna@jeugdzorg.test", PASSWORD) is None
    account = await stores.accounts.account(anna.id)
    assert account is not None and not account.active and account.last_login_at is not None
    # Reactivated, the old sessions stay ended; a new sign-in works.
    assert await stores.accounts.set_active(anna.id, True) == 0
    assert await stores.meetings.session_facilitator(tokens[0]) is None
    assert await stores.meetings.check_login("anna@jeugdzorg.test", PASSWORD) is not None


async def test_team_names_are_unique_and_renames_say_why_they_fail(stores: Stores) -> None:
    noord = await stores.accounts.create_team("Noord")
    assert noord is not None
    assert await stores.accounts.create_team("Noord") is None
    zuid = await stores.accounts.create_team("Zuid")
    assert zuid is not None
    assert await stores.accounts.rename_team(zuid.id, "Noord") is False
    assert await stores.accounts.rename_team("nope", "Oost") is None
    assert await stores.accounts.rename_team(zuid.id, "Oost") is True
    assert [t.name for t in await stores.accounts.teams()] == ["Noord", "Oost"]
