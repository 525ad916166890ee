"""The tables of the store. Only server.store knows SQL."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, false, func, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for a log.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class RoomUpdate(Base):
    """One CRDT update as a client sent it, in arrival order (append-only until compaction)."""

    __tablename__ = "room_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    room: Mapped[str] = mapped_column(String(64), index=True)
    doc: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoomSnapshot(Base):
    """A document's whole state up to and including update `upto_id` of the log."""

    __tablename__ = "room_snapshots"

    room: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    upto_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Facilitator(Base):
    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # "" for an account that signs in only through single sign-on (no password verifies against it).
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # A deactivated account keeps its cases (with its team) but can no longer sign in.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Base32 TOTP secret (RFC 6238); enabled only once the person proved a code from it.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The time step of the last code accepted: a code (or an older one) does not work twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


ROLES = ("facilitator", "team_lead", "admin", "privacy_officer")


class FacilitatorRole(Base):
    """A person may hold several roles; no row, no role (deny by default)."""

    __tablename__ = "facilitator_roles"

    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(24), primary_key=True)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AccountToken(Base):
    """A one-time link to set a password (an invitation or a reset): single use, expires, hash only."""

    __tablename__ = "account_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RecoveryCode(Base):
    """A second-factor recovery code, stored as a hash; each works once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SsoIdentity(Base):
    """Who an OpenID Connect provider's subject is here: (issuer, sub) is the stable key, not the e-mail."""

    __tablename__ = "sso_identities"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)


class FacilitatorSession(Base):
    """A server-side login session; the cookie carries only a signed opaque id whose hash is `id`."""

    __tablename__ = "facilitator_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # For the idle timeout: a session unused for longer than the configured idle time has ended.
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # "full" = signed in; "second_factor" = password checked, TOTP code still to give; "enrol" = password
    # checked, a second factor must be set up first. Only "full" opens anything but those steps.
    stage: Mapped[str] = mapped_column(String(16), default="full", server_default="full")
    # "password" or "sso": how this session was opened (sign-out of an SSO session also ends it there).
    via: Mapped[str] = mapped_column(String(16), default="password", server_default="password")


class Case(Base):
    """A family, under a pseudonymous label (never a real name or BSN)."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The team the case belongs to: its members see it. None for a case made before teams existed.
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), nullable=True, index=True)


class CaseFacilitator(Base):
    __tablename__ = "case_facilitators"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True)


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    admit_all: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class MeetingRoom(Base):
    """One room of a meeting; its id is also the name of its live CRDT room."""

    __tablename__ = "meeting_rooms"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    projector_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # The room of an earlier meeting of the same case that this room carries on (the same parent's
    # room, or the same joint room), set only by the facilitator when the meeting is made. The
    # previous scores shown beside this room's come from that room and from no other: guessing by
    # position or name once showed a mother's room the father's network.
    continues_room_id: Mapped[str | None] = mapped_column(
        ForeignKey("meeting_rooms.id", ondelete="SET NULL"), nullable=True
    )


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("meeting_rooms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    relation: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    # Added by the facilitator for someone without a phone: at the meeting, never connected.
    in_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A child (relation "child") sees the child view unless the facilitator switched them to the full board.
    full_board: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The children's version (issue 14, migration 0013): a photo of this person, kept only with their
    # consent (the file under the room's uploads dir, people/<photo>; the moment consent was given),
    # and whether they are one of the children's safety people (None: if they carry a rule the
    # children are told, the default; True/False: the facilitator chose).
    photo: Mapped[str | None] = mapped_column(String(80), nullable=True)
    photo_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    safety_person: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class AuditEntry(Base):
    """Who did what, when, where, on whose behalf — never the content (NEN 7513 style)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    meeting_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    room_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # From where: the client's address as the server saw it (never content).
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class NetworkMember(Base):
    """The safety-network register of a case: who carries the plan. Facilitators only: it holds contact
    details, and in a split case it names both parents' networks."""

    __tablename__ = "network_members"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(500), default="")
    knows_worries: Mapped[bool] = mapped_column(Boolean, default=False)
    contact: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlanLink(Base):
    """A network member's personal link to their room's plan, between meetings. Only the token's
    hash is kept; the link ends when revoked or when retention deletes the meeting."""

    __tablename__ = "plan_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("meeting_rooms.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class JournalEntry(Base):
    """One report of the safety journal: did a rule hold on a day, as one network member saw it.
    A record, not a live edit: it never enters a CRDT document."""

    __tablename__ = "journal_entries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("meeting_rooms.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestSent(Base):
    """One row per facilitator and day: the claim that makes the daily review digest go out once,
    however many processes share the store (the first insert wins, the others hit the key)."""

    __tablename__ = "digests_sent"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
