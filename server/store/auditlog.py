"""The audit log as the privacy officer reads it: who did what to which case, meeting or room, when
and from where, filtered and paged; who has access to a case; which meetings were and will be deleted.

It also holds where an audited action came from (`ADDRESS`): a context variable that the HTTP layer
sets per request (server.meetings.http.audit_address) and `MeetingStore.audit` reads, so the store
knows the address without knowing HTTP. Nothing here reads a case's label, a meeting's title, a
room's name or anything a person wrote: those are content, and this view never holds content.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from server.store.models import (
    AuditEntry,
    Case,
    CaseFacilitator,
    Facilitator,
    FacilitatorRole,
    Meeting,
    Team,
    TeamMember,
)

# The client's address as the server saw it (after a trusted proxy's X-Forwarded-For), or None for
# what no request caused (the retention sweep, the digest). A task started while a request is handled
# inherits that request's address: work that audits on its own must start from the lifespan.
ADDRESS: ContextVar[str | None] = ContextVar("kring_audit_address", default=None)
ADDRESS_LENGTH = 64  # AuditEntry.address; an IPv6 address with a zone fits with room to spare

# Why an account may open a case, in the order the view lists them.
VIA = ("facilitator", "co_facilitator", "team_lead", "team_member")


def current_address() -> str | None:
    address = ADDRESS.get()
    return address[:ADDRESS_LENGTH] if address else None


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: all of them when nothing is set. `until` is exclusive; both are UTC."""

    person: int | None = None
    case_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None

    def kinds(self) -> list[str]:
        """What is filtered on, never by what value: that is what reading the log audits."""
        named = {
            "person": self.person is not None,
            "case": self.case_id is not None,
            "period": self.since is not None or self.until is not None,
            "action": self.action is not None,
        }
        return [kind for kind, used in named.items() if used]


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    email: str
    active: bool
    roles: list[str]


@dataclass(frozen=True)
class CaseAccess:
    account: Account
    via: list[str] = field(default_factory=list)

    @property
    def opens_case(self) -> bool:
        # Only a working account with the facilitator role opens a case (server.meetings.http.session).
        return self.account.active and "facilitator" in self.account.roles


@dataclass(frozen=True)
class ClosedMeeting:
    """A meeting that retention will delete (or whose deletion was begun and not finished)."""

    meeting_id: str
    case_id: str
    status: str
    closed_at: datetime | None


class AuditLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @staticmethod
    def _query(chosen: AuditFilter) -> Select[AuditEntry]:
        query = select(AuditEntry)
        if chosen.person is not None:
            query = query.where(AuditEntry.actor_kind == "facilitator", AuditEntry.actor_id == str(chosen.person))
        if chosen.case_id is not None:
            query = query.where(AuditEntry.case_id == chosen.case_id)
        if chosen.since is not None:
            query = query.where(AuditEntry.at >= chosen.since)
        if chosen.until is not None:
            query = query.where(AuditEntry.at < chosen.until)
        if chosen.action is not None:
            query = query.where(AuditEntry.action == chosen.action)
        return query

    async def page(
        self, chosen: AuditFilter, *, before: int | None = None, limit: int = 50
    ) -> tuple[list[AuditEntry], int | None]:
        """The newest `limit` entries older than entry `before`, and the cursor of the next page
        (None on the last). By id, not by time: ids only grow, and two entries may share a moment."""
        query = self._query(chosen)
        if before is not None:
            query = query.where(AuditEntry.id < before)
        async with self.sessions() as db:
            rows = list(await db.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].id if more and rows else None)

    async def everything(self, chosen: AuditFilter, cap: int) -> list[AuditEntry]:
        """Up to `cap` matching entries, newest first (the CSV export)."""
        async with self.sessions() as db:
            return list(await db.scalars(self._query(chosen).order_by(AuditEntry.id.desc()).limit(cap)))

    async def accounts(self, ids: set[int] | None = None) -> list[Account]:
        """Every account (or those of `ids`) with its roles: who the log's facilitator actors are."""
        query = select(Facilitator).order_by(Facilitator.name, Facilitator.id)
        held = select(FacilitatorRole.facilitator_id, FacilitatorRole.role).order_by(FacilitatorRole.role)
        if ids is not None:
            query = query.where(Facilitator.id.in_(ids))
            held = held.where(FacilitatorRole.facilitator_id.in_(ids))
        async with self.sessions() as db:
            people = list(await db.scalars(query))
            roles: dict[int, list[str]] = {}
            for person_id, role in await db.execute(held):
                roles.setdefault(person_id, []).append(role)
        return [Account(p.id, p.name, p.email, p.active, roles.get(p.id, [])) for p in people]

    async def case_exists(self, case_id: str) -> tuple[bool, str | None]:
        """Whether the case exists, and its team's name (not the case's label: that is content)."""
        async with self.sessions() as db:
            row = (
                await db.execute(
                    select(Case.id, Team.name).outerjoin(Team, Team.id == Case.team_id).where(Case.id == case_id)
                )
            ).first()
        return (False, None) if row is None else (True, row[1])

    async def access_to(self, case_id: str) -> list[CaseAccess]:
        """Every account that may open the case, and why: it made the case, was added to it, or is
        in the case's team (as its lead or a member). An account may have several reasons."""
        async with self.sessions() as db:
            added = list(
                await db.scalars(select(CaseFacilitator.facilitator_id).where(CaseFacilitator.case_id == case_id))
            )
            # Who made it: the actor of its "case_create" entry (a case made elsewhere, say by the
            # demo, has none: then everyone added to it counts as its facilitator).
            made_by = await db.scalar(
                select(AuditEntry.actor_id)
                .where(AuditEntry.case_id == case_id, AuditEntry.action == "case_create")
                .order_by(AuditEntry.id)
                .limit(1)
            )
            team = list(
                await db.scalars(
                    select(TeamMember.facilitator_id)
                    .join(Case, Case.team_id == TeamMember.team_id)
                    .where(Case.id == case_id)
                )
            )
        reasons: dict[int, list[str]] = {}
        for person in added:
            maker = made_by is None or made_by == str(person)
            reasons.setdefault(person, []).append("facilitator" if maker else "co_facilitator")
        if not team:
            return self._ordered(await self.accounts(set(reasons)), reasons)
        accounts = await self.accounts(set(reasons) | set(team))
        leads = {a.id for a in accounts if "team_lead" in a.roles}
        for person in team:
            reasons.setdefault(person, []).append("team_lead" if person in leads else "team_member")
        return self._ordered(accounts, reasons)

    @staticmethod
    def _ordered(accounts: list[Account], reasons: dict[int, list[str]]) -> list[CaseAccess]:
        found = [CaseAccess(a, sorted(reasons[a.id], key=VIA.index)) for a in accounts if a.id in reasons]
        return sorted(found, key=lambda c: (VIA.index(c.via[0]), c.account.name, c.account.id))

    async def closed_meetings(self) -> list[ClosedMeeting]:
        """Every meeting closed and not yet deleted, oldest closing first: retention deletes each
        `retention_days` after `closed_at` (server.meetings.http.deletion)."""
        async with self.sessions() as db:
            rows = await db.execute(
                select(Meeting.id, Meeting.case_id, Meeting.status, Meeting.closed_at)
                .where(Meeting.status.in_(("closed", "deleting")))
                .order_by(Meeting.closed_at, Meeting.id)
            )
            return [ClosedMeeting(*row) for row in rows]
