"""People who sign in through the organisation's OpenID Connect provider, in the database.

A person is found by (issuer, subject), never by e-mail: an address can be reused or changed at the
provider, the subject cannot. Roles and team memberships follow the provider's groups at every sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.auth import new_id, new_token, token_hash
from server.store.meetings import SESSION_LIFETIME, now
from server.store.models import (
    Facilitator,
    FacilitatorRole,
    FacilitatorSession,
    SsoIdentity,
    Team,
    TeamMember,
)


@dataclass(frozen=True)
class Claimed:
    """What the provider's ID token says about a person, as Kring uses it."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    roles: frozenset[str]
    teams: frozenset[str]


@dataclass(frozen=True)
class Outcome:
    """Who signed in, or why nobody did (`refused` is a short code for the audit log, never a name)."""

    person: Facilitator | None
    refused: str | None = None
    created: bool = False


class SsoStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def sign_in_once(self, claimed: Claimed, *, create: bool) -> Outcome:
        """`sign_in`, once more if a second tab of the same person's first sign-in linked them (or
        made a team) in between: the second try finds what the first one wrote."""
        try:
            return await self.sign_in(claimed, create=create)
        except IntegrityError:
            return await self.sign_in(claimed, create=create)

    async def sign_in(self, claimed: Claimed, *, create: bool) -> Outcome:
        """The person behind (issuer, subject), their roles and teams set from `claimed`.

        The first time a subject is seen it is linked to the account with its e-mail when the provider
        vouches for the address (email_verified); otherwise a new account is made when `create`.
        """
        if not claimed.roles:
            return Outcome(None, "no_mapped_group")
        async with self.sessions.begin() as db:
            person = await db.scalar(
                select(Facilitator)
                .join(SsoIdentity, SsoIdentity.facilitator_id == Facilitator.id)
                .where(SsoIdentity.issuer == claimed.issuer, SsoIdentity.subject == claimed.subject)
            )
            created = False
            if person is None:
                email = claimed.email.strip().lower()
                same_email = await db.scalar(select(Facilitator).where(Facilitator.email == email)) if email else None
                if same_email is not None:
                    if not claimed.email_verified:
                        return Outcome(None, "email_unverified")
                    person = same_email
                elif not create:
                    return Outcome(None, "unknown_person")
                elif not email:
                    return Outcome(None, "no_email")
                else:
                    # "" is no password hash: this account signs in only through the provider.
                    person = Facilitator(email=email, name=claimed.name[:120] or email, password_hash="")
                    db.add(person)
                    await db.flush()
                    created = True
                db.add(SsoIdentity(issuer=claimed.issuer, subject=claimed.subject, facilitator_id=person.id))
            if not person.active:
                return Outcome(None, "deactivated")
            person.last_login_at = now()
            if claimed.name and not created:
                person.name = claimed.name[:120]
            await self._sync(db, person.id, claimed)
        return Outcome(person, created=created)

    async def _sync(self, db: AsyncSession, facilitator_id: int, claimed: Claimed) -> None:
        await db.execute(delete(FacilitatorRole).where(FacilitatorRole.facilitator_id == facilitator_id))
        for role in sorted(claimed.roles):
            db.add(FacilitatorRole(facilitator_id=facilitator_id, role=role))
        await db.execute(delete(TeamMember).where(TeamMember.facilitator_id == facilitator_id))
        for name in sorted(claimed.teams):
            team = await db.scalar(select(Team).where(Team.name == name))
            if team is None:
                team = Team(id=new_id(), name=name)
                db.add(team)
                await db.flush()
            db.add(TeamMember(team_id=team.id, facilitator_id=facilitator_id))

    async def open_session(self, facilitator_id: int) -> str:
        """A full session: the provider did the authentication (and any second factor) already."""
        token = new_token()
        async with self.sessions.begin() as db:
            db.add(
                FacilitatorSession(
                    id=token_hash(token),
                    facilitator_id=facilitator_id,
                    created_at=now(),
                    expires_at=now() + SESSION_LIFETIME,
                    last_seen_at=now(),
                    stage="full",
                    via="sso",
                )
            )
        return token

    async def session_via(self, token: str) -> str | None:
        async with self.sessions() as db:
            via: str | None = await db.scalar(
                select(FacilitatorSession.via).where(FacilitatorSession.id == token_hash(token))
            )
            return via
