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
    once. Who a phone is (its token) is always asked of the store: a token ends without a kick when
    a phone leaves, and must not get back in."""

    def __init__(self, ttl: float, max_entries: int = 20_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._rooms: OrderedDict[str, tuple[float, RoomAccess]] = OrderedDict()
        self._asking: dict[str, asyncio.Future[RoomAccess | None]] = {}
        self._generation = 0  # advanced by every kick and round: answers asked for before are stale

    def _fresh(self, table: OrderedDict[str, tuple[float, Any]], key: str) -> Any:
        entry = table.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > self.ttl:
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

    def forget(self, room: str, subject: str) -> None:
        """A kick: `subject` (`*`: everyone) is out of `room`, or the room closed."""
        if subject == "*":
            self._rooms.pop(room, None)
            self._asking.pop(room, None)
            self._generation += 1

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
    person = await store.participant_by_token(token)
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
