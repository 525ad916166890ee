"""Accounts as an organisation runs them: roles, deactivation, teams, and which team a case is in.

The administrators' page (server.meetings.http.admin) and a team lead's hand-over of a case
(server.meetings.http.teams) reach the store through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from server.auth import new_id
from server.store.meetings import in_utc
from server.store.models import (
    ROLES,
    Case,
    CaseFacilitator,
    Facilitator,
    FacilitatorRole,
    FacilitatorSession,
    Meeting,
    MeetingRoom,
    Team,
    TeamMember,
)


@dataclass(frozen=True)
class TeamRef:
    id: str
    name: str


@dataclass(frozen=True)
class Account:
    """One person as the administrators' list shows them (never a password hash or a secret)."""

    id: int
    name: str
    email: str
    active: bool
    last_login_at: datetime | None
    roles: tuple[str, ...]
    teams: tuple[TeamRef, ...]


@dataclass(frozen=True)
class TeamInfo:
    id: str
    name: str
    members: tuple[int, ...]


class AccountStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    # -- accounts ---------------------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        async with self.sessions() as db:
            people = list(await db.scalars(select(Facilitator).order_by(Facilitator.name, Facilitator.id)))
            held = {
                (r[0], r[1]) for r in await db.execute(select(FacilitatorRole.facilitator_id, FacilitatorRole.role))
            }
            teams = (
                await db.execute(
                    select(TeamMember.facilitator_id, Team.id, Team.name)
                    .join(Team, Team.id == TeamMember.team_id)
                    .order_by(Team.name)
                )
            ).all()
        return [
            Account(
                id=p.id,
                name=p.name,
                email=p.email,
                active=p.active,
                last_login_at=in_utc(p.last_login_at) if p.last_login_at else None,
                # In ROLES' order, so every list reads the same.
                roles=tuple(r for r in ROLES if (p.id, r) in held),
                teams=tuple(TeamRef(t[1], t[2]) for t in teams if t[0] == p.id),
            )
            for p in people
        ]

    async def account(self, facilitator_id: int) -> Account | None:
        return next((a for a in await self.accounts() if a.id == facilitator_id), None)

    async def set_role(self, facilitator_id: int, role: str, granted: bool) -> bool:
        """Grant or revoke; True if that changed anything."""
        async with self.sessions.begin() as db:
            held = await db.get(FacilitatorRole, (facilitator_id, role))
            if granted and held is None:
                db.add(FacilitatorRole(facilitator_id=facilitator_id, role=role))
                return True
            if not granted and held is not None:
                await db.delete(held)
                return True
        return False

    async def active_admins(self) -> int:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(Facilitator.id)
                .join(FacilitatorRole, FacilitatorRole.facilitator_id == Facilitator.id)
                .where(FacilitatorRole.role == "admin", Facilitator.active.is_(True))
            )
            return len(list(rows))

    async def set_active(self, facilitator_id: int, active: bool) -> int:
        """Deactivate (every session of theirs ends with it, in the same transaction) or reactivate.
        Returns how many sessions ended."""
        async with self.sessions.begin() as db:
            await db.execute(update(Facilitator).where(Facilitator.id == facilitator_id).values(active=active))
            if active:
                return 0
            ended = await db.execute(
                delete(FacilitatorSession).where(FacilitatorSession.facilitator_id == facilitator_id)
            )
            return int(ended.rowcount or 0)  # type: ignore[attr-defined]

    async def open_rooms_of(self, facilitator_ids: list[int]) -> list[str]:
        """The rooms of open meetings that these people could have a console socket in: every room of
        every open meeting of the cases they made, share, or that are their teams'."""
        if not facilitator_ids:
            return []
        shared = select(CaseFacilitator.case_id).where(CaseFacilitator.facilitator_id.in_(facilitator_ids))
        teams = select(TeamMember.team_id).where(TeamMember.facilitator_id.in_(facilitator_ids))
        async with self.sessions() as db:
            rows = await db.scalars(
                select(MeetingRoom.id)
                .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
                .join(Case, Case.id == Meeting.case_id)
                .where(Meeting.status == "open", Case.id.in_(shared) | Case.team_id.in_(teams))
            )
            return list(rows)

    # -- teams ------------------------------------------------------------------------------------

    async def teams(self) -> list[TeamInfo]:
        async with self.sessions() as db:
            teams = list(await db.scalars(select(Team).order_by(Team.name)))
            members = (await db.execute(select(TeamMember.team_id, TeamMember.facilitator_id))).all()
        return [TeamInfo(t.id, t.name, tuple(sorted(m[1] for m in members if m[0] == t.id))) for t in teams]

    async def team(self, team_id: str) -> TeamInfo | None:
        return next((t for t in await self.teams() if t.id == team_id), None)

    async def create_team(self, name: str) -> TeamInfo | None:
        """None if a team of that name exists already."""
        try:
            async with self.sessions.begin() as db:
                team = Team(id=new_id(), name=name)
                db.add(team)
        except IntegrityError:
            return None
        return TeamInfo(team.id, team.name, ())

    async def rename_team(self, team_id: str, name: str) -> bool | None:
        """True if renamed, False if another team has that name, None if there is no such team."""
        try:
            async with self.sessions.begin() as db:
                result = await db.execute(update(Team).where(Team.id == team_id).values(name=name))
                if not result.rowcount:  # type: ignore[attr-defined]
                    return None
        except IntegrityError:
            return False
        return True

    async def set_member(self, team_id: str, facilitator_id: int, member: bool) -> bool:
        """Add to or remove from a team; True if that changed anything."""
        async with self.sessions.begin() as db:
            row = await db.get(TeamMember, (team_id, facilitator_id))
            if member and row is None:
                db.add(TeamMember(team_id=team_id, facilitator_id=facilitator_id))
                return True
            if not member and row is not None:
                await db.delete(row)
                return True
        return False

    async def teams_of(self, facilitator_id: int) -> list[TeamRef]:
        async with self.sessions() as db:
            rows = (
                await db.execute(
                    select(Team.id, Team.name)
                    .join(TeamMember, TeamMember.team_id == Team.id)
                    .where(TeamMember.facilitator_id == facilitator_id)
                    .order_by(Team.name)
                )
            ).all()
        return [TeamRef(r[0], r[1]) for r in rows]

    # -- cases between teams ------------------------------------------------------------------------

    async def facilitator_ids_of_case(self, case_id: str) -> list[int]:
        async with self.sessions() as db:
            rows = await db.scalars(select(CaseFacilitator.facilitator_id).where(CaseFacilitator.case_id == case_id))
            return list(rows)

    async def move_case(self, case_id: str, *, team_id: str | None, facilitator_id: int | None) -> None:
        """Hand a case to another team, another facilitator, or both. A facilitator taking it over
        replaces whoever ran it (co-facilitators included); the team's members keep seeing it."""
        async with self.sessions.begin() as db:
            if team_id is not None:
                await db.execute(update(Case).where(Case.id == case_id).values(team_id=team_id))
            if facilitator_id is not None:
                await db.execute(delete(CaseFacilitator).where(CaseFacilitator.case_id == case_id))
                db.add(CaseFacilitator(case_id=case_id, facilitator_id=facilitator_id))
