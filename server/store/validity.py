"""Whether the credentials behind open sockets still hold, asked for all of a process's sockets at
once: the safety net under the kicks, which Redis may lose (docs/architecture.md, "Revalidation")."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.store.meetings import PARTICIPANT_TOKEN_LIFETIME, SEEN_EVERY, in_utc, manages_case, now
from server.store.models import Case, FacilitatorSession, Meeting, MeetingRoom, Participant


@dataclass(frozen=True)
class Standing:
    """What is still true, for the sockets' credentials that were asked about."""

    open_rooms: frozenset[str]
    live_sessions: frozenset[str]  # facilitator session ids (hashes) not expired or closed
    admitted: frozenset[str]  # participant ids admitted, with a token that has not ended
    renew: frozenset[str]  # of those, the ones whose token was last renewed over SEEN_EVERY ago
    removed: frozenset[str]  # participant ids the facilitator removed
    projector_hashes: dict[str, str]  # room id -> the hash of its current projector link
    # (facilitator id, room id) of those asked about whose account may still run that room's case:
    # the facilitator role, and the case theirs, shared with them or their team's.
    managing: frozenset[tuple[str, str]] = frozenset()


class ValidityStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def standing(
        self,
        rooms: Collection[str],
        sessions: Collection[str],
        participants: Collection[str],
        managers: Collection[tuple[str, str]] = (),
    ) -> Standing:
        """What holds for these credentials; `managers` are (facilitator id, room id) pairs to check."""
        moment = now()
        async with self.sessions() as db:
            room_rows = (
                await db.execute(
                    select(MeetingRoom.id, MeetingRoom.projector_token_hash, Meeting.status, Meeting.case_id)
                    .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
                    .where(MeetingRoom.id.in_(list(rooms)))
                )
            ).all()
            session_rows = (
                await db.execute(
                    select(FacilitatorSession.id, FacilitatorSession.expires_at).where(
                        FacilitatorSession.id.in_(list(sessions))
                    )
                )
            ).all()
            people = (
                await db.execute(
                    select(Participant.id, Participant.status, Participant.token_expires_at).where(
                        Participant.id.in_(list(participants))
                    )
                )
            ).all()
            managing = await _managing(db, managers, {r.id: r.case_id for r in room_rows})
        # A token is renewed to a full lifetime at most once a minute, as a session's last use is
        # written: renewing every round wrote (and fsynced) a thousand rows every 5 s with a
        # thousand phones connected, and the update log's commits waited behind that write.
        renew_before = moment + PARTICIPANT_TOKEN_LIFETIME - SEEN_EVERY
        admitted = [p for p in people if p.status == "admitted" and in_utc(p.token_expires_at) > moment]
        return Standing(
            open_rooms=frozenset(r.id for r in room_rows if r.status == "open"),
            live_sessions=frozenset(s.id for s in session_rows if in_utc(s.expires_at) > moment),
            admitted=frozenset(p.id for p in admitted),
            renew=frozenset(p.id for p in admitted if in_utc(p.token_expires_at) < renew_before),
            removed=frozenset(p.id for p in people if p.status == "removed"),
            projector_hashes={r.id: r.projector_token_hash for r in room_rows if r.projector_token_hash},
            managing=managing,
        )

    async def keep_tokens_alive(self, participants: Collection[str]) -> None:
        """A phone on an open socket is using its token: it must not run out mid-meeting. A token
        that already ended (the phone left) stays ended."""
        if not participants:
            return
        moment = now()
        async with self.sessions.begin() as db:
            await db.execute(
                update(Participant)
                .where(
                    Participant.id.in_(list(participants)),
                    Participant.status == "admitted",
                    Participant.token_expires_at > moment,
                )
                .values(token_expires_at=moment + PARTICIPANT_TOKEN_LIFETIME)
            )

    async def keep_sessions_alive(self, sessions: Collection[str]) -> None:
        """A facilitator on an open socket is using their session: the idle timeout must not end it
        mid-meeting. Written at most once a minute per session, like any other use."""
        if not sessions:
            return
        moment = now()
        stale = moment - SEEN_EVERY
        async with self.sessions.begin() as db:
            await db.execute(
                update(FacilitatorSession)
                .where(
                    FacilitatorSession.id.in_(list(sessions)),
                    or_(FacilitatorSession.last_seen_at.is_(None), FacilitatorSession.last_seen_at < stale),
                )
                .values(last_seen_at=moment)
            )


async def _managing(
    db: AsyncSession, managers: Collection[tuple[str, str]], case_of: dict[str, str]
) -> frozenset[tuple[str, str]]:
    """The pairs whose facilitator may still run the room's case: one query per facilitator (a
    process has a few console sockets, one or two per meeting, against a thousand phones)."""
    rooms_of: dict[str, set[str]] = {}
    for person, room in managers:
        if room in case_of and person.isdigit():
            rooms_of.setdefault(person, set()).add(room)
    kept: set[tuple[str, str]] = set()
    for person, rooms in rooms_of.items():
        cases = {case_of[room] for room in rooms}
        managed = set(
            (await db.execute(select(Case.id).where(Case.id.in_(list(cases)), manages_case(int(person))))).scalars()
        )
        kept.update((person, room) for room in rooms if case_of[room] in managed)
    return frozenset(kept)
