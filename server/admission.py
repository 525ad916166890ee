"""Who is connecting: a socket's identity and room, from a session, a token or a projector link.

Decided once, at connect, from server-side records. The payload only carries the secret that
proves who someone is; what that person may see and do follows from the records, never from it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

from server.auth import token_hash, unsign
from server.cookie_names import PARTICIPANT_COOKIE, SESSION_COOKIE
from server.protocol import ROOM_NAME, Refusal, Refused
from server.rooms.schema import CHILD_RELATION, Identity
from server.store.meetings import PARTICIPANT_TOKEN_LIFETIME, MeetingStore, RoomAccess, in_utc, now
from server.store.models import Participant

# A connect extends a phone's token only once it has aged this much: while a socket is open the
# revalidation round keeps the token alive anyway, and a write (an fsync) per connect was most of
# a connect's cost when a crowd came back at once.
_REFRESH_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Admission:
    identity: Identity
    access: RoomAccess
    # What revalidation checks later: a facilitator's session id, a participant's id, the hash of
    # a projector link (server/store/validity.py).
    credential: str


class AdmissionCache:
    """A room's access (its meeting open, its case) as the store last said, for `ttl` seconds: a
    room's phones connect together, and each asked the store the same question.

    The store stays the authority: revalidation asks it every few seconds for every open socket
    and closes those of a room that closed, and a kick for the whole room (it closed) forgets it at
    once.

    Who a phone is (its token's participant) is remembered too, from its join or its first connect,
    so that a phone's connect right after joining, or its reconnect, asks the store nothing. Every
    write to a participant in this process forgets them at once (MeetingStore.watch_participants);
    each round asks the store about every remembered participant as about those with a socket, and
    forgets the ones no longer admitted with a live token (a phone that left or was removed through
    another process)."""

    def __init__(self, ttl: float, max_entries: int = 20_000, people_ttl: float = 120.0) -> None:
        self.ttl = ttl
        # Each round asks about every remembered participant, so they may be kept longer than a
        # round: long enough for a phone to go from its join to its connect, or to come back.
        self.people_ttl = people_ttl if ttl > 0 else 0.0
        self.max_entries = max_entries
        self._rooms: OrderedDict[str, tuple[float, RoomAccess]] = OrderedDict()
        self._asking: dict[str, asyncio.Future[RoomAccess | None]] = {}
        self._generation = 0  # advanced by every kick and round: answers asked for before are stale
        self._people: OrderedDict[str, tuple[float, Participant]] = OrderedDict()  # by token hash
        self._token_of: dict[str, str] = {}  # participant id -> the token hash they are kept under
        self.people_generation = 0  # advanced by every forgetting: a lookup from before is stale

    def _fresh(self, table: OrderedDict[str, tuple[float, Any]], key: str) -> Any:
        entry = table.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > (self.people_ttl if table is self._people else self.ttl):
            del table[key]
            return None
        return entry[1]

    def _put(self, table: OrderedDict[str, tuple[float, Any]], key: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        table.pop(key, None)
        table[key] = (time.monotonic(), value)
        while len(table) > self.max_entries:
            table.popitem(last=False)

    async def room_access(self, store: MeetingStore, room_id: str) -> RoomAccess | None:
        if self.ttl <= 0:
            return await store.room_access(room_id)
        access: RoomAccess | None = self._fresh(self._rooms, room_id)
        if access is not None:
            return access
        # A room's phones arrive together: the first one asks, the others wait for its answer.
        asking = self._asking.get(room_id)
        if asking is None:
            asking = self._asking[room_id] = asyncio.ensure_future(store.room_access(room_id))
            asking.add_done_callback(
                lambda done: self._asking.pop(room_id, None) if self._asking.get(room_id) is done else None
            )
        generation = self._generation
        access = await asyncio.shield(asking)
        # Not remembered if a kick or a round came while the store was answering: it may be older.
        if access is not None and access.meeting_open and generation == self._generation:
            self._put(self._rooms, room_id, access)
        return access

    def person(self, hashed_token: str) -> Participant | None:
        """The admitted participant of a token, as remembered; None if not (or no longer) known."""
        if self.ttl <= 0:
            return None
        person: Participant | None = self._fresh(self._people, hashed_token)
        if person is None:
            return None
        if person.status != "admitted" or in_utc(person.token_expires_at) < now():
            self.forget_person(person.id)
            return None
        return person

    def remember_person(self, hashed_token: str, person: Participant, generation: int | None = None) -> None:
        """Keep an admitted participant; not if something was forgotten since `generation`."""
        if person.status != "admitted" or (generation is not None and generation != self.people_generation):
            return
        previous = self._token_of.pop(person.id, None)  # a newer token of theirs replaces the older
        if previous is not None:
            self._people.pop(previous, None)
        self._put(self._people, hashed_token, person)
        if hashed_token in self._people:
            self._token_of[person.id] = hashed_token
        self._prune()  # `_put` may have pushed the oldest out

    def forget_person(self, participant_id: str | None) -> None:
        """A participant's record changed (None: many at once); forget them (None: everyone)."""
        self.people_generation += 1
        if participant_id is None:
            self._people.clear()
            self._token_of.clear()
            return
        hashed = self._token_of.pop(participant_id, None)
        if hashed is not None:
            self._people.pop(hashed, None)

    def people(self) -> set[str]:
        """The ids of the participants remembered, for the revalidation round to ask about."""
        self._prune()  # some may have run out of time
        return set(self._token_of)

    def _prune(self) -> None:
        # Who ran out of time goes even if never looked up again: a phone that left for good is not
        # asked for, and each round would otherwise ask the store about every phone of the day (the
        # soak's rounds grew by their phones until `max_entries`). `_put` keeps the table oldest first.
        cutoff = time.monotonic() - self.people_ttl
        while self._people:
            oldest = next(iter(self._people.values()))
            if oldest[0] >= cutoff:
                break
            self._people.popitem(last=False)
        if len(self._token_of) > len(self._people):
            self._token_of = {pid: hashed for pid, hashed in self._token_of.items() if hashed in self._people}

    def keep_people(self, asked: set[str], admitted: frozenset[str]) -> None:
        """The round's answer about `asked`: forget whoever is not admitted with a live token any more
        (whoever was remembered while the store answered was not asked about, and stays)."""
        for participant_id in (asked & self.people()) - admitted:
            self.forget_person(participant_id)

    def forget(self, room: str, subject: str) -> None:
        """A kick: `subject` (`*`: everyone) is out of `room`, or the room closed."""
        if subject == "*":
            self._rooms.pop(room, None)
            self._asking.pop(room, None)
            self._generation += 1
            for participant_id, hashed in list(self._token_of.items()):
                entry = self._people.get(hashed)
                if entry is not None and entry[1].room_id == room:
                    self.forget_person(participant_id)
        else:
            self.forget_person(subject)

    def clear(self) -> None:
        self._rooms.clear()
        self._asking.clear()
        self._generation += 1


def cookies_from_environ(environ: dict[str, Any]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except Exception:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


async def admit_socket(
    store: MeetingStore,
    secret_key: str,
    auth: Any,
    cookies: dict[str, str],
    cache: AdmissionCache | None = None,
) -> Admission:
    """The identity a socket connects as; Refused with a clear code otherwise."""
    payload = auth if isinstance(auth, dict) else {}
    cache = cache if cache is not None else AdmissionCache(0)
    if "projector" in payload:
        return await _projector(store, payload["projector"], cache)
    if "token" in payload or ("room" not in payload and PARTICIPANT_COOKIE in cookies):
        return await _participant(store, payload.get("token", cookies.get(PARTICIPANT_COOKIE)), cache)
    return await _facilitator(store, secret_key, payload, cookies, cache)


async def _facilitator(
    store: MeetingStore, secret_key: str, payload: dict[str, Any], cookies: dict[str, str], cache: AdmissionCache
) -> Admission:
    room_id = payload.get("room")
    signed = payload.get("session", cookies.get(SESSION_COOKIE))
    if not isinstance(room_id, str) or not ROOM_NAME.match(room_id) or not isinstance(signed, str):
        raise Refused(Refusal.BAD_AUTH)
    token = unsign(signed, secret_key)
    if not token:
        raise Refused(Refusal.BAD_AUTH)
    person = await store.session_facilitator(token)
    access = await cache.room_access(store, room_id)
    # One answer for "no such room" and "not your room": existence is not revealed.
    if person is None or access is None or not await store.can_manage_case(person.id, access.case_id):
        raise Refused(Refusal.BAD_AUTH)
    if not access.meeting_open:
        raise Refused(Refusal.ROOM_CLOSED)
    identity = Identity("facilitator", str(person.id), person.name, "facilitator")
    return Admission(identity, access, token_hash(token))


async def _participant(store: MeetingStore, token: Any, cache: AdmissionCache) -> Admission:
    if not isinstance(token, str) or not token:
        raise Refused(Refusal.BAD_AUTH)
    hashed = token_hash(token)
    person = cache.person(hashed)
    if person is None:
        generation = cache.people_generation
        person = await store.participant_by_token(token)
        if person is not None:
            cache.remember_person(hashed, person, generation)
    if person is None:
        known = await store.participant_by_any_token(token)
        # A phone that was removed while it was away is told so, not that its token is unknown.
        raise Refused(Refusal.REMOVED if known is not None and known.status == "removed" else Refusal.BAD_AUTH)
    if person.status != "admitted":
        raise Refused(Refusal.NOT_ADMITTED)
    access = await cache.room_access(store, person.room_id)
    if access is None or not access.meeting_open:
        raise Refused(Refusal.ROOM_CLOSED)
    if in_utc(person.token_expires_at) - now() < PARTICIPANT_TOKEN_LIFETIME - _REFRESH_AFTER:
        await store.refresh_token(person.id)
        cache.forget_person(person.id)  # remembered with the old end; asked afresh next time
    # A child sees the child view unless the facilitator switched them to the full board (16+).
    child_view = person.relation == CHILD_RELATION and not person.full_board
    identity = Identity("participant", person.id, person.name, person.relation, child_view=child_view)
    return Admission(identity, access, person.id)


async def _projector(store: MeetingStore, token: Any, cache: AdmissionCache) -> Admission:
    room = await store.projector_room(token) if isinstance(token, str) and token else None
    access = await cache.room_access(store, room.id) if room is not None else None
    if access is None:
        raise Refused(Refusal.BAD_AUTH)
    if not access.meeting_open:
        raise Refused(Refusal.ROOM_CLOSED)
    return Admission(Identity("projector", access.room_id, "Beamer", "projector"), access, token_hash(token))


# A phone waiting to be let in holds a connection of its own in this namespace: it hears its own
# admission state there and nothing of the room (docs/protocol.md, "Waiting to be let in").
WAITING_NAMESPACE = "/waiting"


@dataclass(frozen=True)
class Waiting:
    participant_id: str
    room_id: str
    # "waiting", "admitted", "removed" or "room_closed": what the phone's waiting screen shows next.
    status: str


async def waiting_standing(store: MeetingStore, token: Any) -> Waiting:
    """Where a phone with a pending join token stands; Refused(BAD_AUTH) for an unknown or ended token."""
    if not isinstance(token, str) or not token:
        raise Refused(Refusal.BAD_AUTH)
    person = await store.participant_by_any_token(token)
    if person is None:
        raise Refused(Refusal.BAD_AUTH)
    if person.status == "removed":
        return Waiting(person.id, person.room_id, "removed")
    access = await store.room_access(person.room_id)
    if access is None or not access.meeting_open:
        return Waiting(person.id, person.room_id, "room_closed")
    if await store.participant_by_token(token) is None:
        raise Refused(Refusal.BAD_AUTH)  # left, or expired
    return Waiting(person.id, person.room_id, person.status)
