"""Cases, meetings, rooms, participants, sessions and the audit log in the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from server.auth import (
    DUMMY_HASH,
    hash_password,
    new_id,
    new_join_code,
    new_token,
    token_hash,
    verify_password,
)
from server.store.auditlog import current_address
from server.store.models import (
    AuditEntry,
    Case,
    CaseFacilitator,
    DigestSent,
    Facilitator,
    FacilitatorRole,
    FacilitatorSession,
    JournalEntry,
    Meeting,
    MeetingRoom,
    NetworkMember,
    Participant,
    PlanLink,
    RoomSnapshot,
    RoomUpdate,
    TeamMember,
)

SESSION_LIFETIME = timedelta(hours=12)
IDLE_AFTER = timedelta(minutes=30)
# last_seen_at is written at most this often per session: not a write per request.
SEEN_EVERY = timedelta(minutes=1)
# A session's stages (FacilitatorSession.stage): only "full" opens anything but the steps to it.
STAGES = ("full", "second_factor", "enrol")
PARTICIPANT_TOKEN_LIFETIME = timedelta(hours=3)

RELATIONS = (
    "parent",
    "family",
    "friend",
    "child",
    "professional_school",
    "professional_police",
    "professional_gp",
    "professional_other",
)


def now() -> datetime:
    return datetime.now(UTC)


def in_utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SessionStanding:
    """A session that holds, at whatever stage: who, how far signed in, and how it was opened."""

    person: Facilitator
    stage: str
    via: str
    key: str  # the session's id (the hash of its token)


@dataclass(frozen=True)
class RoomAccess:
    """Where a room sits: what the permission checks and the audit log need to know."""

    room_id: str
    room_name: str
    meeting_id: str
    case_id: str
    meeting_open: bool
    locked: bool
    admit_all: bool


def manages_case(facilitator_id: int) -> ColumnElement[bool]:
    """Whether a case is one a facilitator works on: only with the facilitator role (an administrator
    or privacy officer without it sees no case), and then made by or shared with them (co-facilitation
    crosses teams), or belonging to one of their teams."""
    shared = select(CaseFacilitator.case_id).where(CaseFacilitator.facilitator_id == facilitator_id)
    teams = select(TeamMember.team_id).where(TeamMember.facilitator_id == facilitator_id)
    role = select(FacilitatorRole.facilitator_id).where(
        FacilitatorRole.facilitator_id == facilitator_id, FacilitatorRole.role == "facilitator"
    )
    return and_(role.exists(), or_(Case.id.in_(shared), Case.team_id.in_(teams)))


class MeetingStore:
    def __init__(self, engine: AsyncEngine, idle_after: timedelta = IDLE_AFTER) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        # A facilitator session unused for longer has ended (KRING_IDLE_MINUTES).
        self.idle_after = idle_after
        # Told after a write to participants (an id, or None for a whole meeting's), so that what
        # this process remembers of them goes (server/admission.py).
        self._participant_watchers: list[Callable[[str | None], None]] = []

    def watch_participants(self, watcher: Callable[[str | None], None]) -> None:
        self._participant_watchers.append(watcher)

    def _participants_changed(self, participant_id: str | None) -> None:
        for watcher in self._participant_watchers:
            watcher(participant_id)

    # -- facilitators and their sessions -----------------------------------------------------------

    async def add_facilitator(
        self, email: str, name: str, password: str, roles: tuple[str, ...] = ("facilitator",)
    ) -> Facilitator:
        async with self.sessions.begin() as db:
            person = Facilitator(email=email.strip().lower(), name=name, password_hash=hash_password(password))
            db.add(person)
            await db.flush()
            for role in roles:
                db.add(FacilitatorRole(facilitator_id=person.id, role=role))
        return person

    async def roles_of(self, facilitator_id: int) -> set[str]:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(FacilitatorRole.role).where(FacilitatorRole.facilitator_id == facilitator_id)
            )
            return set(rows)

    async def set_password(self, email: str, password: str) -> bool:
        async with self.sessions.begin() as db:
            result = await db.execute(
                update(Facilitator)
                .where(Facilitator.email == email.strip().lower())
                .values(password_hash=hash_password(password))
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def check_login(self, email: str, password: str) -> Facilitator | None:
        async with self.sessions() as db:
            person = await db.scalar(select(Facilitator).where(Facilitator.email == email.strip().lower()))
        if person is None or not person.password_hash:
            verify_password(DUMMY_HASH, password)
            return None
        if not verify_password(person.password_hash, password):
            return None
        # Checked after the password, so that a wrong password and a deactivated account cost the same.
        return person if person.active else None

    async def open_session(self, facilitator_id: int, *, stage: str = "full", via: str = "password") -> str:
        assert stage in STAGES
        token = new_token()
        moment = now()
        async with self.sessions.begin() as db:
            # The administrators' account list shows when each person last signed in.
            await db.execute(update(Facilitator).where(Facilitator.id == facilitator_id).values(last_login_at=now()))
            db.add(
                FacilitatorSession(
                    id=token_hash(token),
                    facilitator_id=facilitator_id,
                    created_at=moment,
                    expires_at=moment + SESSION_LIFETIME,
                    last_seen_at=moment,
                    stage=stage,
                    via=via,
                )
            )
        return token

    async def session_standing(self, token: str) -> SessionStanding | None:
        """The session behind `token` at any stage, or None once it expired, idled out or its account
        was deactivated. Using it counts as use: last_seen_at moves on (at most once a minute)."""
        key = token_hash(token)
        async with self.sessions() as db:
            row = await db.execute(
                select(Facilitator, FacilitatorSession)
                .join(FacilitatorSession, FacilitatorSession.facilitator_id == Facilitator.id)
                .where(FacilitatorSession.id == key)
            )
            found = row.first()
        if found is None:
            return None
        person, held = found
        moment = now()
        if in_utc(held.expires_at) < moment or not person.active:
            return None
        seen = in_utc(held.last_seen_at or held.created_at)
        if moment - seen > self.idle_after:
            async with self.sessions.begin() as db:
                ended = await db.execute(delete(FacilitatorSession).where(FacilitatorSession.id == key))
            if ended.rowcount:  # type: ignore[attr-defined]
                await self.audit("session_idle_ended", actor_kind="system", on_behalf_of=str(person.id))
            return None
        if moment - seen >= SEEN_EVERY:
            async with self.sessions.begin() as db:
                await db.execute(
                    update(FacilitatorSession).where(FacilitatorSession.id == key).values(last_seen_at=moment)
                )
        return SessionStanding(person, held.stage, held.via, key)

    async def session_facilitator(self, token: str) -> Facilitator | None:
        """Whoever is fully signed in with `token` (a session still at its second factor or its
        enrolment opens nothing but those steps)."""
        standing = await self.session_standing(token)
        return standing.person if standing is not None and standing.stage == "full" else None

    async def set_session_stage(self, key: str, stage: str) -> None:
        assert stage in STAGES
        async with self.sessions.begin() as db:
            await db.execute(update(FacilitatorSession).where(FacilitatorSession.id == key).values(stage=stage))

    async def close_session(self, token: str) -> None:
        async with self.sessions.begin() as db:
            await db.execute(delete(FacilitatorSession).where(FacilitatorSession.id == token_hash(token)))

    async def close_sessions_of(self, facilitator_id: int) -> int:
        """Every session of one person ends (a password reset); their sockets follow at revalidation."""
        async with self.sessions.begin() as db:
            result = await db.execute(
                delete(FacilitatorSession).where(FacilitatorSession.facilitator_id == facilitator_id)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- cases ------------------------------------------------------------------------------------

    async def create_case(self, facilitator_id: int, label: str, team_id: str | None = None) -> Case:
        async with self.sessions.begin() as db:
            case = Case(id=new_id(), label=label, team_id=team_id)
            db.add(case)
            await db.flush()
            db.add(CaseFacilitator(case_id=case.id, facilitator_id=facilitator_id))
        return case

    async def add_cofacilitator(self, case_id: str, email: str) -> Facilitator | None:
        async with self.sessions.begin() as db:
            person = await db.scalar(select(Facilitator).where(Facilitator.email == email.strip().lower()))
            if person is None:
                return None
            exists = await db.get(CaseFacilitator, (case_id, person.id))
            if exists is None:
                db.add(CaseFacilitator(case_id=case_id, facilitator_id=person.id))
        return person

    async def cases_of(self, facilitator_id: int) -> list[Case]:
        """The cases a facilitator made or was added to (in any team), and those of their teams."""
        async with self.sessions() as db:
            rows = await db.scalars(
                select(Case).where(manages_case(facilitator_id)).order_by(Case.created_at.desc(), Case.id)
            )
            return list(rows)

    async def facilitators_of_case(self, case_id: str) -> list[Facilitator]:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(Facilitator)
                .join(CaseFacilitator, CaseFacilitator.facilitator_id == Facilitator.id)
                .where(CaseFacilitator.case_id == case_id)
                .order_by(Facilitator.name)
            )
            return list(rows)

    async def facilitators(self) -> list[Facilitator]:
        async with self.sessions() as db:
            return list(await db.scalars(select(Facilitator).order_by(Facilitator.id)))

    async def claim_digest(self, day: date, facilitator_id: int) -> bool:
        """True for exactly one caller per facilitator and day, across every process on the store."""
        try:
            async with self.sessions.begin() as db:
                db.add(DigestSent(day=day, facilitator_id=facilitator_id, claimed_at=now()))
        except IntegrityError:
            return False
        return True

    async def digests_claimed(self, day: date) -> set[int]:
        """The facilitators whose digest of `day` is claimed already (so a beat tries no insert that
        can only fail: PostgreSQL would log each one)."""
        async with self.sessions() as db:
            return set(await db.scalars(select(DigestSent.facilitator_id).where(DigestSent.day == day)))

    async def release_digest(self, day: date, facilitator_id: int) -> None:
        """A digest that could not be sent: the claim goes, so the next attempt sends it."""
        async with self.sessions.begin() as db:
            await db.execute(
                delete(DigestSent).where(DigestSent.day == day, DigestSent.facilitator_id == facilitator_id)
            )

    async def can_manage_case(self, facilitator_id: int, case_id: str) -> bool:
        async with self.sessions() as db:
            found = await db.scalar(select(Case.id).where(Case.id == case_id, manages_case(facilitator_id)))
            return found is not None

    async def case(self, case_id: str) -> Case | None:
        async with self.sessions() as db:
            return await db.get(Case, case_id)

    # -- meetings and rooms -------------------------------------------------------------------------

    async def create_meeting(
        self, case_id: str, title: str, room_names: list[str], continues: list[str | None] | None = None
    ) -> Meeting:
        """One room by default; a split meeting gets one room per name, each with its own code.

        `continues[i]`, when given, is the room of an earlier meeting of the same case that room i
        carries on (checked by the caller with `earlier_room`)."""
        names = room_names or ["Kamer"]
        links = continues or [None] * len(names)
        assert len(links) == len(names)
        for _attempt in range(5):
            try:
                async with self.sessions.begin() as db:
                    # A timestamp with microseconds from here: meetings of a case are ordered by it.
                    meeting = Meeting(
                        id=new_id(), case_id=case_id, title=title, status="open", admit_all=False, created_at=now()
                    )
                    db.add(meeting)
                    await db.flush()
                    for position, (name, link) in enumerate(zip(names, links, strict=True)):
                        db.add(
                            MeetingRoom(
                                id=new_id(12),
                                meeting_id=meeting.id,
                                name=name,
                                position=position,
                                join_code=new_join_code(),
                                locked=False,
                                continues_room_id=link,
                            )
                        )
                return meeting
            except IntegrityError:
                continue  # a join code collided with an open meeting's: draw again
        raise RuntimeError("could not allocate unique join codes")

    async def meeting(self, meeting_id: str) -> Meeting | None:
        async with self.sessions() as db:
            return await db.get(Meeting, meeting_id)

    async def meetings_of_case(self, case_id: str) -> list[Meeting]:
        async with self.sessions() as db:
            rows = await db.scalars(select(Meeting).where(Meeting.case_id == case_id).order_by(Meeting.created_at))
            return list(rows)

    async def rooms_of(self, meeting_id: str) -> list[MeetingRoom]:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(MeetingRoom).where(MeetingRoom.meeting_id == meeting_id).order_by(MeetingRoom.position)
            )
            return list(rows)

    async def earlier_room(self, case_id: str, room_id: str) -> MeetingRoom | None:
        """`room_id` if it is a room of a meeting of `case_id`, else None (whether it does not exist
        or belongs to another case: the caller cannot tell)."""
        async with self.sessions() as db:
            return await db.scalar(
                select(MeetingRoom)
                .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
                .where(MeetingRoom.id == room_id, Meeting.case_id == case_id)
            )

    async def continued_room(self, room: MeetingRoom) -> MeetingRoom | None:
        """The room `room` explicitly continues, if that is a room of an earlier meeting of the same
        case. Nothing is ever guessed: a room without a link continues nothing."""
        if room.continues_room_id is None:
            return None
        async with self.sessions() as db:
            here = await db.get(Meeting, room.meeting_id)
            row = (
                await db.execute(
                    select(MeetingRoom, Meeting)
                    .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
                    .where(MeetingRoom.id == room.continues_room_id)
                )
            ).first()
        if here is None or row is None:
            return None
        earlier, meeting = row
        # Checked when the link was made; checked again because this decides what a projector shows.
        if meeting.case_id != here.case_id or meeting.id == here.id or meeting.created_at >= here.created_at:
            return None
        return earlier

    async def room(self, room_id: str) -> MeetingRoom | None:
        async with self.sessions() as db:
            return await db.get(MeetingRoom, room_id)

    async def room_access(self, room_id: str) -> RoomAccess | None:
        async with self.sessions() as db:
            row = (
                await db.execute(
                    select(MeetingRoom, Meeting)
                    .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
                    .where(MeetingRoom.id == room_id)
                )
            ).first()
        if row is None:
            return None
        room, meeting = row
        return RoomAccess(
            room_id=room.id,
            room_name=room.name,
            meeting_id=meeting.id,
            case_id=meeting.case_id,
            meeting_open=meeting.status == "open",
            locked=room.locked,
            admit_all=meeting.admit_all,
        )

    async def set_admit_all(self, meeting_id: str, admit_all: bool) -> None:
        async with self.sessions.begin() as db:
            await db.execute(update(Meeting).where(Meeting.id == meeting_id).values(admit_all=admit_all))

    async def close_meeting(self, meeting_id: str) -> None:
        """Codes stop working: they are removed, so they can also never collide again."""
        async with self.sessions.begin() as db:
            await db.execute(update(Meeting).where(Meeting.id == meeting_id).values(status="closed", closed_at=now()))
            await db.execute(
                update(MeetingRoom)
                .where(MeetingRoom.meeting_id == meeting_id)
                .values(join_code=None, projector_token_hash=None)
            )
            rooms = select(MeetingRoom.id).where(MeetingRoom.meeting_id == meeting_id)
            await db.execute(update(Participant).where(Participant.room_id.in_(rooms)).values(token_expires_at=now()))
        self._participants_changed(None)

    async def set_locked(self, room_id: str, locked: bool) -> None:
        async with self.sessions.begin() as db:
            await db.execute(update(MeetingRoom).where(MeetingRoom.id == room_id).values(locked=locked))

    async def new_projector_token(self, room_id: str) -> str:
        token = new_token()
        async with self.sessions.begin() as db:
            await db.execute(
                update(MeetingRoom).where(MeetingRoom.id == room_id).values(projector_token_hash=token_hash(token))
            )
        return token

    async def projector_room(self, token: str) -> MeetingRoom | None:
        async with self.sessions() as db:
            return await db.scalar(select(MeetingRoom).where(MeetingRoom.projector_token_hash == token_hash(token)))

    # -- participants -----------------------------------------------------------------------------

    async def room_by_code(self, code: str) -> RoomAccess | None:
        async with self.sessions() as db:
            room_id = await db.scalar(select(MeetingRoom.id).where(MeetingRoom.join_code == code))
        return None if room_id is None else await self.room_access(room_id)

    async def add_participant(
        self, room_id: str, name: str, relation: str, admitted: bool, *, in_person: bool = False
    ) -> tuple[Participant, str]:
        token = new_token()
        async with self.sessions.begin() as db:
            person = Participant(
                id=new_id(),
                room_id=room_id,
                name=name,
                relation=relation,
                status="admitted" if admitted else "waiting",
                in_person=in_person,
                token_hash=token_hash(token),
                token_expires_at=now() + PARTICIPANT_TOKEN_LIFETIME,
            )
            db.add(person)
        return person, token

    async def participant_by_token(self, token: str) -> Participant | None:
        """The token's participant while the token is valid: not expired, not removed."""
        async with self.sessions() as db:
            person = await db.scalar(select(Participant).where(Participant.token_hash == token_hash(token)))
        if person is None or person.status == "removed" or in_utc(person.token_expires_at) < now():
            return None
        return person

    async def refresh_token(self, participant_id: str) -> None:
        """Short-lived but not cut off mid-meeting: every use extends it (until the meeting closes)."""
        async with self.sessions.begin() as db:
            await db.execute(
                update(Participant)
                .where(Participant.id == participant_id, Participant.status != "removed")
                .values(token_expires_at=now() + PARTICIPANT_TOKEN_LIFETIME)
            )

    async def participant_by_any_token(self, token: str) -> Participant | None:
        """The token's participant whatever their status or expiry, so that a removed phone can be
        told it was removed rather than that its token is unknown."""
        async with self.sessions() as db:
            return await db.scalar(select(Participant).where(Participant.token_hash == token_hash(token)))

    async def participant(self, participant_id: str) -> Participant | None:
        async with self.sessions() as db:
            return await db.get(Participant, participant_id)

    async def participants_of(self, room_id: str) -> list[Participant]:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(Participant).where(Participant.room_id == room_id).order_by(Participant.created_at)
            )
            return list(rows)

    async def set_participant(self, participant_id: str, **values: object) -> None:
        async with self.sessions.begin() as db:
            await db.execute(update(Participant).where(Participant.id == participant_id).values(**values))
        self._participants_changed(participant_id)

    # -- the safety-network register ------------------------------------------------------------------

    async def network_of(self, case_id: str) -> list[NetworkMember]:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(NetworkMember).where(NetworkMember.case_id == case_id).order_by(NetworkMember.created_at)
            )
            return list(rows)

    async def network_member(self, member_id: str) -> NetworkMember | None:
        async with self.sessions() as db:
            return await db.get(NetworkMember, member_id)

    async def add_network_member(self, case_id: str, **values: object) -> NetworkMember:
        async with self.sessions.begin() as db:
            member = NetworkMember(id=new_id(), case_id=case_id, created_at=now(), **values)
            db.add(member)
        return member

    async def update_network_member(self, member_id: str, **values: object) -> None:
        async with self.sessions.begin() as db:
            await db.execute(update(NetworkMember).where(NetworkMember.id == member_id).values(**values))

    async def remove_network_member(self, member_id: str) -> None:
        async with self.sessions.begin() as db:
            await db.execute(delete(NetworkMember).where(NetworkMember.id == member_id))

    # -- the network's links and the safety journal (server.meetings.domain.network_links) --------------

    async def add_plan_link(self, room_id: str, participant_id: str) -> tuple[PlanLink, str]:
        """A new link for a person; their earlier link (if any) ends: one link per person."""
        token = new_token()
        moment = now()
        async with self.sessions.begin() as db:
            await db.execute(
                update(PlanLink)
                .where(PlanLink.participant_id == participant_id, PlanLink.revoked_at.is_(None))
                .values(revoked_at=moment)
            )
            link = PlanLink(
                id=new_id(),
                room_id=room_id,
                participant_id=participant_id,
                token_hash=token_hash(token),
                created_at=moment,
            )
            db.add(link)
        return link, token

    async def plan_links_of(self, room_id: str) -> list[PlanLink]:
        async with self.sessions() as db:
            rows = await db.scalars(select(PlanLink).where(PlanLink.room_id == room_id).order_by(PlanLink.created_at))
            return list(rows)

    async def plan_link(self, link_id: str) -> PlanLink | None:
        async with self.sessions() as db:
            return await db.get(PlanLink, link_id)

    async def plan_link_by_token(self, token: str) -> PlanLink | None:
        """The token's link while it stands: not revoked, and its meeting neither deleted nor deleting."""
        async with self.sessions() as db:
            row = (
                await db.execute(
                    select(PlanLink, Meeting.status)
                    .join(MeetingRoom, MeetingRoom.id == PlanLink.room_id)
                    .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
                    .where(PlanLink.token_hash == token_hash(token))
                )
            ).first()
        if row is None or row[0].revoked_at is not None or row[1] in ("deleting", "deleted"):
            return None
        return row[0]

    async def touch_plan_link(self, link_id: str) -> None:
        async with self.sessions.begin() as db:
            await db.execute(update(PlanLink).where(PlanLink.id == link_id).values(last_used_at=now()))

    async def revoke_plan_link(self, link_id: str) -> None:
        async with self.sessions.begin() as db:
            await db.execute(
                update(PlanLink).where(PlanLink.id == link_id, PlanLink.revoked_at.is_(None)).values(revoked_at=now())
            )

    async def revoke_plan_links_of_room(self, room_id: str) -> int:
        async with self.sessions.begin() as db:
            result = await db.execute(
                update(PlanLink)
                .where(PlanLink.room_id == room_id, PlanLink.revoked_at.is_(None))
                .values(revoked_at=now())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def add_journal_entry(
        self, room_id: str, participant_id: str, rule_id: str, verdict: str, note: str, day: date
    ) -> JournalEntry:
        async with self.sessions.begin() as db:
            entry = JournalEntry(
                id=new_id(),
                room_id=room_id,
                participant_id=participant_id,
                rule_id=rule_id,
                verdict=verdict,
                note=note,
                day=day,
                created_at=now(),
            )
            db.add(entry)
        return entry

    async def journal_entries_of(self, room_id: str, participant_id: str | None = None) -> list[JournalEntry]:
        query = select(JournalEntry).where(JournalEntry.room_id == room_id)
        if participant_id is not None:
            query = query.where(JournalEntry.participant_id == participant_id)
        async with self.sessions() as db:
            return list(await db.scalars(query.order_by(JournalEntry.day, JournalEntry.created_at)))

    async def journal_count_since(self, participant_id: str, since: datetime) -> int:
        async with self.sessions() as db:
            found = await db.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(JournalEntry.participant_id == participant_id, JournalEntry.created_at >= since)
            )
        return int(found or 0)

    # -- audit ----------------------------------------------------------------------------------------

    async def audit(
        self,
        action: str,
        *,
        actor_kind: str,
        actor_id: str | None = None,
        access: RoomAccess | None = None,
        case_id: str | None = None,
        meeting_id: str | None = None,
        room_id: str | None = None,
        on_behalf_of: str | None = None,
        detail: str | None = None,
    ) -> None:
        async with self.sessions.begin() as db:
            db.add(
                AuditEntry(
                    actor_kind=actor_kind,
                    actor_id=actor_id,
                    action=action,
                    case_id=access.case_id if access else case_id,
                    meeting_id=access.meeting_id if access else meeting_id,
                    room_id=access.room_id if access else room_id,
                    on_behalf_of=on_behalf_of,
                    detail=detail,
                    # From where, as the request that caused it was seen (server.store.auditlog).
                    address=current_address(),
                )
            )

    async def audit_entries(self, *, case_id: str | None = None, meeting_id: str | None = None) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if case_id is not None:
            query = query.where(AuditEntry.case_id == case_id)
        if meeting_id is not None:
            query = query.where(AuditEntry.meeting_id == meeting_id)
        async with self.sessions() as db:
            return list(await db.scalars(query))

    # -- deletion (server.meetings.http.deletion) ---------------------------------------------------

    async def meetings_due_for_deletion(self, closed_before: datetime) -> list[str]:
        """Closed meetings past their retention, and any whose deletion was begun and not finished."""
        async with self.sessions() as db:
            rows = await db.scalars(
                select(Meeting.id).where(
                    ((Meeting.status == "closed") & (Meeting.closed_at <= closed_before))
                    | (Meeting.status == "deleting")
                )
            )
            return list(rows)

    async def begin_deletion(self, meeting_id: str) -> bool:
        """Nobody gets in any more: closed as by close_meeting, and marked so a crash resumes it.
        False if the meeting is already deleted (or does not exist)."""
        async with self.sessions.begin() as db:
            result = await db.execute(
                update(Meeting)
                .where(Meeting.id == meeting_id, Meeting.status != "deleted")
                .values(status="deleting", closed_at=func.coalesce(Meeting.closed_at, now()))
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            await db.execute(
                update(MeetingRoom)
                .where(MeetingRoom.meeting_id == meeting_id)
                .values(join_code=None, projector_token_hash=None, locked=True)
            )
            rooms = select(MeetingRoom.id).where(MeetingRoom.meeting_id == meeting_id)
            await db.execute(update(Participant).where(Participant.room_id.in_(rooms)).values(token_expires_at=now()))
            # The network's links end with the meeting's deletion, whatever else happens next.
            await db.execute(
                update(PlanLink)
                .where(PlanLink.room_id.in_(rooms), PlanLink.revoked_at.is_(None))
                .values(revoked_at=now())
            )
        self._participants_changed(None)
        return True

    async def erase_meeting(self, meeting_id: str) -> None:
        """Leave a tombstone: the meeting and its rooms by id (the audit log refers to them), with
        no title, no room names, no people. The rooms' documents are the update log's to delete."""
        async with self.sessions.begin() as db:
            rooms = select(MeetingRoom.id).where(MeetingRoom.meeting_id == meeting_id)
            # The journal's notes and the links go with the people who wrote and held them.
            await db.execute(delete(JournalEntry).where(JournalEntry.room_id.in_(rooms)))
            await db.execute(delete(PlanLink).where(PlanLink.room_id.in_(rooms)))
            await db.execute(delete(Participant).where(Participant.room_id.in_(rooms)))
            # A later meeting's room that carried this one on now carries on nothing.
            await db.execute(
                update(MeetingRoom).where(MeetingRoom.continues_room_id.in_(rooms)).values(continues_room_id=None)
            )
            await db.execute(update(MeetingRoom).where(MeetingRoom.meeting_id == meeting_id).values(name=""))
            await db.execute(
                update(Meeting).where(Meeting.id == meeting_id).values(status="deleted", title="", admit_all=False)
            )
        self._participants_changed(None)

    async def purge_deleted_documents(self) -> int:
        """Delete any update or snapshot of a deleted meeting's rooms: one that a process still
        committed after the deletion (a socket mid-frame) goes on the next sweep. Returns rows."""
        deleted_rooms = (
            select(MeetingRoom.id)
            .join(Meeting, Meeting.id == MeetingRoom.meeting_id)
            .where(Meeting.status == "deleted")
        )
        async with self.sessions.begin() as db:
            updates = await db.execute(delete(RoomUpdate).where(RoomUpdate.room.in_(deleted_rooms)))
            snapshots = await db.execute(delete(RoomSnapshot).where(RoomSnapshot.room.in_(deleted_rooms)))
        return int(updates.rowcount or 0) + int(snapshots.rowcount or 0)  # type: ignore[attr-defined]
